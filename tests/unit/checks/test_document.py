"""ReportText: paragraphs with sections, from text, files, a drafting Report and report.json."""

from __future__ import annotations

import datetime as dt

import pytest

from draftkit.checks import CheckInputError, ReportText
from draftkit.report import Report, SectionDraft, Signature


def test_from_text_sections_and_offsets():
    text = "某校2024年党建工作总结\n\n一、基本情况\n现有党员23名。\n（一）理论学习\n全年学习12次。\n二、存在问题"
    rt = ReportText.from_text(text, detect=False)
    assert [p.text for p in rt.paragraphs][:3] == ["某校2024年党建工作总结", "一、基本情况", "现有党员23名。"]
    body = rt.paragraphs[4]
    assert body.section == "（一）理论学习" and body.path == ["一、基本情况", "（一）理论学习"]
    assert rt.paragraphs[5].heading_level == 1 and rt.paragraphs[5].heading_number == 2
    assert rt.paragraphs[5].path == ["二、存在问题"]
    for p in rt.paragraphs:
        assert text[p.offset : p.offset + len(p.text)] == p.text


def test_from_text_detects_year_and_unit():
    rt = ReportText.from_text("青禾市第三实验小学党支部2024年度党建工作总结\n一年来，支部扎实开展工作。")
    assert rt.year == 2024
    assert rt.unit and "青禾市第三实验小学" in rt.unit


def test_from_report_and_json(tmp_path):
    report = Report(
        title="柳溪县实验小学2024年党建工作总结", year=2024, unit="柳溪县实验小学",
        opening="2024年，支部扎实开展工作。现将有关情况总结如下：",
        sections=[SectionDraft(id="overview", heading="一、基本情况", text="现有党员23名。\n下设3个党小组。"),
                  SectionDraft(id="plans", heading="二、下步打算", text="继续加强学习。")],
        signature=Signature(unit="中共柳溪县实验小学支部委员会", date=dt.date(2024, 12, 20)),
    )
    rt = ReportText.from_report(report)
    assert rt.year == 2024 and rt.unit == "柳溪县实验小学"
    texts = [p.text for p in rt.paragraphs]
    assert texts[0] == report.title and "下设3个党小组。" in texts and texts[-1] == "2024年12月20日"
    assert next(p for p in rt.paragraphs if p.text == "下设3个党小组。").section == "一、基本情况"
    path = tmp_path / "report.json"
    path.write_text(report.model_dump_json(), encoding="utf-8")
    assert [p.text for p in ReportText.from_file(path).paragraphs] == texts


def test_bad_files_name_the_file(tmp_path):
    with pytest.raises(CheckInputError, match="missing.txt"):
        ReportText.from_file(tmp_path / "missing.txt")
    bad = tmp_path / "report.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CheckInputError, match="report.json"):
        ReportText.from_file(bad)
    odd = tmp_path / "x.xyz"
    odd.write_text("abc", encoding="utf-8")
    with pytest.raises(CheckInputError, match="不支持"):
        ReportText.from_file(odd)


def test_docx_through_ingest(samples_dir):
    path = samples_dir / "corpus" / "A7_liuxi_jiaoyuju_jiguan_2024.docx"
    if not path.is_file():
        pytest.skip(f"{path} not built")
    rt = ReportText.from_file(path)
    assert rt.year == 2024 and len(rt.paragraphs) > 10
    assert any(p.heading_level == 1 for p in rt.paragraphs)
    assert rt.doc_id and rt.source == str(path)
