"""Build samples/corpus/ from the original sample reports in samples/src/.

Run from anywhere:  python samples/build_corpus.py [--src DIR] [--out DIR]

- Every samples/src/*.txt (UTF-8 plain text: first line the title, one paragraph a line,
  signature and date as the last two lines) becomes one file in the corpus: the reports whose
  id (the part of the file name before the first "_", e.g. "A3") is in DOCX_IDS become .docx
  files with real Word styles (Title, Heading 1, Heading 2, Normal; East Asian fonts on
  w:eastAsia); the rest are copied as .txt.
- Two more files imitate a copy taken from a 文库 site (messy_<stem>.txt): site furniture
  around the text, page markers ("2、" "3、" …) that cut sentences in half, some half-width
  punctuation between Chinese characters, and one ad line. Apart from that noise they keep
  the original's words, so a cleaning test can compare them with the source.

The build is deterministic (fixed zip timestamps and document properties, seeded choices)
and idempotent: a file is rewritten only when its bytes change, and files in the output
folder that no source produces any more are removed. The corpus folder is this script's
output; edit samples/src/, not samples/corpus/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import random
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
SRC_DIR = HERE / "src"
OUT_DIR = HERE / "corpus"

DOCX_IDS = frozenset({"A1", "A3", "A5", "A7", "B2", "B4", "B6"})
# Which report of each series gets a messy copy; when it is missing, the first one present is used.
MESSY_PREFERRED = {"A": "A2", "B": "B5"}

# GB/T 9704-2012 fonts and sizes (see ../shared/DOMAIN.md "Official layout").
FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_LATIN = "Times New Roman"

H1_RE = re.compile(r"^[一二三四五六七八九十]+、")
H2_RE = re.compile(r"^（[一二三四五六七八九十]+）")
DATE_RE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
YEAR_RE = re.compile(r"(20\d{2}|19\d{2})年")
CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_HEADING_CHARS = 40

PAGE_CHARS = (700, 900)  # a 文库 page break every this many characters
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class SourceError(Exception):
    """A source file that cannot be turned into a corpus file."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path.name}: {message}")
        self.path = path


@dataclass(frozen=True)
class Source:
    path: Path
    report_id: str  # "A3"
    title: str
    year: int | None
    lines: list[str]  # non-empty paragraphs, the title first
    raw: str  # the file as written (newlines normalised), copied as is to .txt outputs

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def read_source(path: Path) -> Source:
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").rstrip() + "\n"
    lines = [line.strip() for line in raw.split("\n")]
    lines = [line for line in lines if line]
    if len(lines) < 4:
        raise SourceError(path, f"only {len(lines)} non-empty lines; expected a title, a body, a signature and a date")
    report_id = path.stem.split("_", 1)[0]
    if not re.fullmatch(r"[A-Z]\d+", report_id):
        raise SourceError(path, f"file name should start with an id like 'A1_' (got {report_id!r})")
    year = YEAR_RE.search(lines[0])
    return Source(path=path, report_id=report_id, title=lines[0], year=int(year.group(1)) if year else None,
                  lines=lines, raw=raw)


# --------------------------------------------------------------------------- .docx


def _set_fonts(rpr_owner, east_asian: str) -> None:
    """Name the Latin and East Asian fonts explicitly (and drop theme fonts that would win)."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), FONT_LATIN)
    rfonts.set(qn("w:hAnsi"), FONT_LATIN)
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:cs"), FONT_LATIN)


def _style(doc, name: str, east_asian: str, size: float, *, bold: bool = False, center: bool = False,
           indent: bool = False) -> None:
    style = doc.styles[name]
    style.font.name = FONT_LATIN
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    _set_fonts(style.element, east_asian)
    fmt = style.paragraph_format
    fmt.line_spacing = Pt(28.5)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(2 * size) if indent else Pt(0)
    if center:
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _paragraph_style(line: str) -> str:
    short = len(line) <= MAX_HEADING_CHARS and "。" not in line
    if short and H1_RE.match(line):
        return "Heading 1"
    if short and H2_RE.match(line):
        return "Heading 2"
    return "Normal"


STYLE_FONTS = {"Title": FONT_TITLE, "Heading 1": FONT_H1, "Heading 2": FONT_H2, "Normal": FONT_BODY}


def docx_bytes(src: Source) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    _style(doc, "Normal", FONT_BODY, 16, indent=True)
    _style(doc, "Title", FONT_TITLE, 22, center=True)
    _style(doc, "Heading 1", FONT_H1, 16, indent=True)
    _style(doc, "Heading 2", FONT_H2, 16, indent=True)
    title_fmt = doc.styles["Title"].paragraph_format
    title_fmt.line_spacing = Pt(36)
    title_fmt.space_after = Pt(12)
    # The default template draws a rule under the Title; an official document has none.
    title_ppr = doc.styles["Title"].element.pPr
    if title_ppr is not None:
        for border in title_ppr.findall(qn("w:pBdr")):
            title_ppr.remove(border)

    has_closing = len(src.lines) >= 3 and DATE_RE.match(src.lines[-1]) is not None
    body_end = len(src.lines) - 2 if has_closing else len(src.lines)

    def add(text: str, style: str, *, right: bool = False) -> None:
        para = doc.add_paragraph(style=style)
        run = para.add_run(text)
        _set_fonts(run._r, STYLE_FONTS[style])
        if right:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            para.paragraph_format.first_line_indent = Pt(0)

    add(src.title, "Title")
    for line in src.lines[1:body_end]:
        add(line, _paragraph_style(line))
    if has_closing:
        add(src.lines[-2], "Normal", right=True)
        add(src.lines[-1], "Normal", right=True)

    stamp = dt.datetime(src.year or 2000, 12, 31, 9, 0, 0)
    props = doc.core_properties
    props.title = src.title
    props.author = "draftkit samples"
    props.last_modified_by = "draftkit samples"
    props.created = stamp
    props.modified = stamp
    props.revision = 1
    props.comments = "Fictional sample report, written for draftkit."

    buf = io.BytesIO()
    doc.save(buf)
    return _normalise_zip(buf.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed member timestamps so the same input gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            zout.writestr(member, zin.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- messy copies

AD_LINE = "本篇文章来自资料管理**。"
HALF_WIDTH = {"，": ",", "；": ";", "：": ":"}


def _is_cjk(ch: str) -> bool:
    return bool(CJK.match(ch))


def _cut_point(text: str, start: int) -> int | None:
    """First position at or after ``start`` inside a sentence: two CJK characters on each side."""
    for p in range(max(start, 2), len(text) - 2):
        if all(_is_cjk(c) for c in text[p - 2 : p + 2]):
            line_start = text.rfind("\n", 0, p) + 1
            line_end = text.find("\n", p)
            line = text[line_start : line_end if line_end != -1 else len(text)]
            if _paragraph_style(line) == "Normal" and p - line_start >= 4:
                return p
    return None


def insert_page_markers(body: str, rng: random.Random) -> tuple[str, int]:
    """Cut the body into 文库 "pages": a line break, then "N、" and the rest of the sentence."""
    pieces: list[str] = []
    pos = 0
    page = 1
    while True:
        cut = _cut_point(body, pos + rng.randint(*PAGE_CHARS))
        if cut is None:
            break
        page += 1
        pieces.append(body[pos:cut])
        pieces.append(f"\n{page}、")
        pos = cut
    pieces.append(body[pos:])
    return "".join(pieces), page


def half_width_between_cjk(text: str) -> str:
    """，；： between two Chinese characters → , ; : (what the cleaner turns back)."""
    chars = list(text)
    for i in range(1, len(chars) - 1):
        if chars[i] in HALF_WIDTH and _is_cjk(chars[i - 1]) and _is_cjk(chars[i + 1]):
            chars[i] = HALF_WIDTH[chars[i]]
    return "".join(chars)


def messy_text(src: Source) -> str:
    rng = random.Random(f"draftkit-messy-{src.stem}")
    digest = int(hashlib.sha1(src.stem.encode("utf-8")).hexdigest(), 16)
    year = src.year or 2020
    body, pages = insert_page_markers(src.text.rstrip("\n"), rng)

    # Half-width punctuation on every other page (pages 2, 4, …), as when a copy stitches sources.
    page_re = re.compile(r"(\n\d+、)")
    parts = page_re.split(body)
    page_no = 1
    for i, part in enumerate(parts):
        if page_re.fullmatch(part):
            page_no = int(part.strip().rstrip("、"))
        elif page_no % 2 == 0:
            parts[i] = half_width_between_cjk(part)
    body = "".join(parts)

    # One ad line after a whole paragraph near the middle (never inside a cut sentence).
    lines = body.split("\n")
    candidates = [
        i for i in range(1, len(lines) - 3)
        if lines[i].endswith("。") and not re.match(r"^\d+、", lines[i + 1])
    ]
    if candidates:
        at = min(candidates, key=lambda i: abs(i - len(lines) // 2))
        lines.insert(at + 1, AD_LINE)
    body = "\n".join(lines)

    name = f"{src.title}.docx"
    size_kb = len(src.text.encode("utf-8")) // 1024 + 12
    uploaded = f"{year + 1}-{digest % 9 + 1:02d}-{digest % 27 + 1:02d}"
    header = [
        "收藏 分享(赏)",
        "",
        f"上传人:qh****{digest % 10} 文档编号:{digest % 9_000_000 + 1_000_000} 上传时间:{uploaded} "
        f"格式:DOCX 页数:{pages} 大小:{size_kb}KB",
    ]
    for n in range(1, min(pages, 4) + 1):
        header += [f"{name}_第{n}页", f"第{n}页 / 共{pages}页"]
    header.append("")
    footer = [
        "",
        "展开阅读全文",
        "相关资源",
        "猜你喜欢",
        "相关搜索",
        "",
        "当前位置:首页 > 党团工作 > 党建材料",
        "",
        f"copyright@ 2012-{year + 1} qhwenku.com网站版权所有",
        "",
        f"经营许可证编号:青ICP备{digest % 90_000_000 + 10_000_000}号-1",
    ]
    return "\n".join(header) + "\n1、" + body + "\n" + "\n".join(footer) + "\n"


# --------------------------------------------------------------------------- web copies (issue 13)
#
# Three more copies imitate what 文库/范文 sites and converters really hand out; each keeps the
# original's words (the ingest tests compare them with the source) and carries several kinds:
#   web_<A4>.doc   an HTML page saved as .doc (GB2312, Word's line wraps inside sentences), a 范文-site
#                  lead-in, the title run into the first sentence, level-2 headings glued to their text
#   web_<B3>.txt   site lead-in and furniture lines, an outline (目录) above the title, the title twice,
#                  hidden-text markers, Kangxi radicals from a PDF text layer, Word's U+000B line breaks
#   web_<A6>.docx  a PDF converted to Word: one paragraph per printed line (28 characters), the
#                  signature in a text box (a DrawingML shape with its VML fallback)

WEB_COPIES = {"A4": "doc", "B3": "txt", "A6": "docx"}
PRINTED_LINE_CHARS = 28
GLUE_STARTS = ("学校", "支部", "党支部", "我校", "一是", "全体")
KANGXI = {"一": "\u2f00", "工": "\u2f2f", "小": "\u2f29", "文": "\u2f42", "长": "\u2ed3"}


def _is_heading(line: str) -> bool:
    return _paragraph_style(line) != "Normal" or bool(re.match(r"^\d+\.", line)) and len(line) <= MAX_HEADING_CHARS


def web_html_doc(src: Source) -> bytes:
    """An HTML page (what a 文库 "Word" download often is) under a .doc name."""
    import html

    body = src.lines[1:]
    paras: list[str] = []
    i = 0
    while i < len(body):
        line = body[i]
        nxt = body[i + 1] if i + 1 < len(body) else ""
        # a level-2 heading without a comma, glued to the paragraph after it (the line break lost) when
        # that paragraph opens with its subject, as the cleaner needs to find the cut
        if H2_RE.match(line) and "，" not in line and nxt.startswith(GLUE_STARTS) and _paragraph_style(nxt) == "Normal":
            paras.append(line + nxt)
            i += 2
            continue
        paras.append(line)
        i += 1
    paras[0] = src.title + paras[0]  # the title run into the first sentence

    def wrap(text: str) -> str:
        # Word's HTML export breaks source lines every ~38 characters, inside sentences too
        return "\r\n".join(html.escape(text[k:k + 38]) for k in range(0, len(text), 38))

    lead = f"以下是小编精心整理的{src.title}范文，供大家参考。"
    parts = [
        "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:w=\"urn:schemas-microsoft-com:office:word\">",
        "<head><meta http-equiv=Content-Type content=\"text/html; charset=gb2312\">",
        f"<title>{html.escape(src.title)}</title>",
        "<style>p.MsoNormal {font-family:仿宋_GB2312; font-size:16.0pt}</style></head>",
        "<body lang=ZH-CN style='text-justify-trim:punctuation'><div class=WordSection1>",
        f"<p class=MsoNormal>{html.escape(lead)}<o:p></o:p></p>",
    ]
    parts += [f"<p class=MsoNormal>{wrap(p)}<o:p></o:p></p>" for p in paras]
    parts.append("</div></body></html>")
    return "\r\n".join(parts).encode("gb18030")


def web_text(src: Source) -> str:
    """A copy pasted from a 范文 site: lead-in, furniture, an outline, the title twice, hidden-text
    markers, Kangxi radicals and Word's manual line breaks."""
    year = src.year or 2020
    body = src.lines[1:]
    outline = [line for line in body if H1_RE.match(line)]
    out = [f"下面是小编为大家收集的{year}年党建工作总结范文，希望对大家有所帮助！", "公文素材库 首页",
           f"时间：{year + 1}-01-08 09:30:00", "目录", *outline, src.title, src.title.replace("年", "年 ", 1)]
    marked = 0
    for line in body:
        if marked < 2 and _paragraph_style(line) == "Normal" and len(line) > 120 and line.count("。") >= 3:
            cut = line.index("。") + 1
            line = line[:cut] + f"……此处隐藏{311 + 500 * marked}个字……" + line[cut:]
            marked += 1
        out.append(line)
    text = "\n".join(out)
    radicals = str.maketrans(KANGXI)
    text = "\n".join(line.translate(radicals) if H1_RE.match(line) or i % 5 == 0 else line
                     for i, line in enumerate(text.split("\n")))
    # Word's manual line break (U+000B) between some paragraphs, as copied from a .doc
    lines = text.split("\n")
    return "".join(line + ("\v" if i % 4 == 3 else "\n") for i, line in enumerate(lines))


def web_pdf_docx(src: Source) -> bytes:
    """A PDF converted to Word: every printed line its own paragraph; the signature in a text box."""
    from docx.oxml import parse_xml

    doc = Document()
    _style(doc, "Normal", FONT_BODY, 16)
    has_closing = len(src.lines) >= 3 and DATE_RE.match(src.lines[-1]) is not None
    body_end = len(src.lines) - 2 if has_closing else len(src.lines)
    doc.add_paragraph(src.title)
    for line in src.lines[1:body_end]:
        if _paragraph_style(line) != "Normal" or len(line) <= PRINTED_LINE_CHARS:
            doc.add_paragraph(line)
            continue
        # the first printed line is indented by two characters, as the PDF showed it
        first = PRINTED_LINE_CHARS - 2
        doc.add_paragraph(line[:first])
        for k in range(first, len(line), PRINTED_LINE_CHARS):
            doc.add_paragraph(line[k:k + PRINTED_LINE_CHARS])
    if has_closing:
        anchor = doc.add_paragraph()
        ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
              'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
              'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
              'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
              'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
              'xmlns:v="urn:schemas-microsoft-com:vml"')
        box = "".join(f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>" for t in src.lines[-2:])
        anchor._p.append(parse_xml(
            f"<w:r {ns}><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wp:anchor><a:graphic>"
            f"<a:graphicData><wps:wsp><wps:txbx><w:txbxContent>{box}</w:txbxContent></wps:txbx></wps:wsp>"
            f"</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape>"
            f"<v:textbox><w:txbxContent>{box}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>"
            "</mc:AlternateContent></w:r>"))
    stamp = dt.datetime(src.year or 2000, 12, 31, 9, 0, 0)
    props = doc.core_properties
    props.author = props.last_modified_by = "draftkit samples"
    props.created = props.modified = stamp
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return _normalise_zip(buf.getvalue())


def _web_outputs(sources: list[Source], out_dir: Path) -> dict[Path, bytes]:
    outputs: dict[Path, bytes] = {}
    for src in sources:
        kind = WEB_COPIES.get(src.report_id)
        if kind == "doc":
            outputs[out_dir / f"web_{src.stem}.doc"] = web_html_doc(src)
        elif kind == "txt":
            outputs[out_dir / f"web_{src.stem}.txt"] = web_text(src).encode("utf-8")
        elif kind == "docx":
            outputs[out_dir / f"web_{src.stem}.docx"] = web_pdf_docx(src)
    return outputs


# --------------------------------------------------------------------------- build


def _pick_messy(sources: list[Source]) -> list[Source]:
    chosen = []
    for series, preferred in MESSY_PREFERRED.items():
        same = [s for s in sources if s.report_id.startswith(series)]
        match = [s for s in same if s.report_id == preferred] or same[:1]
        chosen += match
    return chosen


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def build_corpus(src_dir: Path = SRC_DIR, out_dir: Path = OUT_DIR, *, log=print) -> tuple[list[Path], list[str]]:
    """Build the corpus; returns (files produced, errors). One bad source never stops the build."""
    errors: list[str] = []
    sources: list[Source] = []
    for path in sorted(src_dir.glob("*.txt")):
        try:
            sources.append(read_source(path))
        except SourceError as exc:
            errors.append(str(exc))
    out_dir.mkdir(parents=True, exist_ok=True)

    outputs: dict[Path, bytes] = {}
    for src in sources:
        try:
            if src.report_id in DOCX_IDS:
                outputs[out_dir / f"{src.stem}.docx"] = docx_bytes(src)
            else:
                outputs[out_dir / f"{src.stem}.txt"] = src.raw.encode("utf-8")
        except Exception as exc:  # noqa: BLE001 - report the file and carry on with the others
            errors.append(f"{src.path.name}: could not convert ({type(exc).__name__}: {exc})")
    for src in _pick_messy(sources):
        outputs[out_dir / f"messy_{src.stem}.txt"] = messy_text(src).encode("utf-8")
    try:
        outputs.update(_web_outputs(sources, out_dir))
    except Exception as exc:  # noqa: BLE001 - report and carry on with the others
        errors.append(f"web copies: could not build ({type(exc).__name__}: {exc})")

    for path, data in sorted(outputs.items()):
        changed = _write_if_changed(path, data)
        log(f"{'wrote' if changed else 'same '}  {path.relative_to(out_dir.parent)}  ({len(data):,} bytes)")
    for stale in sorted(p for p in out_dir.iterdir() if p.suffix in {".txt", ".docx", ".doc"} and p not in outputs):
        stale.unlink()
        log(f"removed {stale.relative_to(out_dir.parent)} (no source produces it)")
    for err in errors:
        log(f"error  {err}")
    return sorted(outputs), errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=SRC_DIR, help="folder of source .txt reports")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="corpus folder to (re)build")
    args = parser.parse_args(argv)
    if not args.src.is_dir():
        print(f"error: source folder {args.src} does not exist", file=sys.stderr)
        return 2
    produced, errors = build_corpus(args.src, args.out)
    print(f"{len(produced)} files in {args.out}, {len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
