"""The template backend on the sample facts: every fact once and correctly, nothing invented,
the right shape, the year's wording, visible gaps exactly where facts are missing, determinism."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from draft_samples import COMPLETE, GAPS, fact_strings

from draftkit.checks.era import check_era
from draftkit.config import prompts_path
from draftkit.draft.guard import audit_text, guard_section
from draftkit.draft.plan import MARKER_RE, load_outline, plan_report
from draftkit.draft.writer import draft_report
from draftkit.facts import Facts
from draftkit.report import Report

ALL = [*COMPLETE, GAPS]
CN_COUNT = re.compile(r"[零一二两三四五六七八九十百千]+(?:名|人|次|个|项|期|场|篇|节|位|批|所|户|件|份|条|支)")
#: set phrases with numerals in them that are never counts
TERMS = ["三会一课", "一岗双责", "两学一做", "第一议题", "第一责任人", "四风", "三个代表", "八项规定"]


@pytest.fixture(scope="module")
def reports(sample_facts) -> dict[str, tuple[Facts, Report]]:
    out = {}
    for stem in ALL:
        facts = sample_facts(stem)
        out[stem] = (facts, draft_report(facts, index=None, backend="template", seed=0))
    return out


def fact_numbers(facts: Facts) -> set[str]:
    """Every number a facts file holds, as it must be printed."""
    nums = {str(v) for v in facts.members.model_dump().values() if v is not None}
    nums |= {str(v) for v in (facts.structure.branches, facts.structure.groups) if v is not None}
    for a in facts.activities:
        nums |= {str(v) for v in (a.count, a.participants) if v is not None}
    nums |= {str(h.year) for h in facts.honours if h.year}
    nums.add(str(facts.year))
    return nums


@pytest.mark.parametrize("stem", ALL)
def test_every_number_and_name_in_the_facts_appears(reports, full_text, stem):
    facts, report = reports[stem]
    text = full_text(report)
    numbers_in_text = set(re.findall(r"\d+(?:\.\d+)?", text))
    assert fact_numbers(facts) <= numbers_in_text, fact_numbers(facts) - numbers_in_text
    for a in facts.activities:
        if a.date:
            y, m, *d = a.date.split("-")
            assert f"{int(y)}年{int(m)}月" + (f"{int(d[0])}日" if d else "") in text
    if facts.signature.date:
        d = facts.signature.date
        assert f"{d.year}年{d.month}月{d.day}日" in text
    for s in fact_strings(facts):
        assert s in text, s


@pytest.mark.parametrize("stem", ALL)
def test_no_number_the_facts_do_not_contain(reports, full_text, stem):
    facts, report = reports[stem]
    plan = plan_report(facts)
    text = full_text(report)
    # what may carry numbers of its own: the facts' names and texts, and the era wording of the year
    allowed_texts = fact_strings(facts) + [plan.era.guiding_line, plan.era.thought, plan.era.congress,
                                           *plan.era.campaigns, *plan.era.anniversaries] + TERMS
    for s in sorted(allowed_texts, key=len, reverse=True):
        text = text.replace(s, "◇")
    # level-3 heading numbers ("1.规范组织生活") are numbering, not counts
    text = "\n".join(re.sub(r"^\d{1,2}\.", "", line) for line in text.split("\n"))
    allowed = fact_numbers(facts)
    for a in facts.activities:
        if a.date:
            allowed |= {str(int(x)) for x in a.date.split("-")}
    if facts.signature.date:
        d = facts.signature.date
        allowed |= {str(d.year), str(d.month), str(d.day)}
    stray = set(re.findall(r"\d+(?:\.\d+)?", text)) - allowed
    assert not stray, f"numbers the facts do not contain: {stray}"
    assert not CN_COUNT.findall(text), f"Chinese-numeral counts: {CN_COUNT.findall(text)}"


@pytest.mark.parametrize("stem", ALL)
def test_the_guard_passes_the_template_text(reports, stem):
    facts, report = reports[stem]
    plan = plan_report(facts)
    for text in (report.opening, report.closing, *[s.text for s in report.sections]):
        assert audit_text(text, facts, plan.era) == [], text
    for s in report.sections:
        assert not any(w.startswith("模板稿核对") for w in s.warnings)
        if s.text:
            result = guard_section(s.text, s.skeleton, facts, plan.era, heading=s.heading)
            assert result.removed == [] and not result.fell_back and result.text == s.text


@pytest.mark.parametrize("stem", ALL)
def test_sections_in_outline_order_with_numbering(reports, stem):
    facts, report = reports[stem]
    outline_ids = [s.id for s in load_outline(facts.report_kind).walk()]
    ids = [s.id for s in report.sections]
    assert ids == [i for i in outline_ids if i in ids]
    required = [s.id for s in load_outline(facts.report_kind).sections if s.required]
    assert set(required) <= set(ids)
    patterns = {1: r"^[一二三四五六七八九十]+、\S", 2: r"^（[一二三四五六七八九十]+）\S", 3: r"^\d{1,2}\.\S"}
    counts: dict[int, int] = {}
    for s in report.sections:
        assert re.match(patterns[s.level], s.heading), s.heading
        counts = {lvl: n for lvl, n in counts.items() if lvl <= s.level}
        counts[s.level] = counts.get(s.level, 0) + 1
        if s.level == 3:
            assert s.heading.startswith(f"{counts[3]}.")
    assert report.body_text().count("\n一、") == 1
    bodies = [s for s in report.sections if s.text]
    assert len(bodies) >= 6 and all(s.skeleton == s.text for s in report.sections)


@pytest.mark.parametrize(
    ("stem", "must", "must_not"),
    [
        ("qinghe_erzhong_2016", ["科学发展观为指导", "十八届二中、三中、四中、五中、六中全会精神", "“两学一做”学习教育",
                                 "建党95周年"], ["习近平新时代中国特色社会主义思想", "十九大", "二十大"]),
        ("qinghe_yizhong_2021", ["习近平新时代中国特色社会主义思想为指导", "十九届二中、三中、四中、五中、六中全会精神",
                                 "党史学习教育", "建党100周年"], ["二十大", "科学发展观"]),
        ("qinghe_sanshi_2024", ["习近平新时代中国特色社会主义思想为指导", "党的二十大和二十届二中、三中全会精神",
                                "党纪学习教育"], ["十九大", "党史学习教育"]),
    ],
)
def test_each_year_speaks_of_its_own_era(reports, stem, must, must_not):
    facts, report = reports[stem]
    for m in must:
        assert m in report.opening, m
    text = report.opening + report.closing
    for m in must_not:
        assert m not in text, m
    serious = [f for f in check_era(report.body_text(), facts.year) if f.severity in ("P0", "P1")]
    assert serious == []


@pytest.mark.parametrize("stem", COMPLETE)
def test_complete_facts_leave_no_marker(reports, full_text, stem):
    _, report = reports[stem]
    assert "【待补充" not in full_text(report)
    assert "XX" not in full_text(report) and "xx" not in full_text(report)
    assert not any("待补充" in w for w in report.warnings)


def test_gaps_are_marked_exactly_where_facts_are_missing(reports, full_text):
    facts, report = reports[GAPS]
    markers = {s.id: MARKER_RE.findall(s.text) for s in report.sections if MARKER_RE.findall(s.text)}
    # the one activity without a count (a theory activity), and the member counts the organisation part needs
    assert markers == {"theory": ["次数"], "organization": ["入党积极分子人数", "本年发展党员人数"]}
    theory = report.section("theory").text
    no_count = next(a for a in facts.activities if a.count is None)
    assert f"{no_count.title}【待补充：次数】次" in theory
    assert "确定入党积极分子【待补充：入党积极分子人数】名" in report.section("organization").text or \
        "现有入党积极分子【待补充：入党积极分子人数】名" in report.section("organization").text
    assert report.signature.date is None and report.signature.date_text == "【待补充：落款日期】"
    assert MARKER_RE.findall(report.opening + report.closing) == []
    assert "XX" not in full_text(report)
    # sections whose facts are all missing (honours, brand) are left out rather than padded
    ids = [s.id for s in report.sections]
    assert "honours" not in ids and "brand" not in ids


def test_empty_facts_mark_every_required_fact(full_text):
    facts = Facts(unit="青禾市第三实验小学", org_type="党支部", year=2024)
    report = draft_report(facts, backend="template")
    found = {(s.id, m) for s in report.sections for m in MARKER_RE.findall(s.text)}
    assert found == {
        ("overview", "党员总数"),
        ("theory", "本年度理论学习的主要活动（名称、次数）"),
        ("organization", "入党积极分子人数"),
        ("organization", "本年发展党员人数"),
        ("conduct", "本年度作风建设和党风廉政建设的主要活动（名称、次数）"),
        ("problems", "存在的问题"),
        ("plans", "下一步工作打算"),
    }
    assert "现有党员【待补充：党员总数】名" in report.section("overview").text
    assert not re.search(r"\d", re.sub(r"2024|【[^】]*】", "", full_text(report)))


@pytest.mark.parametrize("stem", ALL)
def test_same_facts_and_seed_give_the_same_text(reports, stem):
    facts, report = reports[stem]
    again = draft_report(facts, backend="template", seed=0)
    assert again.body_text() == report.body_text()
    assert [s.model_dump(exclude={"seconds"}) for s in again.sections] == \
        [s.model_dump(exclude={"seconds"}) for s in report.sections]


@pytest.mark.parametrize("stem", ALL)
def test_another_seed_changes_the_wording_not_the_facts(reports, full_text, stem):
    facts, report = reports[stem]
    other = draft_report(facts, backend="template", seed=7)
    assert other.body_text() != report.body_text()
    for s in fact_strings(facts):
        assert s in full_text(other)


@pytest.mark.parametrize("kind", ["half_year_summary", "secretary_review"])
def test_other_report_kinds(sample_facts, full_text, kind):
    facts = sample_facts("qinghe_sanshi_2024").model_copy(update={"report_kind": kind})
    report = draft_report(facts, backend="template")
    text = full_text(report)
    for s in fact_strings(facts):
        assert s in text, s
    if kind == "half_year_summary":
        assert report.title == "青禾市第三实验小学2024年上半年党建工作总结"
        assert "三中全会" not in report.opening and "现将2024年上半年党建工作总结如下：" in report.opening
        assert any(s.heading.endswith("下半年工作打算") or s.heading.endswith("下半年工作思路") for s in report.sections)
    else:
        assert report.title.endswith("书记2024年度抓基层党建工作述职报告")
        assert report.opening.startswith("2024年，本人作为中共青禾市第三实验小学支部委员会书记")


def test_phrase_banks_carry_no_numbers():
    """Phrase banks and templates never write a count: numbers only come from the facts."""
    allowed_terms = [*TERMS, "一是", "二是", "三是", "四是", "五是", "六是", "七是", "八是", "九是", "十是"]
    for folder in ("phrases", "sections", "outlines"):
        for path in sorted(Path(prompts_path(folder)).glob("*")):
            if path.name.startswith("_"):
                continue  # the model's instructions (_prompt.j2, _system.j2) are not report text
            raw = path.read_text(encoding="utf-8")
            if path.suffix == ".yaml":
                raw = yaml.safe_dump(yaml.safe_load(raw), allow_unicode=True)  # comments out
                raw = re.sub(r"(?m)^\s*(?:era_month|length|from|to):.*$", "", raw)
                raw = re.sub(r"\b(?:from|to): \d{4}", "", raw)
            raw = re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", "", raw, flags=re.S)  # Jinja code is not text
            for term in allowed_terms:
                raw = raw.replace(term, "")
            assert not re.search(r"(?<![A-Za-z_])\d", raw), f"{path}: a digit"
            assert not CN_COUNT.findall(raw), f"{path}: {CN_COUNT.findall(raw)}"
