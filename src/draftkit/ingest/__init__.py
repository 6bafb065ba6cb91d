"""Ingestion: files → clean text → structure → section-aware chunks.

Public entry points (see ``pipeline.py``): ``ingest_paths``, ``ingest_file``, ``ingest_text``.
"""

from draftkit.ingest.models import (  # noqa: F401
    SECTION_KINDS,
    Block,
    Chunk,
    Document,
    FileResult,
    Heading,
    LoadedFile,
    Placeholder,
    Removal,
)
