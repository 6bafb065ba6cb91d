"""The bad-input corpus of issue 16, built at test time (and by benchmarks/bench_hostile.py): a FIFO,
an undecodable file name, an element-bomb and an entity-bomb .docx, a 10,000-entry zip, a 30 MB text, a
1-million-line .md, a 1,001-page PDF and symbolic-link loops, beside one good report."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from ingest_helpers import SAMPLE_REPORT

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx_package(document_xml: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, document_xml if info.filename == "word/document.xml" else zin.read(info.filename))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return out.getvalue()


def element_bomb() -> bytes:
    """A small .docx (~100 KB) whose body is 120,000 empty paragraphs."""
    body = b"<w:p/>" * 120_000
    return _docx_package(b'<?xml version="1.0"?><w:document ' + W.encode() + b"><w:body>" + body + b"</w:body></w:document>")


def entity_bomb() -> bytes:
    """Billion laughs inside word/document.xml."""
    ents = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE w:document [{ents}]><w:document {W}><w:body><w:p><w:r><w:t>&a9;'
           "</w:t></w:r></w:p></w:body></w:document>")
    return _docx_package(xml.encode())


def many_entries() -> bytes:
    """A .docx package with 10,000 extra members."""
    return _docx_package(_plain_document(), {f"word/media/x{i}.bin": b"" for i in range(10_000)})


def _plain_document() -> bytes:
    return (f'<?xml version="1.0"?><w:document {W}><w:body><w:p><w:r><w:t>正文。</w:t></w:r></w:p>'
            "</w:body></w:document>").encode()


def huge_pdf() -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    for _ in range(1001):
        w.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def build_bad_corpus(root: Path) -> Path:
    """Write the corpus into the folder ``root`` (created when missing); returns it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "good.txt").write_text(SAMPLE_REPORT, encoding="utf-8")
    os.mkfifo(root / "pipe.txt")
    # a file name that is not valid UTF-8 (bytes \xff\xfe), holding a good report
    fd = os.open(os.fsencode(root) + b"/\xff\xfe\xe6\x8a\xa5.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, SAMPLE_REPORT.encode("utf-8"))
    os.close(fd)
    (root / "element_bomb.docx").write_bytes(element_bomb())
    (root / "entity_bomb.docx").write_bytes(entity_bomb())
    (root / "many_entries.docx").write_bytes(many_entries())
    (root / "huge.pdf").write_bytes(huge_pdf())
    with open(root / "big.txt", "wb") as fh:  # 30 MB of text
        line = ("学校党支部坚持把政治建设摆在首位，认真落实三会一课制度。" * 4 + "\n").encode("utf-8")
        for _ in range(30 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    (root / "million.md").write_text("党\n" * 1_000_000, encoding="utf-8")
    (root / "loop.txt").symlink_to(root / "loop.txt")  # a link to itself
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)  # a folder loop
    return root
