"""The writer: events and progress, model-backend paths through real Backend implementations
(a rewrite with an invented sentence, failures), regenerating one section, the JSON shape."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from draft_samples import COMPLETE

from draftkit.draft.backends import Backend, BackendError, TemplateBackend, get_backend
from draftkit.draft.writer import (
    clean_model_output,
    draft_report,
    draft_section,
    report_to_json_dict,
    same_unit,
    year_weight,
)
from draftkit.report import Report


class SkeletonEcho(Backend):
    """A stand-in model: answers with the must-keep content of the prompt, plus an optional extra sentence."""

    name = "echo"
    concurrency = 3

    def __init__(self, extra: str = "", preamble: str = "") -> None:
        self.extra, self.preamble = extra, preamble
        self.prompts: list[str] = []

    def generate(self, prompt: str, *, stream: bool = True, system: str | None = None,
                 max_tokens: int | None = None, seed: int | None = None,
                 stop: list[str] | None = None) -> Iterator[str]:
        self.prompts.append(prompt)
        keep = prompt.split("【必保内容】", 1)[1]
        keep = re.split(r"\n\n【参考范文】|\n\n请直接输出", keep)[0].strip()
        text = self.preamble + keep + self.extra
        for i in range(0, len(text), 7):
            yield text[i:i + 7]


class Failing(Backend):
    """A model that fails after some text (a cut stream) or before any."""

    name = "failing"
    concurrency = 3

    def __init__(self, exc: Exception, after: int = 1) -> None:
        self.exc, self.after = exc, after

    def generate(self, prompt: str, *, stream: bool = True, system: str | None = None,
                 max_tokens: int | None = None, seed: int | None = None,
                 stop: list[str] | None = None) -> Iterator[str]:
        for _ in range(self.after):
            yield "学校党支部"
        raise self.exc


@pytest.fixture(scope="module")
def facts(sample_facts):
    return sample_facts("qinghe_sanshi_2024")


def test_backend_registry():
    assert isinstance(get_backend("template"), TemplateBackend)
    assert isinstance(get_backend(None), Backend)
    with pytest.raises(ValueError, match="unknown backend"):
        get_backend("gpt")
    assert list(TemplateBackend().generate("甲\n乙")) == ["甲\n", "乙"]
    assert list(TemplateBackend().generate("甲\n乙", stream=False)) == ["甲\n乙"]


def test_events_and_progress(facts):
    events: list[tuple] = []
    fractions: list[float] = []
    report = draft_report(facts, backend="template", on_event=lambda *e: events.append(e),
                          progress=lambda f, d: fractions.append(f))
    assert events[0][0] == "plan" and isinstance(events[0][1], Report)
    assert [s.heading for s in events[0][1].sections] == [s.heading for s in report.sections]
    assert all(s.text == "" for s in events[0][1].sections)
    for s in report.sections:
        mine = [e for e in events[1:] if e[1] == s.id]
        assert mine[0][0] == "section_start" and mine[-1][0] == "section_done"
        assert "".join(e[2] for e in mine if e[0] == "token") == s.text
        assert mine[-1][2] == s
    assert fractions[-1] == 1.0 and len(fractions) == len(report.sections)
    assert set(report.timings) == {"plan", "retrieval", "generation", "total"}
    assert "没有打开范文库（index），本次起草没有参考范文。" in report.warnings


def test_a_broken_listener_does_not_stop_drafting(facts):
    def listener(*event):
        raise RuntimeError("UI went away")

    report = draft_report(facts, backend="template", on_event=listener)
    assert all(s.text or not s.skeleton for s in report.sections)


def test_model_path_prompt_carries_skeleton_rules_and_era(facts):
    echo = SkeletonEcho()
    report = draft_report(facts, backend=echo)
    template = draft_report(facts, backend="template")
    assert [s.text for s in report.sections] == [s.text for s in template.sections]
    assert all(not s.warnings for s in report.sections)  # a faithful rewrite: nothing removed, nothing lost
    prompt = echo.prompts[0]
    assert "党的二十大和二十届二中、三中全会精神" in prompt
    assert "不得添加" in prompt and "【必保内容】" in prompt
    assert report.backend == "echo" and all(s.backend == "echo" for s in report.sections)


def test_invented_sentence_is_removed_and_shown(facts):
    report = draft_report(facts, backend=SkeletonEcho(extra="另有25名党员受到表彰。"))
    for s in report.sections:
        if s.skeleton:
            assert "25名党员" not in s.text
            assert any(w.startswith("已删去一句：“另有25名党员受到表彰。”") for w in s.warnings), s.id
            assert s.text == s.skeleton


def test_preamble_and_markdown_are_cleaned(facts):
    report = draft_report(facts, backend=SkeletonEcho(preamble="好的，以下是改写后的正文：\n**"))
    template = draft_report(facts, backend="template")
    assert [s.text for s in report.sections] == [s.text for s in template.sections]


@pytest.mark.parametrize("exc", [BackendError("服务器无响应 / server down"), RuntimeError("boom")])
@pytest.mark.parametrize("after", [0, 2])
def test_backend_failure_falls_back_to_skeleton_without_raising(facts, exc, after):
    events: list[tuple] = []
    report = draft_report(facts, backend=Failing(exc, after), on_event=lambda *e: events.append(e))
    for s in report.sections:
        if s.skeleton:
            assert s.text == s.skeleton
            assert any("已改用模板稿" in w for w in s.warnings)
    assert any("节改用了模板稿" in w for w in report.warnings)
    assert sum(1 for e in events if e[0] == "section_done") == len(report.sections)


def test_a_model_that_is_down_is_not_called_for_every_section(facts):
    class Down(Backend):
        name = "down"
        concurrency = 3
        calls = 0

        def generate(self, prompt, *, stream=True, system=None, max_tokens=None, seed=None, stop=None):
            Down.calls += 1
            raise BackendError("无法连接 http://127.0.0.1:9/v1 / connection refused")
            yield ""  # a generator, like the real backends

    report = draft_report(facts, backend=Down())
    bodies = [s for s in report.sections if s.skeleton]
    # sections run three at a time: two or three calls may start before the first failure is known
    assert 2 <= Down.calls <= 3 < len(bodies)
    assert all(s.text == s.skeleton for s in bodies)
    assert sum("不再调用模型" in w for s in bodies for w in s.warnings) == len(bodies) - Down.calls


def test_a_model_that_recovers_keeps_being_used(facts):
    class Flaky(SkeletonEcho):
        name = "flaky"

        def __init__(self):
            super().__init__()
            self.n = 0

        def generate(self, prompt, **kw):
            self.n += 1
            if self.n == 2:
                raise BackendError("HTTP 500")
            yield from super().generate(prompt, **kw)

    backend = Flaky()
    report = draft_report(facts, backend=backend)
    assert backend.n == sum(1 for s in report.sections if s.skeleton)
    assert sum(any("已改用模板稿" in w for w in s.warnings) for s in report.sections) == 1


def test_regenerating_one_section_leaves_the_others(facts):
    report = draft_report(facts, backend="template", seed=0)
    before = report.model_dump()
    new = draft_section(report, "theory", facts, backend="template", seed=3)
    assert report.model_dump() == before  # the report itself is not changed
    old = report.section("theory")
    assert new.id == old.id and new.heading == old.heading and new.level == old.level
    assert new.text != old.text  # another wording …
    for a in facts.activities:
        if a.kind == "theory":
            assert a.title in new.text and str(a.count) in new.text  # … of the same facts
    again = draft_section(report, "theory", facts, backend="template", seed=3)
    assert again.text == new.text
    with pytest.raises(KeyError):
        draft_section(report, "no_such_section", facts, backend="template")


def test_regenerating_a_section_the_facts_no_longer_feed(facts):
    report = draft_report(facts, backend="template")
    fewer = facts.model_copy(update={"honours": [], "notes": {k: v for k, v in facts.notes.items() if k != "honours"}})
    with pytest.raises(KeyError, match="no facts"):
        draft_section(report, "honours", fewer, backend="template")


@pytest.mark.parametrize("stem", COMPLETE)
def test_json_shape_and_round_trip(sample_facts, stem, tmp_path):
    report = draft_report(sample_facts(stem), backend="template")
    data = report_to_json_dict(report)
    for key in ("title", "year", "unit", "backend", "sections", "closing", "signature", "warnings"):
        assert key in data
    for s in data["sections"]:
        for key in ("id", "heading", "kind", "text", "warnings", "exemplars"):
            assert key in s
    assert data["signature"]["unit"] and data["signature"]["date_text"].endswith("日")
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    back = Report.model_validate_json(path.read_text(encoding="utf-8"))
    assert back == report


def test_clean_model_output():
    from draftkit.draft.plan import SectionPlan

    sp = SectionPlan(id="theory", title="强化理论武装", heading="（一）强化理论武装", level=2, kind="theory")
    raw = "```\n（一）强化理论武装\n## 正文\n- **学校党支部**坚持学习。\n\n全年开展主题党日12次。\n```"
    assert clean_model_output(raw, sp) == "正文\n学校党支部坚持学习。\n全年开展主题党日12次。"


def test_same_unit_and_year_weight():
    assert same_unit("青禾市第三实验小学", "青禾市第三实验小学党支部")
    assert same_unit(" 青禾市第三实验小学", "青禾市第三实验小学")
    assert not same_unit("青禾市第三实验小学", "青禾市第二中学")
    assert not same_unit(None, "青禾市第二中学")
    assert year_weight(2024, 2024) > year_weight(2020, 2024) > year_weight(2010, 2024) == 1.0
    assert year_weight(2025, 2024) < 1.0 and year_weight(None, 2024) == 1.0


def test_model_prompt_shows_exemplars_without_convert_errors(facts):
    from draftkit.draft.plan import plan_report
    from draftkit.draft.prompts import render_section_prompt, render_skeleton
    from draftkit.report import Exemplar

    plan = plan_report(facts)
    sp = plan.sections[1]
    skeleton = render_skeleton(plan, sp, facts).text
    source = "党员坚持原那么，以身作那么，在此根底上积极效劳师生，查找缺乏。"
    ex = Exemplar(chunk_id="c1", title="往年总结", year=2019, text=source)
    _system, prompt = render_section_prompt(plan, sp, skeleton, [ex], facts)
    assert "党员坚持原则，以身作则，在此基础上积极服务师生，查找不足。" in prompt
    assert "效劳" not in prompt and "那么" not in prompt
    assert ex.text == source  # the exemplar itself (shown in the UI) keeps the source's words
    from draftkit.draft.writer import PROMPT_LABELS

    assert all(label in prompt for label in PROMPT_LABELS)  # the writer's stop strings match the template


class PlansInTheReportYear(SkeletonEcho):
    """A model that dates the plans section in the report's own year (seen with a 0.5B model)."""

    def generate(self, prompt: str, **kw) -> Iterator[str]:
        text = "".join(super().generate(prompt, **kw))
        yield text.replace("新的一年，", "2024年，")


def test_guard_rejects_plans_dated_in_the_report_year(facts):
    report = draft_report(facts, backend=PlansInTheReportYear())
    plans = next(s for s in report.sections if s.kind == "plans")
    assert plans.skeleton.startswith("新的一年，")
    assert plans.text == plans.skeleton  # the model's version fell back to the template's
    assert any("应是2025年的打算" in w for w in plans.warnings), plans.warnings
    others = [s for s in report.sections if s.kind != "plans" and s.skeleton]
    assert others and all(not s.warnings for s in others)


class EchoesThePrompt(Backend):
    """A model like the 0.5B one: the must-keep content, then the rest of the prompt echoed, unless a
    stop string ends the answer first (as llama.cpp and OpenAI-compatible servers do)."""

    name = "echoing"
    concurrency = 3
    supports_stop = True

    def __init__(self) -> None:
        self.stops: list[list[str] | None] = []

    def generate(self, prompt: str, *, stream: bool = True, system: str | None = None,
                 max_tokens: int | None = None, seed: int | None = None,
                 stop: list[str] | None = None) -> Iterator[str]:
        self.stops.append(stop)
        keep = prompt.split("【必保内容】", 1)[1]
        answer = keep  # skeleton, then 【参考范文】… and 请直接输出… echoed
        for s in stop or []:
            cut = answer.find(s)
            if cut >= 0:
                answer = answer[:cut]
        yield answer


def test_writer_passes_stop_strings_to_backends_that_take_them(facts):
    from draftkit.draft.writer import PROMPT_LABELS

    model = EchoesThePrompt()
    report = draft_report(facts, backend=model)
    assert model.stops and all(s == list(PROMPT_LABELS) for s in model.stops)
    assert len(PROMPT_LABELS) <= 4  # OpenAI's limit for stop strings
    template = draft_report(facts, backend="template")
    assert [s.text for s in report.sections] == [s.text for s in template.sections]


class Recording(Backend):
    """A third backend: records what the writer passes, answers with the must-keep content."""

    name = "recording"

    def __init__(self) -> None:
        self.calls: list[dict] = []

    @classmethod
    def from_settings(cls, settings, **options):
        return cls()

    def generate(self, prompt: str, *, stream: bool = True, system: str | None = None,
                 max_tokens: int | None = None, seed: int | None = None,
                 stop: list[str] | None = None) -> Iterator[str]:
        self.calls.append({"seed": seed, "stop": stop, "max_tokens": max_tokens, "system": system})
        keep = prompt.split("【必保内容】", 1)[1]
        yield re.split(r"\n\n【参考范文】|\n\n请直接输出", keep)[0].strip()


def test_a_registered_backend_is_reached_by_name_and_told_its_capabilities(facts, monkeypatch):
    from draftkit.draft.backends import available_backends, base, register_backend

    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))  # the registration ends with the test
    register_backend("Recording", Recording)
    assert "recording" in available_backends()
    backend = get_backend("recording", model="ignored", base_url="ignored")
    assert isinstance(backend, Recording)
    report = draft_report(facts, backend=backend, seed=7)
    bodies = [s for s in report.sections if s.skeleton]
    assert len(backend.calls) == len(bodies) and all(s.backend == "recording" for s in report.sections)
    # no stop strings for a backend that does not declare supports_stop; the seed reaches the model
    assert all(c["stop"] is None and c["seed"] == 7 and c["max_tokens"] and c["system"] for c in backend.calls)


def test_a_registry_entry_that_is_no_backend_is_refused(monkeypatch):
    from draftkit.draft.backends import base, register_backend

    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    register_backend("notone", "draftkit.config:Settings")
    with pytest.raises(TypeError, match="not a draftkit Backend"):
        get_backend("notone")


def test_builtin_backends_declare_their_capabilities():
    from draftkit.draft.backends.llamacpp import LlamaCppBackend
    from draftkit.draft.backends.openai import OpenAIBackend

    assert (TemplateBackend.uses_skeleton, TemplateBackend.concurrency) == (True, 1)
    assert (OpenAIBackend.supports_stop, OpenAIBackend.concurrency, OpenAIBackend.uses_skeleton) == (True, 3, False)
    assert (LlamaCppBackend.supports_stop, LlamaCppBackend.concurrency) == (True, 1)
