"""What drafting produces and the checks and export read: a Report of SectionDrafts, each with the
exemplars it drew on. Its own module, below draft, checks and export, so none of them imports another for it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, computed_field, field_validator

from draftkit.errors import DraftkitError
from draftkit.textsafe import clean_control_chars
from draftkit.zh import official_date


class SectionNotFound(DraftkitError, KeyError):
    """No section with this id (in a report, or in the plan the facts give). ``args[0]`` is the message."""

    def __str__(self) -> str:  # KeyError's own str() would quote the whole message
        return str(self.args[0]) if self.args else ""


#: What stands in the signature block when the facts give no date (a visible gap, never a made-up date).
SIGNATURE_DATE_MARKER = "【待补充：落款日期】"


class PassageRef(BaseModel):
    """Which past passage (an indexed chunk) something points at, and where it stands."""

    chunk_id: str
    doc_id: str | None = None
    title: str | None = None
    unit: str | None = None
    year: int | None = None
    heading_path: list[str] = Field(default_factory=list)


class Exemplar(PassageRef):
    """A past passage a section drew on (shown beside the section in the UI)."""

    source: str | None = None
    kind: str | None = None
    text: str
    score: float | None = None


class Borrowed(BaseModel):
    """A sentence the user inserted from an exemplar, verbatim: shown marked (its source in a tooltip)
    until she edits it; the reuse check counts it like any copied text."""

    sentence: str
    chunk_id: str
    source: str | None = None  # file the exemplar came from
    title: str | None = None
    unit: str | None = None
    year: int | None = None


class SectionDraft(BaseModel):
    id: str  # the outline's section id, stable across regenerations
    heading: str  # numbered, as printed: "一、基本情况", "（一）思想政治建设"
    level: int = 1  # 1: 一、  2: （一）  3: 1.
    kind: str = "other"
    text: str = ""  # body paragraphs separated by "\n"; may be empty for a parent heading
    skeleton: str = ""  # the template backend's fact-complete text (the fallback)
    warnings: list[str] = Field(default_factory=list)
    exemplars: list[Exemplar] = Field(default_factory=list)
    backend: str = "template"
    seconds: float | None = None
    borrowed: list[Borrowed] = Field(default_factory=list)  # exemplar sentences inserted and not yet edited
    seed: int = 0  # the wording seed the section was written with (a regeneration takes the next one)
    model_error: str | None = None  # why the model was not used (failed, down, out of time): text is the skeleton

    @field_validator("heading", "text", "skeleton", mode="before")
    @classmethod
    def _no_control_chars(cls, value: object) -> object:
        """Model answers and edits carry stray control characters; a .docx cannot hold them."""
        return clean_control_chars(value) if isinstance(value, str) else value


class Signature(BaseModel):
    unit: str | None = None
    date: dt.date | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def date_text(self) -> str:
        """The date as printed ("2024年12月20日"), or the 【待补充：落款日期】 marker."""
        d = self.date
        return official_date(d.year, d.month, d.day) if d else SIGNATURE_DATE_MARKER


class Report(BaseModel):
    title: str
    year: int
    unit: str
    report_kind: str = "annual_summary"
    backend: str = "template"
    opening: str = ""
    sections: list[SectionDraft] = Field(default_factory=list)
    closing: str = ""
    signature: Signature = Field(default_factory=Signature)
    warnings: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)

    @field_validator("title", "unit", "opening", "closing", mode="before")
    @classmethod
    def _no_control_chars(cls, value: object) -> object:
        return clean_control_chars(value) if isinstance(value, str) else value

    def section(self, section_id: str) -> SectionDraft:
        """The section called ``section_id``; SectionNotFound (a KeyError) naming the ids there are."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise SectionNotFound(f"no section {section_id!r} in this report; its sections are "
                              f"{', '.join(s.id for s in self.sections) or 'none'}")

    def body_text(self) -> str:
        """Plain text of the whole report (title, opening, headings, bodies, closing)."""
        parts = [self.title, self.opening]
        for s in self.sections:
            parts.append(s.heading)
            if s.text:
                parts.append(s.text)
        parts.append(self.closing)
        return "\n".join(p for p in parts if p)
