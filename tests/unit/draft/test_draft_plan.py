"""The section plan: outlines, numbering, titles, routing, folding, and the era wording of each year."""

from __future__ import annotations

import pytest

from draftkit.draft.plan import era_context, load_outline, plan_report
from draftkit.facts import Facts
from draftkit.zh import heading_label


@pytest.mark.parametrize("kind", ["annual_summary", "half_year_summary", "secretary_review"])
def test_every_report_kind_has_an_outline(kind: str):
    outline = load_outline(kind)
    ids = [s.id for s in outline.walk()]
    assert ids[0] == "overview" and ids[-2:] == ["problems", "plans"]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("annual_summary", "青禾市第三实验小学2024年党建工作总结"),
        ("half_year_summary", "青禾市第三实验小学2024年上半年党建工作总结"),
        ("secretary_review", "中共青禾市第三实验小学支部委员会书记2024年度抓基层党建工作述职报告"),
    ],
)
def test_titles(kind: str, title: str):
    facts = Facts(unit="青禾市第三实验小学", org_type="党支部", year=2024, report_kind=kind)
    assert plan_report(facts).title == title


def test_numbering_and_order(sample_facts):
    plan = plan_report(sample_facts("qinghe_erzhong_2016"))
    counters: dict[int, int] = {}
    for s in plan.sections:
        counters[s.level] = counters.get(s.level, 0) + 1
        for deeper in [lvl for lvl in counters if lvl > s.level]:
            counters[deeper] = 0
        assert s.heading == heading_label(s.level, counters[s.level]) + s.title
    outline_order = [s.id for s in load_outline("annual_summary").walk()]
    ids = [s.id for s in plan.sections]
    assert ids == [i for i in outline_order if i in ids]
    assert [s.heading[:2] for s in plan.sections if s.level == 1] == ["一、", "二、", "三、", "四、", "五、"]
    assert {s.level for s in plan.sections} == {1, 2, 3}  # 2016 has both org_life and recruitment → 1. 2.


def test_optional_sections_only_when_fed_and_lone_child_folds():
    facts = Facts(unit="青禾市第三实验小学", org_type="党支部", year=2024)
    plan = plan_report(facts)
    assert [s.id for s in plan.sections] == ["overview", "work", "theory", "organization", "conduct",
                                             "problems", "plans"]
    org = plan.section("organization")
    assert org.template == "recruitment" and org.children == [] and org.level == 2
    facts2 = Facts(unit="青禾市第三实验小学", org_type="党支部", year=2024,
                   activities=[{"title": "组织生活会", "kind": "organization", "count": 1},
                               {"title": "校园开放日", "kind": "other", "count": 2},
                               {"title": "学期工作总结会", "kind": "plans", "count": 1}])
    plan2 = plan_report(facts2)
    assert plan2.section("organization").children == ["org_life", "recruitment"]
    assert plan2.section("org_life").heading.startswith("1.")
    assert plan2.section("org_life").activities == [0]
    assert plan2.section("other_work").activities == [1, 2]  # kinds without a section of their own


def test_missing_required_facts_are_listed():
    plan = plan_report(Facts(unit="青禾市第三实验小学", org_type="党支部", year=2024))
    assert plan.section("overview").missing == {"members.total": "党员总数"}
    assert set(plan.section("organization").missing) == {"members.activists", "members.developed"}
    assert "activities" in plan.section("theory").missing
    assert plan.missing == {"signature.date": "落款日期"}


@pytest.mark.parametrize(
    ("year", "must", "must_not"),
    [
        (2016, ["科学发展观为指导", "党的十八大和十八届二中、三中、四中、五中、六中全会精神", "系列重要讲话精神"],
         ["习近平新时代中国特色社会主义思想", "十九大"]),
        (2021, ["以习近平新时代中国特色社会主义思想为指导", "党的十九大和十九届二中、三中、四中、五中、六中全会精神"],
         ["二十大", "科学发展观"]),
        (2024, ["以习近平新时代中国特色社会主义思想为指导", "党的二十大和二十届二中、三中全会精神"],
         ["十九大", "四中"]),
    ],
)
def test_era_line_of_the_year(year: int, must: list[str], must_not: list[str]):
    era = era_context(year)
    for m in must:
        assert m in era.guiding_line
    for m in must_not:
        assert m not in era.guiding_line


def test_campaigns_of_the_year():
    assert era_context(2016).campaigns == ["“两学一做”学习教育"]
    assert era_context(2016).anniversaries == ["建党95周年"]
    assert era_context(2021).campaigns == ["党史学习教育"]
    assert era_context(2021).anniversaries == ["建党100周年"]
    assert era_context(2024).campaigns == ["党纪学习教育"]  # 主题教育 ended in January
    assert era_context(2017).campaigns == []
    assert "党纪学习教育" in era_context(2020).impossible


def test_half_year_report_speaks_of_the_first_half():
    h1 = era_context(2024, 6)
    assert "三中" not in h1.guiding_line and "党的二十大和二十届二中全会精神" in h1.guiding_line
    assert h1.campaigns == ["党纪学习教育"]
    assert "党的二十大" not in era_context(2022, 6).guiding_line  # held in October 2022
    facts = Facts(unit="青禾市第三实验小学", org_type="党支部", year=2024, report_kind="half_year_summary")
    plan = plan_report(facts)
    assert plan.era.cutoff == (2024, 6) and plan.period == "上半年" and plan.next_period == "下半年"


def test_heading_choice_depends_on_seed_only():
    facts = Facts(unit="青禾市第三实验小学", org_type="党支部", year=2024)
    a = [s.heading for s in plan_report(facts, seed=0).sections]
    assert a == [s.heading for s in plan_report(facts, seed=0).sections]
    assert any(a != [s.heading for s in plan_report(facts, seed=k).sections] for k in range(1, 6))
