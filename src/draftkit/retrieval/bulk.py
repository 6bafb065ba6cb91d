"""Bulk builds at bureau size: the files in batches, each batch written before the next is read.

``build_in_batches(paths, location, batch_files=200)`` builds an index (directory or Milvus) from
thousands of reports without holding every ingested document in memory, and survives interruption:

- each batch is one write (``build_index`` for the first batch of a new build, ``add_paths`` after);
  for a directory each write is an atomic swap, for Milvus each document is complete or absent;
- the checkpoint is the index itself: a document's id is its file's sha256 prefix, and ``add_paths``
  skips a file whose content is already indexed. ``resume=True`` (``draftkit index build --resume``)
  continues into the existing index, so re-running after a crash, a power cut or Ctrl-C re-reads
  each file once (hashing) and embeds only what is missing;
- ``progress`` gets each batch's own Progress (ingest, embed, index) and ``Progress("batch", n,
  batches)`` between batches; the result lists every file with its status and error, so the
  final report names each file that failed (one bad file never stops the build).

Embedding uses every core: torch's intra-op threads default to the machine's cores
(``DRAFTKIT_EMBED_THREADS=0``), batches of ``DRAFTKIT_EMBED_BATCH_SIZE`` texts sorted by length;
measured in docs/benchmarks.md (chunks/s and the projected time for 10,000 reports).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from draftkit.config import Settings, get_settings
from draftkit.ingest.pipeline import iter_source_files
from draftkit.progress import ProgressCallback, notify
from draftkit.retrieval.base import index_location
from draftkit.retrieval.build import BuildResult
from draftkit.retrieval.index import add_paths, build_index
from draftkit.retrieval.milvus import has_index
from draftkit.retrieval.plan import BuildPlan

#: Files per batch: at ~15 chunks per report, 200 reports are ~3,000 chunks (~1 minute of embedding here).
BATCH_FILES = 200


def _exists(location: str | Path, settings: Settings) -> bool:
    if isinstance(location, str):
        return has_index(location, settings)
    return (location / "manifest.json").is_file()


def build_in_batches(paths: Iterable[str | os.PathLike[str]], index: str | os.PathLike[str] | None = None,
                     settings: Settings | None = None, progress: ProgressCallback | None = None,
                     batch_files: int = BATCH_FILES, resume: bool = False,
                     confirm: Callable[[BuildPlan], bool] | None = None) -> BuildResult:
    """Index ``paths`` ``batch_files`` files at a time (see the module). Without ``resume`` an existing
    index is replaced by the first batch; with it the build continues into the existing index. Returns one
    ``BuildResult`` for the whole run (every file's result; totals of the index at the end)."""
    if batch_files < 1:
        raise ValueError(f"batch_files must be at least 1, not {batch_files}")
    t0 = time.perf_counter()
    s = settings or get_settings()
    location = index_location(index, s)
    files = [str(p) for p, _ in iter_source_files(paths)]
    batches = [files[i : i + batch_files] for i in range(0, len(files), batch_files)] or [[]]
    total = BuildResult(index_dir=str(location))
    started = resume and _exists(location, s)
    for n, batch in enumerate(batches, start=1):
        notify(progress, "batch", n - 1, len(batches))
        if started:
            result = add_paths(location, batch, settings=s, progress=progress, confirm=confirm)
        else:
            result = build_index(batch, location, settings=s, progress=progress, confirm=confirm)
            started = result.written
        if result.cancelled:
            total.cancelled = True
            total.files += result.files
            break
        total.files += result.files
        total.added += result.added
        total.replaced += result.replaced
        total.unchanged += result.unchanged
        total.embedded += result.embedded
        total.written = total.written or result.written
        if result.written or result.documents:
            total.documents, total.chunks = result.documents, result.chunks
        notify(progress, "batch", n, len(batches))
    total.seconds = time.perf_counter() - t0
    return total
