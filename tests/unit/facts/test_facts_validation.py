"""Validation errors: every problem at once, in Chinese, naming the field."""

from __future__ import annotations

import pytest

from draftkit.facts import FactsError, facts_notes, normalize_activity_date, parse_facts, validate_facts

BASE = {"unit": "青禾市第三实验小学", "org_type": "党支部", "year": 2024}


def errors_of(data: dict) -> list[str]:
    with pytest.raises(FactsError) as err:
        parse_facts(data, "f.yaml")
    return err.value.errors


@pytest.mark.parametrize("bad", [-3, "abc", 2.5])
def test_members_total_must_be_a_nonnegative_integer(bad):
    errors = errors_of({**BASE, "members": {"total": bad}})
    assert len(errors) == 1
    assert errors[0].startswith("members.total 必须是非负整数")
    assert "党员总数" in errors[0] and f"“{bad}”" in errors[0]


def test_required_fields():
    errors = errors_of({})
    assert "unit 必须填写（单位名称）" in errors
    assert "org_type 必须填写（党组织类型）" in errors
    assert "year 必须填写（年度）" in errors


def test_all_problems_are_listed_at_once_with_one_based_item_numbers():
    errors = errors_of({
        **BASE, "org_type": "党组", "year": 1990, "colour": "红",
        "activities": [{"title": "主题党日", "count": 3}, {"title": "党课", "count": "五", "kind": "学习"}],
        "signature": {"date": "2024-13-01"},
    })
    text = "\n".join(errors)
    assert "org_type 必须是以下之一：党委、党总支、党支部、联合党支部" in text
    assert "year 不能小于2000" in text
    assert "colour 不是可识别的字段" in text
    assert "activities[2].count 必须是非负整数" in text
    assert "activities[2].kind 必须是以下类别之一：" in text and "theory（思想政治建设与理论学习）" in text
    assert "signature.date 必须是日期，如 2024-12-20" in text
    assert len(errors) == 6
    with pytest.raises(FactsError) as err:
        parse_facts({**BASE, "org_type": "党组", "year": 1990}, "f.yaml")
    assert str(err.value).startswith("f.yaml：共2处问题")


def test_empty_activity_title_and_wrong_list_type():
    errors = errors_of({**BASE, "activities": [{"title": ""}], "honours": {"title": "x"}})
    assert any(e.startswith("activities[1].title 不能为空") for e in errors)
    assert any(e.startswith("honours 必须是列表") for e in errors)


def test_kind_and_report_kind_accept_chinese_labels():
    facts = validate_facts({**BASE, "report_kind": "书记抓基层党建述职报告",
                            "activities": [{"title": "警示教育", "kind": "作风建设与党风廉政"}]})
    assert facts.report_kind == "secretary_review"
    assert facts.activities[0].kind == "conduct"


def test_single_strings_become_lists():
    facts = validate_facts({**BASE, "problems": "学用结合不够", "structure": {"committee": "书记 李明华"},
                            "plans": ["深化品牌建设", "  ", None]})
    assert facts.problems == ["学用结合不够"]
    assert facts.structure.committee == ["书记 李明华"]
    assert facts.plans == ["深化品牌建设"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("2024-5", "2024-05"), ("2024年5月", "2024-05"), ("2024年5月12日", "2024-05-12"), ("2024/05/12", "2024-05-12"),
     ("2024.5", "2024-05"), (None, None), ("", None)],
)
def test_activity_dates_are_normalised(given, expected):
    assert normalize_activity_date(given) == expected


@pytest.mark.parametrize("bad", ["2024-13", "去年五月", "2024-02-30"])
def test_bad_activity_dates(bad):
    errors = errors_of({**BASE, "activities": [{"title": "主题党日", "date": bad}]})
    assert errors == [f"activities[1].date 日期应写成 2024-05 或 2024-05-12（日期，填写的是“{bad}”）"]


def test_plausibility_notes_are_not_errors():
    facts = validate_facts({**BASE, "members": {"total": 10, "probationary": 12},
                            "activities": [{"title": "主题党日", "date": "2023-12"}]})
    notes = facts_notes(facts)
    assert any("members.probationary" in n and "大于党员总数" in n for n in notes)
    assert any("activities[1].date" in n and "不在 2024 年内" in n for n in notes)
