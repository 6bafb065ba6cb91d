"""The residue check: what a template or a copied web page left in the report.

* ``residue.placeholder`` (P0): masked or unfilled words — ``XX``/``xx``, ``X名``, ``**``,
  ``【待补充……】``; ``residue.letter_mask`` (P1): "D建"-style masks and "特色.主义" dots.
* ``residue.furniture`` / ``residue.ad`` / ``residue.page_marker`` / ``residue.file_name`` /
  ``residue.appended_document``: 文库-site furniture, found by the ingest cleaning rules
  themselves (:mod:`draftkit.ingest.clean`, phrase list ``prompts/cleaning.yaml``) run on the
  raw text, so review and ingestion agree on what furniture is.
* ``residue.duplicate`` (P1): a paragraph repeated word for word.
* ``residue.masked_name`` (P1): a leader's name dropped from a fixed phrase ("以习新时代中国特色社会主义
  思想为指导", "用新时代……思想武装头脑"; ``residue.masked_names`` in ``prompts/checks.yaml``), with the
  full phrase as the fix.
* ``residue.heading_gap`` / ``residue.heading_first`` / ``residue.heading_disorder`` (P1):
  heading numbers that skip (一、 then 三、), start late, or go back ((二) before (一)).
* ``residue.convert_error`` (P1): words that 文库 sites' converters put in place of the right
  ones (效劳 for 服务, 原那么 for 原则, 根底 for 基础 …; ``residue.convert_errors`` in
  ``prompts/checks.yaml``), each with its correction. Ingestion keeps them as written (they are
  the source's words); in a report under review they are both an error and a sign of copying.

Half-width punctuation between Chinese characters is the proofreading check's
(``proofread.punct``, :mod:`draftkit.checks.proofread`). Placeholders, furniture and convert errors are looked for in the raw text (the file as
submitted, ``ReportText.residue_paragraphs``); duplicates and headings in the cleaned
paragraphs, where page markers no longer cut sentences. Everything is linear in the text.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path
from typing import Any

from draftkit.checks.data import checks_data
from draftkit.checks.document import Paragraph, ReportText
from draftkit.checks.models import Finding
from draftkit.config import load_data_as
from draftkit.ingest import clean
from draftkit.ingest.clean import find_placeholders
from draftkit.zh import heading_label, normalize

CHECK = "residue"
MIN_DUPLICATE_CHARS = 15  # shorter repeated lines ("一、基本情况") are not reported


_REMOVAL_RULES: dict[str, tuple[str, str]] = {  # ingest rule → (finding rule, severity)
    "furniture": ("residue.furniture", "P0"),
    "ad": ("residue.ad", "P0"),
    "hidden_text": ("residue.ad", "P0"),
    "page_marker": ("residue.page_marker", "P1"),
    "file_name": ("residue.file_name", "P1"),
    "document_separator": ("residue.furniture", "P1"),
    "appended_document": ("residue.appended_document", "P0"),
}


def _msg(rule: str, **kw: Any) -> str:
    return checks_data()["messages"][rule].format(**kw)


def _short(s: str, n: int = 30) -> str:
    s = s.strip()
    return s if len(s) <= n else s[:n] + "……"


class _Located:
    """Offsets in the paragraphs joined by newlines → (paragraph, span)."""

    def __init__(self, paragraphs: list[Paragraph]):
        self.paragraphs = paragraphs
        self.starts: list[int] = []
        pos = 0
        for p in paragraphs:
            self.starts.append(pos)
            pos += len(p.text) + 1
        self.text = "\n".join(p.text for p in paragraphs)

    def locate(self, start: int, end: int) -> tuple[Paragraph, int, int]:
        i = max(0, bisect.bisect_right(self.starts, start) - 1)
        p = self.paragraphs[i]
        s = start - self.starts[i]
        return p, max(0, s), max(0, min(len(p.text), end - self.starts[i]))


def check_residue(doc: ReportText | str | Any) -> list[Finding]:
    """Placeholders, site furniture, convert errors, duplicated paragraphs, heading numbering."""
    rt = ReportText.from_text(doc, detect=False) if isinstance(doc, str) else ReportText.coerce(doc)
    findings: list[Finding] = []
    raw_paras = rt.residue_paragraphs
    if raw_paras:
        raw = rt.raw_paragraphs is not None
        loc = _Located(raw_paras)
        furniture = _furniture(loc, raw)
        findings += furniture
        findings += _placeholders(loc, raw, [(f.paragraph, f.span) for f in furniture])
        findings += _convert_errors(raw_paras, raw, furniture_paragraphs(furniture))
        findings += _masked_names(raw_paras, raw, furniture_paragraphs(furniture))
    findings += _duplicates(rt.paragraphs)
    findings += _headings(rt.paragraphs)
    return findings


def furniture_paragraphs(findings: list[Finding]) -> set[int | None]:
    """The paragraphs that are site furniture lines (reported as such; the text checks skip them)."""
    return {f.paragraph for f in findings if f.rule == "residue.furniture"}


def _finding(p: Paragraph, rule: str, severity: str, s: int, e: int, message: str, suggestion: str | None,
             raw: bool) -> Finding:
    return Finding(check=CHECK, severity=severity, rule=rule, section=p.section, paragraph=p.index, span=(s, e),
                   text=p.text[s:e], message=message, suggestion=suggestion, raw=raw)


# --------------------------------------------------------------------------- furniture (ingest's rules)
def _furniture(loc: _Located, raw: bool) -> list[Finding]:
    text = loc.text
    removals = []
    _, rem = clean.strip_furniture(text)
    removals += rem
    # blank the furniture lines (same length) so the later rules see the report as ingestion does
    blanked = list(text)
    for r in rem:
        for i in range(r.start, min(len(text), r.start + len(r.text))):
            if blanked[i] != "\n":
                blanked[i] = " "
    blanked_text = "".join(blanked)
    for rule in (clean.strip_inline_ads, clean.split_hidden_text, clean.join_page_markers, clean.split_documents, clean.strip_foreign_tail):
        _, rem = rule(blanked_text)
        removals += rem
    out: list[Finding] = []
    sug = _msg("residue.suggest_furniture")
    for r in sorted(removals, key=lambda r: r.start):
        mapped = _REMOVAL_RULES.get(r.rule)
        if mapped is None:
            continue
        rule, severity = mapped
        shown = text[r.start : r.start + len(r.text)]
        if not shown.strip():
            continue
        lead = len(shown) - len(shown.lstrip())
        start = r.start + lead
        end = r.start + len(shown.rstrip())
        if rule == "residue.appended_document":
            end = text.find("\n", start) if "\n" in text[start:] else len(text)
        p, s, e = loc.locate(start, end)
        out.append(_finding(p, rule, severity, s, e, _msg(rule, text=_short(shown, 20 if rule.endswith("document") else 30)),
                            sug, raw))
    return out


# --------------------------------------------------------------------------- placeholders
def _placeholders(loc: _Located, raw: bool, furniture: list[tuple[int | None, tuple[int, int]]]) -> list[Finding]:
    text = loc.text
    hits: list[tuple[int, int, str]] = [(p.start, p.end, p.kind) for p in find_placeholders(text)]
    for pat in checks_data().get("residue", {}).get("extra_placeholders", []):
        hits += [(m.start(), m.end(), "template") for m in re.finditer(pat, text)]
    hits.sort()
    in_furniture: dict[int, list[tuple[int, int]]] = {}
    for para, span in furniture:
        if para is not None:
            in_furniture.setdefault(para, []).append(span)
    out: list[Finding] = []
    last_end = -1
    sug = _msg("residue.suggest_placeholder")
    for start, end, kind in hits:
        if start < last_end:
            continue
        last_end = end
        p, s, e = loc.locate(start, end)
        if any(a <= s < b for a, b in in_furniture.get(p.index, [])):
            continue
        shown = p.text[s:e]
        if kind in ("letter_mask", "dotted"):
            out.append(_finding(p, "residue.letter_mask", "P1", s, e,
                                _msg("residue.letter_mask", text=p.text[max(0, s - 2) : e + 2]), sug, raw))
            continue
        lone = kind == "xx" and len(shown) == 1  # "X+N": a lone X before a Han character
        out.append(_finding(p, "residue.placeholder", "P1" if lone else "P0", s, e,
                            _msg("residue.placeholder", text=p.text[s : e + 1] if kind == "x_count" else shown),
                            sug, raw))
    return out


# --------------------------------------------------------------------------- convert errors
def _compile_pairs(data: Any, path: Path) -> dict[str, list[tuple[re.Pattern[str], str]]]:
    """The (pattern, fix) lists of ``residue`` in checks.yaml, compiled: convert_errors, masked_names."""
    residue = data.get("residue", {})
    return {key: [(re.compile(str(pat)), str(fix)) for pat, fix in residue.get(key, [])]
            for key in ("convert_errors", "masked_names")}


def _convert_rules() -> list[tuple[re.Pattern[str], str]]:
    return load_data_as("checks.yaml", _compile_pairs)["convert_errors"]


def fix_convert_errors(text: str) -> str:
    """``text`` with the convert errors of ``residue.convert_errors`` put right (效劳 → 服务 …).

    Used where a past passage is shown to a model as a style example, so the model does not learn
    the converters' words; the index and the exemplar cards keep the source as written.
    """
    for rx, fix in _convert_rules():
        text = rx.sub(lambda m, fix=fix: m.expand(fix), text)
    return text


def _convert_errors(paragraphs: list[Paragraph], raw: bool, skip: set[int | None]) -> list[Finding]:
    compiled = _convert_rules()
    out: list[Finding] = []
    for p in paragraphs:
        if p.index in skip:
            continue
        spans: list[tuple[int, int, str]] = []
        for rx, fix in compiled:
            for m in rx.finditer(p.text):
                if m.end() > m.start():
                    spans.append((m.start(), m.end(), m.expand(fix)))
        spans.sort(key=lambda t: (t[0], -(t[1] - t[0])))
        last_end = -1
        for s, e, fix in spans:
            if s < last_end:  # overlapping rules ("存在的缺乏" and "的缺乏"): the longer one reports
                continue
            last_end = e
            found = _finding(p, "residue.convert_error", "P1", s, e, _msg("residue.convert_error", text=p.text[s:e], fix=fix),
                             _msg("residue.suggest_convert_error", fix=fix), raw)
            out.append(found.model_copy(update={"replacement": fix}))
    return out


def _masked_names(paragraphs: list[Paragraph], raw: bool, skip: set[int | None]) -> list[Finding]:
    """``residue.masked_name`` (P1): a leader's name dropped from a fixed phrase (``residue.masked_names``)."""
    compiled = load_data_as("checks.yaml", _compile_pairs)["masked_names"]
    out: list[Finding] = []
    for p in paragraphs:
        if p.index in skip:
            continue
        taken: list[tuple[int, int]] = []
        for rx, fix in compiled:
            for m in rx.finditer(p.text):
                s, e = m.span()
                if any(a < e and s < b for a, b in taken):
                    continue
                taken.append((s, e))
                out.append(_finding(p, "residue.masked_name", "P1", s, e,
                                    _msg("residue.masked_name", text=m.group(0), fix=fix),
                                    _msg("residue.suggest_masked_name", fix=fix), raw))
    return out


# --------------------------------------------------------------------------- duplicates
def _duplicates(paragraphs: list[Paragraph]) -> list[Finding]:
    seen: dict[str, int] = {}
    out: list[Finding] = []
    for p in paragraphs:
        key = normalize(p.text)
        if len(key) < MIN_DUPLICATE_CHARS:
            continue
        if key in seen:
            out.append(_finding(p, "residue.duplicate", "P1", 0, len(p.text),
                                _msg("residue.duplicate", first=seen[key] + 1), _msg("residue.suggest_duplicate"),
                                False))
        else:
            seen[key] = p.index
    return out


# --------------------------------------------------------------------------- heading numbering
def _headings(paragraphs: list[Paragraph]) -> list[Finding]:
    last: dict[int, tuple[int, str]] = {}  # level → (number, label) of the last heading under the current parent
    out: list[Finding] = []
    for p in paragraphs:
        level, n, label = p.heading_level, p.heading_number, p.heading_label
        if level is None or n is None or label is None:
            continue
        for deeper in [lv for lv in last if lv > level]:
            del last[deeper]
        prev = last.get(level)
        s = max(0, p.text.find(label))
        e = s + len(label)
        if prev is None:
            if n != 1:
                expected = heading_label(level, 1)
                out.append(_finding(p, "residue.heading_first", "P1", s, e,
                                    _msg("residue.heading_first", label=label, expected=expected),
                                    _msg("residue.suggest_heading", expected=expected), False))
        elif n == prev[0] + 1:
            pass
        elif n > prev[0] + 1:
            missing = "、".join(f"“{heading_label(level, k)}”" for k in range(prev[0] + 1, min(n, prev[0] + 4)))
            out.append(_finding(p, "residue.heading_gap", "P1", s, e,
                                _msg("residue.heading_gap", prev=prev[1], label=label, missing=missing),
                                _msg("residue.suggest_heading", expected=heading_label(level, prev[0] + 1)), False))
        else:
            out.append(_finding(p, "residue.heading_disorder", "P1", s, e,
                                _msg("residue.heading_disorder", prev=prev[1], label=label),
                                _msg("residue.suggest_heading", expected=heading_label(level, prev[0] + 1)), False))
        last[level] = (n, label)
    return out
