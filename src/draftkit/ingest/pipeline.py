"""The ingestion pipeline: files or pasted text → :class:`Document` (cleaned text, structure, chunks).

``ingest_paths`` is the batch entry point: directories are walked recursively, unknown file
types are listed as skipped, and a bad file ends as an error naming the file and the problem
— it never stops the batch and never raises.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from draftkit.ingest.chunk import chunk_document
from draftkit.ingest.clean import CleanResult, blank_result, clean_text
from draftkit.ingest.load import (
    SUPPORTED_EXTENSIONS,
    IngestError,
    LoadLimits,
    display_path,
    load_file,
    special_file_kind,
)
from draftkit.ingest.models import Block, Document, FileResult
from draftkit.ingest.structure import parse_structure
from draftkit.progress import ProgressCallback, notify

__all__ = ["ingest_file", "ingest_text", "ingest_paths", "process_text", "iter_source_files"]

_IGNORED_NAMES = (".", "~$", ".~lock")


def process_text(
    text: str,
    *,
    doc_id: str,
    source: str,
    sha256: str,
    fmt: str,
    blocks: Sequence[Block] | None = None,
    clean: bool = True,
    markdown: bool = False,
) -> Document:
    """Clean, structure and chunk one report's raw text."""
    cleaned: CleanResult = clean_text(text, markdown=markdown) if clean else blank_result(text)
    structure = parse_structure(cleaned.text, blocks)
    chunks = chunk_document(cleaned.text, structure, doc_id=doc_id, source=source, placeholders=cleaned.placeholders)
    return Document(
        doc_id=doc_id,
        path=source,
        sha256=sha256,
        format=fmt,
        title=structure.title,
        unit=structure.unit,
        year=structure.year,
        org_type=structure.org_type,
        report_kind=structure.report_kind,
        text=cleaned.text,
        removals=cleaned.removals,
        headings=structure.headings,
        placeholders=cleaned.placeholders,
        chunks=chunks,
    )


def ingest_file(path: str | os.PathLike[str], limits: LoadLimits | None = None) -> Document:
    """Load, clean, structure and chunk one file. Raises :class:`IngestError` for a bad file.

    ``Document.path`` is :func:`display_path` of ``path`` (an undecodable file name escaped)."""
    loaded = load_file(path, limits)
    doc = process_text(
        loaded.text,
        doc_id=loaded.sha256[:16],
        source=display_path(path),
        sha256=loaded.sha256,
        fmt=loaded.format,
        blocks=loaded.blocks if loaded.format in ("docx", "doc") else None,
        markdown=loaded.format == "md",
    )
    if not doc.text.strip():
        raise IngestError(path, "no report text left after cleaning (only site furniture or markup?)")
    return doc


def ingest_text(text: str, source: str = "<text>", *, clean: bool = True) -> Document:
    """Ingest pasted text. ``clean=False`` keeps the text exactly as given (offsets match the input)."""
    data = text.encode("utf-8", "surrogatepass")
    sha = hashlib.sha256(data).hexdigest()
    return process_text(text, doc_id=sha[:16], source=source, sha256=sha, fmt="text", clean=clean)


def iter_source_files(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[Path, bool]]:
    """Expand files and directories (recursively, sorted) into ``(path, supported)`` pairs.

    Hidden files and Office lock files (``~$x.docx``) in walked directories are left out.
    A missing path is returned as given (it becomes an error result).
    """
    out: list[tuple[Path, bool]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            # os.walk does not follow symbolic links to folders, so a link loop cannot trap it
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(_IGNORED_NAMES):
                        continue
                    f = Path(root) / name
                    out.append((f, f.suffix.lower() in SUPPORTED_EXTENSIONS))
        else:
            out.append((p, p.suffix.lower() in SUPPORTED_EXTENSIONS or not p.exists()))
    return out


def ingest_paths(paths: Iterable[str | os.PathLike[str]], progress: ProgressCallback | None = None) -> list[FileResult]:
    """Ingest files and directories; one :class:`FileResult` per file (ok | error | skipped). Never raises.
    ``progress`` gets ``Progress("ingest", files done, files in all, the file)`` after each file."""
    files = iter_source_files(paths)
    results: list[FileResult] = []
    total = len(files)
    limits = LoadLimits.from_settings()
    for done, (path, supported) in enumerate(files, start=1):
        name = display_path(path)
        if not supported:
            ext = display_path(path.suffix.lower()) or "(none)"
            results.append(FileResult(path=name, status="skipped", error=f"{name}: unsupported file type '{ext}'"))
        elif (kind := special_file_kind(path)) is not None:
            results.append(FileResult(path=name, status="skipped", error=f"{name}: not a regular file ({kind})"))
        else:
            try:
                doc = ingest_file(path, limits)
                results.append(FileResult(path=name, status="ok", document=doc))
            except IngestError as exc:
                results.append(FileResult(path=name, status="error", error=str(exc)))
            except MemoryError:
                results.append(FileResult(path=name, status="error", error=f"{name}: out of memory"))
            except Exception as exc:  # noqa: BLE001 - a batch never stops for one file
                results.append(FileResult(path=name, status="error",
                                          error=f"{name}: unexpected error: {exc.__class__.__name__}: {exc}"))
        notify(progress, "ingest", done, total, name)
    return results

