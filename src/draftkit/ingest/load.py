"""Loading: a source file's bytes → raw text as blocks (paragraphs), with the encoding found.

Supported: ``.txt`` / ``.md`` (encoding detected with charset-normalizer), ``.docx``
(python-docx: paragraphs in order with style names, Word list numbering rebuilt, tables as
rows of cells), ``.pdf`` (pypdf text layer) and ``.doc`` (converted with LibreOffice when it
is installed). Every failure is an :class:`IngestError` naming the file and the problem.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

from draftkit.errors import DraftkitError
from draftkit.ingest.models import Block, LoadedFile

TEXT_EXTENSIONS = frozenset({".txt", ".md", ".markdown", ".text"})
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | {".docx", ".pdf", ".doc"}

#: Seconds allowed for one LibreOffice conversion.
SOFFICE_TIMEOUT = 180


class IngestError(DraftkitError):
    """A file that cannot be ingested; ``str()`` names the file and the problem."""

    def __init__(self, path: str | os.PathLike[str], message: str) -> None:
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


def load_file(path: str | os.PathLike[str]) -> LoadedFile:
    """Read one source file into blocks of raw text.

    Raises :class:`IngestError` for a missing, empty, unreadable, corrupt or unsupported file.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if not p.exists():
        raise IngestError(p, "no such file")
    if p.is_dir():
        raise IngestError(p, "is a directory, not a file")
    if ext not in SUPPORTED_EXTENSIONS:
        raise IngestError(
            p, f"unsupported file type '{ext or '(none)'}' (supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))})"
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise IngestError(p, f"cannot read file: {exc.strerror or exc}") from exc
    if not data:
        raise IngestError(p, "empty file (0 bytes)")
    sha = hashlib.sha256(data).hexdigest()
    if ext in TEXT_EXTENSIONS:
        text, encoding = decode_text(data, p)
        blocks = [Block(text=line) for line in text.split("\n")]
        fmt = "md" if ext in (".md", ".markdown") else "txt"
        return LoadedFile(path=str(path), sha256=sha, format=fmt, encoding=encoding, blocks=blocks)
    if ext == ".docx":
        return LoadedFile(path=str(path), sha256=sha, format="docx", blocks=_docx_blocks(data, p))
    if ext == ".pdf":
        return LoadedFile(path=str(path), sha256=sha, format="pdf", blocks=_pdf_blocks(data, p))
    # .doc
    return LoadedFile(path=str(path), sha256=sha, format="doc", blocks=_doc_blocks(p))


# --------------------------------------------------------------------------- plain text

_MAGIC = [
    (b"PK\x03\x04", "a ZIP container (a .docx/.xlsx/.zip renamed?)"),
    (b"%PDF", "a PDF file renamed"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc/.xls) renamed"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7z archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "an executable"),
]

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
]

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_PLAUSIBLE_RE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\x20-\x7e\n\r\t\u2018-\u201d\u2026\u00b7]")


def _plausible_text_share(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    return len(_PLAUSIBLE_RE.findall(sample)) / len(sample)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM: decode both ways and keep the one that reads as Chinese/ASCII text."""
    if len(data) < 2:
        return None
    even = data[: len(data) - len(data) % 2]
    best: tuple[float, str] | None = None
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            share = _plausible_text_share(even.decode(enc))
        except UnicodeDecodeError:
            continue
        if share >= 0.9 and (best is None or share > best[0]):
            best = (share, enc)
    return best[1] if best else None


def decode_text(data: bytes, path: str | os.PathLike[str] = "<bytes>") -> tuple[str, str]:
    """Decode text bytes; returns ``(text, encoding)``. Newlines become ``\\n``.

    BOMs decide first; otherwise charset-normalizer detects the encoding (UTF-8, GB18030/GBK,
    UTF-16, Big5 …). Binary data raises :class:`IngestError`.
    """
    encoding: str | None = None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            encoding = enc
            break
    if encoding is None:
        for magic, what in _MAGIC:
            if data.startswith(magic):
                raise IngestError(path, f"binary data, not text: looks like {what}")
        if b"\x00" in data[:65536]:
            encoding = _utf16_without_bom(data)
            if encoding is None:
                raise IngestError(path, "binary data, not text (contains NUL bytes)")
    if encoding is None:
        try:  # valid UTF-8 is decisive (and the commonest case): no need to detect further
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            text = ""
    if encoding is None or encoding != "utf-8":
        if encoding is None:
            from charset_normalizer import from_bytes

            best = from_bytes(data).best()
            if best is None:
                raise IngestError(path, "binary data or unknown text encoding (no encoding fits)")
            encoding = best.encoding
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise IngestError(path, f"cannot decode as {encoding}: {exc}") from exc
    text = text.lstrip("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text:
        controls = len(_CONTROL_RE.findall(text[:200_000]))
        if controls > max(8, 0.01 * min(len(text), 200_000)):
            raise IngestError(path, f"binary data, not text ({controls} control characters)")
    if not text.strip():
        raise IngestError(path, "no text (only whitespace)")
    return text, encoding


# --------------------------------------------------------------------------- .docx

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{" + _W_NS + "}"

_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一, 105 → 一百零五 (as Word's chineseCounting)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _CN_DIGITS[rest] if rest < 10 else chinese_number(rest) if rest >= 20 else "一" + chinese_number(rest))
        return _CN_DIGITS[n // 100] + "百" + tail
    return str(n)


def _roman(n: int) -> str:
    vals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = []
    for v, s in vals:
        while n >= v:
            out.append(s)
            n -= v
    return "".join(out)


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("decimal", "decimalZero", "decimalFullWidth", "decimalHalfWidth"):
        s = f"{n:02d}" if fmt == "decimalZero" else str(n)
        if fmt == "decimalFullWidth":
            s = s.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        return s
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographTraditional",
               "taiwaneseCounting", "taiwaneseCountingThousand", "japaneseCounting"):
        s = chinese_number(n)
        if fmt == "chineseLegalSimplified":
            s = s.translate(str.maketrans("一二三四五六七八九十百", "壹贰叁肆伍陆柒捌玖拾佰"))
        return s
    if fmt in ("ideographDigital", "taiwaneseDigital", "chineseDigital"):
        return "".join(_CN_DIGITS[int(d)] if d != "0" else "〇" for d in str(n))
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt in ("decimalEnclosedParen",):
        return f"({n})"
    return str(n)


class _Numbering:
    """Rebuilds the list numbering text Word shows ("一、" "（一）" "1.") from numbering.xml."""

    def __init__(self, document) -> None:  # a python-docx Document
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # abstractNumId → ilvl → (fmt, lvlText, start)
        self.num_to_abstract: dict[str, str] = {}
        self.overrides: dict[tuple[str, int], int] = {}  # (numId, ilvl) → start override
        self.counters: dict[str, list[int]] = {}  # abstractNumId → counters per level
        self.seen_nums: set[str] = set()
        try:
            part = document.part.numbering_part
        except (NotImplementedError, KeyError, AttributeError):
            return
        root = part.element
        for absn in root.findall(_W + "abstractNum"):
            aid = absn.get(_W + "abstractNumId")
            lv: dict[int, tuple[str, str, int]] = {}
            for lvl in absn.findall(_W + "lvl"):
                try:
                    ilvl = int(lvl.get(_W + "ilvl", "0"))
                except ValueError:
                    continue
                fmt_el = lvl.find(_W + "numFmt")
                txt_el = lvl.find(_W + "lvlText")
                start_el = lvl.find(_W + "start")
                fmt = fmt_el.get(_W + "val", "decimal") if fmt_el is not None else "decimal"
                txt = txt_el.get(_W + "val", "") if txt_el is not None else ""
                try:
                    start = int(start_el.get(_W + "val", "1")) if start_el is not None else 1
                except ValueError:
                    start = 1
                lv[ilvl] = (fmt, txt, start)
            if aid is not None:
                self.levels[aid] = lv
        for num in root.findall(_W + "num"):
            nid = num.get(_W + "numId")
            ab = num.find(_W + "abstractNumId")
            if nid is None or ab is None:
                continue
            self.num_to_abstract[nid] = ab.get(_W + "val", "")
            for ov in num.findall(_W + "lvlOverride"):
                so = ov.find(_W + "startOverride")
                if so is not None:
                    try:
                        self.overrides[(nid, int(ov.get(_W + "ilvl", "0")))] = int(so.get(_W + "val", "1"))
                    except ValueError:
                        pass

    def label(self, num_id: str, ilvl: int) -> str:
        aid = self.num_to_abstract.get(num_id)
        if aid is None or num_id == "0":
            return ""
        levels = self.levels.get(aid, {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(aid, [0] * 9)
        if num_id not in self.seen_nums:
            self.seen_nums.add(num_id)
            for (nid, lv), start in self.overrides.items():
                if nid == num_id and 0 <= lv < 9:
                    counters[lv] = start - 1
        if not 0 <= ilvl < 9:
            return ""
        fmt, txt, start = levels[ilvl]
        counters[ilvl] = max(counters[ilvl], start - 1) + 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        if fmt in ("bullet", "none"):
            return ""

        def sub(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            if k not in levels or not 0 <= k < 9:
                return ""
            c = counters[k] or levels[k][2]
            return _format_number(c, levels[k][0])

        return re.sub(r"%(\d)", sub, txt)


def _num_pr(p_el, styles_num: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    ppr = p_el.find(_W + "pPr")
    if ppr is not None:
        numpr = ppr.find(_W + "numPr")
        if numpr is not None:
            nid = numpr.find(_W + "numId")
            lvl = numpr.find(_W + "ilvl")
            if nid is not None:
                try:
                    return nid.get(_W + "val", "0"), int(lvl.get(_W + "val", "0")) if lvl is not None else 0
                except ValueError:
                    return None
        st = ppr.find(_W + "pStyle")
        if st is not None:
            return styles_num.get(st.get(_W + "val", ""))
    return None


def _style_numbering(document) -> dict[str, tuple[str, int]]:
    """Paragraph styles that carry numbering themselves (style id → (numId, ilvl))."""
    out: dict[str, tuple[str, int]] = {}
    try:
        root = document.styles.element
    except Exception:  # noqa: BLE001 - a document without styles
        return out
    for st in root.findall(_W + "style"):
        ppr = st.find(_W + "pPr")
        if ppr is None:
            continue
        numpr = ppr.find(_W + "numPr")
        if numpr is None:
            continue
        nid = numpr.find(_W + "numId")
        lvl = numpr.find(_W + "ilvl")
        if nid is None:
            continue
        try:
            out[st.get(_W + "styleId", "")] = (nid.get(_W + "val", "0"), int(lvl.get(_W + "val", "0")) if lvl is not None else 0)
        except ValueError:
            continue
    return out


_HEADING_STYLE_RE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


def _heading_level(style_name: str | None, p_el) -> int | None:
    if style_name:
        m = _HEADING_STYLE_RE.match(style_name.strip())
        if m:
            level = int(m.group(1))
            return level if 1 <= level <= 9 else None
    ppr = p_el.find(_W + "pPr")
    if ppr is not None:
        ol = ppr.find(_W + "outlineLvl")
        if ol is not None:
            try:
                v = int(ol.get(_W + "val", "9"))
            except ValueError:
                return None
            if 0 <= v <= 8:
                return v + 1
    return None


def _paragraph_text(p_el) -> str:
    """Text of a w:p element: runs, tabs and breaks (hyperlinks and field results included)."""
    parts: list[str] = []
    for el in p_el.iter():
        tag = el.tag
        if tag == _W + "t":
            parts.append(el.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "delText":
            continue
    return "".join(parts)


def _docx_blocks(data: bytes, path: Path) -> list[Block]:
    import zipfile

    try:
        import docx  # python-docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # pragma: no cover - a dependency
        raise IngestError(path, f"python-docx is not installed: {exc}") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, OSError, EOFError) as exc:
        raise IngestError(path, f"not a valid .docx (corrupt or truncated?): {exc.__class__.__name__}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad file, not a crash
        raise IngestError(path, f"cannot read .docx: {exc.__class__.__name__}: {exc}") from exc

    try:
        styles_by_id = {s.style_id: s.name for s in document.styles}
    except Exception:  # noqa: BLE001
        styles_by_id = {}
    numbering = _Numbering(document)
    style_num = _style_numbering(document)
    blocks: list[Block] = []
    body = document.element.body
    for child in _body_items(body):
        tag = child.tag
        if tag == _W + "p":
            ppr = child.find(_W + "pPr")
            style_id = None
            if ppr is not None:
                st = ppr.find(_W + "pStyle")
                if st is not None:
                    style_id = st.get(_W + "val")
            style_name = styles_by_id.get(style_id, style_id) if style_id else "Normal"
            text = _paragraph_text(child)
            np = _num_pr(child, style_num)
            if np is not None and text.strip():
                label = numbering.label(*np)
                if label and not text.lstrip().startswith(label):
                    text = label + text
            level = _heading_level(style_name, child)
            for line in text.split("\n") if "\n" in text else [text]:
                blocks.append(Block(text=line, style=style_name, heading_level=level))
        elif tag == _W + "tbl":
            blocks.extend(_table_blocks(child))
    if not any(b.text.strip() for b in blocks):
        raise IngestError(path, "the .docx has no text")
    return blocks


def _body_items(parent):
    """Paragraphs and tables in document order, also those inside content controls (w:sdt) and w:customXml."""
    for child in parent.iterchildren():
        tag = child.tag
        if tag in (_W + "p", _W + "tbl"):
            yield child
        elif tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                yield from _body_items(content)
        elif tag == _W + "customXml":
            yield from _body_items(child)


def _table_blocks(tbl_el) -> list[Block]:
    rows: list[Block] = []
    for tr in tbl_el.iter(_W + "tr"):
        cells: list[str] = []
        for tc in tr.findall(_W + "tc"):
            cell_text = "".join(
                _paragraph_text(p) + " " for p in tc.iter(_W + "p")
            ).strip()
            # vertically merged continuation cells repeat nothing
            tcpr = tc.find(_W + "tcPr")
            if tcpr is not None:
                vm = tcpr.find(_W + "vMerge")
                if vm is not None and vm.get(_W + "val") in (None, "continue") and not cell_text:
                    continue
            cells.append(cell_text)
        if any(cells):
            rows.append(Block(text="\t".join(cells), style="Table", is_table_row=True))
    return rows


# --------------------------------------------------------------------------- .pdf

_SENTENCE_END = "。！？!?；;：:…”」』）)"


def _pdf_blocks(data: bytes, path: Path) -> list[Block]:
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover - a dependency
        raise IngestError(path, f"pypdf is not installed: {exc}") from exc
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # noqa: BLE001
                raise IngestError(path, f"encrypted PDF (cannot open without a password): {exc}") from exc
            if not ok:
                raise IngestError(path, "encrypted PDF (needs a password)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds of errors on broken files
        raise IngestError(path, f"not a valid PDF (corrupt or truncated?): {exc.__class__.__name__}: {exc}") from exc
    if not pages:
        raise IngestError(path, "the PDF has no pages (corrupt or truncated?)")
    visible = sum(len(p.strip()) for p in pages)
    if visible < 5:
        raise IngestError(path, "no text layer (scanned?): the PDF has no extractable text; OCR it first")
    lines: list[str] = []
    for page in pages:
        page = unicodedata.normalize("NFC", page).replace("\r", "\n")
        page = _PDF_SPACE_RE.sub("", page)  # pypdf puts spaces where the font changes: "2022 年" → "2022年"
        lines.extend(line.rstrip() for line in page.split("\n"))
    return [Block(text=t) for t in _rejoin_wrapped_lines(lines)]


_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PDF_SPACE_RE = re.compile(
    f"(?<=[{_HAN_CLASS}]) (?=[0-9])|(?<=[0-9]) (?=[{_HAN_CLASS}])"
    "|(?<=[，。、；：！？（）“”《》]) +"
)
_TITLE_END_RE = re.compile(r"(?:总结|报告|材料|汇报|方案|计划|要点)$")


def _rejoin_wrapped_lines(lines: list[str]) -> list[str]:
    """Join PDF visual lines that wrap inside a paragraph.

    A line that is about as long as the page's text width and does not end a sentence
    continues on the next line.
    """
    stripped = [x.strip() for x in lines]
    lengths = sorted(len(x) for x in stripped if x)
    if not lengths:
        return []
    # the typical full line length (needs a few lines to tell)
    full = lengths[int(0.9 * (len(lengths) - 1))] if len(lengths) >= 5 else 0
    out: list[str] = []
    buf = ""
    for i, line in enumerate(stripped):
        if not line:
            if buf:
                out.append(buf)
                buf = ""
            continue
        if buf and buf[-1].isascii() and buf[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            buf += " "
        buf += line
        nxt = next((x for x in stripped[i + 1:i + 3] if x), "")
        if full >= 10 and len(line) >= 0.85 * full and line[-1] not in _SENTENCE_END:
            continue  # wrapped: the paragraph goes on
        if not out and len(buf) <= 40 and nxt and len(nxt) <= 20 and _TITLE_END_RE.search(nxt) \
                and not any(c in _SENTENCE_END + "，," for c in buf):
            continue  # a title set on two lines
        out.append(buf)
        buf = ""
    if buf:
        out.append(buf)
    return out


# --------------------------------------------------------------------------- .doc

def soffice_path() -> str | None:
    """The LibreOffice binary on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_soffice(path: Path, target: str, outdir: Path, timeout: float = SOFFICE_TIMEOUT) -> Path:
    """Convert ``path`` with LibreOffice (``--convert-to target``) into ``outdir``; returns the new file."""
    exe = soffice_path()
    if exe is None:
        raise IngestError(
            path,
            f"converting to .{target} needs LibreOffice, which is not installed: install it "
            "(Debian/Ubuntu: `apt-get install libreoffice-writer`) so that `soffice` is on PATH, "
            "or save the file as .docx in Word/WPS",
        )
    profile = Path(tempfile.mkdtemp(prefix="draftkit-lo-profile-"))
    try:
        cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", target, "--outdir", str(outdir), str(path)]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise IngestError(path, f"LibreOffice conversion timed out after {timeout:.0f} s") from exc
        except OSError as exc:
            raise IngestError(path, f"cannot run LibreOffice ({exe}): {exc}") from exc
        out = outdir / (path.stem + "." + target.split(":")[0])
        if proc.returncode != 0 or not out.exists():
            detail = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip()[-300:]
            raise IngestError(path, f"LibreOffice could not convert the file (corrupt?): {detail or 'no output'}")
        return out
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _doc_blocks(path: Path) -> list[Block]:
    with tempfile.TemporaryDirectory(prefix="draftkit-doc-") as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / ("source" + path.suffix.lower())
        shutil.copyfile(path, src)
        outdir = tmpdir / "out"
        outdir.mkdir()
        try:
            converted = convert_with_soffice(src, "docx", outdir)
        except IngestError as exc:
            raise IngestError(path, exc.message) from exc
        return _docx_blocks(converted.read_bytes(), path)
