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
import stat
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from draftkit.config import get_settings
from draftkit.errors import DraftkitError
from draftkit.ingest.models import Block, LoadedFile
from draftkit.zh import HAN, int_to_cn

TEXT_EXTENSIONS = frozenset({".txt", ".md", ".markdown", ".text"})
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | {".docx", ".pdf", ".doc"}

#: Seconds allowed for one LibreOffice conversion.
SOFFICE_TIMEOUT = 180


class IngestError(DraftkitError):
    """A file that cannot be ingested; ``str()`` names the file and the problem."""

    def __init__(self, path: str | os.PathLike[str], message: str) -> None:
        self.path = display_path(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


def display_path(path: str | os.PathLike[str]) -> str:
    """``path`` as a string that is valid Unicode: bytes of an undecodable file name (kept by Python
    as lone surrogates, e.g. ``\\udcff``) are written as ``\\xff`` escapes. Used wherever a path is
    shown, stored in the index or written as JSON."""
    s = os.fspath(path)
    if isinstance(s, bytes):
        return s.decode("utf-8", "backslashreplace")
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return os.fsencode(s).decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class LoadLimits:
    """Bounds on what one source file may cost, checked while reading (before anything big is built).

    A file over any of them is an :class:`IngestError` naming the limit. Defaults are generous for
    reports (a 100-page report has ~60,000 XML elements and ~100,000 characters); ``max_bytes`` and
    ``max_chars`` come from ``Settings.max_file_mb`` / ``Settings.max_file_chars``.
    """

    max_bytes: int = 50 * 1024 * 1024  # the file on disk (bytes)
    max_chars: int = 1_000_000  # extracted text (characters)
    max_zip_entries: int = 1000  # members of a .docx package
    max_unpacked_bytes: int = 64 * 1024 * 1024  # all members of a .docx, uncompressed (bytes)
    max_elements: int = 500_000  # XML elements in the parts of a .docx
    max_paragraphs: int = 50_000  # w:p elements in a .docx
    max_pdf_pages: int = 1000

    @classmethod
    def from_settings(cls, settings=None) -> LoadLimits:  # noqa: ANN001 - a draftkit.config.Settings
        """The limits configured by ``DRAFTKIT_MAX_FILE_MB`` and ``DRAFTKIT_MAX_FILE_CHARS``."""
        s = settings or get_settings()
        return cls(max_bytes=int(s.max_file_mb * 1024 * 1024), max_chars=int(s.max_file_chars))

    @property
    def max_text_bytes(self) -> int:
        """A .txt/.md file is read up to this many bytes (4 per character covers every encoding we read)."""
        return min(self.max_bytes, 4 * self.max_chars)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _read_regular(p: Path, limit: int, what: str) -> bytes:
    """The bytes of a regular file, at most ``limit``; a FIFO, device or socket is refused before it is
    opened for reading (opening a FIFO would wait for a writer for ever)."""
    try:
        st = os.stat(p)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and not os.path.lexists(p):
            raise IngestError(p, "no such file") from exc
        raise IngestError(p, f"cannot read file: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise IngestError(p, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise IngestError(p, f"not a regular file ({_file_kind(st.st_mode)}): skipped")
    if st.st_size > limit:
        raise IngestError(p, f"too large: {_mb(st.st_size)} is over the limit of {_mb(limit)} for {what} "
                             "(DRAFTKIT_MAX_FILE_MB / DRAFTKIT_MAX_FILE_CHARS)")
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise IngestError(p, f"cannot read file: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # replaced after the first look
            raise IngestError(p, "not a regular file: skipped")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise IngestError(p, f"too large: over the limit of {_mb(limit)} for {what} "
                             "(DRAFTKIT_MAX_FILE_MB / DRAFTKIT_MAX_FILE_CHARS)")
    return data


def _file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO / named pipe"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a plain file"


def special_file_kind(path: str | os.PathLike[str]) -> str | None:
    """What a FIFO, socket or device at ``path`` is ("a FIFO / named pipe" …); None for regular files,
    folders and paths that cannot be looked at (those become errors when loaded)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else _file_kind(mode)


def load_file(path: str | os.PathLike[str], limits: LoadLimits | None = None) -> LoadedFile:
    """Read one source file into blocks of raw text.

    The file's content decides how it is read where the extension lies: an HTML or MHT page saved
    as ``.doc``/``.docx`` (as 文库 downloads often are) is read as HTML, a .docx package named
    ``.doc`` as .docx, an old binary Word file named ``.docx`` through LibreOffice.
    Raises :class:`IngestError` for a missing, empty, unreadable, corrupt, unsupported, non-regular
    (FIFO, device) or over-limit file (``limits``, default :meth:`LoadLimits.from_settings`).
    """
    p = Path(path)
    ext = p.suffix.lower()
    lim = limits or LoadLimits.from_settings()
    if ext not in SUPPORTED_EXTENSIONS:
        if not os.path.lexists(p):
            raise IngestError(p, "no such file")
        raise IngestError(
            p, f"unsupported file type '{ext or '(none)'}' (supported: {', '.join(sorted(SUPPORTED_EXTENSIONS))})"
        )
    if ext in TEXT_EXTENSIONS:
        data = _read_regular(p, lim.max_text_bytes, "text files")
    else:
        data = _read_regular(p, lim.max_bytes, f"{ext} files")
    if not data:
        raise IngestError(p, "empty file (0 bytes)")
    sha = hashlib.sha256(data).hexdigest()
    name = display_path(path)
    if ext in TEXT_EXTENSIONS:
        text, encoding = decode_text(data, p)
        _check_chars(len(text), p, lim)
        blocks = [Block(text=line) for line in text.split("\n")]
        fmt = "md" if ext in (".md", ".markdown") else "txt"
        return LoadedFile(path=name, sha256=sha, format=fmt, encoding=encoding, blocks=blocks)
    if ext in (".doc", ".docx"):
        sniffed = sniff_office(data)
        if sniffed in ("html", "mht"):
            return LoadedFile(path=name, sha256=sha, format="html", blocks=_html_blocks(data, p, lim, sniffed))
        if sniffed == "zip":
            return LoadedFile(path=name, sha256=sha, format="docx", blocks=_docx_blocks(data, p, lim))
        if sniffed == "ole" or ext == ".doc":
            return LoadedFile(path=name, sha256=sha, format="doc", blocks=_doc_blocks(p, lim))
        return LoadedFile(path=name, sha256=sha, format="docx", blocks=_docx_blocks(data, p, lim))
    return LoadedFile(path=name, sha256=sha, format="pdf", blocks=_pdf_blocks(data, p, lim))


def _check_chars(n: int, path: Path, lim: LoadLimits) -> None:
    if n > lim.max_chars:
        raise IngestError(path, f"too much text: over the limit of {lim.max_chars:,} characters per file "
                                "(DRAFTKIT_MAX_FILE_CHARS)")


_HTML_START_RE = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|div|p)\b",
                            re.IGNORECASE | re.DOTALL)


def sniff_office(data: bytes) -> str | None:
    """What a ``.doc``/``.docx`` file really holds: ``zip`` (a .docx package), ``ole`` (an old binary
    Word file), ``html``, ``mht`` (a web archive), or None (unknown)."""
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    head = data[:4096].removeprefix(b"\xef\xbb\xbf")
    if re.match(rb"\s*MIME-Version\s*:", head, re.IGNORECASE) or re.search(rb"Content-Type:\s*multipart/related",
                                                                           head[:2048], re.IGNORECASE):
        return "mht"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            head = head.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return None
    if _HTML_START_RE.match(head) or re.search(rb"<html[\s>]", head[:1024], re.IGNORECASE):
        return "html"
    return None


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

_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


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
    # Word's manual line break (U+000B) and page break (U+000C) survive a copy into a .txt file
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n").replace("\x0c", "\n")
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

_CN_DIGITS = "〇一二三四五六七八九"  # ideographDigital: digit by digit, 2024 → 二〇二四


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
        s = int_to_cn(n)
        if fmt == "chineseLegalSimplified":
            s = s.translate(str.maketrans("一二三四五六七八九十百千零", "壹贰叁肆伍陆柒捌玖拾佰仟零"))
        return s
    if fmt in ("ideographDigital", "taiwaneseDigital", "chineseDigital"):
        return "".join(_CN_DIGITS[int(d)] for d in str(n))
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


_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
#: Elements whose text Word does not show in the final view: deleted and moved-away text, field
#: codes, the fallback copy of alternate content (a text box's VML twin), property-change records.
_HIDDEN_TAGS = frozenset({
    _W + "del", _W + "moveFrom", _W + "delText", _W + "instrText", _W + "delInstrText", _MC + "Fallback",
    _W + "pPrChange", _W + "rPrChange", _W + "sectPrChange", _W + "tblPrChange", _W + "trPrChange",
    _W + "tcPrChange", _W + "numberingChange", _W + "rPr", _W + "pPr",
})


def _run_hidden(r_el) -> bool:
    """A run formatted as hidden text (w:vanish), which Word does not show."""
    rpr = r_el.find(_W + "rPr")
    if rpr is None:
        return False
    v = rpr.find(_W + "vanish")
    return v is not None and v.get(_W + "val", "true") not in ("0", "false", "off")


def _collect_text(el, parts: list[str], boxes: list) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _HIDDEN_TAGS:
            continue
        if tag == _W + "t":
            parts.append(child.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "txbxContent":
            boxes.append(child)  # a text box: its own paragraphs, after the one that anchors it
        elif tag == _W + "r" and _run_hidden(child):
            continue
        else:
            _collect_text(child, parts, boxes)


def _paragraph_parts(p_el) -> tuple[str, list]:
    """(text Word shows for a w:p — insertions in, deletions out, one copy of alternate content —,
    the text boxes anchored in it)."""
    parts: list[str] = []
    boxes: list = []
    _collect_text(p_el, parts, boxes)
    return "".join(parts), boxes


def _paragraph_text(p_el) -> str:
    """Text of a w:p element as Word shows it (text boxes anchored in it left out)."""
    return _paragraph_parts(p_el)[0]


def _check_docx_package(data: bytes, path: Path, lim: LoadLimits) -> None:
    """Refuse a package that would cost more than the limits allow, before python-docx builds it.

    The zip directory gives the member count and the uncompressed sizes (zipfile never returns more
    than a member's declared size); each XML part is then parsed as a stream, counting elements and
    paragraphs, with DTDs (entity declarations) refused — Office never writes them.
    """
    import zipfile

    from lxml import etree

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise IngestError(path, f"not a valid .docx (corrupt or truncated?): {exc.__class__.__name__}: {exc}") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > lim.max_zip_entries:
            raise IngestError(path, f"{len(infos):,} entries in the .docx package: over the limit of "
                                    f"{lim.max_zip_entries:,} (not a report?)")
        unpacked = sum(i.file_size for i in infos)
        if unpacked > lim.max_unpacked_bytes:
            raise IngestError(path, f"the .docx unpacks to {_mb(unpacked)}: over the limit of "
                                    f"{_mb(lim.max_unpacked_bytes)} (a zip bomb?)")
        elements = paragraphs = 0
        for info in infos:
            if not info.filename.lower().endswith((".xml", ".rels")):
                continue
            try:
                with zf.open(info) as fh:
                    if re.search(rb"<!DOCTYPE|<!ENTITY", fh.read(4096), re.IGNORECASE):
                        raise IngestError(path, f"{info.filename} declares a DTD or entities, which Office "
                                                "never writes (an entity bomb?)")
                with zf.open(info) as fh:
                    for _event, el in etree.iterparse(fh, events=("end",), resolve_entities=False, no_network=True,
                                                      load_dtd=False, huge_tree=False):
                        elements += 1
                        if el.tag == _W + "p":
                            paragraphs += 1
                        # keep memory flat: only counting here
                        el.clear()
                        parent = el.getparent()
                        if parent is not None:
                            while el.getprevious() is not None:
                                del parent[0]
                        if elements > lim.max_elements:
                            raise IngestError(path, f"more than {lim.max_elements:,} XML elements: over the limit "
                                                    "(an element bomb?)")
                        if paragraphs > lim.max_paragraphs:
                            raise IngestError(path, f"more than {lim.max_paragraphs:,} paragraphs: over the limit "
                                                    "(an element bomb?)")
            except IngestError:
                raise
            except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise IngestError(path, f"not a valid .docx: {info.filename}: {exc.__class__.__name__}: {exc}") from exc


def _docx_blocks(data: bytes, path: Path, lim: LoadLimits | None = None) -> list[Block]:
    import zipfile

    lim = lim or LoadLimits.from_settings()
    _check_docx_package(data, path, lim)

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
            text, boxes = _paragraph_parts(child)
            np = _num_pr(child, style_num)
            if np is not None and text.strip():
                label = numbering.label(*np)
                if label and not text.lstrip().startswith(label):
                    text = label + text
            level = _heading_level(style_name, child)
            for line in text.split("\n") if "\n" in text else [text]:
                blocks.append(Block(text=line, style=style_name, heading_level=level))
            for box in boxes:
                for p in _box_paragraphs(box):
                    blocks.extend(Block(text=line, style="TextBox") for line in _paragraph_text(p).split("\n"))
        elif tag == _W + "tbl":
            blocks.extend(_table_blocks(child))
    if not any(b.text.strip() for b in blocks):
        raise IngestError(path, "the .docx has no text")
    _check_chars(sum(len(b.text) for b in blocks), path, lim)
    return rejoin_layout_lines(blocks)


def _box_paragraphs(box):
    """The paragraphs of a text box (w:txbxContent), nested tables' and boxes' included, in order."""
    for el in box.iter(_W + "p"):
        if not any(a.tag in (_MC + "Fallback", _W + "del") for a in el.iterancestors()):
            yield el


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
            cell_text = "".join(_paragraph_text(p) + " " for p in _box_paragraphs(tc)).strip()
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


def _pdf_blocks(data: bytes, path: Path, lim: LoadLimits | None = None) -> list[Block]:
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
        lim = lim or LoadLimits.from_settings()
        n_pages = len(reader.pages)
        if n_pages > lim.max_pdf_pages:
            raise IngestError(path, f"{n_pages:,} pages: over the limit of {lim.max_pdf_pages:,} pages per PDF")
        pages = []
        chars = 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            chars += len(pages[-1])
            _check_chars(chars, path, lim)
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


_PDF_SPACE_RE = re.compile(
    f"(?<=[{HAN}]) (?=[0-9])|(?<=[0-9]) (?=[{HAN}])"
    "|(?<=[，。、；：！？（）“”《》]) +"
)
_TITLE_END_RE = re.compile(r"(?:总结|报告|材料|汇报|方案|计划|要点)$")


def _full_line_length(lines: list[str]) -> int:
    """The typical length of a full printed line (0 when there are too few lines to tell)."""
    lengths = sorted(len(x.strip()) for x in lines if x.strip())
    return lengths[int(0.9 * (len(lengths) - 1))] if len(lengths) >= 5 else 0


def _rejoin_wrapped_lines(lines: list[str], full: int | None = None) -> list[str]:
    """Join PDF visual lines that wrap inside a paragraph.

    A line that is about as long as the page's text width (``full`` characters, measured from the
    lines when not given) and does not end a sentence continues on the next line.
    """
    stripped = [x.strip() for x in lines]
    if not any(stripped):
        return []
    if full is None:
        full = _full_line_length(stripped)
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


#: A text laid out as printed lines: full lines are at most this long (a page is 28–40 characters wide) …
_LAYOUT_MAX_FULL = 60
#: … and at least this share of the lines are full and stop mid-sentence.
_LAYOUT_MIN_WRAPPED = 0.4


def looks_like_printed_lines(texts: list[str]) -> int:
    """The full-line length when ``texts`` are the printed lines of a page (a PDF converted to Word with
    a break after every line), else 0: most lines are about as long as the longest, at most
    ``_LAYOUT_MAX_FULL`` characters, and stop mid-sentence."""
    lines = [t.strip() for t in texts if t.strip()]
    if len(lines) < 8:
        return 0
    full = _full_line_length(lines)
    if not 15 <= full <= _LAYOUT_MAX_FULL:
        return 0
    wrapped = sum(1 for t in lines if len(t) >= 0.85 * full and t[-1] not in _SENTENCE_END)
    return full if wrapped >= _LAYOUT_MIN_WRAPPED * len(lines) else 0


def rejoin_layout_lines(blocks: list[Block]) -> list[Block]:
    """Blocks that are printed lines (see :func:`looks_like_printed_lines`) joined into paragraphs, as
    the PDF loader does; headings (by style) and table rows stay as they are. Other blocks are returned
    unchanged."""
    body = [b.text for b in blocks if not b.is_table_row and not b.heading_level]
    full = looks_like_printed_lines(body)
    if not full:
        return blocks
    out: list[Block] = []
    run: list[Block] = []

    def flush() -> None:
        if run:
            out.extend(Block(text=t, style=run[0].style) for t in _rejoin_wrapped_lines([b.text for b in run], full))
            run.clear()

    for b in blocks:
        if b.is_table_row or b.heading_level:
            flush()
            out.append(b)
        else:
            run.append(b)
    flush()
    return out


# --------------------------------------------------------------------------- HTML / MHT saved as .doc

_HTML_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
                              "section", "article", "blockquote", "pre", "hr", "center", "title", "dd", "dt"})
_HTML_SKIP_TAGS = frozenset({"script", "style", "head", "noscript", "template", "xml", "object"})
_HTML_WS_RE = re.compile(r"[ \t\r\n\f]+")
_HTML_CJK_SPACE_RE = re.compile("(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’…—]) (?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’…—])")
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def _html_text_and_charset(data: bytes, path: Path, kind: str) -> tuple[bytes, str | None]:
    """The HTML bytes (the first text/html part of an MHT web archive) and the charset it declares."""
    if kind == "mht":
        import email
        from email import policy

        msg = email.message_from_bytes(data, policy=policy.compat32)
        for part in msg.walk():
            if part.get_content_type() == "text/html":
                payload = part.get_payload(decode=True)
                if payload:
                    return payload, part.get_content_charset()
        raise IngestError(path, "a web archive (MHT) saved as a Word file, with no HTML part")
    return data, None


def _html_blocks(data: bytes, path: Path, lim: LoadLimits, kind: str = "html") -> list[Block]:
    """Text of an HTML page (or MHT web archive) saved under a Word extension, one block per line.

    Line breaks come from block elements and <br>; line wraps in the HTML source are spaces, and a
    space between two Chinese characters (Word's HTML wraps lines inside sentences) is dropped.
    """
    import lxml.html
    from lxml import etree

    raw, charset = _html_text_and_charset(data, path, kind)
    if charset is None:
        m = _META_CHARSET_RE.search(raw[:8192])
        charset = m.group(1).decode("ascii") if m else None
    if charset and charset.lower().replace("-", "") in ("gb2312", "gbk", "gb18030", "xgbk"):
        charset = "gb18030"
    text = None
    if charset:
        try:
            text = raw.decode(charset)
        except (UnicodeDecodeError, LookupError):
            text = None
    if text is None:
        text, _enc = decode_text(raw, path)
    _check_chars(len(text), path, lim)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise IngestError(path, f"an HTML page saved as a Word file, but not readable HTML: {exc}") from exc
    parts: list[str] = []

    def walk(el) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag.startswith("{"):
            tag = tag.split("}", 1)[1]
        if tag in _HTML_SKIP_TAGS or (tag and ":" in tag):  # Word's <o:p> … carry no text of their own
            return
        block = tag in _HTML_BLOCK_TAGS
        if block:
            parts.append("\n")
        if isinstance(el.tag, str) and el.text:
            parts.append(_HTML_WS_RE.sub(" ", el.text))
        for child in el:
            walk(child)
            if child.tail:
                parts.append(_HTML_WS_RE.sub(" ", child.tail))
        if tag in ("td", "th"):
            parts.append("\t")
        if block:
            parts.append("\n")

    body = root.find("body")
    walk(body if body is not None else root)
    joined = _HTML_CJK_SPACE_RE.sub("", "".join(parts))
    lines = [line.strip(" ") for line in joined.split("\n")]
    blocks = [Block(text=line) for line in lines if line.strip()]
    if not blocks:
        raise IngestError(path, "an HTML page saved as a Word file, with no text")
    return rejoin_layout_lines(blocks)


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


def _doc_blocks(path: Path, lim: LoadLimits | None = None) -> list[Block]:
    with tempfile.TemporaryDirectory(prefix="draftkit-doc-") as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / ("source" + path.suffix.lower())
        shutil.copyfile(path, src)
        outdir = tmpdir / "out"
        outdir.mkdir()
        try:
            # the filter named: an HTML file opens in Writer/Web, which has no default .docx export
            converted = convert_with_soffice(src, "docx:MS Word 2007 XML", outdir)
        except IngestError as exc:
            raise IngestError(path, exc.message) from exc
        return _docx_blocks(converted.read_bytes(), path, lim)
