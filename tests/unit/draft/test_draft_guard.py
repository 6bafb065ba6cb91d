"""The guard on rewritten sections: invented numbers, names, dates and stale wording are removed;
a rewrite that loses facts or markers, or needs too many removals, falls back to the skeleton."""

from __future__ import annotations

import pytest
from draft_samples import GAPS

from draftkit.draft.guard import guard_section, split_sentences
from draftkit.draft.plan import plan_report
from draftkit.draft.prompts import render_skeleton


@pytest.fixture(scope="module")
def overview(sample_facts):
    # the rewrites below restate the numbers and names; the secretary's own points are not in them
    facts = sample_facts("qinghe_sanshi_2024").model_copy(update={"notes": {}})
    plan = plan_report(facts)
    sp = plan.section("overview")
    return facts, plan, sp, render_skeleton(plan, sp, facts).text


def test_split_sentences_keeps_every_character():
    para = "学校现有党员31名。其中预备党员2名；离退休党员5名！“三会一课”落实到位？最后一句没有句号"
    parts = split_sentences(para)
    assert "".join(parts) == para
    assert parts[0] == "学校现有党员31名。" and parts[-1] == "最后一句没有句号"


@pytest.mark.parametrize(
    ("added", "why"),
    [
        ("全校有25名党员参加志愿服务。", "与事实不符：党员总数为31"),  # contradicts members.total
        ("校长王建国同志带头讲党课。", "人名“王建国”不在事实中"),
        ("党员占教职工的45%。", "百分比“45%”"),
        ("2024年3月15日召开党员大会。", "日期“2024年3月15日”"),
        ("学校党支部以党的十九大精神为指导开展工作。", "应为党的二十大"),  # stale for 2024
    ],
)
def test_a_sentence_that_adds_a_claim_is_removed(overview, added, why):
    facts, plan, sp, skeleton = overview
    rewrite = skeleton + added
    result = guard_section(rewrite, skeleton, facts, plan.era, heading=sp.heading)
    assert not result.fell_back
    assert [r.sentence for r in result.removed] == [added]
    assert why in result.removed[0].reasons[0]
    assert result.text == skeleton
    assert result.warnings[0].startswith(f"已删去一句：“{added}”")


def test_impossible_campaign_for_the_year_is_removed(sample_facts):
    facts = sample_facts("qinghe_sanshi_2024").model_copy(update={"year": 2020})
    plan = plan_report(facts)
    sp = plan.section("overview")
    skeleton = render_skeleton(plan, sp, facts).text
    added = "学校党支部扎实开展党纪学习教育。"
    result = guard_section(skeleton + added, skeleton, facts, plan.era)
    assert [r.sentence for r in result.removed] == [added]
    assert any(rule.startswith("era.") for rule in result.removed[0].rules)


def test_a_faithful_rewrite_is_kept(overview):
    facts, plan, sp, skeleton = overview
    rewrite = ("学校共有教职工96名，中共青禾市第三实验小学支部委员会现有党员31名，其中预备党员2名、离退休党员5名。\n"
               "学校现设党支部1个、党小组3个，支部委员会成员为书记李明华、组织委员王芳、宣传委员郭晨、纪检委员赵敏、青年委员韩雪。")
    result = guard_section(rewrite, skeleton, facts, plan.era)
    assert result.removed == [] and not result.fell_back
    assert result.text == rewrite


def test_a_rewrite_that_loses_a_fact_falls_back(overview):
    facts, plan, sp, skeleton = overview
    rewrite = skeleton.replace("，其中预备党员2名、离退休党员5名", "")
    result = guard_section(rewrite, skeleton, facts, plan.era, heading=sp.heading)
    assert result.fell_back and result.text == skeleton
    assert "遗漏了事实" in result.warnings[-1] and "已改用模板稿" in result.warnings[-1]
    assert any("离退休党员" in w for w in result.warnings)


def test_too_many_removals_fall_back(overview):
    facts, plan, sp, skeleton = overview
    invented = "学校有25名党员。王建国同志任书记。党员占教职工的45%。"
    result = guard_section(invented + skeleton, skeleton, facts, plan.era)
    assert result.fell_back and result.text == skeleton
    assert len(result.removed) == 3 and result.sentences == 7
    assert "有3句含事实中没有的内容（共7句）" in result.warnings[-1]


def test_empty_output_falls_back(overview):
    facts, plan, sp, skeleton = overview
    result = guard_section("  \n", skeleton, facts, plan.era)
    assert result.fell_back and result.text == skeleton


def test_a_lost_marker_falls_back(sample_facts):
    facts = sample_facts(GAPS)
    plan = plan_report(facts)
    sp = plan.section("organization")
    skeleton = render_skeleton(plan, sp, facts).text
    assert "【待补充：本年发展党员人数】" in skeleton
    rewrite = skeleton.replace("【待补充：本年发展党员人数】", "若干")
    result = guard_section(rewrite, skeleton, facts, plan.era)
    assert result.fell_back and "丢掉了待补充标记（本年发展党员人数）" in result.warnings[-1]


def test_a_sentence_copied_from_an_exemplar_is_removed(overview):
    facts, plan, sp, skeleton = overview
    exemplar = "支部坚持把政治建设摆在首位，围绕立德树人根本任务开展形式多样的党性教育活动，教职工反响热烈。"
    copied = "支部坚持把政治建设摆在首位，围绕立德树人根本任务开展形式多样的党性教育活动。"
    result = guard_section(skeleton + copied, skeleton, facts, plan.era, exemplars=[exemplar])
    assert copied not in result.text
    assert any(r.rules == ["guard.copied_exemplar"] for r in result.removed)
    # the same sentence is fine when no exemplar carries it, and the skeleton's own words always are
    assert copied in guard_section(skeleton + copied, skeleton, facts, plan.era).text
    assert guard_section(skeleton, skeleton, facts, plan.era, exemplars=[skeleton]).text == skeleton


def test_an_echoed_prompt_is_cut_from_model_output(overview):
    from draftkit.draft.writer import clean_model_output

    _facts, _plan, sp, skeleton = overview
    raw = skeleton + "\n【参考范文】\n某校党支部现有党员40名。"
    assert clean_model_output(raw, sp) == skeleton.strip()
