"""One progress type for every long call: ingesting, embedding, indexing, drafting, checking,
installing a model.

A producer calls ``progress(Progress(stage, done, total, item))`` after each step; a consumer
(a tqdm bar in the CLI, ``gr.Progress`` in the UI, a list in a test) reads the fields it needs.
:func:`notify` is how producers call it: a listener that raises is logged and ignored, because a
progress display must never break the work it shows.
"""

from __future__ import annotations

import logging
import sys
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Progress", "ProgressCallback", "STAGE_LABELS", "TqdmBars", "call_listener", "notify"]

log = logging.getLogger(__name__)

#: failures so far per listener (keyed by the object a bound method belongs to, else the callable),
#: so a listener that raises on every event logs one traceback, not one per event
_FAILURES: weakref.WeakKeyDictionary[Any, dict[Any, int]] = weakref.WeakKeyDictionary()
_FAILURES_LOCK = threading.Lock()


def _count_failure(listener: Callable[..., Any]) -> int:
    owner = getattr(listener, "__self__", listener)
    func = getattr(listener, "__func__", None)
    with _FAILURES_LOCK:
        try:
            counts = _FAILURES.setdefault(owner, {})
        except TypeError:  # not weak-referenceable: count under a throwaway key (logs each time)
            counts = {}
        counts[func] = counts.get(func, 0) + 1
        return counts[func]


def call_listener(listener: Callable[[Any], Any], value: Any, what: str) -> None:
    """Call ``listener(value)``; if it raises, log and go on. The first failure of a listener is
    logged with its traceback (``what`` says where), later ones as one debug line with the count."""
    try:
        listener(value)
    except Exception:  # a display or a listener must never break the work it follows
        n = _count_failure(listener)
        if n == 1:
            log.exception("%s failed (later failures of this listener are logged at debug level)", what)
        else:
            log.debug("%s failed again (%d failures so far)", what, n)


@dataclass(frozen=True, slots=True)
class Progress:
    """``done`` of ``total`` steps of ``stage`` are finished; ``item`` names the last one.

    Stages and their units: ``ingest`` (files; item = the file), ``embed`` (chunks), ``index`` and
    ``write`` (steps of writing the index), ``batch`` (batches of files, bulk builds), ``draft``
    (sections; item = the heading), ``check`` (files; item = the file), ``download`` (bytes; item
    = the part being fetched). ``total`` is 0 when not known yet.
    """

    stage: str
    done: int
    total: int
    item: str = ""

    @property
    def fraction(self) -> float:
        """``done / total`` in 0..1 (1.0 while the total is 0)."""
        return min(1.0, self.done / self.total) if self.total else 1.0


#: what a ``progress=`` argument is
ProgressCallback = Callable[[Progress], None]

#: the stages as the UI and the CLI name them
STAGE_LABELS: Mapping[str, str] = {
    "ingest": "解析文件", "embed": "计算向量", "index": "写入索引", "write": "写入文档", "batch": "批次",
    "draft": "起草", "check": "体检", "download": "下载模型",
}


def notify(progress: ProgressCallback | None, stage: str, done: int, total: int, item: str = "") -> None:
    """Tell ``progress`` (if any) where ``stage`` is; a failing listener is logged, never raised."""
    if progress is None:
        return
    call_listener(progress, Progress(stage, done, total, item), f"progress callback at {stage} {done}/{total}")


class TqdmBars:
    """A ProgressCallback that draws one tqdm bar per stage on stderr (the CLI's and the first run's).

    ``enabled=False`` draws nothing; ``bar_options`` go to every ``tqdm`` (e.g. ``unit="B",
    unit_scale=True`` for a download). Close it (or use it as a context manager) when done.
    """

    def __init__(self, enabled: bool = True, **bar_options: Any) -> None:
        self.enabled = enabled
        self.bar_options = {"file": sys.stderr, "leave": True, **bar_options}
        self.bars: dict[str, Any] = {}

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm  # about 0.2 s to import (measured): only when a bar is drawn

        bar = self.bars.get(p.stage)
        if bar is None:
            bar = self.bars[p.stage] = tqdm(total=p.total or None, desc=STAGE_LABELS.get(p.stage, p.stage),
                                            **self.bar_options)
        bar.total = p.total or None
        bar.n = p.done
        if p.item:
            bar.set_postfix_str(p.item[-24:], refresh=False)
        bar.refresh()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()

    def __enter__(self) -> TqdmBars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
