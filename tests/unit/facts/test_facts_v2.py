"""Facts version 2 (issue 11 §1): practices, notes, confirm and last_year; v1 files still load."""

from __future__ import annotations

from pathlib import Path

import pytest

from draftkit.facts import (
    FACTS_VERSION,
    Facts,
    FactsError,
    facts_notes,
    load_facts,
    parse_facts,
    save_facts,
    value_at,
)

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "facts"

V2 = {
    "version": 2, "unit": "柳溪县第二实验小学", "org_type": "党支部", "year": 2025,
    "members": {"total": 23},
    "activities": [{"title": "主题党日", "kind": "theory", "count": 12}],
    "practices": {"theory": ["第一议题", {"name": "三会一课", "freq": "每月一次", "count": 12}],
                  "服务师生群众": ["家访"], "brand": ["“周三夜学”制度"]},
    "notes": {"品牌特色": ["“溪畔微光”党员服务队每周三下午为留守儿童辅导作业"], "plans": ["争创市级党建示范校"]},
    "confirm": ["members.total", "activities[1].count"],
    "last_year": {"year": 2024, "source": "2024年总结.docx", "honours": [{"title": "县先进党支部", "level": "县级"}],
                  "problems": ["理论学习不够深入"], "plans": ["深化党建品牌"]},
}


def test_version_2_is_the_default_and_v1_files_still_load():
    assert FACTS_VERSION == 2
    assert Facts(unit="x小学", org_type="党支部", year=2024).version == 2
    v1 = load_facts(SAMPLES / "liuxi_chengguan_2025_gaps.yaml")
    assert v1.version == 1 and v1.practices == {} and v1.notes == {} and v1.last_year is None


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".xlsx"])
def test_v2_round_trips(suffix, tmp_path):
    facts = parse_facts(V2)
    assert list(facts.practices) == ["theory", "service", "brand"]  # labels become kinds, order kept
    assert facts.practices["theory"][1].freq == "每月一次"
    back = load_facts(save_facts(facts, tmp_path / f"f{suffix}"))
    assert back == facts
    if suffix == ".yaml":
        text = (tmp_path / "f.yaml").read_text(encoding="utf-8")
        assert "- 第一议题" in text  # a practice without slots is written as its bare name


def test_unknown_section_kind_is_a_chinese_error_naming_the_field():
    with pytest.raises(FactsError) as exc:
        parse_facts({**V2, "practices": {"宣传工作": ["阵地管理"]}}, "f.yaml")
    msg = str(exc.value)
    assert "practices" in msg and "“宣传工作”不是可识别的类别" in msg and "theory（思想政治建设与理论学习）" in msg
    with pytest.raises(FactsError) as exc:
        parse_facts({**V2, "notes": {"misc": ["x"]}})
    assert "notes" in str(exc.value) and "“misc”" in str(exc.value)


@pytest.mark.parametrize(("field", "value", "expect"), [
    ("confirm", ["members total"], "confirm"),
    ("version", 3, "格式版本只能是 1 或 2"),
    ("practices", {"theory": [{"name": "三会一课", "count": -1}]}, "practices.theory[1].count 必须是非负整数"),
    ("last_year", {"honours": [{"level": "县级"}]}, "last_year.honours[1].title 必须填写"),
])
def test_bad_v2_fields_are_named(field, value, expect):
    with pytest.raises(FactsError) as exc:
        parse_facts({**V2, field: value})
    assert expect in str(exc.value)


def test_value_at_and_notes_on_confirm_and_unknown_practices():
    facts = parse_facts({**V2, "confirm": ["members.total", "activities[3].count"]})
    assert value_at(facts, "members.total") == 23
    assert value_at(facts, "activities[1].count") == 12
    assert value_at(facts, "activities[3].count") is None
    notes = facts_notes(facts)
    assert any("activities[3].count" in n for n in notes)
    assert any("“周三夜学”制度" in n and "做法目录" in n for n in notes)


def test_workbook_has_practice_and_note_sheets(tmp_path):
    import openpyxl

    path = save_facts(parse_facts(V2), tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(path)
    rows = list(wb["做法"].iter_rows(values_only=True))
    assert rows[0] == ("类别", "做法", "频次", "次数")
    assert ("思想政治建设与理论学习", "三会一课", "每月一次", 12) in rows
    notes = list(wb["要点"].iter_rows(values_only=True))
    assert ("品牌特色", "“溪畔微光”党员服务队每周三下午为留守儿童辅导作业") in notes
