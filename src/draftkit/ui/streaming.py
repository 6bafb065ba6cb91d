"""Run a library call that reports events (``on_event``) in a worker thread and iterate its events.

Gradio streams by generator: the callback iterates :func:`events_of` and yields page updates, while
the library function runs unchanged in its own thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from draftkit.draft.events import WriterEvent
from draftkit.report import Report


@dataclass
class Outcome:
    """What the call returned (``value``) or raised (``error``)."""

    value: Any = None
    error: BaseException | None = None


def events_of(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Iterator[WriterEvent | Outcome]:
    """Call ``fn(*args, on_event=..., **kwargs)`` in a thread; yield each WriterEvent, then one ``Outcome``."""
    events: queue.Queue = queue.Queue()
    outcome = Outcome()
    done = object()

    def work() -> None:
        try:
            outcome.value = fn(*args, on_event=events.put, **kwargs)
        except Exception as exc:  # shown to the user by the caller; the draft keeps its text
            outcome.error = exc
        finally:
            events.put(done)

    threading.Thread(target=work, daemon=True, name=f"draftkit-{getattr(fn, '__name__', 'call')}").start()
    while True:
        event = events.get()
        if event is done:
            break
        yield event
    yield outcome


@dataclass
class LiveReport:
    """The report as the writer's events build it up, for display while drafting.

    ``report`` is the plan (every heading) with finished sections put in as they come; ``live``
    holds the text streamed so far of sections not finished yet; ``dirty`` the sections changed
    since the caller last took them (``take_dirty``).
    """

    report: Report | None = None
    live: dict[str, str] = field(default_factory=dict)
    active: str | None = None
    done: int = 0
    dirty: set[str] = field(default_factory=set)

    def apply(self, event: WriterEvent) -> str:
        """Fold one event in; returns its kind ("plan", "section_start", "token", "section_done")."""
        kind = event.kind
        if kind == "plan" and event.report is not None:
            self.report = event.report.model_copy(deep=True)
        elif kind == "section_start" and event.section_id is not None:
            self.active = event.section_id
            self.live[event.section_id] = ""
            self.dirty.add(event.section_id)
        elif kind == "token" and event.section_id is not None:
            self.live[event.section_id] = self.live.get(event.section_id, "") + event.text
            self.dirty.add(event.section_id)
        elif kind == "section_done" and event.section is not None:
            section = event.section
            self.done += 1
            self.live.pop(section.id, None)
            if self.report is not None:
                self.report.sections = [section if s.id == section.id else s for s in self.report.sections]
            self.dirty.add(section.id)
            if self.active == section.id:
                self.active = None
        return kind

    @property
    def total(self) -> int:
        return len(self.report.sections) if self.report is not None else 0

    def label(self) -> str:
        """Where drafting is, in Chinese: "正在生成第 3/13 节：（二）……" or "已完成 13/13 节"."""
        if self.active is not None and self.report is not None:
            heading = next((s.heading for s in self.report.sections if s.id == self.active), "")
            return f"正在生成第 {min(self.done + 1, self.total)}/{self.total} 节：{heading}"
        return f"已完成 {self.done}/{self.total} 节"

    def take_dirty(self) -> set[str]:
        out, self.dirty = self.dirty, set()
        return out
