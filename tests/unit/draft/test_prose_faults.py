"""The prose faults of issue 11, each fixed as a kind: nested quotes, counts as a secretary writes them,
doubled level words, a closing that repeats the plans section's opener (and sections opening alike)."""

from __future__ import annotations

import pytest

from draftkit.draft.prose import (
    drop_doubled_level,
    nest_quotes,
    nested_quote_errors,
    opens_alike,
    secretary_counts,
)
from draftkit.draft.writer import draft_report
from draftkit.facts import Facts


@pytest.mark.parametrize(("raw", "fixed"), [
    ("被授予“市“五星级”党组织”称号", "被授予“市‘五星级’党组织”称号"),  # the instance
    ("获评“全省“三八”红旗集体”", "获评“全省‘三八’红旗集体”"),
    ("开展“学习“两会”精神”主题党日", "开展“学习‘两会’精神”主题党日"),
    ('打造"红帆"品牌', "打造“红帆”品牌"),  # straight quotes made curly first
    ('获评“市"最美"教师”', "获评“市‘最美’教师”"),
    ("““禾苗红””品牌", "“禾苗红”品牌"),  # a quote that only doubles its parent goes
    ("A“B“C“D”C”B”A", "A“B‘C“D”C’B”A"),  # third level back to double quotes
    ("未配对的“引号", "未配对的“引号"),  # unbalanced: left as written
])
def test_quotes_inside_quotes_become_single(raw, fixed):
    assert nest_quotes(raw) == fixed
    assert nested_quote_errors(fixed) == 0 or fixed == "A“B‘C“D”C’B”A"


@pytest.mark.parametrize(("raw", "fixed"), [
    ("120名师生参加，参加人数120人", "120名师生参加，120人参加"),  # the instance
    ("参与人数达56人", "56人参与"),
    ("参训人数为45名", "45名参训"),
    ("覆盖学生人数2710人", "覆盖学生2710人"),
    ("惠及家庭人数共计300人", "惠及家庭300人"),
    ("开展主题党日次数12次", "开展主题党日12次"),
    ("全年共1次", "全年1次"),
    ("全年共12次", "全年共12次"),  # 共 sums several: kept
])
def test_counts_read_as_a_secretary_writes_them(raw, fixed):
    assert secretary_counts(raw) == fixed


@pytest.mark.parametrize(("raw", "fixed"), [
    ("获评区级“区优秀党务工作者”", "获评“区优秀党务工作者”"),  # the instance
    ("被评为市级“青禾市优秀共产党员”", "被评为“青禾市优秀共产党员”"),
    ("荣获省级“全省先进基层党组织”称号", "荣获“全省先进基层党组织”称号"),
    ("获评国家级“全国文明校园”", "获评“全国文明校园”"),
    ("被授予县级“柳溪县师德标兵”称号", "被授予“柳溪县师德标兵”称号"),
    ("获评市级青禾市先进党支部", "获评青禾市先进党支部"),
    ("获评市级“优秀共产党员”", "获评市级“优秀共产党员”"),  # the name says no level: kept
    ("获评市级“学校管理先进单位”", "获评市级“学校管理先进单位”"),  # 学校 is no level
])
def test_no_doubled_level_words(raw, fixed):
    assert drop_doubled_level(raw) == fixed


def test_template_honours_never_double_the_level():
    facts = Facts(unit="柳溪县第二实验小学", org_type="党支部", year=2023, honours=[
        {"title": "区优秀党务工作者", "level": "区级", "recipient": "周海燕"},
        {"title": "市“五星级”党组织", "level": "市级", "recipient": "学校党支部"},
        {"title": "柳溪县师德标兵", "level": "县级", "recipient": "孙立明"},
        {"title": "优秀共产党员", "level": "市级", "recipient": "邓雨婷"},
    ])
    text = draft_report(facts, backend="template").section("honours").text
    assert "区级" not in text and "县级" not in text
    assert "“市‘五星级’党组织”" in text
    assert "市级“优秀共产党员”" in text
    assert nested_quote_errors(text) == 0


def test_template_participants_are_written_as_a_secretary_does():
    facts = Facts(unit="柳溪县第二实验小学", org_type="党支部", year=2023, activities=[
        {"title": "红色研学", "kind": "mass_orgs", "count": 1, "participants": 120},
        {"title": "主题党日", "kind": "theory", "count": 12, "participants": 23}])
    text = draft_report(facts, backend="template").body_text()
    assert "120名师生" in text and "23名党员" in text
    assert "参加人数" not in text and "共1次" not in text


@pytest.mark.parametrize(("a", "b", "alike"), [
    ("新的一年，学校党委将重点做好以下工作：", "新的一年，学校党委将继续坚持……", True),  # the instance
    ("下半年，学校党支部将着力抓好以下工作：", "下半年，学校党支部将坚持……", True),
    ("学校党委坚持把理论武装作为首要任务。", "学校党委坚持从严从实抓组织生活。", True),
    ("展望新的一年，学校党委将坚持……", "新的一年，学校党委将重点做好以下工作：", False),
    ("理论武装是党员教师成长的根基。", "组织生活是党员教育管理的基本途径。", False),
])
def test_opens_alike(a, b, alike):
    assert opens_alike(a, b) is alike


@pytest.mark.parametrize("kind", ["annual_summary", "half_year_summary", "secretary_review"])
@pytest.mark.parametrize("seed", range(6))
def test_closing_never_repeats_the_plans_opener(kind, seed):
    facts = Facts(unit="柳溪县第二实验小学", org_type="党支部", year=2023, report_kind=kind,
                  plans=["深化党建品牌建设", "做好发展党员工作"], problems=["理论学习不够深入"])
    report = draft_report(facts, backend="template", seed=seed)
    plans = next(s.text for s in report.sections if s.kind == "plans")
    assert not opens_alike(report.closing, plans)
    texts = [s.text for s in report.sections if s.text]
    assert not any(opens_alike(x, y) for i, x in enumerate(texts) for y in texts[i + 1:])
