"""The guard on rewritten sections: invented numbers, names, dates and stale wording are removed;
a rewrite that loses facts or markers, or needs too many removals, falls back to the skeleton."""

from __future__ import annotations

import pytest
from draft_samples import GAPS

from draftkit.draft.guard import guard_section
from draftkit.draft.plan import plan_report
from draftkit.draft.prompts import render_skeleton
from draftkit.zh import split_sentences


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


def test_a_rewrite_that_loses_facts_gets_the_skeleton_sentence_back_in_place(overview):
    facts, plan, sp, skeleton = overview
    rewrite = skeleton.replace("，其中预备党员2名、离退休党员5名", "")
    result = guard_section(rewrite, skeleton, facts, plan.era, heading=sp.heading)
    assert not result.fell_back
    # the model's shorter sentence is replaced by the skeleton's, so nothing is said twice
    assert result.text == skeleton and result.text.count("现有党员31名") == 1
    (repair,) = result.repaired
    assert "预备党员2名、离退休党员5名" in repair.sentence
    assert any(w.startswith("模型稿漏了") and "离退休党员“5”" in w and repair.sentence in w for w in result.warnings)


def test_a_dropped_count_is_put_back_and_the_model_prose_kept(sample_facts):
    facts = sample_facts("qinghe_sanshi_2024")
    plan = plan_report(facts)
    sp = plan.section("theory")
    skeleton = render_skeleton(plan, sp, facts).text
    prose = ("学校党支部坚持把理论学习摆在首位，每月开展主题党日，引导党员深入学习党的二十届三中全会精神。"
             "2024年8月，组织党的二十届三中全会精神专题学习3次，31名党员全员参加，理想信念更加坚定。")
    result = guard_section(prose, skeleton, facts, plan.era, heading=sp.heading)
    assert not result.fell_back and result.removed == []
    assert result.text.startswith(prose)  # the model's prose stays
    assert "主题党日12次" in result.text  # the count is back, from the skeleton's sentence
    (w,) = [w for w in result.warnings if "主题党日" in w]
    assert "活动“主题党日”的次数“12”" in w and "已补上模板稿中的一句" in w
    # every repair is a sentence the skeleton states, named in its warning
    assert result.repaired and all(r.sentence in skeleton for r in result.repaired)
    assert all(w.startswith("模型稿漏了") for w in result.warnings)


def test_an_invented_slogan_loses_its_sentence_with_the_reason(sample_facts):
    facts = sample_facts("qinghe_sanshi_2024")
    plan = plan_report(facts)
    sp = plan.section("theory")
    skeleton = render_skeleton(plan, sp, facts).text
    slogan = "全体党员喊响“学思践悟担使命、立德树人争先锋”的口号。"
    result = guard_section(skeleton + slogan, skeleton, facts, plan.era, heading=sp.heading)
    assert not result.fell_back and result.text == skeleton
    (removal,) = result.removed
    assert removal.sentence == slogan and removal.rules == ["guard.invented_quote"]
    assert "学思践悟担使命、立德树人争先锋" in result.warnings[0] and "不在事实中" in result.warnings[0]


@pytest.mark.parametrize(
    ("added", "rule"),
    [
        ("支部组织党员认真研读《新时代学校党建工作指南》。", "guard.invented_title"),  # a document the facts lack
        ("支部提出“党建引领、品质立校”的工作理念。", "guard.invented_quote"),
        ("学校党支部荣获全国先进基层党组织称号。", "facts.honour_level"),  # facts: a 市 honour only
        ("学校党支部被评为“省级五星党支部”。", "facts.honour_unsupported"),
        ("赵敏老师荣获省优秀教师称号。", "facts.honour_unsupported"),
    ],
)
def test_invented_titles_quotes_and_honours_are_removed(overview, added, rule):
    facts, plan, sp, skeleton = overview
    result = guard_section(skeleton + added, skeleton, facts, plan.era, heading=sp.heading)
    assert [r.sentence for r in result.removed] == [added]
    assert rule in result.removed[0].rules
    assert result.text == skeleton


@pytest.mark.parametrize(
    "kept",
    [
        "学校党支部认真落实“三会一课”制度，扎实开展“两学一做”学习教育常态化制度化。",  # set phrases
        "支部组织党员认真学习《中国共产党纪律处分条例》。",  # an allowed Party rule
        "学校党支部获评“市先进基层党组织”。",  # the facts' own honour
        "“禾苗红”党建品牌深入人心。",  # the brand, quoted
    ],
)
def test_set_phrases_allowed_titles_and_the_facts_own_honours_stay(overview, kept):
    facts, plan, sp, skeleton = overview
    result = guard_section(skeleton + kept, skeleton, facts, plan.era, heading=sp.heading)
    assert result.removed == [], result.warnings
    assert kept in result.text


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


def test_a_lost_marker_is_put_back(sample_facts):
    facts = sample_facts(GAPS)
    plan = plan_report(facts)
    sp = plan.section("organization")
    skeleton = render_skeleton(plan, sp, facts).text
    assert "【待补充：本年发展党员人数】" in skeleton
    rewrite = skeleton.replace("【待补充：本年发展党员人数】", "若干")
    result = guard_section(rewrite, skeleton, facts, plan.era)
    assert not result.fell_back and "【待补充：本年发展党员人数】" in result.text
    assert any("待补充标记【待补充：本年发展党员人数】" in w for w in result.warnings)


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
    from draftkit.draft.answer import clean_answer

    _facts, _plan, sp, skeleton = overview
    prompt = "请根据下面的事实写正文。\n- 党员：31名，其中预备党员2名、离退休党员5名"
    raw = prompt + "\n" + skeleton
    assert clean_answer(raw, title=sp.title, heading=sp.heading, prompt=prompt) == skeleton.strip()


@pytest.mark.parametrize(
    ("lie", "why"),
    [
        # every wrong number is another fact's value (12 主题党日, 4 入党积极分子, 2 发展党员, 24 在职正式党员)
        ("学校党支部现有党员12名，其中预备党员4名、离退休党员5名。", "文中“12名”与事实不符：党员总数为31"),
        ("学校党支部现有党员31名，其中预备党员4名、离退休党员2名。", "文中“4名”与事实不符：预备党员数为2"),
        ("学校党支部现有党员二十四名，其中预备党员2名、离退休党员5名。", "文中“二十四名”与事实不符：党员总数为31"),
    ],
)
def test_a_number_contradicting_its_fact_is_removed_and_the_true_sentence_put_back(overview, lie, why):
    facts, plan, sp, skeleton = overview
    members = next(s for s in split_sentences(skeleton) if "现有党员31名" in s)
    rewrite = skeleton.replace(members, lie)
    result = guard_section(rewrite, skeleton, facts, plan.era, heading=sp.heading)
    assert not result.fell_back
    assert [r.sentence for r in result.removed] == [lie]
    assert why in "；".join(result.removed[0].reasons)
    assert result.warnings[0].startswith(f"已删去一句：“{lie}”") and why in result.warnings[0]
    assert lie not in result.text and members in result.text  # the true sentence is back, said once
    assert result.text.count("现有党员") == 1
    assert any(r.sentence == members for r in result.repaired)


def test_swapped_committee_roles_are_removed_and_put_back(overview):
    facts, plan, sp, skeleton = overview
    committee = next(s for s in split_sentences(skeleton) if s.startswith("支部委员会成员为"))
    swapped = committee.replace("书记李明华、组织委员王芳", "书记王芳、组织委员李明华")
    result = guard_section(skeleton.replace(committee, swapped), skeleton, facts, plan.era, heading=sp.heading)
    assert [r.sentence for r in result.removed] == [swapped]
    assert "事实中书记为李明华" in result.warnings[0]
    assert committee in result.text and "书记王芳" not in result.text


def test_correct_tied_numbers_in_other_words_are_kept(overview):
    facts, plan, sp, skeleton = overview
    members = next(s for s in split_sentences(skeleton) if "现有党员31名" in s)
    prose = "全体31名党员中，预备党员2名、离退休党员5名。"
    result = guard_section(skeleton.replace(members, prose), skeleton, facts, plan.era, heading=sp.heading)
    assert result.removed == [] and not result.fell_back
    assert prose in result.text


# ------------------------------------------------------------------------------------------
# Loops and runaway length: a small model at its token limit says the same thing again


@pytest.mark.parametrize(
    "again",
    [
        "学校党支部坚持把理论学习摆在首位，引导党员深入学习党的创新理论。",  # word for word
        "学校党支部始终坚持把理论学习摆在首位，引导广大党员深入学习党的创新理论。",  # two words added
        "学校党支部坚持把理论学习摆在首位，引导党员深入学习党的创新理论！",  # another end mark
    ],
)
def test_a_sentence_said_again_is_removed_and_the_section_kept(overview, again):
    facts, plan, sp, skeleton = overview
    first = "学校党支部坚持把理论学习摆在首位，引导党员深入学习党的创新理论。"
    text = skeleton + first + again + again
    result = guard_section(text, skeleton, facts, plan.era, heading=sp.heading)
    assert not result.fell_back
    assert result.text == skeleton + first
    assert [r.rules for r in result.removed] == [["guard.repeated"]] * 2
    (w,) = result.warnings  # one line for the loop, not one per turn
    assert w.startswith("已删去2句与本节前文重复的话")


@pytest.mark.parametrize(
    "prose",
    [
        ("学校党支部严格落实“三会一课”制度，坚持每月开展主题党日。"
         "学校党支部严格落实谈心谈话制度，支部委员每学期与党员谈心一次。"
         "学校党支部严格落实组织生活会制度，认真开展批评与自我批评。"),
        # 排比 on the era's guiding line: the long set phrase said again is not the sentence's own wording
        ("坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大精神。"
         "坚持以习近平新时代中国特色社会主义思想为指导，扎实开展主题党日活动。"
         "学校党支部以习近平新时代中国特色社会主义思想为指导，落实立德树人根本任务。"),
    ],
)
def test_parallel_sentences_that_share_set_phrases_are_kept(overview, prose):
    facts, plan, sp, skeleton = overview
    result = guard_section(skeleton + prose, skeleton, facts, plan.era, heading=sp.heading)
    assert result.removed == [] and result.text == skeleton + prose


def test_many_repeats_do_not_make_a_section_fall_back(overview):
    facts, plan, sp, skeleton = overview
    loop = "推动学校党建工作和教育教学工作深度融合、相互促进。" * 12
    result = guard_section(skeleton + loop, skeleton, facts, plan.era, heading=sp.heading)
    assert not result.fell_back
    assert result.text.count("深度融合") == 1 and len(result.removed) == 11


def test_a_section_past_its_ceiling_is_cut_at_a_sentence_end_and_its_facts_put_back(overview):
    facts, plan, sp, skeleton = overview
    prose = ("学校党支部坚持把党的政治建设摆在首位，扎实推进各项工作。"
             "全体党员在教书育人中发挥先锋模范作用，带动教职工爱岗敬业。"
             "支部班子团结协作，议事规则健全，决策程序规范。")
    text = prose + skeleton  # the facts come last, past the ceiling
    result = guard_section(text, skeleton, facts, plan.era, heading=sp.heading, max_chars=len(prose) + 10)
    assert not result.fell_back
    assert result.text.startswith(prose)
    assert "现有党员31名" in result.text  # cut, then put back from the skeleton
    cut = [w for w in result.warnings if "超过本节的字数上限" in w]
    assert len(cut) == 1 and f"（{len(prose) + 10}字）" in cut[0]
    assert any(w.startswith("模型稿漏了") for w in result.warnings)


def test_the_first_sentence_stays_under_any_ceiling(overview):
    facts, plan, sp, skeleton = overview
    result = guard_section(skeleton, skeleton, facts, plan.era, heading=sp.heading, max_chars=5)
    assert not result.fell_back and result.text.startswith(skeleton.split("。")[0])


def test_a_loop_on_the_guiding_line_is_still_removed(overview):
    facts, plan, sp, skeleton = overview
    first = "学校党支部坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的教育方针。"
    result = guard_section(skeleton + first * 3, skeleton, facts, plan.era, heading=sp.heading)
    assert result.text == skeleton + first
    assert [r.rules for r in result.removed] == [["guard.repeated"]] * 2


def test_a_cut_activity_is_put_back_by_the_sentence_that_states_its_count(sample_facts):
    """A cut that loses "开办党史学习教育读书班3期" puts back that sentence, not the first one fuzzily
    credited with the activity ("按照上级关于党史学习教育的部署…", which lacks the count)."""
    facts = sample_facts("qinghe_yizhong_2021")
    plan = plan_report(facts)
    sp = plan.section("theory")
    skeleton = render_skeleton(plan, sp, facts).text
    text = "\n".join(reversed(skeleton.split("\n")))  # the facts come last, past the ceiling
    result = guard_section(text, skeleton, facts, plan.era, heading=sp.heading, max_chars=60)
    assert not result.fell_back, result.warnings
    assert "党史学习教育读书班3期" in result.text


@pytest.mark.parametrize(
    ("loop", "once"),
    [
        ("学校党支部坚持" + "不断加强理论学习、" * 300 + "取得实效。", "学校党支部坚持不断加强理论学习、取得实效。"),
        ("全体党员" + "认真学习" * 200, "全体党员认真学习。"),  # no punctuation at all
        ("推动党建与业务深度融合，" * 3 + "成效明显。", "推动党建与业务深度融合，成效明显。"),
    ],
)
def test_a_loop_inside_one_sentence_is_kept_once(overview, loop, once):
    facts, plan, sp, skeleton = overview
    result = guard_section(skeleton + "\n" + loop, skeleton, facts, plan.era, heading=sp.heading, max_chars=2000)
    assert not result.fell_back
    assert result.text == skeleton + "\n" + once
    assert sum("处接连重复的文字" in w for w in result.warnings) == 1


@pytest.mark.parametrize(
    "prose",
    [
        "做到有困难必谈、有波动必谈、有矛盾必谈。",
        "坚持党建带团建、党建带队建、党建带工建。",
        "哈哈哈哈的笑声。",  # one character thrice is no loop
    ],
)
def test_parallel_clauses_are_no_loop(overview, prose):
    facts, plan, sp, skeleton = overview
    result = guard_section(skeleton + prose, skeleton, facts, plan.era, heading=sp.heading)
    assert result.text == skeleton + prose and not result.warnings
