"""Findings written into a copy of the reviewer's Word file: comments at the exact words, tracked
changes that give the corrected text once accepted, the original untouched, the copy still
well-formed for docx-check and LibreOffice."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml
from lxml import etree

from draftkit.checks import ReportText, run_checks
from draftkit.checks.annotate import AUTHOR, AnnotateError, annotate_docx
from draftkit.checks.models import CheckResult, Finding, Summary
from draftkit.checks.proofread import Overlay
from draftkit.export import check_docx, export_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PLANTED = "学校党支部认真布署年度工作,全面惯彻落实党中央国务院的要求。截止目前共发展党员３名。"
FIXED = "学校党支部认真部署年度工作，全面贯彻落实党中央、国务院的要求。截至目前共发展党员3名。"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def comments_of(path: Path) -> list[dict]:
    """Each comment: id, author, text, and the document text between its range marks (w:t and w:delText)."""
    with zipfile.ZipFile(path) as z:
        body = etree.fromstring(z.read("word/document.xml"))
        comments = etree.fromstring(z.read("word/comments.xml"))
    anchored: dict[str, list[str]] = {}
    deleted: dict[str, list[str]] = {}
    open_ids: list[str] = []
    for el in body.iter(W + "commentRangeStart", W + "commentRangeEnd", W + "t", W + "delText"):
        cid = el.get(W + "id")
        if el.tag == W + "commentRangeStart":
            open_ids.append(cid)
            anchored[cid], deleted[cid] = [], []
        elif el.tag == W + "commentRangeEnd":
            open_ids.remove(cid)
        else:
            for i in open_ids:
                (anchored if el.tag == W + "t" else deleted)[i].append(el.text or "")
    out = []
    for c in comments.iter(W + "comment"):
        cid = c.get(W + "id")
        out.append({"id": cid, "author": c.get(W + "author"), "text": "\n".join("".join(t.text or "" for t in p.iter(W + "t"))
                                                                                for p in c.iter(W + "p")),
                    "anchor": "".join(anchored.get(cid, [])), "deleted": "".join(deleted.get(cid, []))})
    return out


def paragraph_texts(path: Path, accept: bool) -> list[str]:
    """The body's paragraph texts with the tracked changes accepted (or rejected)."""
    doc = Document(str(path))
    for tag, keep in ((W + "ins", accept), (W + "del", not accept)):
        for el in list(doc.element.body.iter(tag)):
            parent = el.getparent()
            if keep:
                for child in list(el):
                    el.addprevious(child)
            parent.remove(el)
    for t in doc.element.body.iter(W + "delText"):
        t.tag = W + "t"
    buf = io.BytesIO()
    doc.save(buf)  # read back, so python-docx sees the renamed w:t as text
    return [p.text for p in Document(buf).paragraphs]


@pytest.fixture()
def our_export(sample_report_loader, tmp_path: Path) -> Path:
    report = sample_report_loader()
    sec = next(s for s in report.sections if s.text)
    sec.text = PLANTED + "\n" + sec.text
    return export_docx(report, tmp_path / "总结.docx")


@pytest.fixture()
def plain_docx(tmp_path: Path) -> Path:
    """A file made with python-docx defaults: the error in a bold run of its own, a table, a signature."""
    doc = Document()
    doc.add_paragraph("青禾县实验小学党支部2024年党建工作总结")
    p = doc.add_paragraph("学校党支部认真")
    p.add_run("布署").bold = True
    p.add_run("年度工作,全面惯彻落实党中央国务院的要求。截止目前共发展党员３名。")
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "学习习总书记的重要讲话"
    table.cell(0, 1).text = "备注"
    doc.add_paragraph("中共青禾县实验小学支部委员会")
    doc.add_paragraph("2024.12.20")
    out = tmp_path / "plain.docx"
    doc.save(str(out))
    return out


def _proofread_anchors(path: Path) -> dict[str, str]:
    return {c["anchor"] or c["deleted"]: c["text"] for c in comments_of(path) if c["text"].startswith("【校对")}


@pytest.mark.parametrize("which", ["our_export", "plain_docx"])
def test_comments_at_the_exact_words_and_the_original_untouched(which, request, tmp_path: Path):
    src: Path = request.getfixturevalue(which)
    before = sha(src)
    out = tmp_path / "批注版.docx"
    done = annotate_docx(src, out, year=2024, overlay=Overlay())
    assert sha(src) == before
    comments = comments_of(out)
    assert done.comments == len(comments) > 0 and {c["author"] for c in comments} == {AUTHOR}
    anchors = _proofread_anchors(out)
    for words, fix in (("布署", "部署"), ("惯彻", "贯彻"), ("党中央国务院", "党中央、国务院"), ("截止", "截至"), ("３", "3"),
                       (",", "，")):
        assert words in anchors, (words, sorted(anchors))
        assert "P1" in anchors[words] or "P2" in anchors[words]
        assert f"改为“{fix}”" in anchors[words]
    if which == "plain_docx":
        assert "习总书记" in anchors and "2024.12.20" in anchors  # in a table cell; the signature date
        assert "成文日期" in anchors["2024.12.20"] and "2024年12月20日" in anchors["2024.12.20"]
        # the bold run was split around nothing else: 布署 keeps its bold, its neighbours their plain runs
        doc = Document(str(out))
        bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold]
        assert bold == ["布署"]
    # nothing but comments was added: the text of every paragraph is unchanged
    assert [p.text for p in Document(str(out)).paragraphs] == [p.text for p in Document(str(src)).paragraphs]


@pytest.mark.parametrize("which", ["our_export", "plain_docx"])
def test_tracked_changes_accepted_give_the_corrected_text(which, request, tmp_path: Path):
    src: Path = request.getfixturevalue(which)
    out = tmp_path / "修订版.docx"
    done = annotate_docx(src, out, fix="tracked", year=2024, overlay=Overlay())
    assert done.tracked >= 6
    accepted = paragraph_texts(out, accept=True)
    rejected = paragraph_texts(out, accept=False)
    original = [p.text for p in Document(str(src)).paragraphs]
    assert rejected == original
    if which == "our_export":
        assert FIXED in accepted
    else:
        assert "学校党支部认真部署年度工作，全面贯彻落实党中央、国务院的要求。截至目前共发展党员3名。" in accepted
        assert accepted[-1] == "2024年12月20日"
    with zipfile.ZipFile(out) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert set(re.findall(r'<w:(?:ins|del) [^>]*w:author="([^"]+)"', xml)) == {AUTHOR}
    # a re-check of the accepted text finds none of the fixed words again
    again = run_checks("\n".join(accepted), year=2024, overlay=Overlay())
    assert not [f for f in again.findings if f.text in ("布署", "惯彻", "党中央国务院", "３")]


def test_annotated_copy_passes_docx_check_where_the_original_did(our_export: Path, plain_docx: Path, tmp_path: Path):
    for src in (our_export, plain_docx):
        for fix in (None, "tracked"):
            out = tmp_path / f"{src.stem}-{fix}.docx"
            annotate_docx(src, out, fix=fix, year=2024, overlay=Overlay())
            before = check_docx(src)
            after = check_docx(out)
            if fix is None:  # comments only: the very same issues
                assert sorted((i.code, tuple(i.paragraphs)) for i in after) == sorted(
                    (i.code, tuple(i.paragraphs)) for i in before)
            else:  # accepted fixes change words (a date now has Chinese characters), never add a kind of issue
                assert {i.code for i in after} <= {i.code for i in before}
    assert check_docx(our_export) == []
    assert check_docx(tmp_path / f"{our_export.stem}-None.docx") == []
    assert check_docx(tmp_path / f"{our_export.stem}-tracked.docx") == []


@pytest.mark.office
def test_libreoffice_converts_the_annotated_copy(our_export: Path, plain_docx: Path, to_pdf, tmp_path: Path):
    from pypdf import PdfReader

    outs = []
    for src, fix in ((our_export, None), (plain_docx, "tracked")):
        out = tmp_path / f"annotated-{src.stem}.docx"
        annotate_docx(src, out, fix=fix, year=2024, overlay=Overlay())
        outs.append(out)
    pdfs = to_pdf(outs, tmp_path)
    for pdf in pdfs:
        text = "".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
        assert "党支部" in text or "党总支" in text


def test_span_in_a_field_is_anchored_at_its_paragraph_with_a_note(tmp_path: Path):
    doc = Document()
    doc.add_paragraph("青禾县实验小学党支部2024年党建工作总结")
    p = doc.add_paragraph("请全体党员认真")
    fld = parse_xml('<w:fldSimple xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                    'w:instr=" HYPERLINK &quot;http://example.invalid/&quot; "><w:r><w:t>布署工作</w:t></w:r></w:fldSimple>')
    p._p.append(fld)
    p.add_run("，按时完成。")
    src = tmp_path / "field.docx"
    doc.save(str(src))
    out = tmp_path / "field-annotated.docx"
    done = annotate_docx(src, out, fix="tracked", year=2024, overlay=Overlay())
    typo = [c for c in comments_of(out) if "布署" in c["text"]]
    assert len(typo) == 1 and "批注标在本段" in typo[0]["text"]
    assert typo[0]["anchor"] == "请全体党员认真布署工作，按时完成。"
    assert done.paragraph_level >= 1 and done.tracked == 0


def test_whole_report_finding_and_unknown_text_anchor_at_a_paragraph(plain_docx: Path, tmp_path: Path):
    # the checked text is not the file's (a finding from another version of the report, say)
    rt = ReportText.from_text("青禾县实验小学党支部2024年党建工作总结\n不在文中的一段文字。")
    findings = [
        Finding(check="facts", severity="P2", rule="facts.fact_unused", message="事实“荣誉”在文中没有用到"),
        Finding(check="era", severity="P1", rule="era.stale_mention", paragraph=1, span=(0, 4), text="不在文中",
                message="一处找不到的文字"),
    ]
    result = CheckResult(year=2024, findings=findings, summary=Summary())
    out = tmp_path / "whole.docx"
    annotate_docx(plain_docx, out, result, report_text=rt)
    got = {c["text"].split("\n")[1]: c for c in comments_of(out)}
    assert "针对全文" in got["事实“荣誉”在文中没有用到"]["text"]
    assert got["事实“荣誉”在文中没有用到"]["anchor"] == "青禾县实验小学党支部2024年党建工作总结"
    assert "批注标在本段" in got["一处找不到的文字"]["text"]


def test_bad_arguments_name_the_file(plain_docx: Path, tmp_path: Path):
    with pytest.raises(AnnotateError, match="覆盖原文件"):
        annotate_docx(plain_docx, plain_docx)
    with pytest.raises(AnnotateError, match=r"\.docx"):
        annotate_docx(plain_docx, tmp_path / "out.pdf")
    with pytest.raises(AnnotateError, match="修订方式"):
        annotate_docx(plain_docx, tmp_path / "out.docx", fix="inline")


def test_cli_annotate_and_fix_tracked(plain_docx: Path, tmp_path: Path):
    out = tmp_path / "cli-annotated.docx"
    before = sha(plain_docx)
    cmd = [sys.executable, "-c", "from draftkit.cli import main; main()", "check", str(plain_docx),
           "--annotate", str(out), "--fix", "tracked", "--year", "2024"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "批注版已写出" in proc.stdout and out.is_file() and sha(plain_docx) == before
    assert "学校党支部认真部署年度工作，全面贯彻落实党中央、国务院的要求。截至目前共发展党员3名。" in paragraph_texts(out, accept=True)
    (tmp_path / "x.txt").write_text("一段文字。", encoding="utf-8")
    bad = subprocess.run([*cmd[:4], str(tmp_path / "x.txt"), "--annotate", str(out)], capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 1 and "只能用于单个 .docx" in bad.stderr


def test_empty_and_headingless_files(tmp_path: Path):
    from draftkit.checks import CheckInputError

    empty = tmp_path / "empty.docx"
    Document().save(str(empty))
    with pytest.raises(CheckInputError, match="empty.docx"):
        annotate_docx(empty, tmp_path / "empty-out.docx")
    assert not (tmp_path / "empty-out.docx").exists()
    plain = tmp_path / "plain.docx"
    doc = Document()
    doc.add_paragraph("一段没有标题的文字，认真布署工作。" * 50)
    doc.save(str(plain))
    done = annotate_docx(plain, tmp_path / "plain-out.docx", fix="tracked", year=2024, overlay=Overlay())
    assert done.tracked == 50 and done.exact >= 50
    assert paragraph_texts(tmp_path / "plain-out.docx", accept=True) == ["一段没有标题的文字，认真部署工作。" * 50]


def test_copy_keeps_paragraph_run_table_and_section_properties(our_export: Path, plain_docx: Path, tmp_path: Path):
    def props(path: Path) -> tuple:
        body = Document(str(path)).element.body
        out = []
        for p in body.iter(W + "p"):
            ppr = p.find(W + "pPr")
            runs = {etree.tostring(r.find(W + "rPr")) for r in p.iter(W + "r") if r.find(W + "rPr") is not None
                    and r.find(f"{W}rPr/{W}rStyle[@{W}val='CommentReference']") is None}
            out.append((etree.tostring(ppr) if ppr is not None else b"", frozenset(runs)))
        tables = [etree.tostring(t.find(W + "tblPr")) for t in body.iter(W + "tbl")]
        sections = [etree.tostring(s) for s in body.iter(W + "sectPr")]
        return out, tables, sections

    for src in (our_export, plain_docx):
        out = tmp_path / f"props-{src.stem}.docx"
        annotate_docx(src, out, fix="tracked", year=2024, overlay=Overlay())
        assert props(out) == props(src)


def test_finding_on_the_cleaned_text_is_found_in_the_file_as_written(tmp_path: Path):
    # paired marks are read in the cleaned text (its commas full-width); the file has half-width ones
    doc = Document()
    doc.add_paragraph("青禾县实验小学党支部2024年党建工作总结")
    doc.add_paragraph("支部坚持开好“三会一课,抓好“主题党日”活动,落实到位。")
    src = tmp_path / "quotes.docx"
    doc.save(str(src))
    annotate_docx(src, tmp_path / "quotes-out.docx", year=2024, overlay=Overlay())
    quote = [c for c in comments_of(tmp_path / "quotes-out.docx") if "双引号不成对" in c["text"]]
    assert len(quote) == 1 and quote[0]["anchor"] == "“" and "批注标在本段" not in quote[0]["text"]


def test_cli_annotate_refuses_to_replace_an_existing_file_without_force(plain_docx: Path, tmp_path: Path):
    from typer.testing import CliRunner

    from draftkit.cli import app

    other = tmp_path / "别的文件.docx"
    other.write_bytes(b"an unrelated file")
    args = ["check", str(plain_docx), "--annotate", str(other), "--year", "2024"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert str(other) in result.output and "--force" in result.output
    assert other.read_bytes() == b"an unrelated file"
    result = CliRunner().invoke(app, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(other)
