"""Markdown and plain-text export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from draftkit.export import ExportError, export_markdown, export_report, export_text
from draftkit.report import Report, SectionDraft, Signature


def test_markdown_headings_follow_the_levels(report: Report):
    md = export_markdown(report)
    lines = md.split("\n")
    assert lines[0] == f"# {report.title}"
    assert "## 一、基本情况" in lines
    assert "### （一）坚持政治引领，筑牢思想根基" in lines
    assert "#### 1.深化“双减”工作落实" in lines
    assert "## 五、2025年工作打算" in lines
    # headings appear in the report's order
    positions = [lines.index("#" * (s.level + 1) + " " + s.heading) for s in report.sections]
    assert positions == sorted(positions)


def test_markdown_keeps_every_paragraph_and_the_signature(report: Report):
    md = export_markdown(report)
    blocks = md.strip().split("\n\n")
    for s in report.sections:
        for line in filter(None, s.text.split("\n")):
            assert line.strip() in blocks
    assert blocks[-2:] == [report.signature.unit, "2024年12月20日"]
    assert "【待补充：家访户数】" in md  # markers stay visible
    assert md.endswith("\n") and "\n\n\n" not in md


def test_markdown_does_not_turn_body_text_into_markup():
    r = Report(
        title="测试总结",
        year=2024,
        unit="某小学",
        sections=[
            SectionDraft(
                id="a",
                heading="一、做法",
                level=1,
                text="1. 加强学习。\n# 不是标题\n- 不是列表\n*强调*不是强调",
            ),
        ],
    )
    md = export_markdown(r)
    assert "1\\. 加强学习。" in md
    assert "\\# 不是标题" in md
    assert "\\- 不是列表" in md
    assert "\\*强调\\*不是强调" in md


def test_plain_text_indents_paragraphs_with_full_width_spaces(report: Report):
    text = export_text(report)
    lines = text.split("\n")
    assert lines[0] == report.title and lines[1] == ""
    assert lines[2].startswith("\u3000\u30002024年，在县委教育工委")
    assert "\u3000\u3000一、基本情况" in lines
    assert lines[-3:] == [report.signature.unit, "2024年12月20日", ""]
    # nothing of the content is lost
    assert text.replace("\u3000", "").replace("\n", "") == (
        report.title
        + report.body_text().replace("\n", "")[len(report.title) :]
        + report.signature.unit
        + "2024年12月20日"
    )


def test_missing_signature_unit_falls_back_to_the_report_unit():
    r = Report(
        title="某小学2024年党建工作总结",
        year=2024,
        unit="某小学",
        signature=Signature(date=dt.date(2025, 1, 3)),
    )
    assert export_text(r).rstrip().split("\n")[-2:] == ["某小学", "2025年1月3日"]


@pytest.mark.parametrize("suffix", [".md", ".txt", ".docx"])
def test_export_report_picks_the_format_from_the_suffix(tmp_path: Path, report: Report, suffix: str):
    out = export_report(report, tmp_path / f"sub/总结{suffix}")
    assert out.exists() and out.stat().st_size > 1000
    if suffix == ".md":
        assert out.read_text(encoding="utf-8").startswith("# ")
    elif suffix == ".txt":
        assert out.read_text(encoding="utf-8").startswith(report.title)
    else:
        assert out.read_bytes()[:2] == b"PK"


def test_export_report_rejects_an_unknown_format(tmp_path: Path, report: Report):
    with pytest.raises(ExportError) as err:
        export_report(report, tmp_path / "总结.pdf")
    assert "总结.pdf" in str(err.value) and ".docx" in str(err.value)
