"""The .docx export, read back with python-docx and checked on its XML."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st

from draftkit.export import ExportError, build_document, export_docx
from draftkit.export.docx import AMBIGUOUS_CHARS
from draftkit.report import Report, SectionDraft, Signature

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
THEME_ATTRS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")


def style_fonts(doc, name: str) -> dict[str, str]:
    rfonts = doc.styles[name].element.find(f"{W}rPr/{W}rFonts")
    assert rfonts is not None, f"style {name} has no rFonts"
    return {k.split("}")[1]: v for k, v in rfonts.attrib.items()}


def style_size_pt(doc, name: str) -> float:
    return int(doc.styles[name].element.find(f"{W}rPr/{W}sz").get(qn("w:val"))) / 2


def nonempty(doc):
    return [p for p in doc.paragraphs if p.text.strip()]


def test_export_writes_a_docx_that_python_docx_reads_back(exported_docx: Path, report: Report):
    doc = Document(str(exported_docx))
    paras = nonempty(doc)
    assert paras[0].style.name == "Title"
    assert paras[0].text.replace("\n", "") == report.title
    # every heading, in order, with a real Heading style (the navigation pane uses them)
    headings = [(p.text, p.style.name) for p in paras if p.style.name.startswith("Heading")]
    assert headings == [(s.heading, f"Heading {s.level}") for s in report.sections]
    # every body paragraph, in order
    body = [p.text for p in paras if p.style.name == "Normal"]
    expected = [line for line in report.opening.split("\n") if line.strip()]
    for s in report.sections:
        expected += [line for line in s.text.split("\n") if line.strip()]
    expected += [report.closing, report.signature.unit, "2024年12月20日"]
    assert body == expected


def test_styles_name_official_fonts_on_east_asian_slot_without_theme_fonts(exported_docx: Path):
    doc = Document(str(exported_docx))
    expected = {
        "Normal": ("仿宋_GB2312", 16),
        "Title": ("方正小标宋简体", 22),
        "Heading 1": ("黑体", 16),
        "Heading 2": ("楷体_GB2312", 16),
        "Heading 3": ("仿宋_GB2312", 16),
        "Heading 4": ("仿宋_GB2312", 16),
        "Footer": ("宋体", 14),
    }
    for name, (font, size) in expected.items():
        fonts = style_fonts(doc, name)
        assert fonts["eastAsia"] == font, name
        assert fonts["ascii"] == fonts["hAnsi"] == font, name
        assert not set(THEME_ATTRS) & set(fonts), f"{name} keeps theme fonts {fonts}"
        assert style_size_pt(doc, name) == size, name
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4"):
        style = doc.styles[name]
        assert style.font.color.rgb is not None and str(style.font.color.rgb) == "000000", name
        assert style.font.bold is False, name
        assert style.paragraph_format.keep_together is None, name  # no keepLines
    # the linked character styles Word keeps in sync lose their theme fonts too
    for name in ("Title Char", "Heading 1 Char"):
        fonts = style_fonts(doc, name)
        assert not set(THEME_ATTRS) & set(fonts)
    # document defaults: no theme fonts, Chinese language
    defaults = doc.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert not set(THEME_ATTRS) & {k.split("}")[1] for k in defaults.find(f"{W}rFonts").attrib}
    assert defaults.find(f"{W}lang").get(qn("w:eastAsia")) == "zh-CN"


def test_every_run_carries_its_east_asian_font_and_hint(exported_docx: Path):
    doc = Document(str(exported_docx))
    role_font = {
        "Title": "方正小标宋简体",
        "Normal": "仿宋_GB2312",
        "Heading 1": "黑体",
        "Heading 2": "楷体_GB2312",
    }
    seen_ambiguous = 0
    for p in nonempty(doc):
        for run in p.runs:
            fonts = run._r.find(f"{W}rPr/{W}rFonts")
            assert fonts is not None
            if p.style.name in role_font:
                assert fonts.get(qn("w:eastAsia")) == role_font[p.style.name]
            # quotes and dashes must render in the Chinese font: Word needs the eastAsia hint
            assert fonts.get(qn("w:hint")) == "eastAsia"
            seen_ambiguous += any(ch in run.text for ch in AMBIGUOUS_CHARS)
    assert seen_ambiguous >= 5  # the sample has “” and —— in many runs


def test_body_paragraph_format_comes_from_the_normal_style(exported_docx: Path):
    doc = Document(str(exported_docx))
    normal = doc.styles["Normal"].element.find(f"{W}pPr")
    spacing = normal.find(f"{W}spacing")
    assert spacing.get(qn("w:line")) == "579" and spacing.get(qn("w:lineRule")) == "exact"
    ind = normal.find(f"{W}ind")
    assert ind.get(qn("w:firstLineChars")) == "200" and ind.get(qn("w:firstLine")) == "640"
    title = doc.styles["Title"].element.find(f"{W}pPr")
    assert title.find(f"{W}jc").get(qn("w:val")) == "center"
    assert title.find(f"{W}ind").get(qn("w:firstLineChars")) == "0"  # no inherited indent
    assert doc.styles["Heading 1"].element.find(f"{W}pPr/{W}outlineLvl").get(qn("w:val")) == "0"
    assert doc.styles["Heading 2"].element.find(f"{W}pPr/{W}outlineLvl").get(qn("w:val")) == "1"


def test_page_setup_and_document_grid(exported_docx: Path):
    doc = Document(str(exported_docx))
    s = doc.sections[0]
    assert (s.page_width.twips, s.page_height.twips) == (11906, 16838)
    assert (s.top_margin.twips, s.bottom_margin.twips) == (2098, 1984)
    assert (s.left_margin.twips, s.right_margin.twips) == (1587, 1474)
    grid = s._sectPr.find(f"{W}docGrid")
    assert grid.get(qn("w:type")) == "linesAndChars"
    assert grid.get(qn("w:linePitch")) == "579"
    assert grid.get(qn("w:charSpace")) == "-842"


def test_page_numbers_odd_right_even_left_through_a_page_field(exported_docx: Path):
    doc = Document(str(exported_docx))
    assert doc.settings.odd_and_even_pages_header_footer is True
    s = doc.sections[0]
    for footer, side in ((s.footer, "right"), (s.even_page_footer, "left")):
        assert not footer.is_linked_to_previous
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert 'w:fldCharType="begin"' in xml and " PAGE " in xml
        assert p.text == "— 1 —"  # dashes around the field result
        assert p.paragraph_format.alignment == (
            WD_ALIGN_PARAGRAPH.RIGHT if side == "right" else WD_ALIGN_PARAGRAPH.LEFT
        )
        ind = p._p.find(f"{W}pPr/{W}ind")
        assert ind.get(qn(f"w:{side}Chars")) == "100"  # one character in
        for run in p.runs:
            assert run._r.find(f"{W}rPr/{W}sz").get(qn("w:val")) == "28"  # 四号
            assert run._r.find(f"{W}rPr/{W}rFonts").get(qn("w:ascii")) == "宋体"


def test_placeholder_markers_are_highlighted_in_their_own_runs(exported_docx: Path, report: Report):
    doc = Document(str(exported_docx))
    marked = []
    for p in doc.paragraphs:
        for run in p.runs:
            rpr = run._r.find(f"{W}rPr")
            highlighted = rpr.find(f"{W}highlight") is not None
            if "【待" in run.text:
                assert run.text.startswith("【待") and run.text.endswith("】")
                assert highlighted and rpr.find(f"{W}highlight").get(qn("w:val")) == "yellow"
                assert run.bold
                marked.append(run.text)
            else:
                assert not highlighted, run.text
    assert "【待补充：心得体会篇数】" in marked
    assert "【待补充：党建品牌名称】" in marked
    assert len(marked) == report.body_text().count("【待")


def test_signature_is_right_aligned_after_a_blank_line(exported_docx: Path, report: Report):
    doc = Document(str(exported_docx))
    paras = doc.paragraphs
    date_p, unit_p, blank = paras[-1], paras[-2], paras[-3]
    assert date_p.text == "2024年12月20日"
    assert unit_p.text == report.signature.unit
    assert blank.text == ""
    assert paras[-4].text == report.closing
    for p in (unit_p, date_p):
        assert p.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
        assert p._p.find(f"{W}pPr/{W}ind").get(qn("w:firstLineChars")) == "0"
    # the signature never stands alone on a page: the last text line, the blank and the unit
    # are kept with what follows
    assert [p.paragraph_format.keep_with_next for p in paras[-4:]] == [True, True, True, None]
    # unit two characters in; date further in (starts two characters right of the unit)
    unit_in = int(unit_p._p.find(f"{W}pPr/{W}ind").get(qn("w:rightChars")))
    date_in = int(date_p._p.find(f"{W}pPr/{W}ind").get(qn("w:rightChars")))
    assert unit_in == 200 and date_in > unit_in


def test_dates_are_not_zero_padded_and_missing_dates_show_a_marker(tmp_path: Path, report: Report):
    report.signature = Signature(unit="中共松源县第一中学总支部委员会", date=dt.date(2025, 1, 5))
    doc = build_document(report)
    assert doc.paragraphs[-1].text == "2025年1月5日"
    report.signature = Signature(unit="中共松源县第一中学总支部委员会", date=None)
    doc = build_document(report)
    last = doc.paragraphs[-1]
    assert last.text.startswith("【待补充") and last.runs[0].bold


def test_body_text_is_stripped_of_typed_indents_and_blank_lines(report: Report):
    report.sections = [
        SectionDraft(
            id="a", heading="一、基本情况", level=1, text="\u3000\u3000学校党支部有党员23名。\n\n  \n第二段。"
        )
    ]
    doc = build_document(report)
    texts = [p.text for p in doc.paragraphs]
    assert "学校党支部有党员23名。" in texts and "第二段。" in texts
    assert "" not in texts[1:-3]  # no empty paragraph except the one before the signature


def test_core_properties_name_the_report(exported_docx: Path, report: Report):
    props = Document(str(exported_docx)).core_properties
    assert props.title == report.title
    assert props.author == report.signature.unit
    assert props.language == "zh-CN"


def test_export_to_an_unwritable_place_names_the_file(tmp_path: Path, report: Report):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    with pytest.raises(ExportError) as err:
        export_docx(report, blocker / "总结.docx")
    assert "总结.docx" in str(err.value)
    assert not (tmp_path / "not_a_dir" / "总结.docx").exists()


def test_export_replaces_an_existing_file_and_leaves_no_temp_files(tmp_path: Path, report: Report):
    out = tmp_path / "总结.docx"
    out.write_bytes(b"old")
    export_docx(report, out)
    assert Document(str(out)).paragraphs[0].text.replace("\n", "") == report.title
    assert sorted(p.name for p in tmp_path.iterdir()) == ["总结.docx"]


_PIECES = st.sampled_from(
    [
        "学校党支部",
        "开展",
        "“三会一课”",
        "——",
        "……",
        "2024年",
        "12次",
        "，",
        "。",
        "【待补充：人数】",
        "‘第一议题’",
        "·",
    ]
)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(_PIECES, min_size=1, max_size=10).map("".join), min_size=1, max_size=4))
def test_any_paragraph_text_survives_export_exactly(paragraphs: list[str]):
    report = Report(
        title="青禾市第三实验小学2024年党建工作总结",
        year=2024,
        unit="青禾市第三实验小学",
        sections=[SectionDraft(id="x", heading="一、基本情况", level=1, text="\n".join(paragraphs))],
        signature=Signature(unit="中共青禾市第三实验小学支部委员会", date=dt.date(2024, 12, 20)),
    )
    doc = build_document(report)
    body = doc.paragraphs[2 : 2 + len(paragraphs)]  # after the title and the heading
    assert [p.text for p in body] == paragraphs
    for p in body:
        for run in p.runs:
            is_marker = run.text.startswith("【待")
            assert (run._r.find(f"{W}rPr/{W}highlight") is not None) == is_marker
