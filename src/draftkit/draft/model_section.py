"""One section written by a model backend: prompt → stream (reasoning split off, output capped) →
answer cleaning → guard. Never raises for a model failure: the section keeps its skeleton.

The bounds (issue 16, items 3–5) that keep a report from hanging or flooding, whatever a server does:

- :class:`ModelRun` holds what sections of one report share: the report's deadline
  (``Settings.llm_deadline`` seconds from the start; a section that has not started by then keeps its
  skeleton), the health of the model (after the first section that fails for a server reason, no new
  section waits on that server), and the unit's own section lengths;
- the answer is read up to the section's character budget (:func:`char_budget`); beyond it the stream is
  closed, the complete sentences are kept and the section says so;
- an answer cut by the token limit (``finish_reason == "length"``) keeps its complete sentences, with a
  warning.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from draftkit.config import Settings
from draftkit.draft.answer import ThinkFilter, clean_answer, clean_chars, complete_sentences
from draftkit.draft.backends import Backend, BackendError
from draftkit.draft.guard import GuardResult, guard_section
from draftkit.draft.model_prompt import ModelPrompt, render_model_prompt, target_length
from draftkit.draft.plan import ReportPlan, SectionPlan
from draftkit.facts import Facts
from draftkit.report import Exemplar

log = logging.getLogger(__name__)

EventFn = Callable[..., None]

#: model tokens per character of Chinese answer asked for, and the floor, for ``max_tokens``
TOKENS_PER_CHAR = 1.6
MIN_TOKENS = 192
#: characters read per token of ``max_tokens`` before the stream is closed (a token is at most a few
#: characters; a server that ignores max_tokens is stopped here)
CHARS_PER_TOKEN = 4

FALLBACK = "已改用模板稿（只含事实的版本）"


class ModelHealth:
    """Stops calling a model once it has failed for a server reason (down, timing out, refusing).

    After ``limit`` such failures, the sections not yet started keep their skeletons at once instead
    of each waiting for its own timeouts and retries (issue 16, item 3: one failure is enough).
    """

    def __init__(self, limit: int = 1) -> None:
        self.limit = limit
        self.failures = 0
        self.successes = 0
        self.reason = ""
        self._lock = threading.Lock()

    def down(self) -> bool:
        with self._lock:
            return self.failures >= self.limit

    def record(self, ok: bool, reason: str = "") -> None:
        with self._lock:
            if ok:
                self.successes += 1
            else:
                self.failures += 1
                self.reason = self.reason or reason


@dataclass
class ModelRun:
    """What the model-written sections of one report share (see the module docstring)."""

    settings: Settings
    started: float = field(default_factory=time.monotonic)
    deadline_s: float | None = None
    health: ModelHealth = field(default_factory=ModelHealth)
    unit_lengths: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.deadline_s is None:
            self.deadline_s = float(getattr(self.settings, "llm_deadline", 0) or 0) or None

    def remaining(self) -> float | None:
        """Seconds left before the report's deadline (None: no deadline)."""
        if not self.deadline_s:
            return None
        return self.deadline_s - (time.monotonic() - self.started)


def max_tokens_for(length: int, settings: Settings) -> int:
    """``max_tokens`` for a section of ``length`` characters: room for 1.6 tokens per character
    (Qwen's tokenizer gives about 1–1.5 per Chinese character), at least :data:`MIN_TOKENS`, at most
    ``Settings.llm_max_tokens``."""
    return max(MIN_TOKENS, min(int(settings.llm_max_tokens), round(length * TOKENS_PER_CHAR)))


def char_budget(max_tokens: int) -> int:
    """Characters read from an answer before the stream is closed."""
    return max_tokens * CHARS_PER_TOKEN


@dataclass
class Answer:
    """A model's answer to one prompt, read within its budget."""

    text: str = ""
    thinking: str = ""
    finish_reason: str | None = None
    capped: bool = False  # the character budget closed the stream
    error: str | None = None  # a BackendError message (or another exception's)
    server_fault: bool = False


def read_answer(backend: Backend, prompt: ModelPrompt, *, max_tokens: int, seed: int | None, emit: EventFn,
                section_id: str) -> Answer:
    """Stream one answer, emitting ``("token", id, text)`` for the visible text (a lone ``</think>``
    re-emits ``("section_start", id)`` so that a UI drops the thinking it showed), up to
    :func:`char_budget` characters. Failures are returned in ``Answer.error``, never raised."""
    kwargs: dict[str, Any] = {"stream": True, "system": prompt.system, "max_tokens": max_tokens, "seed": seed}
    if getattr(backend, "supports_stop", False) and prompt.stop:
        kwargs["stop"] = list(prompt.stop)
    budget = char_budget(max_tokens)
    think = ThinkFilter()
    out = Answer()
    gen = None
    try:
        gen = backend.generate(prompt.user, **kwargs)
        for piece in gen:
            visible = think.feed(clean_chars(piece))
            if think.take_reset():
                emit("section_start", section_id)
            if visible:
                emit("token", section_id, visible)
            if len(think.answer) + len(think.thinking) > budget:
                out.capped = True
                break
        tail = think.finish()
        if tail:
            emit("token", section_id, tail)
    except BackendError as exc:
        out.error, out.server_fault = str(exc), True
    except Exception as exc:  # anything a backend raises must not lose the section
        log.exception("backend %s failed on section %s", getattr(backend, "name", "?"), section_id)
        out.error = f"{type(exc).__name__}: {exc}"
    finally:
        close = getattr(gen, "close", None)
        if close is not None:
            try:
                close()  # closes the HTTP stream of a capped or failed answer
            except Exception:
                log.debug("closing the answer stream failed", exc_info=True)
    out.text, out.thinking = think.answer[:budget], think.thinking
    out.finish_reason = getattr(backend, "last_finish_reason", None)
    if out.thinking.strip():
        log.debug("section %s: model reasoning dropped (%d characters)", section_id, len(out.thinking))
    return out


def write_with_model(plan: ReportPlan, sp: SectionPlan, facts: Facts, skeleton: str, exemplars: list[Exemplar],
                     backend: Backend, emit: EventFn, settings: Settings, run: ModelRun,
                     seed: int | None = None) -> tuple[str, list[str], GuardResult | None]:
    """(text, warnings, guard result) of one section written by ``backend``; the skeleton and a
    warning when the model fails, the report's deadline has passed, or the model is down."""
    if run.health.down():
        return skeleton, [f"前面有一节调用模型失败（{run.health.reason}），本节不再调用模型，{FALLBACK}。"], None
    left = run.remaining()
    if left is not None and left <= 0:
        return skeleton, [f"整份报告的生成时限（{run.deadline_s:g} 秒）已到，本节未调用模型，{FALLBACK}。"], None
    length = target_length(sp, run.unit_lengths, skeleton)
    prompt = render_model_prompt(plan, sp, facts, exemplars, settings, length=length, skeleton=skeleton)
    max_tokens = max_tokens_for(length, settings)
    answer = read_answer(backend, prompt, max_tokens=max_tokens, seed=seed, emit=emit, section_id=sp.id)
    warnings: list[str] = []
    if answer.error is not None:
        run.health.record(False, answer.error[:200])
        verb = "失败" if answer.server_fault else "出错"
        return skeleton, [f"模型调用{verb}，本节{FALLBACK}：{answer.error}"], None
    run.health.record(True)
    raw = answer.text
    if answer.capped or answer.finish_reason == "length":
        raw, cut = complete_sentences(raw)
        limit = f"字数上限（{char_budget(max_tokens)} 字）" if answer.capped else f"长度上限（{max_tokens} 个 token）"
        warnings.append(f"模型的回答在{limit}处被截断，只保留了完整的句子" + (f"，删去了末尾未写完的“{cut[:30]}”" if cut else "") + "。")
    text = clean_answer(raw, title=sp.title, heading=sp.heading, prompt=[prompt.system, prompt.user], stop=prompt.stop)
    result = guard_section(text, skeleton, facts, plan.era, heading=sp.heading, exemplars=[e.text for e in exemplars])
    return result.text, warnings + result.warnings, result
