"""A number tied to a named fact must equal that fact, and a name written with a committee role must
hold that role: a number that merely occurs elsewhere in the facts does not make the claim true."""

from __future__ import annotations

from pathlib import Path

import pytest

from draftkit.checks.fidelity import committee_roles, unsupported_facts
from draftkit.facts import load_facts

SANSHI = Path(__file__).resolve().parents[3] / "samples" / "facts" / "qinghe_sanshi_2024.yaml"


def _p0(text, facts):
    return [(f.rule, f.text, f.fact) for f in unsupported_facts(text, facts) if f.severity == "P0"]


@pytest.fixture(scope="module")
def sanshi():
    if not SANSHI.is_file():
        pytest.skip(f"sample facts file {SANSHI} is missing")
    return load_facts(SANSHI)


# facts fixture: total 23, probationary 2, retired 3, activists 4, developed 2, staff 60, 3 党小组,
# 主题党日 12 times, 专题党课 4 times, 书记 刘建华, 组织委员 陈立新 — every wrong number below is another fact's value
@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("学校现有党员12名。", "members.total"),
        ("党支部共有党员共计4名。", "members.total"),
        ("现有党员十二名。", "members.total"),
        ("党员10余名。", "members.total"),
        ("其中预备党员4名。", "members.probationary"),
        ("确定入党积极分子2名。", "members.activists"),
        ("离退休党员4名。", "members.retired"),
        ("正式党员23名。", "derived.total_minus_probationary"),
        ("全校教职工共有23名。", "members.staff"),
        ("下设4个党小组。", "structure.groups"),
        ("全年开展主题党日活动4次。", "activities[0].count"),
        ("组织“主题党日”23次。", "activities[0].count"),
        ("开展专题党课12次。", "activities[1].count"),
        ("组织2次专题党课。", "activities[1].count"),
    ],
)
def test_a_number_tied_to_a_fact_must_equal_it(facts, text, fact):
    found = _p0(text, facts)
    assert [(r, f) for r, _, f in found] == [("facts.number_contradicts", fact)], found


@pytest.mark.parametrize(
    "text",
    [
        "学校党支部现有党员23名，其中预备党员2名、离退休党员3名，确定入党积极分子4名，发展党员2名。",
        "组织主题党日12次，23名党员参加。",
        "全体23名党员参加专题党课4次。",
        "党员20余名。",
        "现有党员共23名，正式党员21名，在职党员20名，教职工60名。",
        "表彰优秀党员4名，召开4次党员大会。",  # another group of members, meetings of members
        "12次主题党日中有4次由书记讲党课。",
        "下设3个党小组，每个党小组每月学习1次。",
        "书记刘建华、组织委员陈立新分工明确，刘建华任书记以来带头讲党课。",
        "陈立新同志担任组织委员。",
    ],
)
def test_correct_tied_numbers_and_roles_are_not_flagged(facts, text):
    assert _p0(text, facts) == []


def test_counts_of_different_things_near_each_other(facts):
    # a sum of two activities is not either activity's count: at most unsupported, never a contradiction
    found = unsupported_facts("开展主题党日、专题党课等活动共16次。", facts)
    assert [f.rule for f in found] == ["facts.number_unsupported"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("支委会由书记陈立新、组织委员陈立新组成。", "书记陈立新"),
        ("组织委员刘建华负责发展党员工作。", "组织委员刘建华"),
        ("陈立新同志担任书记。", "陈立新同志担任书记"),
        ("刘建华任组织委员。", "刘建华任组织委员"),
        ("书记由陈立新担任。", "书记由陈立新"),
    ],
)
def test_a_name_with_the_wrong_role_is_p0(facts, text, shown):
    found = [f for f in unsupported_facts(text, facts) if f.rule == "facts.role_contradicts"]
    assert [f.text for f in found][:1] == [shown]
    assert all(f.severity == "P0" and f.fact == "structure.committee" for f in found)


def test_committee_roles_read_the_role_word():
    roles = committee_roles(["书记 李明华", "支部副书记：张三", "组织委员 王芳", "宣传委员 郭晨", "没有角色"])
    assert roles == {"书记": ["李明华"], "副书记": ["张三"], "组织委员": ["王芳"], "宣传委员": ["郭晨"]}


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("学校现有党员12名。", "members.total"),  # 12 is the number of 主题党日
        ("全年开展主题党日活动31次。", "activities[0].count"),  # 31 is the number of members
        ("其中预备党员4名。", "members.probationary"),
        ("党纪学习教育读书班31期。", "activities[1].count"),
        ("“禾苗红”家校共育志愿服务16次，16名党员教师参与。", "members.total"),
    ],
)
def test_the_tester_cases_on_the_sample(sanshi, text, fact):
    assert [f for _, _, f in _p0(text, sanshi)] == [fact]


@pytest.mark.parametrize(
    "text",
    [
        "组织12次主题党日，31名党员参加。",
        "全体31名党员参加党纪学习教育读书班4期。",
        "“禾苗红”家校共育志愿服务16次，26名党员教师参与。",  # the activity's participants
        "党员示范岗12个，覆盖全部教研组。",
        "“禾苗红”党员先锋讲堂6场，420名学生参加。",
        "支部委员会成员为书记李明华、组织委员王芳、宣传委员郭晨、纪检委员赵敏、青年委员韩雪。",
    ],
)
def test_correct_sentences_on_the_sample(sanshi, text):
    assert unsupported_facts(text, sanshi) == []


def test_swapped_roles_on_the_sample(sanshi):
    found = [f for f in unsupported_facts("支部委员会成员为书记王芳、组织委员李明华。", sanshi) if f.severity == "P0"]
    assert [f.text for f in found] == ["书记王芳", "组织委员李明华"]
    assert "事实中书记为李明华" in found[0].message and "事实中组织委员为王芳" in found[1].message


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("王芳任书记。", "王芳任书记"),
        ("郭晨任校长，王芳任书记。", "王芳任书记"),
        ("会上，赵敏兼任书记。", "赵敏兼任书记"),
        ("韩雪同志担任书记。", "韩雪同志担任书记"),
        ("经支部委员会研究，由王芳担任书记。", "王芳担任书记"),  # a function character before the name
        ("决定由郭晨同志任书记。", "郭晨同志任书记"),
    ],
)
def test_a_role_verb_is_not_read_into_the_name(sanshi, text, shown):
    """"王芳任书记" names 王芳 (a known member, in the wrong role), not an unknown "王芳任"."""
    found = unsupported_facts(text, sanshi)
    assert [f.text for f in found if f.rule == "facts.role_contradicts"] == [shown]
    assert [f.text for f in found if f.rule == "facts.name_unsupported"] == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("张伟任校长。", "张伟"),  # unknown name before a role verb
        ("李任书记带头讲党课。", "李任"),  # a one-character "name" before 任: the two-character reading stays
        ("欧阳明同志担任校长。", "欧阳明"),
        ("校长欧阳明带头讲党课。", "欧阳明"),  # a compound surname starts a name, though "欧阳" alone is none
        ("司马红老师获评优秀党员。", "司马红"),
    ],
)
def test_an_unknown_name_before_a_role_verb_is_still_flagged(sanshi, text, name):
    found = [f.text for f in unsupported_facts(text, sanshi) if f.rule == "facts.name_unsupported"]
    assert found == [name]


@pytest.mark.parametrize("text", ["党员教师任课。", "青年教师任教三年。", "党员任职期间廉洁自律。", "教师任期满后轮岗。"])
def test_words_that_start_with_the_surname_ren_are_not_names(sanshi, text):
    assert [f.text for f in unsupported_facts(text, sanshi) if f.rule == "facts.name_unsupported"] == []
