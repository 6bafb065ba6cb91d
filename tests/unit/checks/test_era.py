"""The era check: stale and impossible congresses, thoughts and campaigns for a report's year."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from draftkit.checks.era import check_era


def _by_rule(findings):
    return {(f.rule, f.severity) for f in findings}


def test_stale_guiding_line_2024():
    found = check_era("2024年，学校党支部以党的十九大精神为指导，扎实推进各项工作。", 2024)
    assert [(f.rule, f.severity, f.text) for f in found] == [("era.stale_guiding", "P0", "党的十九大")]
    msg = found[0].message
    assert "2024年" in msg and "党的十九大精神" in msg and "二十大" in msg and "三中全会" in msg
    assert found[0].suggestion and "习近平新时代中国特色社会主义思想" in found[0].suggestion


def test_historical_mention_is_not_a_finding():
    text = "党的十九大以来，学校党建工作不断加强。自十九大召开以来，支部规范化建设取得成效。"
    assert check_era(text, 2024) == []


def test_new_congress_in_the_report_year_is_p1():
    found = check_era("学校党支部深入学习贯彻党的十九大精神。", 2022)
    assert [(f.rule, f.severity) for f in found] == [("era.stale_guiding", "P1")]


def test_impossible_in_2020():
    found = check_era("2020年，支部认真开展党纪学习教育，深入学习贯彻党的二十大精神。", 2020)
    rules = [(f.rule, f.severity, f.text) for f in found]
    assert ("era.impossible_item", "P0", "党纪学习教育") in rules
    assert ("era.impossible_congress", "P0", "党的二十大") in rules
    assert all("2020年" in f.message for f in found)


def test_impossible_plenum():
    found = check_era("深入学习贯彻党的二十大和二十届二中、三中全会精神。", 2023)
    assert [(f.rule, f.severity) for f in found] == [("era.impossible_congress", "P0")]
    assert "三中全会" in found[0].message and "2024年7月" in found[0].message


def test_anticipating_the_next_congress_is_a_note():
    found = check_era("全体党员以优异成绩喜迎二十大胜利召开。", 2021)
    assert [(f.rule, f.severity) for f in found] == [("era.anticipated_congress", "P2")]


def test_missing_latest_plenum_is_a_p2_note():
    found = check_era("学校党支部以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大和二十届二中全会精神。", 2024)
    assert [(f.rule, f.severity) for f in found] == [("era.missing_plenum", "P2")]
    assert "二十届三中" in found[0].message
    ok = "学校党支部以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大和二十届二中、三中全会精神。"
    assert check_era(ok, 2024) == []


def test_plenum_range_with_zhi():
    assert check_era("以党的十九大和十九届二中至六中全会精神为指导。", 2021) == []


def test_ended_campaign_current_vs_results():
    found = check_era("今年，支部扎实开展创先争优活动。", 2023)
    assert [(f.rule, f.severity) for f in found] == [("era.ended_campaign", "P1")]
    assert check_era("巩固党史学习教育成果，推动学习常态化。", 2022) == []
    assert check_era("深入开展党史学习教育。", 2021) == []


def test_stale_thought():
    found = check_era("支部努力贯彻落实科学发展观，推动学校发展。", 2023)
    assert [(f.rule, f.severity) for f in found] == [("era.stale_thought", "P0")]
    # the full list that ends with the current thought is fine
    full = "以马克思列宁主义、毛泽东思想、邓小平理论、“三个代表”重要思想、科学发展观、习近平新时代中国特色社会主义思想为指导。"
    assert check_era(full, 2023) == []
    # before 2017-10 the old wording is the current one, the new thought impossible
    assert check_era("以邓小平理论、“三个代表”重要思想、科学发展观为指导。", 2015) == []
    found = check_era("以习近平新时代中国特色社会主义思想为指导。", 2015)
    assert [(f.rule, f.severity) for f in found] == [("era.impossible_item", "P0")]


def test_no_year_no_findings():
    assert check_era("以党的十九大精神为指导。", None) == []


def test_seed_000_has_no_p0_or_p1(seed_text):
    found = check_era(seed_text("000"), 2021)
    assert not [f for f in found if f.severity in ("P0", "P1")]
    assert [f.rule for f in found] == ["era.missing_plenum"]  # 十九届六中全会 (2021-11) not named
    assert "六中" in found[0].message


def test_seed_001_gets_era_findings(seed_text):
    text = seed_text("001")
    assert "2023" in text
    found = check_era(text, 2023)
    rules = _by_rule(found)
    assert ("era.stale_guiding", "P0") in rules  # 十七大精神
    assert ("era.stale_thought", "P0") in rules  # 贯彻落实科学发展观
    assert any("十七大" in f.text for f in found)


SAMPLES = sorted((Path(__file__).resolve().parents[3] / "samples" / "src").glob("*_20[0-9][0-9].txt"))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_sources_get_no_era_finding(path: Path):
    year = int(re.search(r"(20\d{2})$", path.stem).group(1))
    found = check_era(path.read_text(encoding="utf-8"), year)
    assert found == [], [(f.rule, f.text, f.message) for f in found]


def test_robust_on_empty_and_large():
    assert check_era("", 2024) == []
    assert check_era("没有标题的一段文字。", 2024) == []
    para = "学校党支部坚持把党建工作与教育教学深度融合，扎实推进各项工作。" * 100 + "\n"
    big = para * 1100 + "以党的十九大精神为指导。\n" + "无标点的长文字" * 500_000  # ~10 MB in UTF-8
    assert len(big.encode("utf-8")) > 10_000_000
    found = check_era(big, 2024)
    assert [f.rule for f in found] == ["era.stale_guiding"]


PLANS_LEFT_OVER = """青禾市第一高级中学2021年党建工作总结
一、基本情况
学校党委现有党员126名。按照2021年工作要点，学校扎实开展各项工作。
二、2021年工作打算
2021年，学校党委将重点做好以下工作：一是深入学习党史。
2021年，学校党委在党史学习教育中取得了成效。
三、2022年党建工作思路
2022年，学校党委将继续深化品牌建设。"""


def test_plans_put_in_the_report_year_are_found():
    found = [f for f in check_era(PLANS_LEFT_OVER, 2021) if f.rule == "era.plan_year"]
    assert [(f.paragraph, f.text, f.severity) for f in found] == [(3, "2021年工作打算", "P1"), (4, "2021年，", "P1")]
    assert "应是2022年的打算" in found[0].message and found[0].suggestion == "改为“2022年”或“新的一年”"
    # the body's "按照2021年工作要点", a past-tense sentence and the 2022 plans are not findings


def test_half_year_plans_may_name_the_same_year():
    assert [f for f in check_era(PLANS_LEFT_OVER, 2021, "half_year_summary") if f.rule == "era.plan_year"] == []
    assert [f for f in check_era(PLANS_LEFT_OVER, 2020) if f.rule == "era.plan_year"] == []
