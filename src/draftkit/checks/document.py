"""The text the checks read: a report as paragraphs, each with the section it belongs to.

Built from plain text, from a file (.docx/.txt/.md through :mod:`draftkit.ingest`, or a
drafting ``report.json``), from an ingested :class:`~draftkit.ingest.models.Document`, or from
a drafting :class:`~draftkit.report.Report`. A file keeps two views: ``paragraphs``
(the cleaned text: what the fidelity, era and reuse checks and the heading check read) and
``raw_paragraphs`` (the file as submitted, furniture and all: what the residue check reads
for placeholders and site furniture).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from draftkit.errors import DraftkitError
from draftkit.ingest.load import load_file
from draftkit.ingest.models import Document
from draftkit.ingest.pipeline import process_text
from draftkit.ingest.structure import parse_structure
from draftkit.report import Report
from draftkit.zh import official_date, parse_heading_number

#: Files that ``ReportText.from_file`` reads.
SUPPORTED_SUFFIXES = (".docx", ".txt", ".md", ".json", ".doc", ".pdf")


class CheckInputError(DraftkitError, ValueError):
    """A file the checks cannot read: names the file and the problem."""

    def __init__(self, path: str | Path, message: str):
        self.path = str(path)
        self.message = message
        super().__init__(f"{path}: {message}")


class Paragraph(BaseModel):
    index: int
    text: str
    section: str | None = None  # the innermost heading as printed, e.g. "（一）思想政治建设"
    path: list[str] = Field(default_factory=list)  # headings from level 1 down
    heading_level: int | None = None  # 1..4 when the paragraph starts with a heading number
    heading_number: int | None = None  # the heading's number as an int ("三、" → 3)
    heading_label: str | None = None  # the numbering as written ("三、", "（二）")
    offset: int = 0  # where the paragraph starts in the text it was split from


class ReportText(BaseModel):
    paragraphs: list[Paragraph]
    raw_paragraphs: list[Paragraph] | None = None  # the uncleaned file, when it differs
    title: str | None = None
    unit: str | None = None
    year: int | None = None
    source: str | None = None  # file path or "<text>"
    doc_id: str | None = None  # the ingest document id (sha256 prefix of the file), when from a file

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    @property
    def residue_paragraphs(self) -> list[Paragraph]:
        """The paragraphs placeholder and furniture checks read: raw when there is a raw view."""
        return self.raw_paragraphs if self.raw_paragraphs is not None else self.paragraphs

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_text(cls, text: str, *, source: str = "<text>", detect: bool = True) -> ReportText:
        """Split plain text into paragraphs (one per non-blank line), with sections.

        With ``detect``, title, unit and year are read by :mod:`draftkit.ingest`'s structure
        parser. The text is not cleaned: what is given is what is checked.
        """
        text = _normalize_newlines(text or "")
        paragraphs = split_paragraphs(text)
        title = unit = None
        year = None
        if detect and text.strip():
            title, unit, year = _detect_meta(text)
        return cls(paragraphs=paragraphs, title=title, unit=unit, year=year, source=source)

    @classmethod
    def from_document(cls, doc: Document, raw_text: str | None = None) -> ReportText:
        """From an ingested document (cleaned text); ``raw_text`` is the file before cleaning."""
        paragraphs = split_paragraphs(doc.text)
        raw = None
        if raw_text is not None:
            raw_norm = _normalize_newlines(raw_text)
            if raw_norm.strip() != doc.text.strip():
                raw = split_paragraphs(raw_norm)
        return cls(paragraphs=paragraphs, raw_paragraphs=raw, title=doc.title, unit=doc.unit, year=doc.year,
                   source=doc.path, doc_id=doc.doc_id)

    @classmethod
    def from_report(cls, report: Report, source: str | None = None) -> ReportText:
        """From a drafting Report: title, opening, each section's heading and body, closing."""
        lines: list[str] = [report.title]
        lines += [ln for ln in (report.opening or "").split("\n")]
        for s in report.sections:
            lines.append(s.heading)
            lines += (s.text or "").split("\n")
        lines += (report.closing or "").split("\n")
        if report.signature.unit:
            lines.append(report.signature.unit)
        if report.signature.date:
            d = report.signature.date
            lines.append(official_date(d.year, d.month, d.day))
        text = "\n".join(ln for ln in lines if ln and ln.strip())
        return cls(paragraphs=split_paragraphs(text), title=report.title, unit=report.unit, year=report.year,
                   source=source or "<report>")

    @classmethod
    def from_file(cls, path: str | Path) -> ReportText:
        """Read a .docx/.txt/.md report (through ingest, cleaned, with the raw view kept for the
        residue check) or a drafting ``report.json``. Raises :class:`CheckInputError`."""
        p = Path(path)
        if not p.is_file():
            raise CheckInputError(p, "文件不存在")
        suffix = p.suffix.lower()
        if suffix == ".json":
            try:
                report = Report.model_validate_json(p.read_text(encoding="utf-8"))
            except Exception as exc:  # pydantic ValidationError, JSON errors, decoding
                raise CheckInputError(p, f"不是有效的 report.json（{type(exc).__name__}: {str(exc)[:200]}）") from exc
            return cls.from_report(report, source=str(p))
        if suffix not in SUPPORTED_SUFFIXES:
            raise CheckInputError(p, f"不支持的文件类型 {suffix or '（无扩展名）'}：可检查 .docx .txt .md report.json")

        try:
            loaded = load_file(p)
        except Exception as exc:  # IngestError names the file and the problem; anything else is wrapped
            msg = getattr(exc, "message", None) or str(exc)
            raise CheckInputError(p, f"无法读取：{msg}") from exc
        doc = process_text(loaded.text, doc_id=loaded.sha256[:16], source=str(p), sha256=loaded.sha256,
                           fmt=loaded.format, blocks=loaded.blocks if loaded.format in ("docx", "doc") else None,
                           markdown=loaded.format == "md")
        return cls.from_document(doc, raw_text=loaded.text)

    @classmethod
    def coerce(cls, doc: Any) -> ReportText:
        """Accept a ReportText, a str (plain text), a Path (a file), a Report or a Document."""
        if isinstance(doc, ReportText):
            return doc
        if isinstance(doc, str):
            return cls.from_text(doc)
        if isinstance(doc, Path):
            return cls.from_file(doc)
        if isinstance(doc, Report):
            return cls.from_report(doc)
        if isinstance(doc, Document):
            return cls.from_document(doc)
        raise TypeError(f"cannot check a {type(doc).__name__}: give text, a path, a Report or a Document")


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")


_HEADING_END_RE = re.compile(r"[。：:；;！!？?]")


def heading_of(text: str) -> tuple[int, int | None, str, str] | None:
    """(level, number, label, heading as printed) when ``text`` starts with heading numbering."""
    found = parse_heading_number(text)
    if found is None:
        return None
    level, number, label = found
    rest = text[text.find(label) + len(label):]
    end = _HEADING_END_RE.search(rest)
    head = rest[: end.start()] if end else rest
    head = head.strip()[:40]
    return level, number, label, (label + head).strip()


def split_paragraphs(text: str) -> list[Paragraph]:
    """One paragraph per non-blank line, each with its section path (linear time)."""
    out: list[Paragraph] = []
    path: dict[int, str] = {}
    offset = 0
    for line in text.split("\n"):
        start = offset
        offset += len(line) + 1
        if not line.strip():
            continue
        h = heading_of(line)
        level = number = label = None
        if h:
            level, number, label, printed = h
            path = {lv: t for lv, t in path.items() if lv < level}
            path[level] = printed
        heads = [path[lv] for lv in sorted(path)]
        out.append(Paragraph(index=len(out), text=line, section=heads[-1] if heads else None, path=heads,
                             heading_level=level, heading_number=number, heading_label=label, offset=start))
    return out


def _detect_meta(text: str) -> tuple[str | None, str | None, int | None]:
    """Title, unit and year from ingest's structure parser (reads the title and the opening)."""
    head = text[:20000]  # the title and opening are at the top; keeps a 10 MB text cheap
    try:
        st = parse_structure(head)
    except Exception:  # a parser failure must not stop a review; the year can still be given
        return None, None, None
    return st.title, st.unit, st.year
