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
from draftkit.retrieval.store import recorded_sources

FORMAT = "draftkit-index"
FORMAT_VERSION = 1
DEFAULT_SOURCES = ["samples/corpus"]
#: Every name a published index directory holds at its top level (SQLite's -wal/-shm only while writing).
#: A folder holding only these names is an index, or the remains of one, that ``build --force`` may replace.
LAYOUT = frozenset({MANIFEST_FILE, "store.sqlite", "store.sqlite-wal", "store.sqlite-shm", "dense.faiss",
                    "sentences.npy", "sentence_owners.npy", "lexical", "userdict.txt", "stopwords.txt"})


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
    #: file → sha256 (hex), verified on open once per change of the file and before a write copies the version
    #: forward (see ``integrity``); empty in indexes built before checksums were recorded
    checksums: dict[str, str] = Field(default_factory=dict)
    built_at: str = ""
    updated_at: str = ""

    def write(self, folder: Path) -> None:
        (folder / MANIFEST_FILE).write_text(self.model_dump_json(indent=2), encoding="utf-8")


def rebuild_command(index_dir: Path | str, sources: list[str] | None = None, force: bool | None = None) -> str:
    """The command that (re)builds the index at ``index_dir`` from ``sources`` (default ``samples/corpus``).

    ``force`` adds ``--force``, needed when ``index_dir`` is a non-empty folder that is not a published
    index (a build refuses to replace it otherwise); ``None`` decides from what is on disk.
    """
    paths = [s for s in (sources or []) if s] or DEFAULT_SOURCES
    if force is None:
        force = needs_force(Path(index_dir))
    return ("draftkit index build " + " ".join(shlex.quote(p) for p in paths) + " --index " + shlex.quote(str(index_dir))
            + (" --force" if force else ""))


def foreign_names(index_dir: Path) -> list[str]:
    """Names in ``index_dir`` that no index holds (sorted; empty when the folder is absent)."""
    try:
        return sorted(p.name for p in index_dir.iterdir() if p.name not in LAYOUT) if index_dir.is_dir() else []
    except OSError:
        return []


def is_remnant(index_dir: Path) -> bool:
    """True when ``index_dir`` holds index files but no manifest (a damaged index that ``--force`` may replace)."""
    try:
        return (index_dir.is_dir() and not (index_dir / MANIFEST_FILE).is_file() and any(index_dir.iterdir())
                and not foreign_names(index_dir))
    except OSError:
        return False


def needs_force(index_dir: Path) -> bool:
    """True when a build at ``index_dir`` needs ``--force`` to replace what is there."""
    return is_remnant(index_dir)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class IndexUnavailable(DraftkitError, RuntimeError):
    """The index cannot be opened or written; ``rebuild_command`` is the command that fixes it.

    The message is one line: ``index <dir>: <problem>. Rebuild it with: <command>``.
    """

    def __init__(self, index_dir: Path | str, problem: str, sources: list[str] | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.problem = _one_line(problem)
        self.rebuild_command = rebuild_command(index_dir, sources)
        verb = "Build one with" if isinstance(self, IndexMissing) else "Rebuild it with"
        super().__init__(f"index {index_dir}: {self.problem}. {verb}: {self.rebuild_command}")


class IndexMissing(IndexUnavailable):
    """There is no index at the directory."""


class IndexMismatch(IndexUnavailable):
    """The index was built with another format, embedder or chunker."""


class IndexCorrupt(IndexUnavailable):
    """A file of the index is truncated, unreadable or inconsistent with the manifest."""


class DocumentNotFound(DraftkitError, LookupError):
    """No document in the index has that id or path."""


def missing_manifest(index_dir: Path) -> IndexUnavailable:
    """The error for a folder without ``manifest.json``.

    Nothing there: ``IndexMissing``. The rest of an index there: ``IndexCorrupt``, whose rebuild command
    has ``--force`` and the sources recorded in the store (``store.recorded_sources``). Other files there:
    ``IndexMissing`` saying so (a build will not replace that folder).
    """
    if is_remnant(index_dir):
        return IndexCorrupt(index_dir, "manifest.json is missing but the folder holds the rest of an index",
                            recorded_sources(index_dir / "store.sqlite"))
    foreign = foreign_names(index_dir)
    if foreign:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        return IndexMissing(index_dir, f"no index here: the folder holds other files ({shown}); "
                                       "choose another --index")
    return IndexMissing(index_dir, "no index here (manifest.json is missing)")


def read_manifest(index_dir: Path) -> Manifest:
    """The manifest of the index at ``index_dir``; raises ``IndexUnavailable`` (missing, unreadable,
    another format or version) with the command that (re)builds it."""
    path = index_dir / MANIFEST_FILE
    if not path.is_file():
        raise missing_manifest(index_dir)
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
