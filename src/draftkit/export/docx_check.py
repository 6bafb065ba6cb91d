"""Check any .docx against the official layout (GB/T 9704-2012) and list each departure.

Reads the file with python-docx and looks at the WordprocessingML itself: page size, margins and
document grid per section; the effective font (East Asian font included), size, line spacing and
first-line indent of the title, the headings (found by style or by their numbering 一、/（一）/1./（1）)
and the body paragraphs, resolved through direct formatting → character style → paragraph style
chain → document defaults, as Word does; the page-number field in the footers with its odd/even
alignment; the signature date. What is checked against comes from the same layout file the
exporter writes with, so our own exports come out clean.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from lxml import etree
from pydantic import BaseModel, Field

from draftkit.config import load_data
from draftkit.errors import DraftkitError
from draftkit.export.layout import TWIPS_PER_PT, Layout, load_layout, twips_to_mm
from draftkit.zh import heading_number_regexes, official_date, parse_date

MESSAGES = "export/check_messages.yaml"  # in the prompts directory
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_AMBIGUOUS_RE = re.compile(r"[“”‘’—…·]")
_PAGE_FIELD_RE = re.compile(r"(?<![A-Z])PAGE(?![A-Z])")
_SENTENCE_END = "。；：！？;:!?"
_MAX_LISTED = 5


class LayoutIssue(BaseModel):
    """One departure from the official layout."""

    code: str  # e.g. "page.margin.top", "body.font", "page_number.alignment"
    where: str  # in Chinese: "第1节页面设置", "第5段“学校党总支……”等12段"
    expected: str
    found: str
    message: str  # one Chinese sentence saying what is wrong
    paragraphs: list[int] = Field(
        default_factory=list
    )  # 1-based numbers of the non-empty paragraphs concerned


class DocxCheckError(DraftkitError, RuntimeError):
    """The file cannot be checked (missing, not a .docx, corrupt); names the file."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = Path(path)
        self.message = message
        super().__init__(f"{path}: {message}")


# ----------------------------------------------------------------------------------------------
# public API


def check_docx(path: str | Path, layout: Layout | None = None) -> list[LayoutIssue]:
    """List each departure of the .docx at ``path`` from the official layout ([] when clean).

    Raises ``DocxCheckError`` (naming the file) when the file is missing, an old binary .doc,
    not a zip package, or not a readable Word document.
    """
    return check_document(open_docx(path), layout)


def check_document(doc: DocxDocument, layout: Layout | None = None) -> list[LayoutIssue]:
    """``check_docx`` for a python-docx ``Document`` already in memory."""
    return _Checker(doc, layout or load_layout()).run()


def open_docx(path: str | Path) -> DocxDocument:
    """Open ``path`` with python-docx, turning every failure into a ``DocxCheckError``."""
    p = Path(path)
    errors = _texts()["errors"]
    if not p.exists():
        raise DocxCheckError(p, errors["not_found"])
    if not p.is_file():
        raise DocxCheckError(p, errors["not_a_file"])
    try:
        with open(p, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise DocxCheckError(p, errors["corrupt"].format(detail=exc.strerror or exc)) from exc
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DocxCheckError(p, errors["doc_binary"])
    if not zipfile.is_zipfile(p):
        raise DocxCheckError(p, errors["not_zip"])
    try:
        return Document(str(p))
    except Exception as exc:  # python-docx raises KeyError, ValueError, XMLSyntaxError, BadZipFile …
        raise DocxCheckError(p, errors["corrupt"].format(detail=f"{type(exc).__name__}: {exc}")) from exc


def format_issues(issues: list[LayoutIssue]) -> str:
    """A plain-text report, one line per issue (for the CLI)."""
    return "\n".join(f"[{i.code}] {i.where}：{i.message}" for i in issues)


# ----------------------------------------------------------------------------------------------
# text resources


def _texts() -> dict[str, Any]:
    return load_data(MESSAGES)


def _v(key: str, **kw: Any) -> str:
    return _texts()["values"][key].format(**kw)


def _size_text(half_points: int | None) -> str:
    if half_points is None:
        return _v("default_font")
    pt = half_points / 2
    names = {float(k): v for k, v in _texts()["size_names"].items()}
    name = names.get(pt)
    return _v("size", name=name, v=pt) if name else _v("pt", v=pt)


def _align_text(jc: str | None) -> str:
    key = {
        None: "align_left",
        "left": "align_left",
        "start": "align_left",
        "right": "align_right",
        "end": "align_right",
        "center": "align_center",
        "both": "align_both",
        "distribute": "align_distribute",
    }.get(jc, "align_left")
    return _v(key)


# ----------------------------------------------------------------------------------------------
# style resolution


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


@dataclass
class _Layer:
    source: str  # "direct", "style:<name>", "defaults"
    el: etree._Element | None


@dataclass
class _Found:
    value: Any
    source: str | None = None


class _Styles:
    def __init__(self, doc: DocxDocument) -> None:
        root = doc.styles.element
        self.by_id: dict[str, etree._Element] = {}
        self.default_para: str | None = None
        self.default_char: str | None = None
        for el in root.iterfind(qn("w:style")):
            sid = el.get(qn("w:styleId"))
            if sid is None:
                continue
            self.by_id[sid] = el
            if el.get(qn("w:default")) in ("1", "true"):
                kind = el.get(qn("w:type"))
                if kind == "paragraph":
                    self.default_para = sid
                elif kind == "character":
                    self.default_char = sid
        defaults = root.find(qn("w:docDefaults"))
        self.rpr_default = (
            defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}") if defaults is not None else None
        )
        self.ppr_default = (
            defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}") if defaults is not None else None
        )

    def name(self, style_id: str | None) -> str:
        el = self.by_id.get(style_id or "")
        if el is None:
            return style_id or ""
        n = el.find(qn("w:name"))
        return n.get(qn("w:val")) if n is not None else style_id or ""

    def chain(self, style_id: str | None) -> list[etree._Element]:
        out: list[etree._Element] = []
        seen: set[str] = set()
        sid = style_id
        while sid and sid not in seen and sid in self.by_id and len(out) < 20:
            seen.add(sid)
            el = self.by_id[sid]
            out.append(el)
            based = el.find(qn("w:basedOn"))
            sid = based.get(qn("w:val")) if based is not None else None
        return out


def _style_id(p: etree._Element, styles: _Styles) -> str | None:
    ps = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    if ps is not None and ps.get(qn("w:val")) in styles.by_id:
        return ps.get(qn("w:val"))
    return styles.default_para


def _p_layers(p: etree._Element, styles: _Styles) -> list[_Layer]:
    layers = [_Layer("direct", p.find(qn("w:pPr")))]
    for st in styles.chain(_style_id(p, styles)):
        layers.append(_Layer("style:" + styles.name(st.get(qn("w:styleId"))), st.find(qn("w:pPr"))))
    layers.append(_Layer("defaults", styles.ppr_default))
    return layers


def _r_layers(r: etree._Element, p: etree._Element, styles: _Styles) -> list[_Layer]:
    rpr = r.find(qn("w:rPr"))
    layers = [_Layer("direct", rpr)]
    if rpr is not None:
        rs = rpr.find(qn("w:rStyle"))
        if rs is not None:
            for st in styles.chain(rs.get(qn("w:val"))):
                layers.append(_Layer("style:" + styles.name(st.get(qn("w:styleId"))), st.find(qn("w:rPr"))))
    for st in styles.chain(_style_id(p, styles)):
        layers.append(_Layer("style:" + styles.name(st.get(qn("w:styleId"))), st.find(qn("w:rPr"))))
    layers.append(_Layer("defaults", styles.rpr_default))
    return layers


def _attr(layers: list[_Layer], child: str, attr: str) -> _Found:
    for layer in layers:
        if layer.el is None:
            continue
        el = layer.el.find(qn(child))
        if el is not None and el.get(qn(attr)) is not None:
            return _Found(el.get(qn(attr)), layer.source)
    return _Found(None, None)


def _font(layers: list[_Layer], slot: str) -> _Found:
    """The font in ``slot`` ("eastAsia" or "ascii"); a theme font wins over a name at the same level."""
    for layer in layers:
        if layer.el is None:
            continue
        fonts = layer.el.find(qn("w:rFonts"))
        if fonts is None:
            continue
        theme = fonts.get(qn(f"w:{slot}Theme"))
        if theme is not None:
            return _Found(("theme", theme), layer.source)
        name = fonts.get(qn(f"w:{slot}"))
        if name is not None:
            return _Found(name, layer.source)
    return _Found(None, None)


def _source_text(source: str | None) -> str:
    if source is None or source == "defaults":
        return _v("from_defaults")
    if source == "direct":
        return _v("direct")
    return _v("from_style", style=source.split(":", 1)[1])


def _font_text(found: _Found) -> str:
    if found.value is None:
        return _v("default_font")
    if isinstance(found.value, tuple):
        return _v("theme_font", v=found.value[1]) + _source_text(found.source)
    return f"{found.value}{_source_text(found.source)}"


def _run_text(r: etree._Element) -> str:
    parts = []
    for el in r:
        if el.tag == qn("w:t"):
            parts.append(el.text or "")
        elif el.tag == qn("w:tab"):
            parts.append("\t")
    return "".join(parts)


def _runs(p: etree._Element) -> Iterator[etree._Element]:
    for r in p.iter(qn("w:r")):
        # skip runs inside text boxes and deleted text
        if any(a.tag in (qn("w:txbxContent"), qn("w:del")) for a in r.iterancestors()):
            continue
        yield r


# ----------------------------------------------------------------------------------------------
# paragraphs and their roles


@dataclass
class _Para:
    number: int  # 1-based among non-empty body paragraphs
    el: etree._Element
    text: str
    role: str = "body"  # title | heading | body | signature_unit | signature_date
    level: int = 0


@dataclass
class _Collector:
    issues: list[LayoutIssue] = field(default_factory=list)
    grouped: dict[tuple, list[_Para]] = field(default_factory=lambda: defaultdict(list))
    extra: dict[tuple, dict[str, str]] = field(default_factory=dict)


class _Checker:
    def __init__(self, doc: DocxDocument, layout: Layout) -> None:
        self.doc = doc
        self.lay = layout
        self.styles = _Styles(doc)
        self.messages: dict[str, str] = _texts()["messages"]
        self.where: dict[str, str] = _texts()["where"]
        self.out = _Collector()
        self.sections = [s._sectPr for s in doc.sections]
        self.width_ok = True  # page width and side margins as the layout says (set per section)
        self.text_width_twips = (
            self._text_width(self.sections[-1]) if self.sections else layout.text_width_twips()
        )

    # -- issue helpers ----------------------------------------------------------------------------
    def issue(self, code: str, where: str, expected: str, found: str, **extra: str) -> None:
        msg = self.messages[code].format_map(defaultdict(str, expected=expected, found=found, **extra))
        self.out.issues.append(
            LayoutIssue(code=code, where=where, expected=expected, found=found, message=msg)
        )

    def para_issue(self, code: str, para: _Para, expected: str, found: str, **extra: str) -> None:
        key = (code, expected, found, tuple(sorted(extra.items())))
        self.out.grouped[key].append(para)
        self.out.extra[key] = extra

    def flush_paragraph_issues(self) -> None:
        for key, paras in self.out.grouped.items():
            code, expected, found, _ = key
            first = paras[0]
            snippet = first.text[:12] + ("……" if len(first.text) > 12 else "")
            if len(paras) == 1:
                where = self.where["paragraph"].format(n=first.number, snippet=snippet)
            else:
                where = self.where["paragraphs"].format(n=first.number, snippet=snippet, count=len(paras))
            extra = self.out.extra[key]
            msg = self.messages[code].format_map(defaultdict(str, expected=expected, found=found, **extra))
            self.out.issues.append(
                LayoutIssue(
                    code=code,
                    where=where,
                    expected=expected,
                    found=found,
                    message=msg,
                    paragraphs=[p.number for p in paras],
                )
            )
        self.out.grouped.clear()

    # -- the run -----------------------------------------------------------------------------------
    def run(self) -> list[LayoutIssue]:
        for n, sect in enumerate(self.sections, start=1):
            self.check_page(n, sect)
        paras = self.classify()
        self.check_paragraphs(paras)
        self.flush_paragraph_issues()
        self.check_page_numbers()
        return self.out.issues

    # -- page set-up -------------------------------------------------------------------------------
    def _text_width(self, sect: etree._Element) -> int:
        w = _int(_get(sect, "w:pgSz", "w:w")) or 12240
        left = abs(_int(_get(sect, "w:pgMar", "w:left")) or 1800)
        right = abs(_int(_get(sect, "w:pgMar", "w:right")) or 1800)
        gutter = abs(_int(_get(sect, "w:pgMar", "w:gutter")) or 0)
        return w - left - right - gutter

    def check_page(self, n: int, sect: etree._Element) -> None:
        lay = self.lay
        where = self.where["section"].format(n=n)
        w = _int(_get(sect, "w:pgSz", "w:w")) or 12240
        h = _int(_get(sect, "w:pgSz", "w:h")) or 15840
        ew, eh = lay.page_twips()
        if _get(sect, "w:pgSz", "w:orient") == "landscape" or w > h:
            self.issue("page.orientation", where, "", "")
            w, h = min(w, h), max(w, h)
        if abs(w - ew) > 57 or abs(h - eh) > 57:  # 1 mm
            found = _v("page_wh", w=round(twips_to_mm(w), 1), h=round(twips_to_mm(h), 1))
            self.issue("page.size", where, _v("page_a4"), found)
        margins = lay.margins_twips()
        width_ok = abs(w - ew) <= 57
        for side in ("top", "bottom", "left", "right"):
            value = _int(_get(sect, "w:pgMar", f"w:{side}"))
            expected = margins[side]
            if value is None or abs(abs(value) - expected) > 28:  # 0.5 mm
                found = _v("not_set") if value is None else _v("mm", v=round(twips_to_mm(abs(value)), 1))
                self.issue(
                    f"page.margin.{side}",
                    where,
                    _v("mm", v=getattr(lay.margins_mm, side)),
                    found,
                )
                width_ok = width_ok and side in ("top", "bottom")
        # characters per line follow from the text width: with the width already wrong, the
        # margin or paper issue is the cause to fix, and a count would only repeat it
        self.width_ok = width_ok
        self.check_grid(where, sect)

    def check_grid(self, where: str, sect: etree._Element) -> None:
        lay = self.lay
        grid = sect.find(qn("w:docGrid"))
        gtype = grid.get(qn("w:type")) if grid is not None else None
        names = {
            "linesAndChars": _v("grid_lines_and_chars"),
            "snapToChars": _v("grid_chars"),
            "lines": _v("grid_lines"),
        }
        if gtype not in ("linesAndChars", "snapToChars"):
            self.issue("grid.type", where, names["linesAndChars"], names.get(gtype or "", _v("grid_none")))
            if gtype != "lines":
                return
        pitch = _int(grid.get(qn("w:linePitch"))) if grid is not None else None
        if pitch is None or abs(pitch - lay.grid.line_pitch_twips) > 5:
            found = _v("not_set") if pitch is None else _v("pt", v=round(pitch / TWIPS_PER_PT, 2))
            self.issue("grid.line_pitch", where, _v("pt", v=lay.grid.line_pitch_twips / TWIPS_PER_PT), found)
        if gtype in ("linesAndChars", "snapToChars") and self.width_ok:
            base_pt = self.normal_size_half_points() / 2
            char_space = _int(grid.get(qn("w:charSpace"))) or 0
            pitch_pt = base_pt + char_space / 4096
            chars = math.floor(self._text_width(sect) / TWIPS_PER_PT / pitch_pt + 1e-6) if pitch_pt > 0 else 0
            if chars != lay.grid.chars_per_line:
                self.issue(
                    "grid.chars_per_line",
                    where,
                    _v("chars_per_line", v=lay.grid.chars_per_line),
                    _v("chars_per_line", v=chars),
                )

    def normal_size_half_points(self) -> int:
        layers = [_Layer("style", st.find(qn("w:rPr"))) for st in self.styles.chain(self.styles.default_para)]
        layers.append(_Layer("defaults", self.styles.rpr_default))
        return _int(_attr(layers, "w:sz", "w:val").value) or 20

    # -- paragraph roles ---------------------------------------------------------------------------
    def classify(self) -> list[_Para]:
        paras: list[_Para] = []
        for p in self.doc.element.body.iterfind(qn("w:p")):
            text = "".join(_run_text(r) for r in _runs(p)).strip()
            if text:
                paras.append(_Para(len(paras) + 1, p, text))
        if not paras:
            return paras
        # title: the Title-styled paragraphs, else the first paragraph when it looks like a title
        titled = [p for p in paras[:3] if self.is_title_style(p.el)]
        if titled:
            for p in titled:
                p.role = "title"
        else:
            first = paras[0]
            if (
                len(first.text) <= 60
                and first.text[-1] not in _SENTENCE_END
                and not self.heading_level(first)
            ):
                first.role = "title"
                for p in paras[1:3]:  # a title set on two centred lines
                    if self.alignment(p.el) == "center" and len(p.text) <= 40 and not self.heading_level(p):
                        p.role = "title"
                    else:
                        break
        for p in paras:
            if p.role == "body":
                level = self.heading_level(p)
                if level:
                    p.role, p.level = "heading", level
        # signature: a date in any common form (2024年12月20日, 2024.12.20, 二〇二四年十二月二十日 …) or
        # a 【待补充】 marker standing for it, among the last paragraphs; the short line above it is the
        # unit, and a second short right-aligned line above that too (unit name set on two lines)
        marker = self.lay.placeholder_re()
        for i in range(len(paras) - 1, max(len(paras) - 4, -1), -1):
            p = paras[i]
            if p.role == "body" and (parse_date(p.text) is not None or marker.fullmatch(p.text)):
                p.role = "signature_date"
                for k, above in enumerate(paras[max(0, i - 2):i][::-1]):
                    if (above.role == "body" and len(above.text) <= 40 and above.text[-1] not in _SENTENCE_END
                            and (k == 0 or self.alignment(above.el) == "right")):
                        above.role = "signature_unit"
                    else:
                        break
                break
        return paras

    def is_title_style(self, p: etree._Element) -> bool:
        sid = _style_id(p, self.styles)
        for st in self.styles.chain(sid):
            name = self.styles.name(st.get(qn("w:styleId"))).lower()
            if name in ("title", "标题"):
                return True
        return False

    def heading_level(self, para: _Para) -> int:
        if len(para.text) <= 80 or para.text[:40].count("。") >= 1:
            for level, pattern in heading_number_regexes():
                if pattern.match(para.text):
                    # a run-in heading ("（一）加强学习。本年度……") counts; a long plain paragraph
                    # starting "1." without a full stop early is a list item, not a heading
                    if level >= 3 and len(para.text) > 80 and "。" not in para.text[:40]:
                        return 0
                    return level
        outline = _attr(_p_layers(para.el, self.styles), "w:outlineLvl", "w:val").value
        lvl = _int(outline)
        if lvl is not None and 0 <= lvl <= 3:
            return lvl + 1
        sid = _style_id(para.el, self.styles)
        m = re.match(r"^(heading|标题)\s*([1-4])$", self.styles.name(sid).lower())
        return int(m.group(2)) if m else 0

    def alignment(self, p: etree._Element) -> str | None:
        jc = _attr(_p_layers(p, self.styles), "w:jc", "w:val").value
        return {"start": "left", "end": "right"}.get(jc, jc)

    # -- paragraph checks --------------------------------------------------------------------------
    def check_paragraphs(self, paras: list[_Para]) -> None:
        lay = self.lay
        if paras and not any(p.role == "title" for p in paras):
            self.issue("title.missing", self.where["title"], "", "")
        levels = _texts()["levels"]
        for para in paras:
            if para.role == "title":
                self.check_title(para)
            elif para.role == "heading":
                spec = lay.font(f"heading{para.level}")
                level_name = levels.get(para.level, str(para.level))
                self.check_font(para, "heading.font", spec.east_asia, first_only=True, level=level_name)
                self.check_size(para, "heading.size", spec.half_points, first_only=True, level=level_name)
                self.check_color(para, level_name)
                self.check_line_spacing(para, "heading.line_spacing", level=level_name)
                self.check_indent(para, "heading.first_line_indent", level=level_name)
            elif para.role in ("signature_unit", "signature_date"):
                body = lay.font("body")
                self.check_font(para, "body.font", body.east_asia)
                self.check_size(para, "body.size", body.half_points)
                self.check_signature(para)
            else:
                body = lay.font("body")
                self.check_font(para, "body.font", body.east_asia)
                self.check_size(para, "body.size", body.half_points)
                self.check_quote_font(para)
                self.check_line_spacing(para, "body.line_spacing")
                self.check_indent(para, "body.first_line_indent")
                self.check_chars_per_line(para)

    def text_runs(self, para: _Para, cjk_only: bool = False) -> list[etree._Element]:
        out = []
        for r in _runs(para.el):
            t = _run_text(r)
            if t.strip() and (not cjk_only or _CJK_RE.search(t)):
                out.append(r)
        return out

    def check_title(self, para: _Para) -> None:
        spec = self.lay.font("title")
        where = self.where["title"]
        for r in self.text_runs(para, cjk_only=True)[:1]:
            found = _font(_r_layers(r, para.el, self.styles), "eastAsia")
            if not self.lay.same_font(spec.east_asia, found.value if isinstance(found.value, str) else None):
                self.issue("title.font", where, spec.east_asia, _font_text(found))
        for r in self.text_runs(para)[:1]:
            size = _int(_attr(_r_layers(r, para.el, self.styles), "w:sz", "w:val").value) or 20
            if size != spec.half_points:
                self.issue("title.size", where, _size_text(spec.half_points), _size_text(size))
        align = self.alignment(para.el)
        if align != "center":
            self.issue("title.alignment", where, _v("align_center"), _align_text(align))
        chars = self.first_line_indent_chars(para)
        if chars > 0.25:
            self.issue("title.indent", where, _v("chars", v=0), _v("chars", v=round(chars, 1)))

    def check_font(
        self, para: _Para, code: str, expected: str, first_only: bool = False, **extra: str
    ) -> None:
        runs = self.text_runs(para, cjk_only=True)
        for r in runs[:1] if first_only else runs:
            found = _font(_r_layers(r, para.el, self.styles), "eastAsia")
            if not self.lay.same_font(expected, found.value if isinstance(found.value, str) else None):
                self.para_issue(code, para, expected, _font_text(found), **extra)
                return

    def check_size(
        self, para: _Para, code: str, expected: int, first_only: bool = False, **extra: str
    ) -> None:
        runs = self.text_runs(para)
        for r in runs[:1] if first_only else runs:
            size = _int(_attr(_r_layers(r, para.el, self.styles), "w:sz", "w:val").value) or 20
            if size != expected:
                self.para_issue(code, para, _size_text(expected), _size_text(size), **extra)
                return

    def check_color(self, para: _Para, level_name: str) -> None:
        for r in self.text_runs(para)[:1]:
            color = _attr(_r_layers(r, para.el, self.styles), "w:color", "w:val").value
            if color and color.lower() not in ("auto", "000000"):
                self.para_issue("heading.color", para, "000000", f"#{color}", level=level_name)

    def check_quote_font(self, para: _Para) -> None:
        body = self.lay.font("body")
        for r in self.text_runs(para):
            if not _AMBIGUOUS_RE.search(_run_text(r)):
                continue
            rpr = r.find(qn("w:rPr"))
            fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
            if fonts is not None and fonts.get(qn("w:hint")) == "eastAsia":
                continue
            layers = _r_layers(r, para.el, self.styles)
            east = _font(layers, "eastAsia")
            latin = _font(_r_layers(r, para.el, self.styles), "hAnsi")
            if latin.value is not None and latin.value == east.value:
                continue
            if isinstance(latin.value, str) and self.lay.same_font(body.east_asia, latin.value):
                continue
            found = _v("latin_font", v=_font_text(latin))
            self.para_issue("body.quote_font", para, body.east_asia, found)
            return

    def line_spacing(self, para: _Para) -> tuple[bool, str]:
        """(ok, description) of the paragraph's line spacing against the grid's line pitch."""
        layers = _p_layers(para.el, self.styles)
        line = _int(_attr(layers, "w:spacing", "w:line").value)
        rule = _attr(layers, "w:spacing", "w:lineRule").value or "auto"
        pitch = self.lay.grid.line_pitch_twips
        if line is None:
            line, rule = 240, "auto"
        if rule == "exact":
            return abs(line - pitch) <= 10, _v("exact", v=round(line / TWIPS_PER_PT, 2))
        if rule == "atLeast":
            return False, _v("at_least", v=round(line / TWIPS_PER_PT, 2))
        # "auto": single spacing snapped to a 28.95 pt line grid also gives 22 lines a page
        snap = _attr(layers, "w:snapToGrid", "w:val").value not in ("0", "false")
        grid_pitch = None
        if self.sections:
            grid = self.sections[-1].find(qn("w:docGrid"))
            if grid is not None and grid.get(qn("w:type")) in ("lines", "linesAndChars", "snapToChars"):
                grid_pitch = _int(grid.get(qn("w:linePitch")))
        if snap and grid_pitch is not None and abs(grid_pitch - pitch) <= 5 and line <= 264:
            return True, _v("grid_snap", v=round(grid_pitch / TWIPS_PER_PT, 2))
        return False, _v("multiple", v=round(line / 240, 2))

    def check_line_spacing(self, para: _Para, code: str, **extra: str) -> None:
        ok, found = self.line_spacing(para)
        if not ok:
            expected = _v("exact", v=self.lay.grid.line_pitch_twips / TWIPS_PER_PT)
            self.para_issue(code, para, expected, found, **extra)

    def first_line_indent_chars(self, para: _Para) -> float:
        layers = _p_layers(para.el, self.styles)
        size_pt = self.lay.font("body").size_pt
        runs = self.text_runs(para)
        if runs:
            size_pt = (_int(_attr(_r_layers(runs[0], para.el, self.styles), "w:sz", "w:val").value) or 20) / 2
        hanging_chars = _int(_attr(layers, "w:ind", "w:hangingChars").value)
        if hanging_chars:
            return -hanging_chars / 100
        first_chars = _int(_attr(layers, "w:ind", "w:firstLineChars").value)
        if first_chars:
            return first_chars / 100
        hanging = _int(_attr(layers, "w:ind", "w:hanging").value)
        if hanging:
            return -hanging / (size_pt * TWIPS_PER_PT)
        first = _int(_attr(layers, "w:ind", "w:firstLine").value) or 0
        # leading full-width spaces ("　　") are the other common way to indent
        lead = len(para.text) - len(para.text.lstrip("\u3000"))
        return first / (size_pt * TWIPS_PER_PT) + lead

    def check_indent(self, para: _Para, code: str, **extra: str) -> None:
        expected = self.lay.first_line_indent_chars
        chars = self.first_line_indent_chars(para)
        if abs(chars - expected) > 0.2:
            self.para_issue(code, para, _v("chars", v=expected), _v("chars", v=round(chars, 1)), **extra)

    def check_chars_per_line(self, para: _Para) -> None:
        """Paragraphs that opt out of the character grid must reach 28 a line by their spacing."""
        if not self.width_ok:
            return  # the margins or the paper size are the cause, reported already
        layers = _p_layers(para.el, self.styles)
        if _attr(layers, "w:snapToGrid", "w:val").value not in ("0", "false"):
            return  # laid out on the document grid, checked with the section
        runs = self.text_runs(para, cjk_only=True)
        if not runs:
            return
        rl = _r_layers(runs[0], para.el, self.styles)
        size_pt = (_int(_attr(rl, "w:sz", "w:val").value) or 20) / 2
        spacing_pt = (_int(_attr(rl, "w:spacing", "w:val").value) or 0) / TWIPS_PER_PT
        pitch = size_pt + spacing_pt
        chars = math.floor(self.text_width_twips / TWIPS_PER_PT / pitch + 1e-6) if pitch > 0 else 0
        if chars != self.lay.grid.chars_per_line:
            self.para_issue(
                "body.chars_per_line",
                para,
                _v("chars_per_line", v=self.lay.grid.chars_per_line),
                _v("chars_per_line", v=chars),
            )

    def check_signature(self, para: _Para) -> None:
        what = _v("unit" if para.role == "signature_unit" else "date")
        align = self.alignment(para.el)
        if align != "right":
            self.para_issue("signature.alignment", para, _v("align_right"), _align_text(align), what=what)
        if para.role == "signature_date":
            # GB/T 9704-2012 7.3.5: Arabic numerals, the year in full, no leading zeros
            found = parse_date(para.text)
            if found is not None and not found.official:
                expected = official_date(found.year, found.month, found.day)
                self.para_issue("signature.date_format", para, expected, para.text)

    # -- page numbers ------------------------------------------------------------------------------
    def footer_element(self, sect: etree._Element, kind: str) -> etree._Element | None:
        for ref in sect.iterfind(qn("w:footerReference")):
            if ref.get(qn("w:type")) == kind:
                rid = ref.get(qn("r:id"))
                try:
                    return self.doc.part.related_parts[rid].element
                except KeyError:
                    return None
        return None

    def check_page_numbers(self) -> None:
        even_odd = self.doc.settings.odd_and_even_pages_header_footer
        odd_prev: etree._Element | None = None
        even_prev: etree._Element | None = None
        for n, sect in enumerate(self.sections, start=1):
            odd = self.footer_element(sect, "default")
            even = self.footer_element(sect, "even")
            inherited_odd, inherited_even = odd is None, even is None
            odd = odd if odd is not None else odd_prev
            even = even if even is not None else even_prev
            odd_prev, even_prev = odd, even
            if n > 1 and inherited_odd and (inherited_even or not even_odd):
                continue  # same footers as the section before: already checked
            field_p = _page_field_paragraph(odd) if odd is not None else None
            if field_p is None:
                where = self.where["footer_odd" if even_odd else "footer"].format(n=n)
                self.issue("page_number.missing", where, "", "")
                continue
            self.check_page_number_text(n, field_p)
            if not even_odd:
                found = _align_text(self.alignment(field_p))
                self.issue("page_number.odd_even", self.where["settings"], "", found)
                continue
            self.check_page_number_side(n, field_p, "odd")
            even_p = _page_field_paragraph(even) if even is not None else None
            if even_p is None:
                self.issue("page_number.even_missing", self.where["footer_even"].format(n=n), "", "")
            else:
                self.check_page_number_side(n, even_p, "even")

    def check_page_number_text(self, n: int, p: etree._Element) -> None:
        lay = self.lay
        where = self.where["footer"].format(n=n)
        before, after = _around_field(p)
        shown = f"{before}{{page}}{after}".strip()
        dashes = "—－-–─"
        if not (
            before.strip() and before.strip()[-1] in dashes and after.strip() and after.strip()[0] in dashes
        ):
            expected = lay.page_number.format.format(page=1)
            self.issue("page_number.format", where, expected, shown.replace("{page}", "1"))
        spec = lay.font("page_number")
        runs = [r for r in _runs(p) if _run_text(r).strip() or r.find(qn("w:fldChar")) is not None]
        digit_runs = [r for r in runs if any(ch.isdigit() for ch in _run_text(r))] or runs[:1]
        for r in digit_runs[:1]:
            layers = _r_layers(r, p, self.styles)
            font = _font(layers, "ascii")
            if not lay.same_font(spec.latin, font.value if isinstance(font.value, str) else None):
                self.issue("page_number.font", where, spec.latin, _font_text(font))
            size = _int(_attr(layers, "w:sz", "w:val").value) or 20
            if size != spec.half_points:
                self.issue("page_number.size", where, _size_text(spec.half_points), _size_text(size))

    def check_page_number_side(self, n: int, p: etree._Element, kind: str) -> None:
        where = self.where[f"footer_{kind}"].format(n=n)
        want = "right" if kind == "odd" else "left"
        page_kind = _v(kind)
        frame = p.find(f"{qn('w:pPr')}/{qn('w:framePr')}")
        align = self.alignment(p)
        if frame is not None and frame.get(qn("w:xAlign")):
            x = frame.get(qn("w:xAlign"))
            align = {"outside": want, "inside": "left" if want == "right" else "right"}.get(x, x)
        if align != want:
            self.issue(
                "page_number.alignment",
                where,
                _v("odd_right" if kind == "odd" else "even_left"),
                _align_text(align),
                page_kind=page_kind,
            )
            return
        # one character in from the margin: an indent on that side, or a full-width space
        layers = _p_layers(p, self.styles)
        chars_attr = _int(_attr(layers, "w:ind", f"w:{want}Chars").value)
        twips = _int(_attr(layers, "w:ind", f"w:{want}").value)
        if twips is None:
            twips = _int(_attr(layers, "w:ind", "w:end" if want == "right" else "w:start").value)
        size_pt = self.lay.font("page_number").size_pt
        chars = chars_attr / 100 if chars_attr else (twips or 0) / (size_pt * TWIPS_PER_PT)
        before, after = _around_field(p)
        pad = after if want == "right" else before
        pad_text = (
            pad[len(pad.rstrip(" \u3000")) :]
            if want == "right"
            else pad[: len(pad) - len(pad.lstrip(" \u3000"))]
        )
        chars += sum(1.0 if ch == "\u3000" else 0.5 for ch in pad_text)
        if not 0.6 <= chars <= 1.6:
            self.issue(
                "page_number.indent",
                where,
                _v("odd_right" if kind == "odd" else "even_left"),
                _v("chars", v=round(chars, 1)),
                page_kind=page_kind,
            )


def _get(sect: etree._Element, child: str, attr: str) -> str | None:
    el = sect.find(qn(child))
    return el.get(qn(attr)) if el is not None else None


def _page_field_paragraph(footer: etree._Element) -> etree._Element | None:
    """The paragraph holding a PAGE field (simple or complex) in a footer part."""
    for simple in footer.iter(qn("w:fldSimple")):
        if _PAGE_FIELD_RE.search(simple.get(qn("w:instr")) or ""):
            return _ancestor_p(simple)
    for instr in footer.iter(qn("w:instrText")):
        if _PAGE_FIELD_RE.search(instr.text or ""):
            return _ancestor_p(instr)
    return None


def _ancestor_p(el: etree._Element) -> etree._Element | None:
    for a in el.iterancestors(qn("w:p")):
        return a
    return None


def _around_field(p: etree._Element) -> tuple[str, str]:
    """Text before and after the page field in paragraph ``p`` (field code and result left out)."""
    before: list[str] = []
    after: list[str] = []
    state = "before"  # before → code → result → after
    depth = 0
    for el in p.iter(qn("w:t"), qn("w:fldChar"), qn("w:fldSimple"), qn("w:instrText")):
        if el.tag == qn("w:fldSimple"):
            if state == "before" and _PAGE_FIELD_RE.search(el.get(qn("w:instr")) or ""):
                state = "after_simple"
            continue
        if el.tag == qn("w:fldChar"):
            kind = el.get(qn("w:fldCharType"))
            if kind == "begin":
                depth += 1
                if state == "before":
                    state = "code"
            elif kind == "separate" and state == "code":
                state = "result"
            elif kind == "end":
                depth -= 1
                if depth == 0 and state in ("code", "result"):
                    state = "after"
            continue
        if el.tag == qn("w:instrText"):
            continue
        text = el.text or ""
        if state == "before":
            before.append(text)
        elif state == "after":
            after.append(text)
        elif state == "after_simple":
            # text inside the fldSimple is its result; after it, ordinary text
            if any(a.tag == qn("w:fldSimple") for a in el.iterancestors()):
                continue
            after.append(text)
    return "".join(before), "".join(after)
