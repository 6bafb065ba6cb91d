"""The writer with the model backends: a section drafted end to end by the real Qwen2.5-0.5B
(in process and through a real llama_cpp.server), the guard judged on the real output, and
server faults that must fall back to the skeleton with a warning, never raising to the caller."""

from __future__ import annotations

import re

import pytest

from draftkit.checks.fidelity import unsupported_facts
from draftkit.config import Settings
from draftkit.draft.backends import Backend
from draftkit.draft.backends.llamacpp import LlamaCppBackend
from draftkit.draft.backends.openai import OpenAIBackend
from draftkit.draft.events import WriterEvent
from draftkit.draft.guard import era_allowed, full_sentences
from draftkit.draft.plan import plan_report
from draftkit.draft.writer import draft_report, draft_section
from draftkit.facts import Facts
from draftkit.report import Report
from draftkit.zh import split_sentences

FALLBACK = "已改用模板稿"
WRITER_SETTINGS = Settings(llm_max_tokens=200, llm_timeout=600.0)


@pytest.fixture(scope="module")
def skeleton_report(facts: Facts) -> Report:
    """The template draft: the sections a model rewrites, and their skeletons."""
    return draft_report(facts, backend="template", settings=WRITER_SETTINGS)


class Recorder:
    """Collects the writer's events (what a UI would show while streaming)."""

    def __init__(self) -> None:
        self.events: list[WriterEvent] = []

    def __call__(self, event: WriterEvent) -> None:
        self.events.append(event)

    def streamed(self, section_id: str) -> str:
        return "".join(e.text for e in self.events if e.kind == "token" and e.section_id == section_id)

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]


def unsupported(text: str, skeleton: str, facts: Facts) -> list:
    era = plan_report(facts, seed=0, settings=WRITER_SETTINGS).era
    found = unsupported_facts(text, facts, allowed_extra=[skeleton, *era_allowed(era)])
    return [f for f in found if f.severity in ("P0", "P1")]


def norm(s: str) -> str:
    return re.sub(r"[\s*#]+", "", s)  # the Markdown marks the answer cleaner removes


# ------------------------------------------------------------------------------------------
# The real model, end to end


@pytest.mark.llm
@pytest.mark.slow
def test_llamacpp_drafts_a_section_streaming_and_the_guard_keeps_only_supported_text(
    llamacpp_backend: LlamaCppBackend, facts: Facts, skeleton_report: Report
):
    rec = Recorder()
    section = draft_section(skeleton_report, "theory", facts, backend=llamacpp_backend, on_event=rec,
                            settings=WRITER_SETTINGS)
    raw = rec.streamed("theory")
    assert rec.kinds()[0] == "section_start" and rec.kinds()[-1] == "section_done"
    assert rec.kinds().count("token") > 10, "the model's text should arrive as a stream of pieces"
    assert re.search(r"[\u4e00-\u9fff]{10}", raw), raw
    assert section.backend == "llamacpp" and section.heading == skeleton_report.section("theory").heading
    assert section.skeleton == skeleton_report.section("theory").skeleton
    assert not any("模型调用失败" in w for w in section.warnings), section.warnings  # the model answered
    # Whatever the model wrote, what the section keeps states nothing the facts do not support.
    assert unsupported(section.text, section.skeleton, facts) == []
    fell_back = any(FALLBACK in w for w in section.warnings)
    if fell_back:
        assert section.text == section.skeleton  # the fact-complete fallback, with the reason shown
    else:
        # Kept text is the model's own: every kept sentence comes from the streamed output,
        # and each sentence the guard dropped is named in a warning with its reason.
        repaired = " ".join(w for w in section.warnings if w.startswith("模型稿漏了"))
        for sentence in (s for p in section.text.split("\n") for s in full_sentences(p)):
            bare = norm(sentence.rstrip("。；，"))
            assert bare in norm(raw) or bare in norm(repaired), sentence
        removed = [w for w in section.warnings if w.startswith("已删去一句")]
        kept_or_removed = len(removed) + sum(len(split_sentences(p)) for p in section.text.split("\n"))
        assert kept_or_removed >= 1
        for w in removed:  # each names the sentence and, in brackets, why it went
            assert re.fullmatch(r"已删去一句：“.+”（.+）", w), w
            sentence = w[len("已删去一句：“"):w.rindex("”（")]
            assert norm(sentence) in norm(raw) and norm(sentence) not in norm(section.text)


INVENTED = "- 家长志愿服务：全年共有58名家长参与，满意率达到98%"


class InventingBackend(Backend):
    """The real model, given a prompt whose facts list carries one extra line with figures the facts
    do not have (58 parents, 98 %). The model writes what its facts list says, so its real output
    carries the invention; the guard, which knows the true facts, must catch it. Every piece yielded
    is the real model's output."""

    name = "llamacpp"
    supports_stop = True

    def __init__(self, real: LlamaCppBackend) -> None:
        self.real = real

    def generate(self, prompt: str, **kw):
        head, sep, rest = prompt.partition("方面的事实：\n")
        assert sep, "the writer's prompt should list the section's facts"
        return self.real.generate(head + sep + INVENTED + "\n" + rest, **kw)


@pytest.mark.llm
@pytest.mark.slow
def test_guard_removes_an_invented_figure_from_real_model_output(
    llamacpp_backend: LlamaCppBackend, facts: Facts, skeleton_report: Report
):
    rec = Recorder()
    backend = InventingBackend(llamacpp_backend)
    section = draft_section(skeleton_report, "service", facts, backend=backend, on_event=rec, settings=WRITER_SETTINGS)
    raw = rec.streamed("service")
    assert not any("模型调用失败" in w for w in section.warnings), section.warnings  # the model answered
    assert "58" in raw, f"the model was asked to write the figure 58; it wrote: {raw!r}"
    # The invented figures never reach the section …
    assert "58" not in section.text and "98%" not in section.text
    assert unsupported(section.text, section.skeleton, facts) == []
    # … and the user is told which sentence went and why (or why the whole rewrite was dropped).
    explained = [w for w in section.warnings if "58" in w and "没有依据" in w]
    assert explained or any(FALLBACK in w for w in section.warnings), section.warnings
    if explained:
        assert explained[0].startswith("已删去一句")
    # Facts the skeleton states survive: the activity's own figures are still there.
    for figure in ("16次", "26人"):
        if figure in section.skeleton:
            assert figure in section.text


@pytest.mark.llm
@pytest.mark.slow
def test_openai_backend_drafts_a_section_through_a_real_server(
    llama_server: str, facts: Facts, skeleton_report: Report
):
    rec = Recorder()
    backend = OpenAIBackend(Settings(llm_model="", llm_timeout=600.0, llm_retries=1), base_url=llama_server)
    section = draft_section(skeleton_report, "recruitment", facts, backend=backend, on_event=rec,
                            settings=WRITER_SETTINGS)
    backend.close()
    assert rec.kinds().count("token") > 10
    assert section.backend == "openai" and section.text
    assert not any("模型调用失败" in w for w in section.warnings), section.warnings
    assert unsupported(section.text, section.skeleton, facts) == []


# ------------------------------------------------------------------------------------------
# Faults at the writer level: fall back to the skeleton with a warning, nothing raised


def fault_backend(base_url: str, **kw) -> OpenAIBackend:
    settings = Settings(llm_model="tiny", llm_timeout=kw.pop("timeout", 5.0), llm_retries=kw.pop("retries", 1))
    return OpenAIBackend(settings, base_url=base_url, backoff=0.05)


@pytest.mark.parametrize(
    ("mode", "timeout", "expect"),
    [
        ("down", 5.0, "cannot connect"),
        ("slow", 0.5, "no answer within 0.5 s"),
        ("500", 5.0, "HTTP 500"),
        ("cut", 5.0, "connection dropped"),
    ],
)
def test_writer_falls_back_to_the_skeleton_on_server_faults(
    mode: str, timeout: float, expect: str, fresh_fault_server, dead_url: str, facts: Facts, skeleton_report: Report
):
    base = dead_url if mode == "down" else fresh_fault_server.base(mode)
    rec = Recorder()
    section = draft_section(skeleton_report, "theory", facts, backend=fault_backend(base, timeout=timeout),
                            on_event=rec, settings=WRITER_SETTINGS)
    assert section.text == section.skeleton == skeleton_report.section("theory").skeleton
    (warning,) = [w for w in section.warnings if FALLBACK in w]
    assert expect in warning and base in warning
    assert rec.kinds()[-1] == "section_done"
    if mode == "cut":  # what streamed before the cut was shown, then replaced by the skeleton
        assert rec.streamed("theory") == "".join(fresh_fault_server.pieces[:2])
    if mode == "500":
        assert fresh_fault_server.count("500") == 2  # one retry (llm_retries=1) before falling back


def test_a_whole_report_survives_a_dead_server(dead_url: str, facts: Facts, skeleton_report: Report):
    report = draft_report(facts, backend=fault_backend(dead_url, retries=0), settings=WRITER_SETTINGS)
    secs = report.sections
    written = [s for i, s in enumerate(secs) if s.skeleton]
    assert written and all(s.text == s.skeleton for s in written)
    # every section a model writes says why it kept the template (a parent's lead is never sent to one)
    leads = {s.id for i, s in enumerate(secs[:-1]) if secs[i + 1].level > s.level}
    assert all(any(FALLBACK in w for w in s.warnings) for s in written if s.id not in leads)
    assert [s.text for s in report.sections] == [s.text for s in skeleton_report.sections]
    assert any("改用了模板稿" in w for w in report.warnings)
