"""A ``Report`` as a .docx in the official layout (GB/T 9704-2012).

Starts from python-docx's default template and rewrites what matters in code: page and grid,
every style the report uses (fonts on ``w:ascii``/``w:hAnsi``/``w:eastAsia``, theme-font attributes
removed), odd/even page-number footers with a PAGE field, the signature block, and highlighted
【待补充】 markers. The layout numbers come from ``prompts/export/official_layout.yaml``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Twips
from docx.text.paragraph import Paragraph
from lxml import etree

from draftkit.errors import DraftkitError
from draftkit.export.layout import (
    TWIPS_PER_PT,
    FontSpec,
    Layout,
    load_layout,
    split_placeholders,
    text_width_chars,
)
from draftkit.files import honour_umask
from draftkit.report import Report
from draftkit.textsafe import clean_control_chars

#: Characters Word treats as "ambiguous" (Latin or East Asian): quotes, dashes, ellipsis, middle dot.
#: Runs carry ``w:hint="eastAsia"`` so these render in the Chinese font.
AMBIGUOUS_CHARS = "“”‘’—…·–"

_HEADING_STYLES = {1: "Heading 1", 2: "Heading 2", 3: "Heading 3", 4: "Heading 4"}
_STRIP = " \t\u3000\r"


class ExportError(DraftkitError, RuntimeError):
    """Writing an export failed; names the file and the reason."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = Path(path)
        self.message = message
        super().__init__(f"{path}: {message}")


# ----------------------------------------------------------------------------------------------
# public API


def export_docx(report: Report, path: str | Path, layout: Layout | None = None) -> Path:
    """Write ``report`` to ``path`` as an official-layout .docx; returns the path.

    The file is written to a temporary name beside ``path`` and renamed, so a failed export never
    leaves half a file. Raises ``ExportError`` naming the file when it cannot be written.
    """
    path = Path(path)
    doc = build_document(report, layout)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".draftkit-", suffix=".docx", dir=path.parent)
        os.close(fd)
        try:
            doc.save(tmp)
            honour_umask(tmp)  # mkstemp's 0o600 would make the report unreadable to colleagues
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise ExportError(path, f"cannot write the file ({exc.strerror or exc})") from exc
    return path


def build_document(report: Report, layout: Layout | None = None) -> DocxDocument:
    """The python-docx ``Document`` for ``report`` (not saved)."""
    lay = layout or load_layout()
    doc = Document()
    _setup_document(doc, lay)
    placeholder = lay.placeholder_re()

    body_font = lay.font("body")
    condense = lay.char_spacing_twips()
    style_ids = {name: doc.styles[name].style_id for name in ("Title", *_HEADING_STYLES.values())}
    title = _paragraph(doc, style_ids["Title"])
    _add_runs(title, "\n".join(title_lines(report.title, lay)), lay.font("title"), lay, placeholder)

    for line in _lines(report.opening):
        _add_runs(_paragraph(doc), line, body_font, lay, placeholder, condense)

    for section in report.sections:
        level = min(max(section.level, 1), 4)
        heading = section.heading.strip(_STRIP)
        if heading:
            p = _paragraph(doc, style_ids[_HEADING_STYLES[level]])
            _add_runs(p, heading, lay.font(f"heading{level}"), lay, placeholder, condense)
        for line in _lines(section.text):
            _add_runs(_paragraph(doc), line, body_font, lay, placeholder, condense)

    for line in _lines(report.closing):
        _add_runs(_paragraph(doc), line, body_font, lay, placeholder, condense)

    _add_signature(doc, report, lay, placeholder, condense)

    props = doc.core_properties
    props.title = report.title
    props.author = report.signature.unit or report.unit
    props.language = "zh-CN"
    props.comments = f"draftkit: {report.report_kind}, {report.year}"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    props.created = props.modified = now
    props.last_modified_by = "draftkit"
    props.revision = 1
    return doc


def title_lines(title: str, layout: Layout | None = None) -> list[str]:
    """The title as printed: one line when it fits, else two lines broken at a sensible place.

    A title that fills the line (less than a character to spare) is broken where the words allow
    (before the year or "关于", after the organisation's name; lists in the layout file), choosing
    the most balanced such break whose halves both fit; failing that, at the most balanced point
    that splits no number. Word then never leaves one character on a line of its own. Explicit line
    breaks ("\n") in the title are kept.
    """
    lay = layout or load_layout()
    title = title.strip(_STRIP)
    if "\n" in title:
        return [part.strip(_STRIP) for part in title.split("\n") if part.strip(_STRIP)]
    capacity = lay.text_width_twips() / TWIPS_PER_PT / lay.font("title").size_pt - 1
    if text_width_chars(title) <= capacity:
        return [title]

    def balance(i: int) -> float:
        # A first line a little longer than the second (a "trapezium", as the standard likes).
        return abs(text_width_chars(title[:i]) - text_width_chars(title[i:]) - 0.5)

    def fits(i: int) -> bool:
        return max(text_width_chars(title[:i]), text_width_chars(title[i:])) <= capacity

    preferred: set[int] = {m.start() for m in re.finditer(r"(19|20)\d{2}\s*年", title)}
    for word in lay.title_break_before:
        preferred |= {m.start() for m in re.finditer(re.escape(word), title)}
    for word in lay.title_break_after:
        preferred |= {m.end() for m in re.finditer(re.escape(word), title)}
    good = sorted((balance(i), i) for i in preferred if 0 < i < len(title) and fits(i))
    if good:
        i = good[0][1]
        return [title[:i], title[i:]]
    fallback = sorted(
        (balance(i), i)
        for i in range(1, len(title))
        if not (title[i - 1].isdigit() and title[i].isdigit()) and title[i] not in "，、。：；”）》"
    )
    if not fallback:
        return [title]
    i = fallback[0][1]
    return [title[:i], title[i:]]


def signature_indents(unit: str, date_text: str) -> tuple[float, float]:
    """Right indents (in characters) of the unit and date lines of an unstamped document.

    GB/T 9704-2012 7.3.5.2: the unit sits two characters in from the right; the date starts two
    characters right of the unit's first character; if that would bring the date closer than two
    characters to the margin, the date sits two characters in and the unit moves left to match.
    """
    u, d = text_width_chars(unit), text_width_chars(date_text)
    if not unit:
        return 0.0, 2.0
    unit_right = 2.0
    date_right = unit_right + u - 2.0 - d
    if date_right < 2.0:
        date_right = 2.0
        unit_right = date_right + d + 2.0 - u
    return unit_right, date_right


# ----------------------------------------------------------------------------------------------
# document set-up: page, grid, styles, settings, footers


def _setup_document(doc: DocxDocument, lay: Layout) -> None:
    _setup_page(doc, lay)
    _setup_styles(doc, lay)
    _setup_settings(doc)
    _setup_footers(doc, lay)


def _setup_page(doc: DocxDocument, lay: Layout) -> None:
    w, h = lay.page_twips()
    m = lay.margins_twips()
    for section in doc.sections:
        section.page_width, section.page_height = Twips(w), Twips(h)
        section.top_margin, section.bottom_margin = Twips(m["top"]), Twips(m["bottom"])
        section.left_margin, section.right_margin = Twips(m["left"]), Twips(m["right"])
        section.header_distance = Twips(round(lay.header_distance_mm * 1440 / 25.4))
        section.footer_distance = Twips(round(lay.footer_distance_mm * 1440 / 25.4))
        section.gutter = Twips(0)
        sect_pr = section._sectPr
        grid = sect_pr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sect_pr.append(grid)
        grid.attrib.clear()
        grid.set(qn("w:type"), "linesAndChars")
        grid.set(qn("w:linePitch"), str(lay.grid.line_pitch_twips))
        grid.set(qn("w:charSpace"), str(lay.char_space()))


def _setup_settings(doc: DocxDocument) -> None:
    doc.settings.odd_and_even_pages_header_footer = True
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def _setup_styles(doc: DocxDocument, lay: Layout) -> None:
    styles = doc.styles
    root = styles.element
    body = lay.font("body")
    line = lay.grid.line_pitch_twips
    indent_chars = round(lay.first_line_indent_chars * 100)
    indent_twips = lay.first_line_indent_twips()

    # Document defaults: the body font with no theme fonts, Chinese language, no paragraph spacing.
    defaults = root.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None:
            _replace_child(rpr_default, _rpr(body, lang=True))
        ppr_default = defaults.find(qn("w:pPrDefault"))
        if ppr_default is not None:
            _replace_child(ppr_default, _ppr(spacing=(0, 0, 240, "auto")))

    condense = lay.char_spacing_twips()
    # Body paragraphs keep exact line spacing (22 lines) and reach 28 characters a line by condensed
    # character spacing instead of snapping to the character grid (see Layout.char_spacing_twips).
    _restyle(
        styles["Normal"],
        _ppr(
            widow_control=False,
            snap_to_grid=False,
            spacing=(0, 0, line, "exact"),
            indent=(indent_chars, indent_twips),
            jc="both",
        ),
        _rpr(body, char_spacing=condense),
    )
    _restyle(
        styles["Title"],
        _ppr(
            widow_control=False,
            spacing=(0, lay.title_space_after_twips, line, "exact"),
            indent=(0, 0),
            jc="center",
        ),
        _rpr(lay.font("title")),
    )
    for level, name in _HEADING_STYLES.items():
        # Headings keep the body's indent and line spacing; keep-with-next only (no keepLines, no
        # spacing before), so a heading never ends a page alone and never opens a gap.
        _restyle(
            styles[name],
            _ppr(keep_next=True, widow_control=False, spacing=(0, 0, None, None), outline_level=level - 1),
            _rpr(lay.font(f"heading{level}"), char_spacing=condense),
        )
    number = lay.font("page_number")
    _restyle(
        styles["Footer"],
        _ppr(widow_control=False, spacing=(0, 0, 240, "auto"), indent=(0, 0), snap_to_grid=False),
        _rpr(number),
    )
    _restyle(
        styles["Header"],
        _ppr(widow_control=False, spacing=(0, 0, 240, "auto"), indent=(0, 0), snap_to_grid=False),
        _rpr(number),
    )


def _restyle(style, ppr: etree._Element, rpr: etree._Element) -> None:
    """Give ``style`` exactly ``ppr``/``rpr``; its linked character style gets the same fonts."""
    el = style.element
    for tag in ("w:pPr", "w:rPr"):
        for old in el.findall(qn(tag)):
            el.remove(old)
    el.append(ppr)
    el.append(rpr)
    link = el.find(qn("w:link"))
    if link is not None:
        linked = _style_by_id(el.getparent(), link.get(qn("w:val")))
        if linked is not None:
            for old in linked.findall(qn("w:rPr")):
                linked.remove(old)
            linked.append(etree.fromstring(etree.tostring(rpr)))


def _style_by_id(styles_root: etree._Element | None, style_id: str | None) -> etree._Element | None:
    if styles_root is None or not style_id:
        return None
    for el in styles_root.iterfind(qn("w:style")):
        if el.get(qn("w:styleId")) == style_id:
            return el
    return None


def _replace_child(parent: etree._Element, child: etree._Element) -> None:
    for old in parent.findall(child.tag):
        parent.remove(old)
    parent.append(child)


def _setup_footers(doc: DocxDocument, lay: Layout) -> None:
    indent = lay.page_number.indent_chars
    number = lay.font("page_number")
    char_twips = round(number.size_pt * 20)
    for section in doc.sections:
        odd = section.footer
        odd.is_linked_to_previous = False
        _page_number_paragraph(odd.paragraphs[0], lay, number, "right", indent, char_twips)
        even = section.even_page_footer
        even.is_linked_to_previous = False
        _page_number_paragraph(even.paragraphs[0], lay, number, "left", indent, char_twips)


def _page_number_paragraph(
    p: Paragraph, lay: Layout, font: FontSpec, side: str, indent_chars: float, char_twips: int
) -> None:
    p.style = "Footer"
    ppr = p._p.get_or_add_pPr()
    jc = OxmlElement("w:jc")
    jc.set(qn("w:val"), side)
    ind = OxmlElement("w:ind")
    ind.set(qn(f"w:{side}Chars"), str(round(indent_chars * 100)))
    ind.set(qn(f"w:{side}"), str(round(indent_chars * char_twips)))
    ind.set(qn("w:firstLineChars"), "0")
    ind.set(qn("w:firstLine"), "0")
    ppr.append(ind)
    ppr.append(jc)
    before, _, after = lay.page_number.format.partition("{page}")
    if before:
        p._p.append(_run(before, font))
    p._p.append(_field_run(font, "w:fldChar", {"w:fldCharType": "begin"}))
    p._p.append(_field_run(font, "w:instrText", {"xml:space": "preserve"}, " PAGE "))
    p._p.append(_field_run(font, "w:fldChar", {"w:fldCharType": "separate"}))
    p._p.append(_run("1", font))
    p._p.append(_field_run(font, "w:fldChar", {"w:fldCharType": "end"}))
    if after:
        p._p.append(_run(after, font))


# ----------------------------------------------------------------------------------------------
# body content


def _paragraph(doc: DocxDocument, style_id: str | None = None) -> Paragraph:
    """A new paragraph at the end of the body with style ``style_id`` (None: Normal, the default).

    Sets the style id directly: python-docx's ``add_paragraph(style=name)`` looks the name up among
    all styles on every call, which was most of the export's time.
    """
    p = doc.element.body.add_p()
    if style_id is not None:
        p.get_or_add_pPr().style = style_id
    return Paragraph(p, doc._body)


def _lines(text: str | None) -> Iterable[str]:
    for raw in (text or "").split("\n"):
        line = raw.strip(_STRIP)
        if line:
            yield line


def _add_runs(
    p: Paragraph, text: str, font: FontSpec, lay: Layout, placeholder: re.Pattern[str], condense: int = 0
) -> None:
    """Append ``text`` as runs: 【待…】 markers in their own highlighted bold runs, "\n" as a line break
    (control characters an edit left, such as Word's U+000B, become line breaks or go: XML refuses them)."""
    for piece_no, piece in enumerate(clean_control_chars(text).split("\n")):
        if piece_no:
            br = OxmlElement("w:r")
            br.append(_rpr(font, hint=True, char_spacing=condense))
            br.append(OxmlElement("w:br"))
            p._p.append(br)
        for chunk, is_marker in split_placeholders(piece, placeholder):
            p._p.append(
                _run(
                    chunk, font, marker=is_marker, highlight=lay.placeholder_highlight, char_spacing=condense
                )
            )


def _add_signature(
    doc: DocxDocument, report: Report, lay: Layout, placeholder: re.Pattern[str], condense: int
) -> None:
    unit = (report.signature.unit or report.unit or "").strip(_STRIP)
    date_text = lay.format_date(report.signature.date, getattr(report.signature, "date_text", None))
    unit_right, date_right = signature_indents(unit, date_text)
    body = lay.font("body")
    # The signature never stands alone on a page: the end of the text, the blank line and the
    # unit are each kept with what follows, so a page break pulls the last text line along.
    if doc.paragraphs:
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    blank = _paragraph(doc)  # the customary blank line between text and signature
    blank.paragraph_format.keep_with_next = True
    lines = [(text, right) for text, right in ((unit, unit_right), (date_text, date_right)) if text]
    for i, (text, right) in enumerate(lines):
        p = _paragraph(doc)
        if i < len(lines) - 1:
            p.paragraph_format.keep_with_next = True
        ppr = p._p.get_or_add_pPr()
        ind = OxmlElement("w:ind")
        ind.set(qn("w:rightChars"), str(round(right * 100)))
        ind.set(qn("w:right"), str(round(right * body.size_pt * 20)))
        ind.set(qn("w:firstLineChars"), "0")
        ind.set(qn("w:firstLine"), "0")
        jc = OxmlElement("w:jc")
        jc.set(qn("w:val"), "right")
        ppr.append(ind)
        ppr.append(jc)
        _add_runs(p, text, body, lay, placeholder, condense)


# ----------------------------------------------------------------------------------------------
# XML builders (children in schema order: Word rejects out-of-order properties)


def _ppr(
    *,
    keep_next: bool | None = None,
    widow_control: bool | None = None,
    snap_to_grid: bool | None = None,
    spacing: tuple[int | None, int | None, int | None, str | None] | None = None,
    indent: tuple[int, int] | None = None,
    jc: str | None = None,
    outline_level: int | None = None,
) -> etree._Element:
    ppr = OxmlElement("w:pPr")
    if keep_next:
        ppr.append(OxmlElement("w:keepNext"))
    if widow_control is not None:
        ppr.append(_val("w:widowControl", "1" if widow_control else "0"))
    if snap_to_grid is not None:
        ppr.append(_val("w:snapToGrid", "1" if snap_to_grid else "0"))
    if spacing is not None:
        before, after, line, rule = spacing
        sp = OxmlElement("w:spacing")
        if before is not None:
            sp.set(qn("w:before"), str(before))
            sp.set(qn("w:beforeLines"), "0")
        if after is not None:
            sp.set(qn("w:after"), str(after))
            sp.set(qn("w:afterLines"), "0")
        if line is not None:
            sp.set(qn("w:line"), str(line))
            sp.set(qn("w:lineRule"), rule or "auto")
        ppr.append(sp)
    if indent is not None:
        chars, twips = indent
        ind = OxmlElement("w:ind")
        ind.set(qn("w:firstLineChars"), str(chars))
        ind.set(qn("w:firstLine"), str(twips))
        ppr.append(ind)
    if jc is not None:
        ppr.append(_val("w:jc", jc))
    if outline_level is not None:
        ppr.append(_val("w:outlineLvl", str(outline_level)))
    return ppr


def _rpr(
    font: FontSpec,
    *,
    hint: bool = False,
    bold: bool = False,
    char_spacing: int = 0,
    highlight: str | None = None,
    lang: bool = False,
) -> etree._Element:
    rpr = OxmlElement("w:rPr")
    fonts = OxmlElement("w:rFonts")
    fonts.set(qn("w:ascii"), font.latin)
    fonts.set(qn("w:hAnsi"), font.latin)
    fonts.set(qn("w:eastAsia"), font.east_asia)
    fonts.set(qn("w:cs"), font.latin)
    if hint:
        fonts.set(qn("w:hint"), "eastAsia")
    rpr.append(fonts)
    rpr.append(_val("w:b", "1" if bold else "0"))
    rpr.append(_val("w:bCs", "1" if bold else "0"))
    rpr.append(_val("w:i", "0"))
    rpr.append(_val("w:iCs", "0"))
    rpr.append(_val("w:color", "000000"))
    if char_spacing:
        rpr.append(_val("w:spacing", str(char_spacing)))
    rpr.append(_val("w:sz", str(font.half_points)))
    rpr.append(_val("w:szCs", str(font.half_points)))
    if highlight:
        rpr.append(_val("w:highlight", highlight))
    if lang:
        el = OxmlElement("w:lang")
        el.set(qn("w:val"), "en-US")
        el.set(qn("w:eastAsia"), "zh-CN")
        el.set(qn("w:bidi"), "ar-SA")
        rpr.append(el)
    return rpr


def _run(
    text: str, font: FontSpec, *, marker: bool = False, highlight: str = "yellow", char_spacing: int = 0
) -> etree._Element:
    r = OxmlElement("w:r")
    r.append(
        _rpr(font, hint=True, bold=marker, char_spacing=char_spacing, highlight=highlight if marker else None)
    )
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    r.append(t)
    return r


def _field_run(font: FontSpec, tag: str, attrs: dict[str, str], text: str | None = None) -> etree._Element:
    """One run of a field (ECMA-376 17.16.18): a ``w:fldChar`` (begin, separate, end) or the
    ``w:instrText`` (" PAGE "), in ``font``."""
    r = OxmlElement("w:r")
    r.append(_rpr(font, hint=True))
    el = OxmlElement(tag)
    for name, value in attrs.items():
        el.set(qn(name), value)
    if text is not None:
        el.text = text
    r.append(el)
    return r


def _val(tag: str, value: str) -> etree._Element:
    el = OxmlElement(tag)
    el.set(qn("w:val"), value)
    return el
