"""`draftkit facts template|check` and `draftkit draft` through the real CLI."""

from __future__ import annotations

import json

import docx
from draft_samples import GAPS, sample_path
from typer.testing import CliRunner

from draftkit.cli import app
from draftkit.report import Report

runner = CliRunner()


def test_facts_template_then_check(tmp_path):
    out = tmp_path / "事实.xlsx"
    result = runner.invoke(app, ["facts", "template", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    again = runner.invoke(app, ["facts", "template", str(out)])
    assert again.exit_code == 2 and "已存在" in again.output
    check = runner.invoke(app, ["facts", "check", str(out)])
    assert check.exit_code == 0, check.output
    assert "青禾市第三实验小学" in check.output


def test_facts_check_reports_problems_in_chinese(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("unit: 青禾市第三实验小学\norg_type: 党支部\nyear: 2024\nmembers: {total: -3}\n", encoding="utf-8")
    result = runner.invoke(app, ["facts", "check", str(bad)])
    assert result.exit_code == 1
    assert "members.total 必须是非负整数" in result.output and str(bad) in result.output


def test_facts_check_lists_the_gaps():
    result = runner.invoke(app, ["facts", "check", str(sample_path(GAPS))])
    assert result.exit_code == 0, result.output
    assert "入党积极分子人数" in result.output and "落款日期" in result.output


def test_draft_writes_markdown_text_docx_and_json(tmp_path):
    facts = sample_path("qinghe_sanshi_2024")
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    result = runner.invoke(app, ["draft", str(facts), "--no-index", "--out", str(md), "--json", str(js), "--seed", "2"])
    assert result.exit_code == 0, result.output
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# 青禾市第三实验小学2024年党建工作总结")
    report = Report.model_validate(json.loads(js.read_text(encoding="utf-8")))
    assert report.sections[0].heading in text
    out_docx = tmp_path / "r.docx"
    result = runner.invoke(app, ["draft", str(facts), "--no-index", "--out", str(out_docx)])
    assert result.exit_code == 0, result.output
    paragraphs = [p.text for p in docx.Document(str(out_docx)).paragraphs]
    assert any("中共青禾市第三实验小学支部委员会现有党员31名" in p for p in paragraphs)
    result = runner.invoke(app, ["draft", str(facts), "--no-index"])
    assert result.exit_code == 0 and "一、基本情况" in result.stdout


def test_draft_bad_inputs(tmp_path):
    result = runner.invoke(app, ["draft", str(tmp_path / "none.yaml"), "--no-index"])
    assert result.exit_code == 2 and "文件不存在" in result.output
    facts = sample_path("qinghe_sanshi_2024")
    result = runner.invoke(app, ["draft", str(facts), "--no-index", "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and ".docx" in result.output
    result = runner.invoke(app, ["draft", str(facts), "--no-index", "--backend", "gpt"])
    assert result.exit_code == 2 and "unknown backend" in result.output


def test_draft_refuses_to_replace_an_existing_output_without_force(tmp_path):
    facts = sample_path("qinghe_sanshi_2024")
    for flag, name in (("--out", "mine.txt"), ("-o", "mine.md"), ("--json", "mine.json")):
        mine = tmp_path / name
        mine.write_text("我自己的稿子，不能丢。", encoding="utf-8")
        result = runner.invoke(app, ["draft", str(facts), "--no-index", flag, str(mine)])
        assert result.exit_code == 2, result.output
        assert str(mine) in result.output and "--force" in result.output
        assert mine.read_text(encoding="utf-8") == "我自己的稿子，不能丢。"
    result = runner.invoke(app, ["draft", str(facts), "--no-index", "-o", str(tmp_path / "mine.txt"), "--force"])
    assert result.exit_code == 0, result.output
    assert "一、基本情况" in (tmp_path / "mine.txt").read_text(encoding="utf-8")
