"""Ingestion: files → clean text → structure → section-aware chunks.

Public entry points (see ``pipeline.py``): ``ingest_paths``, ``ingest_file``, ``ingest_text``;
bad files raise (``ingest_file``) or report (``ingest_paths``) an ``IngestError``.
"""

from draftkit.ingest.chunk import CHUNKER_VERSION  # noqa: F401
from draftkit.ingest.load import IngestError  # noqa: F401  (after models: load imports them)
from draftkit.ingest.models import (  # noqa: F401
    Block,
    Chunk,
    Document,
    FileResult,
    Heading,
    LoadedFile,
    Placeholder,
    Removal,
)
from draftkit.ingest.pipeline import ingest_file, ingest_paths, ingest_text  # noqa: F401
from draftkit.section_kinds import SECTION_KINDS  # noqa: F401  (ingest labels chunks with these)

__all__ = [
    "SECTION_KINDS", "Block", "Chunk", "Document", "FileResult", "Heading", "LoadedFile", "Placeholder",
    "Removal", "IngestError", "ingest_file", "ingest_paths", "ingest_text", "CHUNKER_VERSION",
]
