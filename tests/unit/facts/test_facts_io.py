"""Facts files: YAML, JSON and XLSX round trips, the workbook template, derived org names, file errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from draftkit.facts import (
    Facts,
    FactsError,
    derive_org_name,
    example_facts,
    load_facts,
    save_facts,
    write_xlsx_template,
)

SAMPLES = sorted((Path(__file__).resolve().parents[3] / "samples" / "facts").glob("*.yaml"))


@pytest.fixture(params=SAMPLES, ids=lambda p: p.stem)
def sample(request) -> Path:
    return request.param


def test_there_are_sample_facts_files():
    assert len(SAMPLES) >= 4, "samples/facts/ should hold at least 4 facts files"


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json", ".xlsx"])
def test_round_trip_is_exact(sample: Path, suffix: str, tmp_path: Path):
    facts = load_facts(sample)
    written = save_facts(facts, tmp_path / f"facts{suffix}")
    back = load_facts(written)
    assert back == facts
    assert back.model_dump() == facts.model_dump()
    # and once more: writing what was read gives the same file
    again = save_facts(back, tmp_path / f"again{suffix}")
    if suffix != ".xlsx":
        assert again.read_text(encoding="utf-8") == written.read_text(encoding="utf-8")


def test_yaml_is_plain_chinese_without_empty_fields(tmp_path: Path):
    facts = Facts(unit="柳溪县实验小学", org_type="党支部", year=2023, problems=["制度落实不够到位"])
    text = save_facts(facts, tmp_path / "f.yaml").read_text(encoding="utf-8")
    assert "柳溪县实验小学" in text and "\\u" not in text
    assert "activities" not in text and "members" not in text  # empty defaults are not written
    assert "org_name" not in text  # derived, not given


@pytest.mark.parametrize(
    ("org_type", "expected"),
    [
        ("党委", "中共青禾市第一高级中学委员会"),
        ("党总支", "中共青禾市第一高级中学总支部委员会"),
        ("党支部", "中共青禾市第一高级中学支部委员会"),
        ("联合党支部", "中共青禾市第一高级中学支部委员会"),
    ],
)
def test_org_name_is_derived_when_absent(org_type: str, expected: str, tmp_path: Path):
    facts = Facts(unit="青禾市第一高级中学", org_type=org_type, year=2021)
    assert facts.org_name == expected
    assert derive_org_name("青禾市第一高级中学", org_type) == expected
    assert facts.derived_fields == {"org_name"}
    # not written back, so a later change of unit or type derives anew
    back = load_facts(save_facts(facts, tmp_path / "f.json"))
    assert "org_name" not in (tmp_path / "f.json").read_text(encoding="utf-8")
    assert back.org_name == expected


def test_given_org_name_is_kept():
    facts = Facts(unit="柳溪县城关学区", org_type="联合党支部", year=2025, org_name="中共柳溪县城关学区联合支部委员会")
    assert facts.org_name == "中共柳溪县城关学区联合支部委员会"
    assert facts.derived_fields == frozenset()


def test_xlsx_template_layout(tmp_path: Path):
    path = write_xlsx_template(tmp_path / "事实.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["基本信息", "活动", "荣誉", "问题", "打算", "做法", "要点", "去年荣誉"]
    basic = wb["基本信息"]
    assert [c.value for c in basic[1]] == ["项目", "内容", "说明"]
    labels = [r[0].value for r in basic.iter_rows(min_row=2)]
    for label in ("单位名称", "党组织类型", "年度", "党员总数", "支委成员", "落款日期"):
        assert label in labels
    assert [c.value for c in wb["活动"][1]] == ["活动名称", "类别", "次数", "日期", "参加人数", "具体内容"]
    assert [c.value for c in wb["荣誉"][1]] == ["荣誉名称", "级别", "获得者", "获得年度"]
    assert [c.value for c in wb["问题"][1]] == ["存在的问题"]
    assert [c.value for c in wb["打算"][1]] == ["下一步工作打算"]
    for sheet in ("活动", "荣誉", "问题", "打算"):
        assert wb[sheet].max_row == 2, f"{sheet}: header and one example row"
    # the example activity's kind is written as the Chinese label a secretary understands
    assert wb["活动"]["B2"].value == "思想政治建设与理论学习"
    # the template is a valid facts file and reads back exactly
    assert load_facts(path) == example_facts()


def test_xlsx_filled_in_by_hand(tmp_path: Path):
    """What Excel/WPS produce: numbers as floats, a date cell, Chinese labels, blank rows, repeated rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "基本信息"
    ws.append(["项目", "内容", "说明"])
    ws.append(["单位名称", "  柳溪县实验小学 ", None])
    ws.append(["党组织类型", "党支部", None])
    ws.append(["年度", 2023.0, None])
    ws.append(["报告类型", "半年党建工作总结", None])
    ws.append(["党员总数*", 23.0, None])
    ws.append([None, None, None])
    ws.append(["支委成员", "书记 刘建华", None])
    ws.append(["支委成员", "组织委员 陈立新", None])
    ws.append(["落款日期", dt.datetime(2023, 7, 5), None])
    acts = wb.create_sheet("活动")
    acts.append(["活动名称", "类别", "次数", "日期", "参加人数", "具体内容"])
    acts.append(["主题党日", "思想政治建设与理论学习", 6.0, dt.datetime(2023, 5, 12), None, None])
    acts.append([None, None, None, None, None, None])
    acts.append(["师德师风专题培训", "conduct", 2, "2023-04", 60, "全体教职工参加"])
    probs = wb.create_sheet("问题")
    probs.append(["存在的问题"])
    probs.append(["学用结合不够"])
    wb.save(tmp_path / "hand.xlsx")
    facts = load_facts(tmp_path / "hand.xlsx")
    assert facts.unit == "柳溪县实验小学"
    assert facts.year == 2023 and facts.report_kind == "half_year_summary"
    assert facts.members.total == 23
    assert facts.structure.committee == ["书记 刘建华", "组织委员 陈立新"]
    assert facts.signature.date == dt.date(2023, 7, 5)
    assert [a.kind for a in facts.activities] == ["theory", "conduct"]
    assert facts.activities[0].date == "2023-05-12" and facts.activities[0].count == 6
    assert facts.activities[1].participants == 60
    assert facts.problems == ["学用结合不够"]
    assert facts.honours == [] and facts.plans == []


def test_xlsx_errors_name_sheet_and_row(tmp_path: Path):
    path = write_xlsx_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["活动"].append(["专题党课", "theory", -2, None, None, None])
    wb["基本信息"]["B2"] = None  # 单位名称 left empty
    wb.save(path)
    with pytest.raises(FactsError) as err:
        load_facts(path)
    messages = err.value.errors
    assert any(m.startswith("activities[2].count 必须是非负整数") and "工作表“活动”第3行" in m for m in messages)
    assert any(m.startswith("unit 必须填写") for m in messages)
    assert str(path) in str(err.value)


def test_xlsx_unknown_row_and_missing_sheet(tmp_path: Path):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(tmp_path / "empty.xlsx")
    with pytest.raises(FactsError) as err:
        load_facts(tmp_path / "empty.xlsx")
    assert err.value.errors == ["缺少工作表“基本信息”"]
    path = write_xlsx_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["基本信息"].append(["校训", "厚德", None])
    wb.save(path)
    with pytest.raises(FactsError) as err:
        load_facts(path)
    assert any("无法识别的项目“校训”" in m for m in err.value.errors)


def test_not_an_excel_file(tmp_path: Path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip", encoding="utf-8")
    with pytest.raises(FactsError) as err:
        load_facts(bad)
    assert "无法读取 Excel 文件" in err.value.errors[0]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("f.yaml", "unit: [未闭合\n", "YAML 格式错误：第"),
        ("f.json", '{"unit": "x",}', "JSON 格式错误：第1行"),
        ("f.yaml", "- 一个列表\n", "文件内容必须是“名称: 值”的形式"),
        ("f.txt", "unit: x", "不支持的文件类型“.txt”"),
    ],
)
def test_file_level_errors(tmp_path: Path, name: str, content: str, expected: str):
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(FactsError) as err:
        load_facts(p)
    assert err.value.path == str(p)
    assert expected in err.value.errors[0]


def test_missing_file(tmp_path: Path):
    with pytest.raises(FactsError) as err:
        load_facts(tmp_path / "nope.yaml")
    assert err.value.errors == ["文件不存在"]


def test_unquoted_full_date_in_yaml_is_accepted(tmp_path: Path):
    p = tmp_path / "f.yaml"
    p.write_text("unit: 柳溪县实验小学\norg_type: 党支部\nyear: 2024\n"
                 "activities:\n  - {title: 主题党日, date: 2024-05-12}\n", encoding="utf-8")
    assert load_facts(p).activities[0].date == "2024-05-12"


@pytest.mark.parametrize(
    ("line", "field", "given"),
    [
        ("signature: {date: 2024-02-30}", "signature.date", "2024-02-30"),
        ("signature: {date: 2024-13-45}", "signature.date", "2024-13-45"),
        ("signature: {date: 2023-02-29 10:00:00}", "signature.date", "2023-02-29 10:00:00"),
        ("activities:\n  - {title: 主题党日, date: 2024-04-31}", "activities[1].date", "2024-04-31"),
    ],
)
def test_impossible_unquoted_date_is_a_facts_error_naming_the_field(tmp_path: Path, line: str, field: str,
                                                                    given: str):
    p = tmp_path / "f.yaml"
    p.write_text(f"unit: 柳溪县实验小学\norg_type: 党支部\nyear: 2024\n{line}\n", encoding="utf-8")
    with pytest.raises(FactsError) as err:
        load_facts(p)
    assert err.value.path == str(p)
    [message] = [e for e in err.value.errors if e.startswith(field)]
    assert given in message


def test_impossible_date_in_a_text_field_is_kept_as_text(tmp_path: Path):
    p = tmp_path / "f.yaml"
    p.write_text("unit: 柳溪县实验小学\norg_type: 党支部\nyear: 2024\n"
                 "notes: {organization: [2024-02-30]}\n", encoding="utf-8")
    try:
        facts = load_facts(p)
    except FactsError as exc:  # a schema that refuses the note still names it, never a bare ValueError
        assert "notes" in str(exc)
    else:
        assert "2024-02-30" in str(facts.model_dump())
