"""Retrieval: offline Chinese embeddings in FAISS plus jieba/BM25, hybrid search with filters.

    from draftkit.retrieval import build_index, Index
    build_index(["samples/corpus"], "index")
    hits = Index.open("index").search("带领少先队员参观纪念馆", k=5, kinds=["mass_orgs"], years=range(2019, 2025))

Nothing heavy is imported here: the embedding model loads at the first dense search or build.
"""

from draftkit.retrieval.embed import Embedder, EmbedderUnavailable, get_embedder
from draftkit.retrieval.index import (
    BuildResult,
    DocumentInfo,
    Index,
    add_paths,
    build_documents,
    build_index,
    remove_document,
)
from draftkit.retrieval.manifest import (
    DocumentNotFound,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    IndexUnavailable,
)
from draftkit.retrieval.ranking import MODES, Hit

__all__ = [
    "MODES",
    "BuildResult",
    "DocumentInfo",
    "DocumentNotFound",
    "Embedder",
    "EmbedderUnavailable",
    "Hit",
    "Index",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexMissing",
    "IndexUnavailable",
    "add_paths",
    "build_documents",
    "build_index",
    "get_embedder",
    "remove_document",
]
