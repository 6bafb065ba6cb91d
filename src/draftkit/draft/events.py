"""The writer's stream: one typed event per step of drafting.

``draft_report`` and ``draft_section`` call ``on_event(event)`` with a :class:`WriterEvent`, in
this order per section (sections may interleave when a model backend runs several at once):

* ``plan`` once, first (``draft_report`` only): ``report`` is a deep copy of the report with every
  heading and empty texts;
* ``section_start``: ``section_id`` begins; sent again when a model's visible answer restarts
  (a lone ``</think>``, or a retry without exemplars), so a display drops what it showed;
* ``token``: ``text`` is the next piece of ``section_id`` as the backend yields it (the whole
  skeleton, piece by piece, for the ``template`` backend);
* ``section_done``: ``section`` is a deep copy of the finished :class:`~draftkit.report.SectionDraft`
  (a listener that changes it does not change the report returned).

The streamed tokens are not always the final text: when the guard rewrites the answer (a dropped
【待核实】 marker put back, a fault repaired) or a model fails midway (the skeleton kept instead),
``section_done``'s ``section.text`` differs from what the tokens spelled, so a display must replace
the section's text with ``section.text`` on ``section_done``.

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
    """One step of the writer's stream; which fields are set depends on ``kind`` (see the module).

    ``report`` (``plan``) and ``section`` (``section_done``) are copies: changing them changes
    nothing in the draft. The ``token`` texts are a preview only: when the guard rewrites the
    answer or a model fails midway, the final text differs from the streamed tokens, so a display
    must replace its text with ``section.text`` on ``section_done``."""

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
