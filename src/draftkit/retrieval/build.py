"""What building an index needs whatever the store (an index directory or Milvus): the result
types, the names of the word files, and the steps both writers share (the ok documents of an
ingest, embedding groups, which documents are new, unchanged or replaced, the sources list).

``index.py`` (the directory) and ``milvus.py`` both import from here, and ``index.py`` hands a
Milvus location to ``milvus.py``, so neither has to import the other from inside a function.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from draftkit.ingest.chunk import CHUNKER_VERSION
from draftkit.ingest.load import display_path
from draftkit.ingest.models import Document, FileResult, ReportMeta

__all__ = [
    "EMBED_GROUP_CHUNKS", "STOPWORDS_FILE", "USERDICT_FILE", "BuildResult", "DocumentInfo", "NewDocuments",
    "abs_path", "chunker_version", "groups", "merge_sources", "ok_documents", "read_lines", "sort_documents",
]

USERDICT_FILE = "userdict.txt"  # the jieba words the lexical side was cut with (prompts + unit names)
STOPWORDS_FILE = "stopwords.txt"  # the stop words it dropped

#: Documents are embedded and stored in groups of about this many chunks (memory stays bounded).
EMBED_GROUP_CHUNKS = 2000


def chunker_version() -> str:
    """The chunker version an index records: an index chunked otherwise must be rebuilt to add files."""
    return str(CHUNKER_VERSION)


class DocumentInfo(ReportMeta):
    """One indexed document as ``Index.documents()`` lists it (``chunks``: how many it was cut into)."""

    doc_id: str
    path: str
    chunks: int = 0
    ingested_at: str = ""
    sha256: str = ""
    format: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> DocumentInfo:
        return cls(doc_id=row["id"], path=row["path"], title=row["title"], unit=row["unit"], year=row["year"],
                   org_type=row["org_type"], report_kind=row["report_kind"], chunks=row["n_chunks"],
                   ingested_at=row["ingested_at"], sha256=row["sha256"], format=row["format"])


class BuildResult(BaseModel):
    """What a build or an add did: one ``FileResult`` per input file plus the index totals.

    ``files[i].status`` is ok (indexed), error (with the reason) or skipped (unsupported type,
    unchanged since indexed, or a duplicate of an indexed file: the reason is in ``error``).
    """

    index_dir: str
    files: list[FileResult] = Field(default_factory=list)
    added: list[str] = Field(default_factory=list)  # doc ids newly indexed
    replaced: list[str] = Field(default_factory=list)  # doc ids whose file changed (old id removed)
    unchanged: list[str] = Field(default_factory=list)
    documents: int = 0  # totals in the index afterwards
    chunks: int = 0
    embedded: int = 0  # chunks embedded by this call
    written: bool = False  # False: nothing changed, the index was left as it was
    cancelled: bool = False  # the confirm callback declined the plan; nothing was written
    seconds: float = 0.0

    @property
    def errors(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "error"]


def abs_path(path: str) -> str:
    """The absolute path an index records beside the shown one (to find a file added again)."""
    return str(Path(path).expanduser().resolve())


def read_lines(path: Path) -> list[str]:
    """The non-blank lines of a UTF-8 text file; [] when there is no such file."""
    if not path.is_file():
        return []
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def groups(docs: Sequence[Document], size: int | None = None) -> Iterable[list[Document]]:
    """``docs`` in runs of about ``size`` chunks (default :data:`EMBED_GROUP_CHUNKS`), in order."""
    size = EMBED_GROUP_CHUNKS if size is None else size
    group: list[Document] = []
    count = 0
    for d in docs:
        group.append(d)
        count += len(d.chunks)
        if count >= size:
            yield group
            group, count = [], 0
    if group:
        yield group


def ok_documents(results: list[FileResult]) -> list[Document]:
    """Documents of the ok results; a second file with the same bytes becomes a skip."""
    seen: dict[str, str] = {}
    docs: list[Document] = []
    for r in results:
        if r.status != "ok" or r.document is None:
            continue
        d = r.document
        if d.doc_id in seen:
            r.status = "skipped"
            r.error = f"{r.path}: same content as {seen[d.doc_id]}; indexed once"
            continue
        seen[d.doc_id] = r.path
        docs.append(d)
    return docs


@dataclass
class NewDocuments:
    """:func:`sort_documents`' answer: what to write, and the ids left as they are or replaced."""

    to_add: list[Document] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)


def sort_documents(docs: Sequence[Document], results: Sequence[FileResult], indexed: Mapping[str, Mapping[str, Any]],
                   *, mark_unchanged: bool) -> NewDocuments:
    """Sort ingested ``docs`` against the index's document rows (``indexed``: by id, each with ``path``
    and ``abs_path``): a document already there by content is unchanged; one whose file is indexed
    with other content replaces it. ``mark_unchanged`` turns an unchanged file's result into a skip
    saying why (adding files; a rebuild keeps them as ok)."""
    by_abs = {row["abs_path"]: row for row in indexed.values()}
    by_doc = {r.document.doc_id: r for r in results if r.document is not None}
    out = NewDocuments()
    for d in docs:
        same = indexed.get(d.doc_id)
        if same is not None:
            out.unchanged.append(d.doc_id)
            if mark_unchanged:
                by_doc[d.doc_id].status = "skipped"
                by_doc[d.doc_id].error = (f"{d.path}: unchanged since indexed" if same["abs_path"] == abs_path(d.path)
                                          else f"{d.path}: same content as the indexed {same['path']}")
            continue
        previous = by_abs.get(abs_path(d.path))
        if previous is not None:
            out.replaced.append(previous["id"])
        out.to_add.append(d)
    return out


def merge_sources(old: list[str], new: Iterable[str | os.PathLike[str]]) -> list[str]:
    """The sources list after adding ``new``: the old ones, then each new path not yet there."""
    out = list(old)
    for p in new:
        s = display_path(p)  # an undecodable file name, escaped: the manifest is JSON
        if s not in out:
            out.append(s)
    return out
