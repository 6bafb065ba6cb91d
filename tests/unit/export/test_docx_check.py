"""docx-check: our exports come out clean; every kind of departure is found and named."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from draftkit.export import DocxCheckError, LayoutIssue, check_document, check_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def altered(src: Path, tmp_path: Path, change: Callable) -> list[LayoutIssue]:
    """Open ``src``, apply ``change(doc)``, save a copy and check it."""
    doc = Document(str(src))
    change(doc)
    out = tmp_path / "altered.docx"
    doc.save(str(out))
    return check_docx(out)


def codes(issues: list[LayoutIssue]) -> set[str]:
    return {i.code for i in issues}


def test_our_export_is_clean(exported_docx: Path):
    assert check_docx(exported_docx) == []


def test_python_docx_defaults_break_margins_fonts_and_spacing(tmp_path: Path):
    doc = Document()
    doc.add_heading("松源县第一中学党总支2024年度党建工作总结", 0)
    doc.add_paragraph(
        "2024年，学校党总支坚持以习近平新时代中国特色社会主义思想为指导，落实“第一议题”制度——现总结如下："
    )
    doc.add_heading("一、基本情况", 1)
    doc.add_paragraph("学校党总支下设3个党支部、6个党小组，现有党员68名。")
    doc.add_heading("（一）坚持政治引领，筑牢思想根基", 2)
    doc.add_paragraph("一是落实“第一议题”制度，全年开展第一议题学习24次。")
    path = tmp_path / "默认格式.docx"
    doc.save(str(path))

    issues = check_docx(path)
    found = codes(issues)
    assert {"page.margin.top", "page.margin.bottom", "page.margin.left", "page.margin.right"} <= found
    assert {"page.size", "grid.type"} <= found  # Letter paper, no grid
    assert {
        "body.font",
        "body.size",
        "body.line_spacing",
        "body.first_line_indent",
        "body.quote_font",
    } <= found
    assert {"title.font", "title.size", "title.alignment"} <= found
    assert {"heading.font", "heading.color"} <= found
    assert "page_number.missing" in found

    by_code = {i.code: i for i in issues}
    top = by_code["page.margin.top"]
    assert (top.expected, top.found) == ("37毫米", "25.4毫米")
    assert "上边距" in top.message and "37" in top.message
    body_font = by_code["body.font"]
    assert body_font.expected == "仿宋_GB2312"
    assert "minorEastAsia" in body_font.found  # the theme font python-docx's template uses
    assert body_font.paragraphs == [2, 4, 6]
    spacing = by_code["body.line_spacing"]
    assert "28.95" in spacing.expected and "倍行距" in spacing.found
    heading_fonts = [i for i in issues if i.code == "heading.font"]
    assert [i.expected for i in heading_fonts] == ["黑体", "楷体_GB2312"]
    assert all(i.message for i in issues)


def test_one_wrong_margin_is_the_only_issue(exported_docx: Path, tmp_path: Path):
    def widen_left(doc):
        doc.sections[0].left_margin = Mm(30)

    issues = altered(exported_docx, tmp_path, widen_left)
    assert [(i.code, i.expected, i.found, i.where) for i in issues] == [
        ("page.margin.left", "28毫米", "30毫米", "第1节页面设置")
    ]


def test_wrong_normal_font_is_reported_once_with_its_source(exported_docx: Path, tmp_path: Path):
    def song_body(doc):
        doc.styles["Normal"].element.find(f"{W}rPr/{W}rFonts").set(qn("w:eastAsia"), "宋体")
        for p in doc.paragraphs:  # drop the runs' own fonts so the style decides
            for run in p.runs:
                fonts = run._r.find(f"{W}rPr/{W}rFonts")
                for slot in ("w:eastAsia", "w:ascii", "w:hAnsi"):
                    fonts.attrib.pop(qn(slot), None)

    issues = altered(exported_docx, tmp_path, song_body)
    assert codes(issues) >= {"body.font"}
    body = [i for i in issues if i.code == "body.font"]
    assert len(body) == 1
    assert body[0].found == "宋体（样式“Normal”）"
    assert len(body[0].paragraphs) > 20 and "等" in body[0].where
    # headings 3 (仿宋 via Normal? no: Heading styles carry their own fonts) stay clean
    assert not any(i.code == "heading.font" for i in issues)


def test_direct_formatting_on_one_run_is_pinned_to_its_paragraph(exported_docx: Path, tmp_path: Path):
    def one_run_in_kai(doc):
        p = next(p for p in doc.paragraphs if p.text.startswith("学校现有教学班"))
        p.runs[0]._r.find(f"{W}rPr/{W}rFonts").set(qn("w:eastAsia"), "楷体")

    issues = altered(exported_docx, tmp_path, one_run_in_kai)
    assert len(issues) == 1
    issue = issues[0]
    assert issue.code == "body.font" and issue.found == "楷体（直接格式）"
    assert len(issue.paragraphs) == 1 and "学校现有教学班" in issue.where


def test_heading_found_by_its_numbering_without_a_heading_style(exported_docx: Path, tmp_path: Path):
    def plain_heading(doc):
        p = next(p for p in doc.paragraphs if p.text == "一、基本情况")
        p.style = doc.styles["Normal"]
        for run in p.runs:
            run._r.find(f"{W}rPr/{W}rFonts").set(qn("w:eastAsia"), "仿宋_GB2312")

    issues = altered(exported_docx, tmp_path, plain_heading)
    assert [(i.code, i.expected) for i in issues] == [("heading.font", "黑体")]
    assert "一级标题" in issues[0].message and "基本情况" in issues[0].where


def test_single_spacing_snapped_to_the_line_grid_is_accepted(exported_docx: Path, tmp_path: Path):
    def snap(doc, line: int):
        ppr = doc.styles["Normal"].element.find(f"{W}pPr")
        ppr.remove(ppr.find(f"{W}snapToGrid"))  # snap to the 28.95 pt grid again
        spacing = ppr.find(f"{W}spacing")
        spacing.set(qn("w:line"), str(line))
        spacing.set(qn("w:lineRule"), "auto")

    assert altered(exported_docx, tmp_path, lambda d: snap(d, 240)) == []
    issues = altered(exported_docx, tmp_path, lambda d: snap(d, 360))  # 1.5 lines: two grid lines
    assert codes(issues) == {"body.line_spacing", "heading.line_spacing"}


def test_grid_without_character_spacing_gives_27_characters(exported_docx: Path, tmp_path: Path):
    def plain_grid(doc):
        doc.sections[0]._sectPr.find(f"{W}docGrid").set(qn("w:charSpace"), "0")

    issues = altered(exported_docx, tmp_path, plain_grid)
    assert [(i.code, i.found) for i in issues] == [("grid.chars_per_line", "27字")]


def test_paragraphs_off_the_grid_need_condensed_spacing(exported_docx: Path, tmp_path: Path):
    def uncondensed(doc):
        runs = [run._r for p in doc.paragraphs for run in p.runs]
        styles = [
            doc.styles[n].element for n in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Heading 4")
        ]
        for el in runs + styles:
            spacing = el.find(f"{W}rPr/{W}spacing")
            if spacing is not None:
                spacing.getparent().remove(spacing)

    issues = altered(exported_docx, tmp_path, uncondensed)
    assert codes(issues) == {"body.chars_per_line"}
    assert issues[0].found == "27字"


def test_centred_page_number_without_odd_even_footers(exported_docx: Path, tmp_path: Path):
    def centred(doc):
        doc.settings.odd_and_even_pages_header_footer = False
        doc.sections[0].footer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER

    issues = altered(exported_docx, tmp_path, centred)
    assert [(i.code, i.found) for i in issues] == [("page_number.odd_even", "居中")]


def test_page_number_on_the_wrong_side_and_without_dashes(exported_docx: Path, tmp_path: Path):
    def swap(doc):
        s = doc.sections[0]
        s.even_page_footer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        odd = s.footer.paragraphs[0]
        for t in odd._p.iter(f"{W}t"):
            if "—" in (t.text or ""):
                t.text = t.text.replace("—", "")

    issues = altered(exported_docx, tmp_path, swap)
    assert codes(issues) == {"page_number.format", "page_number.alignment"}
    align = next(i for i in issues if i.code == "page_number.alignment")
    assert align.where == "第1节偶数页页脚" and align.found == "右对齐"


def test_missing_page_field_and_wrong_page_number_size(exported_docx: Path, tmp_path: Path):
    def no_field(doc):
        p = doc.sections[0].footer.paragraphs[0]
        for el in list(p._p):
            if el.tag == f"{W}r" and (
                el.find(f"{W}fldChar") is not None or el.find(f"{W}instrText") is not None
            ):
                p._p.remove(el)

    assert codes(altered(exported_docx, tmp_path, no_field)) == {"page_number.missing"}

    def small_numbers(doc):
        for p in (doc.sections[0].footer.paragraphs[0], doc.sections[0].even_page_footer.paragraphs[0]):
            for run in p.runs:
                run.font.size = Pt(10.5)

    issues = altered(exported_docx, tmp_path, small_numbers)
    assert [(i.code, i.found) for i in issues] == [("page_number.size", "五号（10.5磅）")]


def test_zero_padded_date_and_left_aligned_signature(exported_docx: Path, tmp_path: Path):
    def padded(doc):
        date = doc.paragraphs[-1]
        date.runs[0].text = "2024年01月05日"
        date.alignment = WD_ALIGN_PARAGRAPH.LEFT

    issues = altered(exported_docx, tmp_path, padded)
    assert codes(issues) == {"signature.date_format", "signature.alignment"}
    fmt = next(i for i in issues if i.code == "signature.date_format")
    assert fmt.expected == "2024年1月5日" and fmt.found == "2024年01月05日"


@pytest.mark.parametrize("shown", ["二〇二四年十二月二十日", "2024.12.20", "2024/12/20", "2024年12月08日", "２０２４年１２月２０日",
                                   "2024-12-20", "二○二四年十二月二十日"])
def test_signature_date_in_any_common_form_gets_the_official_form(exported_docx: Path, tmp_path: Path, shown: str):
    def redate(doc):
        date = doc.paragraphs[-1]
        for r in date.runs[1:]:
            r.text = ""
        date.runs[0].text = shown

    issues = altered(exported_docx, tmp_path, redate)
    # still the signature: right-aligned, no first-line indent asked for
    assert [(i.code, i.found) for i in issues] == [("signature.date_format", shown)]
    assert issues[0].expected == ("2024年12月8日" if shown.endswith("08日") else "2024年12月20日")
    assert "GB/T 9704" in issues[0].message


def test_signature_block_is_never_told_to_indent(tmp_path: Path):
    doc = Document()
    doc.add_paragraph("青禾县实验小学党支部2024年党建工作总结").alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("本年度，学校党支部扎实开展各项工作，取得了较好成效。").paragraph_format.first_line_indent = Pt(32)
    for line in ("中共青禾县教育局委员会", "青禾县实验小学党支部", "二〇二四年十二月二十日"):
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = tmp_path / "signed.docx"
    doc.save(str(out))
    issues = check_docx(out)
    indent = [i for i in issues if i.code.endswith("first_line_indent")]
    signature_numbers = {3, 4, 5}
    assert not [i for i in indent if signature_numbers & set(i.paragraphs)], indent
    assert "signature.date_format" in codes(issues)
    assert not [i for i in issues if i.code == "signature.alignment"]


def test_title_checks(exported_docx: Path, tmp_path: Path):
    def plain_title(doc):
        title = doc.paragraphs[0]
        title.alignment = WD_ALIGN_PARAGRAPH.LEFT
        for run in title.runs:
            run.font.size = Pt(16)
            run._r.find(f"{W}rPr/{W}rFonts").set(qn("w:eastAsia"), "黑体")

    issues = altered(exported_docx, tmp_path, plain_title)
    assert codes(issues) == {"title.font", "title.size", "title.alignment"}
    assert next(i for i in issues if i.code == "title.size").found == "三号（16磅）"


def test_document_without_a_title(tmp_path: Path):
    doc = Document()
    doc.add_paragraph(
        "本年度，学校党支部认真落实“三会一课”制度，全年召开支部党员大会12次，支委会24次，上党课4次。"
    )
    issues = check_document(doc)
    assert "title.missing" in codes(issues)


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("纯文本.docx", b"\xe5\x85\x9a\xe5\xbb\xba plain text, not a Word file", "不是 zip"),
        ("旧版.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, ".doc"),
    ],
)
def test_non_docx_files_get_a_clear_error_naming_the_file(
    tmp_path: Path, name: str, content: bytes, fragment: str
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocxCheckError) as err:
        check_docx(path)
    assert name in str(err.value) and fragment in str(err.value)


def test_zip_that_is_not_a_word_document(tmp_path: Path):
    path = tmp_path / "压缩包.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a document")
    with pytest.raises(DocxCheckError) as err:
        check_docx(path)
    assert "压缩包.docx" in str(err.value) and "不是有效的 .docx" in str(err.value)


def test_truncated_docx(exported_docx: Path, tmp_path: Path):
    path = tmp_path / "损坏.docx"
    path.write_bytes(exported_docx.read_bytes()[:3000])
    with pytest.raises(DocxCheckError) as err:
        check_docx(path)
    assert "损坏.docx" in str(err.value)


def test_missing_file(tmp_path: Path):
    with pytest.raises(DocxCheckError) as err:
        check_docx(tmp_path / "没有.docx")
    assert "没有.docx" in str(err.value) and "不存在" in str(err.value)
