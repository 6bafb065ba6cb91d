"""The writer's stream: one typed event per step of drafting.

``draft_report`` and ``draft_section`` call ``on_event(event)`` with a :class:`WriterEvent`, in
this order per section (sections may interleave when a model backend runs several at once):

* ``plan`` once, first (``draft_report`` only): ``report`` is the report with every heading and
  empty texts;
* ``section_start``: ``section_id`` begins; sent again when a model's visible answer restarts
  (a lone ``</think>``, or a retry without exemplars), so a display drops what it showed;
* ``token``: ``text`` is the next piece of ``section_id`` as the backend yields it (the whole
  skeleton, piece by piece, for the ``template`` backend);
* ``section_done``: ``section`` is the finished :class:`~draftkit.report.SectionDraft`.

A listener that raises is logged and ignored: it never stops drafting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from draftkit.report import Report, SectionDraft

__all__ = ["EventKind", "WriterEvent", "WriterListener"]

EventKind = Literal["plan", "section_start", "token", "section_done"]


@dataclass(frozen=True, slots=True)
class WriterEvent:
    """One step of the writer's stream; which fields are set depends on ``kind`` (see the module)."""

    kind: EventKind
    section_id: str | None = None
    text: str = ""
    report: Report | None = None
    section: SectionDraft | None = None

    @classmethod
    def plan(cls, report: Report) -> WriterEvent:
        return cls("plan", report=report)

    @classmethod
    def start(cls, section_id: str) -> WriterEvent:
        return cls("section_start", section_id=section_id)

    @classmethod
    def token(cls, section_id: str, text: str) -> WriterEvent:
        return cls("token", section_id=section_id, text=text)

    @classmethod
    def done(cls, section: SectionDraft) -> WriterEvent:
        return cls("section_done", section_id=section.id, section=section)


#: what ``on_event`` is: called with each event, from the drafting thread(s)
WriterListener = Callable[[WriterEvent], None]
