"""The front door: one object for a corpus index and the library's verbs.

    import draftkit
    ws = draftkit.Workspace("index")              # settings from the environment, or Workspace(path, settings=…)
    ws.build(["往年总结/"]); ws.add([...]); ws.remove(doc_id_or_path)
    hits = ws.search("主题党日", k=5, kinds=[...], years=[...])
    report = ws.draft("2024事实.yaml")             # a path or a Facts; backend=… optional; returns a Report
    result = ws.check(report)                      # or a path to .docx/.txt/.md/report.json; facts=… optional
    ws.export(report, "总结.docx")                 # format from the suffix

The UI and the CLI are thin users of these same calls. A Workspace keeps its index open between
calls (the embedding model loads once) and is safe to share between threads: index writes are
serialised, searches run concurrently.
"""

from __future__ import annotations

import inspect
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from draftkit.checks.document import SUPPORTED_SUFFIXES, CheckInputError
from draftkit.checks.models import CheckResult
from draftkit.checks.runner import run_checks
from draftkit.config import Settings, get_settings
from draftkit.draft.backends import Backend, get_backend
from draftkit.draft.events import WriterListener
from draftkit.draft.writer import draft_report
from draftkit.errors import DraftkitError
from draftkit.export import export_report
from draftkit.facts import Facts, load_facts
from draftkit.progress import ProgressCallback
from draftkit.report import Report
from draftkit.retrieval import BuildResult, DocumentInfo, Hit, Index, add_paths, build_index, remove_document
from draftkit.retrieval.base import SearchIndex, index_location
from draftkit.retrieval.manifest import IndexMissing
from draftkit.retrieval.ranking import SearchError

__all__ = ["Workspace", "WorkspaceError"]

PathLike = str | os.PathLike[str]
#: The keyword filters ``SearchIndex.search`` takes besides ``query`` and ``k``.
_SEARCH_FILTERS = frozenset(inspect.signature(SearchIndex.search).parameters) - {"self", "query", "k"}


def _looks_like_path(value: object) -> bool:
    """A str ``check`` takes for a file name: one short line ending in a checkable suffix, or an
    existing folder's name. Report text (many lines, or a sentence ending in “。”) is not one."""
    if not isinstance(value, str) or not value.strip() or len(value) > 1024 or "\n" in value:
        return False
    return value.strip().lower().endswith(SUPPORTED_SUFFIXES) or Path(value).is_dir()


class WorkspaceError(DraftkitError):
    """A workspace call that cannot be done as asked (no file could be indexed, …); the message says why."""


class Workspace:
    """A corpus index at ``path`` (default ``Settings.index_dir``) and the calls that use it.

    ``path`` need not exist yet: ``build`` (or ``add``, on a first run) creates it. ``settings``
    default to the environment (``DRAFTKIT_*``).
    """

    def __init__(self, path: PathLike | None = None, *, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        #: an index directory, or a Milvus URI (``*.db`` / ``http://host:19530``, retrieval/base.py)
        self.path: Path | str = index_location(path, self.settings)
        self.last_build: BuildResult | None = None
        self._index: Index | None = None
        self._lock = threading.RLock()

    # -- the index -------------------------------------------------------------------------------

    @property
    def index(self) -> Index | None:
        """The open index, or None while there is none yet (opened on first use, then kept).
        Raises ``IndexUnavailable`` (with the rebuild command) when one is there but unusable."""
        with self._lock:
            if self._index is None:
                self._index = Index.open_existing(self.path, settings=self.settings)
            return self._index

    def require_index(self) -> Index:
        """The open index; ``IndexMissing`` naming the command that builds one when there is none."""
        index = self.index
        if index is None:
            raise IndexMissing(self.path, "no index here yet: build one with Workspace.build([folders]) "
                                          f"or `draftkit index build FOLDER --index {self.path}`")
        return index

    def reload(self) -> Index | None:
        """Close the open index and open it again (after another process changed it); None if gone."""
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None
            return self.index

    def build(self, paths: Iterable[PathLike], *, progress: ProgressCallback | None = None) -> Index:
        """Index ``paths`` (files and folders) into a new index at ``path``, replacing any old one,
        and return it (kept open). Files that fail are listed in ``last_build.files`` with the
        reason and never stop the build; when none could be indexed the old index stays and
        WorkspaceError says why. ``progress`` gets a Progress per step (stages ingest, embed, index)."""
        with self._lock:
            result = build_index(list(paths), self.path, settings=self.settings, progress=progress)
            self.last_build = result
            if not result.written:
                failed = "; ".join(f"{f.path}: {f.error}" for f in result.files if f.error) or "no files found"
                raise WorkspaceError(f"no file could be indexed into {self.path} ({failed})")
            index = self.reload()
            assert index is not None
            return index

    def add(self, paths: Iterable[PathLike], *, progress: ProgressCallback | None = None) -> BuildResult:
        """Add files or folders to the index (a first run builds it). Returns what was added and
        what failed, file by file."""
        paths = list(paths)
        with self._lock:
            if self.index is None:
                self.build(paths, progress=progress)
                assert self.last_build is not None
                return self.last_build
            result = add_paths(self.path, paths, settings=self.settings, progress=progress)
            self.last_build = result
            self.reload()
            return result

    def remove(self, doc_id_or_path: str) -> DocumentInfo:
        """Take one document out of the index (by its id or its source path); ``DocumentNotFound``
        when the index has no such document."""
        with self._lock:
            self.require_index()
            info = remove_document(self.path, doc_id_or_path, settings=self.settings)
            self.reload()
            return info

    def documents(self) -> list[DocumentInfo]:
        """The indexed documents (empty while there is no index)."""
        index = self.index
        return index.documents() if index is not None else []

    # -- the verbs -------------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, **filters: Any) -> list[Hit]:
        """``Index.search``: ``kinds``, ``years``, ``units``, ``exclude_docs``, ``mode``, ``mmr``, ``fusion``.

        Raises ``SearchError`` naming a filter no search takes, an unknown kind or mode, a ``k`` below 1."""
        unknown = sorted(set(filters) - _SEARCH_FILTERS)
        if unknown:
            raise SearchError(f"search takes no filter {', '.join(map(repr, unknown))}; "
                              f"the filters are {', '.join(sorted(_SEARCH_FILTERS))}")
        return self.require_index().search(query, k=k, **filters)

    def draft(self, facts: Facts | PathLike, *, backend: Backend | str | None = None, seed: int = 0,
              progress: ProgressCallback | None = None, on_event: WriterListener | None = None,
              **backend_options: Any) -> Report:
        """Draft a report from ``facts`` (a Facts or a facts file), with this index's passages as
        exemplars when there is an index. ``backend``: a name (``template``, ``openai``,
        ``llamacpp`` …) or a Backend; ``backend_options`` (model, base_url, api_key) go to
        ``get_backend``. A failed model call never raises: the section keeps its skeleton."""
        f = facts if isinstance(facts, Facts) else load_facts(facts)
        chosen = backend if isinstance(backend, Backend) else get_backend(backend, self.settings, **backend_options)
        return draft_report(f, index=self.index, backend=chosen, seed=seed, progress=progress, on_event=on_event,
                            settings=self.settings)

    def check(self, report: Report | PathLike, *, facts: Facts | PathLike | None = None, year: int | None = None,
              reuse: bool = True, **options: Any) -> CheckResult:
        """体检 of a Report or of a file (.docx/.txt/.md/report.json/.doc/.pdf); any other str is
        checked as the report's text. ``facts`` (a Facts or a file) adds the facts check; ``reuse``
        compares with this index when there is one. Raises ``CheckInputError`` naming an unreadable
        file, a missing one (a Path, or a one-line str ending in one of those suffixes) or a folder
        (``checks.runner.check_folder`` checks every file in one)."""
        doc: Any = report
        if isinstance(report, os.PathLike) or _looks_like_path(report):
            doc = Path(report.strip() if isinstance(report, str) else report)
            if doc.is_dir():
                raise CheckInputError(doc, "是文件夹，不是一份报告（逐份检查请用 draftkit check 文件夹）"
                                           " / a folder, not a report")
            if not doc.is_file():
                raise CheckInputError(doc, "文件不存在 / no such file")
        f = facts if facts is None or isinstance(facts, Facts) else load_facts(facts)
        return run_checks(doc, facts=f, year=year, index=self.index if reuse else None, **options)

    def export(self, report: Report, path: PathLike) -> Path:
        """Write ``report`` in the format ``path``'s suffix names (.docx in the GB/T 9704-2012 layout,
        .md, .txt); ``ExportError`` names the file and the problem."""
        return export_report(report, path)

    # -- lifetime --------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"
