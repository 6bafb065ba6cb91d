"""Issue 13, kinds 15–17: the checks on text ingested from the web (our own instances)."""

from __future__ import annotations

import pytest

from draftkit.checks import run_checks
from draftkit.checks.era import check_era, period_end_month
from draftkit.checks.residue import check_residue
from draftkit.ingest.clean import find_placeholders


def _rules(findings, prefix=""):
    return [f.rule for f in findings if f.rule.startswith(prefix)]


# --------------------------------------------------------------------------- kind 15: a report's own period
@pytest.mark.parametrize(("title", "kind", "month"), [
    ("云岭中学党支部2024年上半年党建工作总结", None, 6),
    ("2023年第一季度党建工作汇报", None, 3),
    ("2022年前三季度党建工作总结", None, 9),
    ("2021年1—6月党建工作情况汇报", None, 6),
    ("2024年下半年党建工作总结", None, 12),
    ("2024年度党建工作总结", None, 12),
    ("党建工作总结", "half_year_summary", 6),
    (None, None, 12),
])
def test_period_end_month(title, kind, month) -> None:
    assert period_end_month(title, kind) == month


def test_2024_first_half_is_not_asked_for_the_july_plenum() -> None:
    text = ("云岭中学党支部2024年上半年党建工作总结\n"
            "上半年，支部以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大和二十届二中全会精神，扎实开展党纪学习教育。")
    assert check_era(text, 2024) == []
    annual = text.replace("上半年党建", "党建")
    assert "era.missing_plenum" in _rules(check_era(annual, 2024))  # the whole year must name 三中全会


def test_2022_first_half_guided_by_the_sixth_plenum_is_right() -> None:
    text = ("柳湾小学党支部2022年上半年党建工作总结\n"
            "上半年，支部以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的十九大和十九届历次全会精神特别是十九届六中全会精神。")
    assert _rules(check_era(text, 2022), "era.stale") == []
    annual = text.replace("上半年党建", "党建")
    assert "era.stale_guiding" in _rules(check_era(annual, 2022))


def test_first_quarter_2023_not_asked_for_nothing_later_and_catches_later_items() -> None:
    text = ("2023年第一季度党建工作汇报\n"
            "一季度，支部以党的二十大和二十届二中全会精神为指导，开展学习贯彻习近平新时代中国特色社会主义思想主题教育。")
    findings = check_era(text, 2023)
    # the 主题教育 began in April 2023: after the quarter
    assert _rules(findings) == ["era.impossible_item"]
    assert check_era(text.replace("，开展学习贯彻习近平新时代中国特色社会主义思想主题教育", ""), 2023) == []


def test_half_year_kind_from_the_facts_sets_the_period() -> None:
    text = "总结\n上半年，支部以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的十九大和十九届六中全会精神。"
    assert _rules(check_era(text, 2022, "half_year_summary"), "era.stale") == []


# --------------------------------------------------------------------------- kind 16: a masked leader's name
@pytest.mark.parametrize(("sentence", "shown"), [
    ("学校党支部坚持以习新时代中国特色社会主义思想为指导，认真落实三会一课。", "习新时代中国特色社会主义思想"),
    ("学校党支部坚持以新时代中国特色社会主义思想为指导，认真落实三会一课。", "新时代中国特色社会主义思想"),
    ("全体党员用新时代……思想武装头脑，不断提高政治站位。", "新时代……思想"),
    ("支部组织党员深入学习新时代中国特色社会主义思想。", "新时代中国特色社会主义思想"),
])
def test_masked_leader_name_is_a_residue_finding_not_an_era_p0(sentence: str, shown: str) -> None:
    text = "青石小学党支部2023年党建工作总结\n2023年，" + sentence
    result = run_checks(text, year=2023)
    masked = [f for f in result.findings if f.rule == "residue.masked_name"]
    assert [f.text for f in masked] == [shown]
    assert masked[0].severity == "P1" and "习近平新时代中国特色社会主义思想" in masked[0].suggestion
    assert not [f for f in result.findings if f.check == "era" and f.severity == "P0"]


@pytest.mark.parametrize("sentence", [
    "支部坚持以习近平新时代中国特色社会主义思想为指导。",
    "深入学习习近平新时代中国特色社会主义思想。",
    "奋力谱写新时代中国特色社会主义事业新篇章。",
])
def test_full_name_and_other_phrases_are_no_masked_name(sentence: str) -> None:
    assert _rules(check_residue(sentence), "residue.masked_name") == []


# --------------------------------------------------------------------------- kind 17: X% placeholders
@pytest.mark.parametrize("text", ["全校优秀率达X%，", "党员参学率达到X％。", "合格率x%以上", "满意度达ＸＸ%"])
def test_x_percent_is_a_placeholder(text: str) -> None:
    findings = [f for f in check_residue(text) if f.rule == "residue.placeholder"]
    assert len(findings) == 1 and findings[0].severity == "P0"
    assert "%" in findings[0].message or "％" in findings[0].message or "ＸＸ" in findings[0].message


@pytest.mark.parametrize("text", ["推进1+X证书制度试点。", "探索“1+X”课后服务模式。", "实施1＋X证书培训。"])
def test_one_plus_x_is_left_alone(text: str) -> None:
    assert find_placeholders(text) == []
    assert _rules(check_residue(text), "residue.placeholder") == []
