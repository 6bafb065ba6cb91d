"""``manifest.json``: what an index directory holds and how it was built, and the errors
raised when an index cannot be used (each carries the exact command that rebuilds it)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from draftkit.errors import DraftkitError
from draftkit.retrieval.atomic import MANIFEST_FILE

FORMAT = "draftkit-index"
FORMAT_VERSION = 1
DEFAULT_SOURCES = ["samples/corpus"]


class EmbedderInfo(BaseModel):
    name: str
    dim: int
    query_prefix: str = ""
    passage_prefix: str = ""
    max_seq_length: int = 512
    dtype: str = "float32"  # what the model ran in when the index was built (informative; vectors are float32)


class DenseInfo(BaseModel):
    type: str  # flat | hnsw
    file: str = "dense.faiss"
    ntotal: int = 0
    tombstones: list[int] = Field(default_factory=list)


class LexicalInfo(BaseModel):
    tokenizer: str = "jieba.cut_for_search"
    folder: str = "lexical"
    userdict_sha256: str = ""
    stopwords_sha256: str = ""
    k1: float = 1.2
    b: float = 0.75
    method: str = "lucene"


class Counts(BaseModel):
    documents: int = 0
    chunks: int = 0
    sentences: int = 0


class Manifest(BaseModel):
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    draftkit_version: str = ""
    embedder: EmbedderInfo
    chunker_version: str
    counts: Counts
    dense: DenseInfo
    lexical: LexicalInfo
    corpus_sha256: str = ""  # over the sorted sha256 of the indexed documents
    sources: list[str] = Field(default_factory=list)  # paths given to build/add, for the rebuild command
    files: dict[str, int] = Field(default_factory=dict)  # file → size in bytes, checked on open
    built_at: str = ""
    updated_at: str = ""

    def write(self, folder: Path) -> None:
        (folder / MANIFEST_FILE).write_text(self.model_dump_json(indent=2), encoding="utf-8")


def rebuild_command(index_dir: Path | str, sources: list[str] | None = None) -> str:
    paths = [s for s in (sources or []) if s] or DEFAULT_SOURCES
    return "draftkit index build " + " ".join(shlex.quote(p) for p in paths) + " --index " + shlex.quote(str(index_dir))


class IndexUnavailable(DraftkitError, RuntimeError):
    """The index cannot be opened or written; ``rebuild_command`` is the command that fixes it."""

    def __init__(self, index_dir: Path | str, problem: str, sources: list[str] | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.problem = problem
        self.rebuild_command = rebuild_command(index_dir, sources)
        verb = "Build one with" if isinstance(self, IndexMissing) else "Rebuild it with"
        super().__init__(f"index {index_dir}: {problem}. {verb}: {self.rebuild_command}")


class IndexMissing(IndexUnavailable):
    """There is no index at the directory."""


class IndexMismatch(IndexUnavailable):
    """The index was built with another format, embedder or chunker."""


class IndexCorrupt(IndexUnavailable):
    """A file of the index is truncated, unreadable or inconsistent with the manifest."""


class DocumentNotFound(DraftkitError, LookupError):
    """No document in the index has that id or path."""


def read_manifest(index_dir: Path) -> Manifest:
    path = index_dir / MANIFEST_FILE
    if not path.is_file():
        raise IndexMissing(index_dir, "no index here (manifest.json is missing)")
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(index_dir, f"manifest.json is unreadable ({exc})") from exc
    sources = raw.get("sources") if isinstance(raw, dict) and isinstance(raw.get("sources"), list) else None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise IndexMismatch(index_dir, "manifest.json does not describe a draftkit index", sources)
    if raw.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(
            index_dir,
            f"index format version {raw.get('format_version')!r}, this draftkit reads version {FORMAT_VERSION}",
            sources,
        )
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        raise IndexCorrupt(index_dir, f"manifest.json is invalid ({exc.error_count()} problems)", sources) from exc
