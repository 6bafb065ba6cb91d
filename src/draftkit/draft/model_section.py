"""One section written by a model backend: prompt fitted to the context → stream (reasoning split off,
output capped) → continuation of an answer cut by the token limit → answer cleaning → guard. Never raises
for a model failure: the section keeps its skeleton, with the reason in its warnings.

The bounds (issue 16, items 3–5) that keep a report from hanging or flooding, whatever a server does:

- :class:`ModelRun` holds what the sections of one report share: the report's deadline
  (``Settings.llm_deadline`` seconds from the start; it is handed to the backend through
  :data:`~draftkit.draft.backends.base.call_deadline`, and a section that has not started by then keeps
  its skeleton), the model's health (after the first section that fails for a server reason, no new
  section waits on that server) and the unit's own section lengths;
- the answer is read up to the section's character budget (:func:`char_budget`); beyond it the stream is
  closed, the complete sentences are kept and the section says so;
- an answer cut by the token limit (``finish_reason == "length"``) is continued once
  (``prompts/sections/_continue.j2``); cut again, its complete sentences are kept, with a warning;
- an answer that is only the prompt given back (a small model lists the facts) is asked for once more,
  as prose (``prompts/sections/_retry.j2``).

The context budget (issue 12 §3): :func:`fit_prompt` drops and shortens exemplars until the prompt and
the section's ``max_tokens`` fit ``Settings.llm_context``; a server that still reports an overflow gets
the prompt once more without exemplars.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from draftkit.config import Settings
from draftkit.draft.answer import ThinkFilter, clean_answer, clean_chars, complete_sentences
from draftkit.draft.backends import Backend, BackendError, ContextOverflowError, call_deadline
from draftkit.draft.events import WriterEvent, WriterListener
from draftkit.draft.guard import GuardResult, guard_section
from draftkit.draft.model_prompt import (
    EXEMPLAR_CHARS,
    LENGTH_BOUNDS,
    PROMPT_EXEMPLARS,
    ModelPrompt,
    estimate_tokens,
    render_model_prompt,
    target_length,
)
from draftkit.draft.plan import ReportPlan, SectionPlan
from draftkit.draft.prompts import _env
from draftkit.facts import Facts
from draftkit.report import Exemplar
from draftkit.zh import shorten

log = logging.getLogger(__name__)

#: model tokens per character of Chinese answer asked for, and the floor, for ``max_tokens``
TOKENS_PER_CHAR = 1.6
MIN_TOKENS = 192
#: tokens a chat template adds around the system and user messages (Qwen's: about 10; room for others)
CHAT_OVERHEAD = 32
#: characters read per token of ``max_tokens`` before the stream is closed (a token is at most a few
#: characters; a server that ignores max_tokens is stopped here)
CHARS_PER_TOKEN = 4

#: a model's section may run to this many times its target length; the guard cuts what is past it
#: at a sentence end (small models that reach the token limit tend to loop)
LONG_FACTOR = 2.0

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

    def deadline(self) -> float | None:
        """The monotonic time the report's model calls must end by (None: no deadline)."""
        return self.started + self.deadline_s if self.deadline_s else None

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
    overflow: bool = False  # the prompt did not fit the model's context


def read_answer(backend: Backend, prompt: ModelPrompt, *, max_tokens: int, seed: int | None, emit: WriterListener,
                section_id: str, stream: bool = True) -> Answer:
    """Stream one answer, emitting a ``token`` WriterEvent for the visible text (a lone ``</think>``
    re-emits ``section_start`` so that a UI drops the thinking it showed), up to
    :func:`char_budget` characters. Failures are returned in ``Answer.error``, never raised."""
    kwargs: dict[str, Any] = {"stream": stream, "system": prompt.system, "max_tokens": max_tokens, "seed": seed}
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
                emit(WriterEvent.start(section_id))
            if visible:
                emit(WriterEvent.token(section_id, visible))
            if len(think.answer) + len(think.thinking) > budget:
                out.capped = True
                break
        tail = think.finish()
        if tail:
            emit(WriterEvent.token(section_id, tail))
    except ContextOverflowError as exc:
        out.error, out.overflow = str(exc), True
    except BackendError as exc:
        out.error, out.server_fault = str(exc), getattr(exc, "server_fault", True)
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


def _overlap(done: str, more: str, least: int = 4) -> int:
    """Length of the longest end of ``done`` that ``more`` starts with (a continuation that repeats)."""
    for n in range(min(len(done), len(more), 200), least - 1, -1):
        if done.endswith(more[:n]):
            return n
    return 0


def fit_prompt(plan: ReportPlan, sp: SectionPlan, facts: Facts, exemplars: list[Exemplar], backend: Backend,
               settings: Settings, *, length: int, skeleton: str, max_tokens: int) -> tuple[ModelPrompt, int, list[str]]:
    """The prompt for one section made to fit ``Settings.llm_context`` with room for ``max_tokens``:
    exemplars are dropped (two, then one), the last one shortened, then none; if even the bare
    prompt leaves too little room, ``max_tokens`` shrinks (down to :data:`MIN_TOKENS`). Tokens are
    counted by the backend's tokenizer where it has one (llama.cpp's ``/tokenize``), else estimated
    conservatively. Returns (prompt, max_tokens, warnings)."""
    context = int(settings.llm_context)
    tries = [(PROMPT_EXEMPLARS, EXEMPLAR_CHARS), (1, EXEMPLAR_CHARS), (1, EXEMPLAR_CHARS // 2), (0, 0)]
    if not exemplars:
        tries = [(0, 0)]
    prompt, used, n, chars = None, 0, 0, 0
    for n, chars in tries:
        prompt = render_model_prompt(plan, sp, facts, exemplars, settings, length=length, skeleton=skeleton,
                                     max_exemplars=n, exemplar_chars=chars or EXEMPLAR_CHARS)
        used = prompt_tokens(backend, prompt)
        if used + max_tokens <= context:
            break
    assert prompt is not None
    warnings = []
    wanted = min(len(exemplars), PROMPT_EXEMPLARS)
    shortened = bool(n) and chars < EXEMPLAR_CHARS
    if len(prompt.exemplars) < wanted or shortened:
        warnings.append(f"模型的上下文只有 {context} 个 token，提示中的参考范文已减为 {len(prompt.exemplars)} 段"
                        + ("（并已截短）" if shortened else "") + "。")
    if used + max_tokens > context:
        room = max(MIN_TOKENS, context - used)
        if room < max_tokens:
            warnings.append(f"模型的上下文只有 {context} 个 token，本节回答的长度上限已从 {max_tokens} 减为 {room} 个 token。")
            max_tokens = room
    return prompt, max_tokens, warnings


def prompt_tokens(backend: Backend, prompt: ModelPrompt) -> int:
    """Tokens the prompt takes: the backend's count of system + user (plus the chat template's few),
    or :func:`estimate_tokens` when it cannot count."""
    counted = None
    try:
        counted = backend.count_tokens(prompt.system + "\n" + prompt.user) if hasattr(backend, "count_tokens") else None
    except Exception:  # counting is a refinement; an estimate will do
        log.debug("token count failed", exc_info=True)
    if counted is None:
        return estimate_tokens(prompt.system) + estimate_tokens(prompt.user) + CHAT_OVERHEAD
    return counted + CHAT_OVERHEAD


def write_with_model(plan: ReportPlan, sp: SectionPlan, facts: Facts, skeleton: str, exemplars: list[Exemplar],
                     backend: Backend, emit: WriterListener, settings: Settings, run: ModelRun,
                     seed: int | None = None) -> tuple[str, list[str], GuardResult | None]:
    """(text, warnings, guard result) of one section written by ``backend``; the skeleton and a
    warning when the model fails, the report's deadline has passed, or the model is down."""
    if run.health.down():
        return skeleton, [f"前面有一节调用模型失败（{run.health.reason}），本节不再调用模型，{FALLBACK}。"], None
    left = run.remaining()
    if left is not None and left <= 0:
        return skeleton, [f"整份报告的生成时限（{run.deadline_s:g} 秒）已到，本节未调用模型，{FALLBACK}。"], None
    # never ask for more than the token limit can hold (Settings.llm_max_tokens)
    length = min(target_length(sp, run.unit_lengths, skeleton),
                 max(LENGTH_BOUNDS[0], int(settings.llm_max_tokens / TOKENS_PER_CHAR)))
    warnings: list[str] = []
    token = call_deadline.set(run.deadline())
    try:
        max_tokens = max_tokens_for(length, settings)
        prompt, max_tokens, fitted = fit_prompt(plan, sp, facts, exemplars, backend, settings, length=length,
                                                skeleton=skeleton, max_tokens=max_tokens)
        warnings.extend(fitted)

        def ask(p: ModelPrompt, again: str = "") -> Answer:
            if again:  # a second request: say why, and clear what the first one showed
                warnings.append(again)
                emit(WriterEvent.start(sp.id))
            return read_answer(backend, p, max_tokens=max_tokens, seed=seed, emit=emit, section_id=sp.id,
                               stream=settings.llm_stream)

        answer = ask(prompt)
        if answer.overflow and prompt.exemplars:  # the server counts differently: once more, without exemplars
            prompt = render_model_prompt(plan, sp, facts, exemplars, settings, length=length, skeleton=skeleton,
                                         max_exemplars=0)
            answer = ask(prompt, f"模型服务报告提示超出上下文长度，已去掉参考范文重试：{answer.error}")
        text, cut, more = settle_answer(backend, prompt, answer, sp, max_tokens=max_tokens, seed=seed, emit=emit,
                                        settings=settings)
        warnings.extend(more)
        if not text and answer.error is None and answer.text.strip():
            # the model wrote, but only the prompt given back (a small model lists the facts): ask once
            # more for prose, with the list named as what not to write
            prompt = ModelPrompt(system=prompt.system, user=_env(settings).get_template("_retry.j2").render(
                user=prompt.user).strip(), stop=prompt.stop, length=prompt.length, exemplars=prompt.exemplars)
            answer = ask(prompt, "模型的第一稿只是把提示中的事实清单抄了回来，已请模型用成段的文字重写一次。")
            text, cut, more = settle_answer(backend, prompt, answer, sp, max_tokens=max_tokens, seed=seed, emit=emit,
                                            settings=settings)
            warnings.extend(more)
        if answer.error is not None:
            if not text:
                if answer.server_fault:
                    run.health.record(False, shorten(answer.error, 200))
                verb = "失败" if answer.server_fault or answer.overflow else "出错"
                return skeleton, [*warnings, f"模型调用{verb}，本节{FALLBACK}：{answer.error}"], None
            # a server that wrote sentences is up, only slow or behind a proxy's limit: the next
            # sections still ask it (the report deadline bounds the whole draft)
            warnings.append(f"模型调用中途中断（{answer.error}），只保留了模型已写完的句子{_cut_note(cut)}。")
        run.health.record(True)
    finally:
        call_deadline.reset(token)
    # the prompt names the section and the report in quotes, and models quote them back: not inventions
    result = guard_section(text, skeleton, facts, plan.era, heading=sp.heading, exemplars=[e.text for e in exemplars],
                           max_chars=round(length * LONG_FACTOR), extra_allowed=[sp.title, plan.title])
    return result.text, warnings + result.warnings, result


def settle_answer(backend: Backend, prompt: ModelPrompt, answer: Answer, sp: SectionPlan, *, max_tokens: int,
                  seed: int | None, emit: WriterListener, settings: Settings) -> tuple[str, str, list[str]]:
    """(clean text, the unfinished tail cut off, warnings) of one answer: a stream cut by an error keeps
    its finished sentences, an answer cut by the token limit is continued once
    (:func:`continue_answer`), one past the character budget keeps its complete sentences; then
    :func:`~draftkit.draft.answer.clean_answer` with the prompt as what an echo is."""
    cut, warnings = "", []
    if answer.error is not None:
        # a stream cut by a timeout or a dropped connection keeps the sentences it finished: on a
        # slow PC that is most of a section, and the guard puts back whatever facts it lacks
        raw, cut = ("", "") if answer.overflow else complete_sentences(answer.text)
    elif answer.finish_reason == "length" and not answer.capped:
        raw, warnings = continue_answer(backend, prompt, answer, max_tokens=max_tokens, seed=seed, emit=emit,
                                        section_id=sp.id, settings=settings)
    elif answer.capped:
        raw, cut = complete_sentences(answer.text)
        warnings.append(f"模型的回答超过了本节的字数上限（{char_budget(max_tokens)} 字），已停止读取，"
                        f"只保留了完整的句子{_cut_note(cut)}。")
    else:
        raw = answer.text
    text = clean_answer(raw, title=sp.title, heading=sp.heading, prompt=[prompt.system, prompt.user], stop=prompt.stop)
    return text, cut, warnings


def continue_answer(backend: Backend, prompt: ModelPrompt, answer: Answer, *, max_tokens: int, seed: int | None,
                    emit: WriterListener, section_id: str, settings: Settings) -> tuple[str, list[str]]:
    """An answer cut by the token limit, continued once (``prompts/sections/_continue.j2``). If the
    continuation fails or is cut again, or the answer's complete sentences already reach the
    section's target length (``prompt.length`` characters), the complete sentences are kept, with a
    warning."""
    partial = answer.text
    kept, cut = complete_sentences(partial)
    if len(kept) >= prompt.length:
        return kept, [f"模型的回答在长度上限（{max_tokens} 个 token）处被截断；本节已写够目标字数（{prompt.length} 字），"
                      f"不再续写，只保留了完整的句子{_cut_note(cut)}。"]
    ask = _env(settings).get_template("_continue.j2").render(user=prompt.user, partial=partial.strip()).strip()
    more = read_answer(backend, ModelPrompt(system=prompt.system, user=ask, stop=prompt.stop, length=prompt.length),
                       max_tokens=max_tokens, seed=seed, emit=emit, section_id=section_id, stream=settings.llm_stream)
    if more.error is None:
        rest = more.text.lstrip()
        rest = rest[_overlap(partial, rest):]
        partial = partial + rest
        if more.finish_reason != "length" and not more.capped:
            return partial, ["模型的回答在长度上限处被截断，已请模型接着写完一次。"]
    kept, cut = complete_sentences(partial)
    why = f"续写失败（{more.error}）" if more.error else "续写一次后仍被截断"
    return kept, [f"模型的回答在长度上限（{max_tokens} 个 token）处被截断，{why}，只保留了完整的句子{_cut_note(cut)}。"]


def _cut_note(cut: str) -> str:
    """The clause naming the unfinished tail an answer lost ("" when it lost none)."""
    return f"，删去了末尾未写完的“{cut[:30]}”" if cut else ""
