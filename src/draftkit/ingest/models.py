"""The data that ingestion produces. Retrieval, drafting and checks read these types."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Block(BaseModel):
    """One paragraph as the loader saw it, before cleaning."""

    text: str
    style: str | None = None  # the .docx paragraph style name, when there is one
    heading_level: int | None = None  # 1..4 when the source marks it as a heading (Word heading style)
    is_table_row: bool = False


class LoadedFile(BaseModel):
    """Raw text of one source file: ``text`` is the blocks joined by newlines."""

    path: str
    sha256: str
    format: str  # txt | md | docx | pdf | doc
    encoding: str | None = None  # for txt/md: the detected encoding
    blocks: list[Block]

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


class Removal(BaseModel):
    """What a cleaning rule took out (so a user can see why text vanished)."""

    rule: str
    text: str
    start: int  # offset in the text the rule was applied to


def removed_by_rule(removals: list[Removal]) -> dict[str, int]:
    """Characters removed per cleaning rule (rule name → characters), in first-seen order."""
    out: dict[str, int] = {}
    for r in removals:
        out[r.rule] = out.get(r.rule, 0) + len(r.text)
    return out


class Placeholder(BaseModel):
    """A masked word kept in the text (``XX``, ``**``, ``X名`` …), never filled in."""

    kind: str  # stars | xx | x_count | dotted | letter_mask
    text: str
    start: int
    end: int


class Heading(BaseModel):
    level: int  # 1: 一、  2: （一）  3: 1. / 1、  4: （1）
    number: str  # the numbering as written, e.g. "一、" "（一）" "1." "（1）"
    text: str  # the heading text without numbering and trailing punctuation
    start: int  # offset of the heading line in the cleaned text
    end: int  # offset where the heading ends (body may follow on the same line)


class ReportMeta(BaseModel):
    """What a past report says of itself, read from its text (None where it does not say): the
    fields retrieval filters on, shared by a document, its chunks and the index's listing."""

    title: str | None = None
    unit: str | None = None
    year: int | None = None
    org_type: str | None = None
    report_kind: str | None = None


class Chunk(ReportMeta):
    """A section-aware passage with the metadata that retrieval filters on (:class:`ReportMeta`)."""

    id: str  # stable: hash of document id and position
    doc_id: str
    source: str  # the file path as given
    heading_path: list[str] = Field(default_factory=list)
    kind: str = "other"  # one of SECTION_KINDS
    position: int = 0  # order within the document
    start: int = 0  # offsets into the cleaned text
    end: int = 0
    text: str
    placeholders: list[str] = Field(default_factory=list)

    @property
    def length(self) -> int:
        return len(self.text)


class Document(ReportMeta):
    """One ingested report: cleaned text, structure and chunks (and its :class:`ReportMeta`)."""

    doc_id: str  # first 16 hex digits of the source bytes' sha256
    path: str
    sha256: str
    format: str
    text: str  # cleaned text
    removals: list[Removal] = Field(default_factory=list)
    headings: list[Heading] = Field(default_factory=list)
    placeholders: list[Placeholder] = Field(default_factory=list)
    chunks: list[Chunk] = Field(default_factory=list)

    @property
    def removed(self) -> dict[str, int]:
        """Characters removed per cleaning rule."""
        return removed_by_rule(self.removals)


class FileResult(BaseModel):
    """The outcome for one input file in a batch: a document, an error, or a skip."""

    path: str
    status: str  # ok | error | skipped
    error: str | None = None
    document: Document | None = None
