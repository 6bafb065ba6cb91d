"""Loading: encodings, .docx (styles, Word numbering, tables), .pdf, .doc and bad files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ingest_helpers import SAMPLE_REPORT, minimal_pdf

from draftkit.ingest import IngestError
from draftkit.ingest.load import decode_text, load_file

TEXT = "学校党支部现有党员23名，其中正式党员22名。一年来，我们坚持三会一课制度，认真开展组织生活会。"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le", "utf-16-be"])
def test_text_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    p = tmp_path / f"r_{encoding}.txt"
    p.write_bytes(TEXT.encode(encoding))
    loaded = load_file(p)
    assert loaded.text == TEXT
    assert loaded.format == "txt"
    assert loaded.encoding is not None


def test_gbk_report_with_newlines(tmp_path: Path) -> None:
    p = tmp_path / "gbk.txt"
    p.write_bytes(SAMPLE_REPORT.replace("\n", "\r\n").encode("gbk"))
    loaded = load_file(p)
    assert loaded.encoding.lower().replace("_", "") in {"gb18030", "gbk", "gb2312", "cp936"}
    assert loaded.text == SAMPLE_REPORT
    assert loaded.blocks[0].text == "柳溪县第九小学党支部2022年度党建工作总结"


def test_sha256_is_of_the_file_bytes(tmp_path: Path) -> None:
    import hashlib

    p = tmp_path / "a.md"
    p.write_text(TEXT, encoding="utf-8")
    loaded = load_file(p)
    assert loaded.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert loaded.format == "md"


def test_zero_byte_file_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    with pytest.raises(IngestError) as exc:
        load_file(p)
    assert "empty file" in str(exc.value)
    assert str(p) in str(exc.value)


@pytest.mark.parametrize(
    "payload, phrase",
    [
        (b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "PNG"),
        (b"PK\x03\x04" + os.urandom(2000), "ZIP"),
        (bytes(range(256)) * 20, "binary"),
        (b"\x00\x01\x02\x03\xff\xfe\xfd" * 500, "binary"),
    ],
)
def test_binary_renamed_txt_is_a_clear_error(tmp_path: Path, payload: bytes, phrase: str) -> None:
    p = tmp_path / "report.txt"
    p.write_bytes(payload)
    with pytest.raises(IngestError) as exc:
        load_file(p)
    assert phrase in str(exc.value)
    assert "report.txt" in str(exc.value)


def test_missing_and_unsupported_files(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        load_file(tmp_path / "nope.txt")
    q = tmp_path / "sheet.xlsx"
    q.write_bytes(b"x")
    with pytest.raises(IngestError, match="unsupported file type '.xlsx'"):
        load_file(q)


def test_decode_text_normalises_newlines() -> None:
    text, enc = decode_text("第一行\r\n第二行\r第三行".encode())
    assert text == "第一行\n第二行\n第三行"
    assert enc == "utf-8"


# --------------------------------------------------------------------------- .docx

def test_docx_paragraphs_styles_numbering_and_tables(docx_file: Path) -> None:
    loaded = load_file(docx_file)
    texts = [b.text for b in loaded.blocks]
    assert loaded.format == "docx"
    assert loaded.blocks[0].style == "Title"
    heading = next(b for b in loaded.blocks if b.text == "基本情况")
    assert heading.heading_level == 1 and heading.style == "Heading 1"
    # Word auto-numbering rebuilt from numbering.xml
    assert "一、主要做法" in texts
    assert "（一）加强理论学习" in texts
    assert "1.落实第一议题制度。全年集中学习12次。" in texts
    assert "2.开展主题党日。组织党员参观学习3次。" in texts
    assert "二、存在的问题" in texts
    # numbering that comes from the paragraph style (List Number)
    assert "1.三会一课" in texts and "2.组织生活会" in texts
    rows = [b for b in loaded.blocks if b.is_table_row]
    assert [r.text for r in rows] == ["项目\t次数\t备注", "主题党日\t12\t每月一次"]
    # order is kept: the table comes after the paragraph before it
    assert texts.index("理论学习的深度还不够。") < texts.index("项目\t次数\t备注")


def test_docx_content_controls_are_read(tmp_path: Path) -> None:
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    d.add_paragraph("第一段。")
    inner = d.add_paragraph("控件里的段落。")
    sdt = parse_xml(f"<w:sdt {nsdecls('w')}><w:sdtPr/><w:sdtContent/></w:sdt>")
    inner._p.addprevious(sdt)
    sdt.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sdtContent").append(inner._p)
    d.add_paragraph("第三段。")
    p = tmp_path / "sdt.docx"
    d.save(p)
    assert [b.text for b in load_file(p).blocks] == ["第一段。", "控件里的段落。", "第三段。"]


def test_truncated_docx_is_a_clear_error(tmp_path: Path, docx_file: Path) -> None:
    data = docx_file.read_bytes()
    p = tmp_path / "truncated.docx"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError) as exc:
        load_file(p)
    assert "truncated.docx" in str(exc.value)
    assert "not a valid .docx" in str(exc.value)


def test_text_renamed_docx_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "plain.docx"
    p.write_text(TEXT, encoding="utf-8")
    with pytest.raises(IngestError, match="not a valid .docx"):
        load_file(p)


# --------------------------------------------------------------------------- .pdf

def test_pdf_text_layer(tmp_path: Path) -> None:
    p = tmp_path / "r.pdf"
    p.write_bytes(minimal_pdf(["Party building report 2021", "Members: 23 (two probationary)"]))
    loaded = load_file(p)
    assert loaded.format == "pdf"
    assert [b.text for b in loaded.blocks] == ["Party building report 2021", "Members: 23 (two probationary)"]


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    p = tmp_path / "scan.pdf"
    p.write_bytes(minimal_pdf([]))
    with pytest.raises(IngestError, match=r"no text layer \(scanned\?\)"):
        load_file(p)


@pytest.mark.parametrize("payload", [b"%PDF-1.4\n" + b"\x00garbage\x13" * 50, b"not a pdf at all", b"%PDF-1.7\n1 0 obj\n<<"])
def test_corrupt_pdf_is_a_clear_error(tmp_path: Path, payload: bytes) -> None:
    p = tmp_path / "broken.pdf"
    p.write_bytes(payload)
    with pytest.raises(IngestError) as exc:
        load_file(p)
    assert "broken.pdf" in str(exc.value)


@pytest.mark.office
def test_chinese_pdf_from_libreoffice(office_files: dict[str, Path]) -> None:
    loaded = load_file(office_files["pdf"])
    text = loaded.text
    assert "柳溪县第九小学党支部2022年度党建工作总结" in text  # the two-line title joined, "2022 年" mended
    assert "（一）加强理论学习" in text
    assert "全年集中学习12次。" in text


@pytest.mark.office
def test_doc_converted_with_libreoffice(office_files: dict[str, Path]) -> None:
    loaded = load_file(office_files["doc"])
    assert loaded.format == "doc"
    texts = [b.text for b in loaded.blocks]
    assert "党支部现有党员21名，其中预备党员2名。" in texts
    assert any(t.endswith("主要做法") for t in texts)


def test_doc_without_libreoffice_says_how_to_enable_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "old.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(IngestError) as exc:
        load_file(p)
    assert "LibreOffice" in str(exc.value) and "old.doc" in str(exc.value)
    assert "soffice" in str(exc.value)
