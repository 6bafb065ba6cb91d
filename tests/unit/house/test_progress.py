"""The one progress type: what a listener gets, and that a failing listener never stops the work."""

from __future__ import annotations

import io

import pytest

from draftkit.progress import Progress, TqdmBars, notify


def test_progress_carries_its_stage_and_fraction():
    p = Progress("embed", 30, 120, "第3批")
    assert (p.stage, p.done, p.total, p.item) == ("embed", 30, 120, "第3批") and p.fraction == 0.25
    assert Progress("ingest", 0, 0).fraction == 1.0  # nothing to do is done
    with pytest.raises(AttributeError):
        p.done = 31  # frozen: a listener may keep it


def test_notify_tells_the_listener_and_swallows_its_failure(caplog):
    seen: list[Progress] = []
    notify(seen.append, "check", 2, 5, "a.docx")
    notify(None, "check", 3, 5)  # no listener: nothing happens
    assert seen == [Progress("check", 2, 5, "a.docx")]

    def broken(p: Progress) -> None:
        raise RuntimeError("the bar went away")

    notify(broken, "draft", 1, 13)
    assert "progress callback at draft 1/13 failed" in caplog.text

    def interrupted(p: Progress) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # Ctrl-C from a listener still stops the work
        notify(interrupted, "batch", 1, 2)


def test_a_listener_failing_on_every_call_logs_one_traceback(caplog):
    import logging

    class Display:
        def show(self, p: Progress) -> None:
            raise RuntimeError("the bar went away")

    def broken(p: Progress) -> None:
        raise ValueError("no")

    display = Display()
    with caplog.at_level(logging.DEBUG, logger="draftkit.progress"):
        for i in range(1, 41):
            notify(broken, "draft", i, 40)
            notify(display.show, "draft", i, 40)  # a bound method: a new object on every access
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 2 and {r.levelno for r in tracebacks} == {logging.ERROR}
    again = [r for r in caplog.records if not r.exc_info]
    assert len(again) == 78 and {r.levelno for r in again} == {logging.DEBUG}
    assert "(40 failures so far)" in again[-1].getMessage()


def test_tqdm_bars_draw_one_bar_per_stage():
    out = io.StringIO()
    with TqdmBars(file=out) as bars:
        bars(Progress("ingest", 1, 2, "a.docx"))
        bars(Progress("ingest", 2, 2, "b.docx"))
        bars(Progress("embed", 40, 40))
        assert set(bars.bars) == {"ingest", "embed"} and bars.bars["ingest"].n == 2
    assert bars.bars == {} and "解析文件" in out.getvalue() and "计算向量" in out.getvalue()
    quiet = TqdmBars(enabled=False)
    quiet(Progress("ingest", 1, 1))
    assert quiet.bars == {}
