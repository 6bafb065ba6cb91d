"""Issue 13, kinds 10–14: files as 文库 sites and converters really hand them out.

Each test writes a real file (python-docx plus the raw XML Word writes, HTML/MHT bytes, a text
file) and reads it through ``load_file`` / ``ingest_file``.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from draftkit.ingest import ingest_file
from draftkit.ingest.load import load_file, sniff_office, soffice_path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSDECLS = (
    f'xmlns:w="{W_NS}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def _docx_with_body(path: Path, body_xml: str) -> Path:
    """A real .docx (python-docx's package) whose body is ``body_xml`` (w:p elements)."""
    import docx

    d = docx.Document()
    d.add_paragraph("placeholder")
    buf = io.BytesIO()
    d.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                data = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {NSDECLS} '
                        f'mc:Ignorable="wps"><w:body>{body_xml}<w:sectPr/></w:body></w:document>').encode()
            zout.writestr(info, data)
    path.write_bytes(out.getvalue())
    return path


def _p(inner: str) -> str:
    return f"<w:p>{inner}</w:p>"


def _r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def _text_box(text: str) -> str:
    """A text box as Word 2010+ writes it: the DrawingML shape, and a VML copy as the fallback."""
    box = f"<w:txbxContent>{_p(_r(text))}</w:txbxContent>"
    return ("<w:r><mc:AlternateContent>"
            f"<mc:Choice Requires=\"wps\"><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx>{box}"
            "</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
            f"<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>"
            "</mc:AlternateContent></w:r>")


# --------------------------------------------------------------------------- kind 10: text boxes, revisions
def test_text_box_is_read_once_and_not_glued_to_its_anchor(tmp_path: Path) -> None:
    body = (_p(_r("青山小学党支部2023年党建工作总结"))
            + _p(_r("支部打造“红烛先锋”党建品牌。") + _text_box("红烛先锋：一名党员一面旗帜") + _r("全年开展活动12次。"))
            + _p(_r("一、基本情况")) + _p(_r("支部现有党员26名。")))
    loaded = load_file(_docx_with_body(tmp_path / "box.docx", body))
    texts = [b.text for b in loaded.blocks]
    assert "支部打造“红烛先锋”党建品牌。全年开展活动12次。" in texts
    assert texts.count("红烛先锋：一名党员一面旗帜") == 1
    assert loaded.text.count("一名党员一面旗帜") == 1


def test_docx_is_read_as_word_shows_its_final_text(tmp_path: Path) -> None:
    body = (_p(_r("学校党支部") + '<w:ins w:id="1" w:author="a">' + _r("认真") + "</w:ins>"
               + '<w:del w:id="2" w:author="a"><w:r><w:delText>马马虎虎地</w:delText></w:r></w:del>' + _r("落实三会一课。"))
            + _p('<w:moveFrom w:id="3" w:author="a">' + _r("旧位置的句子。") + "</w:moveFrom>" + _r("本段保留。"))
            + _p('<w:moveTo w:id="4" w:author="a">' + _r("旧位置的句子。") + "</w:moveTo>")
            + _p(_r("可见的字") + '<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏的批注</w:t></w:r>'
               + '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
               + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + _r("3") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'))
    loaded = load_file(_docx_with_body(tmp_path / "revisions.docx", body))
    texts = [b.text for b in loaded.blocks]
    assert texts == ["学校党支部认真落实三会一课。", "本段保留。", "旧位置的句子。", "可见的字3"]


def test_text_box_inside_a_table_cell_is_read_once(tmp_path: Path) -> None:
    body = ("<w:tbl><w:tr><w:tc>" + _p(_r("荣誉") + _text_box("市级先进党支部")) + "</w:tc></w:tr></w:tbl>"
            + _p(_r("正文。")))
    loaded = load_file(_docx_with_body(tmp_path / "cell.docx", body))
    assert loaded.text.count("市级先进党支部") == 1


# --------------------------------------------------------------------------- kind 11: look-alike code points
def test_kangxi_radicals_from_a_pdf_text_layer_become_ordinary_characters(tmp_path: Path) -> None:
    # ⼀ U+2F00, ⼆ U+2F06, ⼯ U+2F2F, ⼩ U+2F29, ⽂ U+2F42; 﨑-style compatibility ideographs too
    raw = ("⻩⽯镇中⼼⼩学党⽀部2024年党建⼯作总结\n"
           "⼀、基本情况\n支部现有党员21名。\n⼆、主要做法\n抓实⼯会和共⻘团⼯作，开展“⽂明校园”创建。\n"
           "三、存在问题\n学习不够深⼊。")
    path = tmp_path / "kangxi.txt"
    path.write_text(raw, encoding="utf-8")
    doc = ingest_file(path)
    assert [h.number for h in doc.headings] == ["一、", "二、", "三、"]
    assert doc.title == "黄石镇中心小学党支部2024年党建工作总结"
    assert "工会和共青团工作" in doc.text and "“文明校园”" in doc.text  # full-width quotes kept
    assert not any(0x2E80 <= ord(ch) <= 0x2FDF for ch in doc.text)


# --------------------------------------------------------------------------- kind 12: HTML named .doc/.docx
WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">
<head><meta http-equiv=Content-Type content="text/html; charset=gb2312"><title>下载</title>
<style>p.MsoNormal {{font-family:宋体}}</style></head>
<body lang=ZH-CN><div class=WordSection1>
<p class=MsoTitle align=center><b>{title}<o:p></o:p></b></p>
<p class=MsoNormal>2022年，学校党支部坚持以习近平新时代中国特色社会主义思想为指导，认真落实三会一课制度，全年开展主题
党日活动12次。<o:p></o:p></p>
<p class=MsoNormal>一、基本情况</p>
<p class=MsoNormal>支部现有党员24名，其中预备党员2名。</p>
<table><tr><td>党员</td><td>24名</td></tr></table>
<p class=MsoNormal>二、主要做法<br>坚持每月集中学习。</p>
</div></body></html>"""


@pytest.mark.parametrize("suffix", [".doc", ".docx"])
def test_html_saved_as_a_word_file_is_read_as_html(tmp_path: Path, suffix: str) -> None:
    title = "芦花中学党支部2022年党建工作总结"
    path = tmp_path / f"wenku{suffix}"
    path.write_bytes(WORD_HTML.format(title=title).encode("gb18030"))
    assert sniff_office(path.read_bytes()) == "html"
    doc = ingest_file(path)
    assert doc.format == "html"
    assert doc.title == title and doc.year == 2022
    assert "全年开展主题党日活动12次。" in doc.text  # the source's line wrap inside a sentence is gone
    assert [h.text for h in doc.headings] == ["基本情况", "主要做法"]
    assert "宋体" not in doc.text and "下载" not in doc.text  # <style> and <head> are not text


def test_mht_web_archive_named_docx(tmp_path: Path) -> None:
    import quopri

    html = WORD_HTML.format(title="芦花中学党支部2022年党建工作总结").replace("gb2312", "utf-8")
    body = quopri.encodestring(html.encode("utf-8")).decode("ascii")
    mht = ("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"----=_NextPart_01\"\r\n\r\n"
           "------=_NextPart_01\r\nContent-Location: file:///C:/x.htm\r\nContent-Transfer-Encoding: quoted-printable\r\n"
           "Content-Type: text/html; charset=\"utf-8\"\r\n\r\n" + body + "\r\n------=_NextPart_01--\r\n")
    path = tmp_path / "archive.docx"
    path.write_bytes(mht.encode("ascii"))
    doc = ingest_file(path)
    assert doc.title == "芦花中学党支部2022年党建工作总结"
    assert "支部现有党员24名" in doc.text


def test_libreoffice_converts_html_named_doc_with_the_named_filter(tmp_path: Path) -> None:
    from draftkit.ingest.load import convert_with_soffice

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    src = tmp_path / "page.doc"
    src.write_bytes(WORD_HTML.format(title="芦花中学党支部2022年党建工作总结").encode("gb18030"))
    out = convert_with_soffice(src, "docx:MS Word 2007 XML", tmp_path)
    assert out.suffix == ".docx" and zipfile.is_zipfile(out)
    assert "芦花中学党支部" in load_file(out).text


# --------------------------------------------------------------------------- kind 13: one paragraph per printed line
LINES = [
    "柳岸小学党支部2021年党建工作总结",
    "2021年，学校党支部坚持以习近平新时代中国特",
    "色社会主义思想为指导，扎实开展党史学习教育，",
    "全面落实“三会一课”制度，推动党建工作与教育",
    "教学深度融合。现将一年来的工作总结如下：",
    "一、基本情况",
    "学校党支部现有党员32名，其中预备党员3名，下",
    "设3个党小组。全年发展党员2名，确定入党积极分",
    "子4名。",
    "二、主要做法",
    "支部坚持每月开展一次主题党日活动，组织党员走",
    "进红色教育基地开展现场教学，引导党员学党史、",
    "悟思想、办实事、开新局。",
]


def _assert_rejoined(text: str) -> None:
    assert "以习近平新时代中国特色社会主义思想为指导" in text
    assert "下设3个党小组。全年发展党员2名，确定入党积极分子4名。" in text
    assert "\n一、基本情况\n" in text


def test_pdf_converted_docx_one_paragraph_per_line(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    for line in LINES:
        d.add_paragraph(line)
    d.save(tmp_path / "lines.docx")
    doc = ingest_file(tmp_path / "lines.docx")
    _assert_rejoined(doc.text)
    assert [h.text for h in doc.headings] == ["基本情况", "主要做法"]
    assert all("中国特\n色" not in c.text for c in doc.chunks)


def test_pdf_converted_docx_with_a_break_after_every_line(tmp_path: Path) -> None:
    body = "".join(_p("<w:r>" + "<w:br/>".join(f"<w:t>{line}</w:t>" for line in LINES[i:j]) + "</w:r>")
                   for i, j in ((0, 1), (1, 5), (5, 6), (6, 9), (9, 10), (10, 13)))
    doc = ingest_file(_docx_with_body(tmp_path / "breaks.docx", body))
    _assert_rejoined(doc.text)


def test_ordinary_docx_paragraphs_are_not_joined(docx_file: Path) -> None:
    loaded = load_file(docx_file)
    import docx

    expected = [p.text for p in docx.Document(str(docx_file)).paragraphs if p.text.strip()]
    texts = [b.text for b in loaded.blocks if b.text.strip() and not b.is_table_row]
    assert len(texts) >= len(expected)


# --------------------------------------------------------------------------- kind 14: control characters
def test_control_characters_in_a_text_file(tmp_path: Path) -> None:
    lines = "\v".join(["东湖小学党支部2023年党建工作总结", "一、基本情况", "支部现有党员19名。", "二、主要做法",
                       "坚持第一议题\x0c制度。"] * 6)
    path = tmp_path / "controls.txt"
    path.write_bytes(("\x00" + lines + "\x07\x1b").encode("utf-8").replace(b"\x00", b""))
    doc = ingest_file(path)
    assert doc.title == "东湖小学党支部2023年党建工作总结"
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in doc.text)
    assert "坚持第一议题\n制度。" in doc.text
