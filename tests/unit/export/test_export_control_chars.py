"""Issue 13 kind 14: control characters (Word's U+000B manual line break, U+000C, other C0 codes) in
facts, UI edits and model answers never break the .docx export."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from draftkit.cli import app
from draftkit.export.docx import export_docx
from draftkit.facts import Facts
from draftkit.report import Report, SectionDraft
from draftkit.textsafe import clean_control_chars


def test_clean_control_chars() -> None:
    assert clean_control_chars("一是学习\v二是落实\f三是\x00检查\x07。\r\n") == "一是学习\n二是落实\n三是检查。\n"
    plain = "学校党支部\t全年开展主题党日12次。\n"
    assert clean_control_chars(plain) is plain


def test_facts_file_with_a_vertical_tab_drafts_and_exports(samples_dir: Path, tmp_path: Path) -> None:
    data = yaml.safe_load((samples_dir / "facts" / "qinghe_sanshi_2024.yaml").read_text(encoding="utf-8"))
    data["problems"] = ["理论学习\v不够深入，\x0c学用结合不紧。", "品牌特色\x1b还不够鲜明。"]
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    facts = Facts.model_validate(data)
    assert facts.problems[0] == "理论学习\n不够深入，\n学用结合不紧。"
    out = tmp_path / "总结.docx"
    result = CliRunner().invoke(app, ["draft", str(path), "--no-index", "--out", str(out)])
    assert result.exit_code == 0, result.output
    import docx

    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "不够深入" in text and "\v" not in text and "\x1b" not in text


def test_edits_and_model_answers_with_control_chars_export(tmp_path: Path) -> None:
    section = SectionDraft(id="s1", heading="一、基本情况\x0b", text="模型回答\x0b第二行\x00。")
    assert section.text == "模型回答\n第二行。" and section.heading == "一、基本情况\n"
    report = Report(title="柳湾小学党支部2024年党建工作总结", year=2024, unit="柳湾小学党支部", sections=[section])
    report.sections[0].text = "用户编辑\x0b后的文字\x1f。"  # an edit assigned without validation
    report.opening = "开头\x0c一段。"
    out = export_docx(report, tmp_path / "r.docx")
    import docx

    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "用户编辑\n后的文字。" in text and "开头\n一段。" in text
