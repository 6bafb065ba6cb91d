"""A ``Report`` as Markdown or as plain text.

Markdown: ``# title``, ``## 一、…`` (level 1), ``### （一）…`` (level 2), ``####`` below; body
paragraphs separated by blank lines; the signature (unit, date) as the last two paragraphs.
Plain text: the way a secretary pastes into Word/WPS — title, then every paragraph and heading on
its own line indented by two full-width spaces, a blank line, the unit and the date.
"""

from __future__ import annotations

import re

from draftkit.export.layout import Layout, load_layout
from draftkit.report import Report

_STRIP = " \t\u3000\r"
_INDENT = "\u3000\u3000"
# Line starts Markdown would read as syntax: headings, quotes, list items, rules, code fences.
_MD_LINE_START = re.compile(r"^(#{1,6}\s|>|[-+*]\s|\d+[.)]\s|[-*_]{3,}\s*$|```|~~~|\|)")
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|])")


def export_markdown(report: Report, layout: Layout | None = None) -> str:
    """The report as Markdown (UTF-8 text, ends with a newline)."""
    lay = layout or load_layout()
    blocks: list[str] = [f"# {_md_inline(report.title.strip(_STRIP))}"]
    blocks += [_md_paragraph(line) for line in _lines(report.opening)]
    for section in report.sections:
        heading = section.heading.strip(_STRIP)
        if heading:
            level = min(max(section.level, 1), 4)
            blocks.append(f"{'#' * (level + 1)} {_md_inline(heading)}")
        blocks += [_md_paragraph(line) for line in _lines(section.text)]
    blocks += [_md_paragraph(line) for line in _lines(report.closing)]
    blocks += [_md_paragraph(line) for line in _signature(report, lay)]
    return "\n\n".join(b for b in blocks if b) + "\n"


def export_text(report: Report, layout: Layout | None = None) -> str:
    """The report as plain text (ends with a newline)."""
    lay = layout or load_layout()
    out: list[str] = [report.title.strip(_STRIP), ""]
    out += [_INDENT + line for line in _lines(report.opening)]
    for section in report.sections:
        heading = section.heading.strip(_STRIP)
        if heading:
            out.append(_INDENT + heading)
        out += [_INDENT + line for line in _lines(section.text)]
    out += [_INDENT + line for line in _lines(report.closing)]
    out.append("")
    out += _signature(report, lay)
    return "\n".join(out) + "\n"


def _lines(text: str | None) -> list[str]:
    return [s for s in (raw.strip(_STRIP) for raw in (text or "").split("\n")) if s]


def _signature(report: Report, lay: Layout) -> list[str]:
    unit = (report.signature.unit or report.unit or "").strip(_STRIP)
    return [
        s
        for s in (unit, lay.format_date(report.signature.date, getattr(report.signature, "date_text", None)))
        if s
    ]


def _md_inline(text: str) -> str:
    return _MD_INLINE.sub(r"\\\1", text)


def _md_paragraph(text: str) -> str:
    text = _md_inline(text)
    if _MD_LINE_START.match(text):
        # "1. 加强……" in a body paragraph stays text, not a numbered list
        m = re.match(r"^(\d+)([.)])", text)
        text = f"{m.group(1)}\\{m.group(2)}{text[m.end() :]}" if m else "\\" + text
    return text
