"""`draftkit export` and `draftkit docx-check` through the real CLI app."""

from __future__ import annotations

import json
from pathlib import Path

from docx import Document
from typer.testing import CliRunner

from draftkit.cli import app
from draftkit.report import Report

runner = CliRunner()


def write_report_json(report: Report, tmp_path: Path) -> Path:
    path = tmp_path / "report.json"
    path.write_text(report.model_dump_json(), encoding="utf-8")
    return path


def test_export_docx_then_check_it(tmp_path: Path, report: Report):
    src = write_report_json(report, tmp_path)
    out = tmp_path / "总结.docx"
    result = runner.invoke(app, ["export", str(src), "--out", str(out), "--check"])
    assert result.exit_code == 0, result.output
    assert out.exists() and Document(str(out)).core_properties.title == report.title

    result = runner.invoke(app, ["docx-check", str(out)])
    assert result.exit_code == 0
    assert "未发现版式问题" in result.output


def test_export_markdown_and_text(tmp_path: Path, report: Report):
    src = write_report_json(report, tmp_path)
    for name in ("总结.md", "总结.txt"):
        result = runner.invoke(app, ["export", str(src), "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert report.sections[0].heading in (tmp_path / name).read_text(encoding="utf-8")


def test_export_bad_report_json_names_the_file(tmp_path: Path):
    bad = tmp_path / "坏报告.json"
    bad.write_text('{"title": 3}', encoding="utf-8")
    result = runner.invoke(app, ["export", str(bad), "--out", str(tmp_path / "x.docx")])
    assert result.exit_code == 2
    assert "坏报告.json" in result.output and "title" in result.output
    assert not (tmp_path / "x.docx").exists()


def test_export_unknown_suffix(tmp_path: Path, report: Report):
    src = write_report_json(report, tmp_path)
    result = runner.invoke(app, ["export", str(src), "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
    assert "x.pdf" in result.output


def test_docx_check_json_and_exit_codes(tmp_path: Path, exported_docx: Path):
    wrong = tmp_path / "默认.docx"
    doc = Document()
    doc.add_paragraph("一、基本情况")
    doc.add_paragraph("学校党支部现有党员23名。")
    doc.save(str(wrong))
    result = runner.invoke(app, ["docx-check", str(wrong), "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["file"] == str(wrong)
    got = {i["code"] for i in payload["issues"]}
    assert {"page.margin.left", "body.font", "body.line_spacing"} <= got
    assert all(i["message"] for i in payload["issues"])

    # a batch: one clean, one wrong, one unreadable → every file reported, exit 2
    broken = tmp_path / "坏.docx"
    broken.write_text("不是Word文件", encoding="utf-8")
    result = runner.invoke(app, ["docx-check", str(exported_docx), str(wrong), str(broken), "--json"])
    assert result.exit_code == 2
    payload = json.loads(result.output)
    assert [bool(p["issues"]) for p in payload] == [False, True, False]
    assert "error" in payload[2] and "坏.docx" in payload[2]["file"]

    result = runner.invoke(app, ["docx-check", str(wrong)])
    assert result.exit_code == 1
    assert "版式问题" in result.output and "[page.margin.top]" in result.output


def test_export_refuses_to_replace_an_existing_file_without_force(tmp_path: Path, report: Report):
    src = write_report_json(report, tmp_path)
    for name in ("旧.docx", "旧.md"):
        old = tmp_path / name
        old.write_bytes(b"an unrelated file")
        result = runner.invoke(app, ["export", str(src), "-o", str(old)])
        assert result.exit_code == 2, result.output
        assert str(old) in result.output and "--force" in result.output
        assert old.read_bytes() == b"an unrelated file"
        result = runner.invoke(app, ["export", str(src), "-o", str(old), "--force"])
        assert result.exit_code == 0, result.output
        assert old.read_bytes() != b"an unrelated file"
