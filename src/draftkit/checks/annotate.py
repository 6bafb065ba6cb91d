"""Findings written into a copy of the reviewer's own Word file: comments, and tracked changes.

:func:`annotate_docx` checks a .docx (or takes a :class:`~draftkit.checks.models.CheckResult` of it)
and writes a copy in which each finding is a Word comment (author ``draftkit``) anchored at its
exact span: the runs of the paragraph are split at the span's ends (each piece keeps its run
properties) and ``w:commentRangeStart`` / ``w:commentRangeEnd`` go around the pieces. With
``fix="tracked"``, a finding with a certain fix (``Finding.replacement``: half-width punctuation,
文库 convert errors, typos with one right form, dates, …) also becomes a tracked change — the span's
runs inside ``w:del`` (their text as ``w:delText``) followed by ``w:ins`` with the fix in the first
run's properties — which the reviewer accepts or rejects in Word or WPS.

Findings point at the checked text's paragraphs, which are not always the file's (the cleaning
rejoins lines a 文库 page break cut, Word list numbers are written into the text); each finding is
found again in the file's paragraphs by its words and the words around them. A span that cannot be
found, or that lies in a field (a page number, a hyperlink's field code …), is anchored at its
whole paragraph and the comment says so; a finding about the whole report is anchored at the first
paragraph. The original file is only read; everything else in the copy (paragraph and run
properties, tables, sections, headers) is left as it was.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree
from pydantic import BaseModel

from draftkit.checks.data import checks_data
from draftkit.checks.document import CheckInputError, ReportText
from draftkit.checks.models import CheckResult, Finding
from draftkit.checks.runner import run_checks

AUTHOR = "draftkit"
INITIALS = "dk"
FIX_MODES = ("tracked",)
_CONTEXTS = (12, 6, 3, 0)  # characters of context tried, each side, when finding a span again
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class AnnotateError(CheckInputError):
    """The copy cannot be written (same path as the original, not a .docx …): names the file and the problem."""


class AnnotateResult(BaseModel):
    """What was written: the copy's path, comments made (exactly anchored or at a paragraph), tracked changes."""

    path: str
    findings: int
    comments: int
    exact: int
    paragraph_level: int
    tracked: int


# --------------------------------------------------------------------------- the file's paragraphs
@dataclass
class _Char:
    run: etree._Element
    child: etree._Element  # the w:t (or w:tab, w:br …) the character comes from
    offset: int  # inside child's text (0 for a tab or break)
    in_field: bool
    is_text: bool  # from a w:t (can be split and replaced)


@dataclass
class _Para:
    el: etree._Element
    chars: list[_Char] = field(default_factory=list)

    @property
    def text(self) -> str:
        out = []
        for c in self.chars:
            if c.is_text:
                out.append(c.child.text[c.offset])
            else:
                out.append("\t" if c.child.tag == qn("w:tab") else "\n")
        return "".join(out)


def _own_runs(p: etree._Element, ours: frozenset = frozenset()) -> list[etree._Element]:
    """The runs whose paragraph is ``p`` (not a text box's inside it), deleted text left out.

    ``ours``: the w:del / w:ins elements this annotation made: the text it deleted still counts and
    the text it inserted does not, so offsets stay those of the original paragraph."""
    out = []
    for r in p.iter(qn("w:r")):
        skip = False
        for a in r.iterancestors():
            if a is p:
                break
            if a in ours:
                skip = a.tag == qn("w:ins")
                break
            if a.tag in (qn("w:p"), qn("w:del"), qn("w:txbxContent")):
                skip = True
                break
        if not skip:
            out.append(r)
    return out


def _read_para(p: etree._Element, ours: frozenset = frozenset()) -> _Para:
    para = _Para(p)
    depth = 0  # complex fields: begin … separate … end; the result text is the field's
    for r in _own_runs(p, ours):
        in_simple = any(a.tag == qn("w:fldSimple") for a in r.iterancestors(qn("w:fldSimple")))
        for child in r:
            tag = child.tag
            if tag == qn("w:fldChar"):
                kind = child.get(qn("w:fldCharType"))
                depth += 1 if kind == "begin" else -1 if kind == "end" else 0
                depth = max(depth, 0)
            elif tag in (qn("w:t"), qn("w:delText")):
                for i in range(len(child.text or "")):
                    para.chars.append(_Char(r, child, i, depth > 0 or in_simple, True))
            elif tag in (qn("w:tab"), qn("w:br"), qn("w:cr")):
                para.chars.append(_Char(r, child, 0, depth > 0 or in_simple, False))
    return para


def _body_paragraphs(doc: Any) -> list[etree._Element]:
    """Every paragraph of the body in document order, table cells included, text boxes left out."""
    body = doc.element.body
    return [p for p in body.iter(qn("w:p")) if not any(a.tag == qn("w:txbxContent") for a in p.iterancestors())]


# --------------------------------------------------------------------------- finding a span again
#: One character for one, so offsets carry over: the cleaning writes half-width marks full-width and
#: full-width letters and digits half-width, and the findings on the cleaned text are looked for in the file.
_FOLD = str.maketrans({**{a: b for a, b in zip(",;:?!()", "，；：？！（）", strict=True)},
                       **{chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF5B)}, "\u3000": " "})


def _fold(text: str) -> str:
    return text.translate(_FOLD)


class _Locator:
    """Maps the checked text's paragraphs to the file's, and spans inside them (compared folded, see _FOLD)."""

    def __init__(self, texts: list[str]):
        self.texts = [_fold(t) for t in texts]

    def map_paragraphs(self, paragraphs: list[str]) -> dict[int, int]:
        """Checked paragraph index → file paragraph index, in order (a repeated paragraph maps to its own copy)."""
        out: dict[int, int] = {}
        cursor = 0
        for i, t in enumerate(paragraphs):
            key = _fold(t).strip()
            if not key:
                continue
            for j in range(cursor, len(self.texts)):
                ft = self.texts[j].strip()
                if ft and (key in ft or (len(ft) >= 4 and ft in key)):
                    out[i] = j
                    cursor = j if key in ft and ft != key else j + 1
                    break
        return out

    def span(self, ptext: str, s: int, e: int, hint: int | None) -> tuple[int, int, int] | None:
        """(file paragraph, start, end) of ``ptext[s:e]``, by its words and their context; None when not found."""
        ptext = _fold(ptext)
        target = ptext[s:e]
        if not target:
            return None
        key = ptext.strip()
        if hint is not None and key:  # the checked paragraph is (inside) the file's: offsets carry over
            base = self.texts[hint].find(key)
            lead = len(ptext) - len(ptext.lstrip())
            if base != -1 and s >= lead and self.texts[hint][base + s - lead: base + e - lead] == target:
                return hint, base + s - lead, base + e - lead
        order = list(range(len(self.texts)))
        if hint is not None:  # look near the mapped paragraph first
            order.sort(key=lambda j: abs(j - hint))
        for k in _CONTEXTS:
            left, right = ptext[max(0, s - k):s], ptext[e:e + k]
            needle = left + target + right
            hits = []
            for j in order:
                pos = self.texts[j].find(needle)
                while pos != -1:
                    hits.append((j, pos + len(left)))
                    pos = self.texts[j].find(needle, pos + 1)
                if hits and hint is not None and k < max(_CONTEXTS):
                    break  # the nearest paragraph with this context wins
            if len(hits) == 1 or (hits and hint is not None):
                # the same words twice in one paragraph: the one nearest where the checked text has it
                j = hits[0][0]
                start = min((h for h in hits if h[0] == j), key=lambda h: abs(h[1] - s))[1]
                return j, start, start + len(target)
        return None


# --------------------------------------------------------------------------- editing runs
def _content_children(r: etree._Element) -> list[etree._Element]:
    return [c for c in r if c.tag != qn("w:rPr")]


def _split(para: _Para, pos: int) -> None:
    """Make ``pos`` (a character index) a run boundary, splitting the run there if needed."""
    if pos <= 0 or pos >= len(para.chars):
        return
    c = para.chars[pos]
    r, child = c.run, c.child
    content = _content_children(r)
    if c.offset == 0 and content and content[0] is child:
        return  # already the first thing in its run
    new_r = OxmlElement("w:r")  # python-docx's element classes, so its Run reads the pieces
    for name, value in r.attrib.items():
        new_r.set(name, value)
    rpr = r.find(qn("w:rPr"))
    if rpr is not None:
        new_r.append(copy.deepcopy(rpr))
    idx = content.index(child)
    moving = content[idx + 1:]
    if c.offset > 0:
        text = child.text or ""
        child.text = text[: c.offset]
        child.set(_XML_SPACE, "preserve")
        t2 = OxmlElement("w:t" if child.tag == qn("w:t") else "w:delText")
        t2.set(_XML_SPACE, "preserve")
        t2.text = text[c.offset:]
        new_r.append(t2)
    else:
        moving = content[idx:]
    for m in moving:
        new_r.append(m)  # moves it
    r.addnext(new_r)


def _runs_between(para: _Para, s: int, e: int) -> list[etree._Element]:
    out: list[etree._Element] = []
    for c in para.chars[s:e]:
        if not out or out[-1] is not c.run:
            out.append(c.run)
    return out


class _Writer:
    def __init__(self, doc: Any, fix: str | None):
        self.doc = doc
        self.fix = fix
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        ids = [int(v) for v in doc.element.xpath("//w:ins/@w:id | //w:del/@w:id") if str(v).isdigit()]
        self.next_id = max(ids, default=0) + 1000
        self.tracked_spans: dict[int, list[tuple[int, int]]] = {}  # paragraph → spans already tracked
        self.ours: set[etree._Element] = set()  # the w:del / w:ins made here

    def comment(self, first: etree._Element, last: etree._Element, text: str) -> None:
        c = self.doc.comments.add_comment(text=text, author=AUTHOR, initials=INITIALS)
        cid = str(c.comment_id)
        start = OxmlElement("w:commentRangeStart")
        start.set(qn("w:id"), cid)
        end = OxmlElement("w:commentRangeEnd")
        end.set(qn("w:id"), cid)
        ref_run = OxmlElement("w:r")
        rpr = OxmlElement("w:rPr")
        style = OxmlElement("w:rStyle")
        style.set(qn("w:val"), "CommentReference")
        rpr.append(style)
        ref_run.append(rpr)
        ref = OxmlElement("w:commentReference")
        ref.set(qn("w:id"), cid)
        ref_run.append(ref)
        first.addprevious(start)
        last.addnext(end)
        end.addnext(ref_run)

    def track(self, runs: list[etree._Element], replacement: str) -> tuple[etree._Element, etree._Element] | None:
        """Wrap ``runs`` in w:del and add w:ins with ``replacement`` after it; (del, ins), or None
        when the runs do not share one parent (the change would cross a hyperlink or field)."""
        parent = runs[0].getparent()
        if any(r.getparent() is not parent for r in runs):
            return None
        d = OxmlElement("w:del")
        self._stamp(d)
        runs[0].addprevious(d)
        for r in runs:
            d.append(r)
            for t in r.findall(qn("w:t")):
                t.tag = qn("w:delText")
                t.set(_XML_SPACE, "preserve")
        ins = OxmlElement("w:ins")
        self._stamp(ins)
        new_r = OxmlElement("w:r")
        rpr = runs[0].find(qn("w:rPr"))
        if rpr is not None:
            new_r.append(copy.deepcopy(rpr))
        t = OxmlElement("w:t")
        t.text = replacement
        t.set(_XML_SPACE, "preserve")
        new_r.append(t)
        ins.append(new_r)
        d.addnext(ins)
        self.ours.update((d, ins))
        return d, ins

    def _stamp(self, el: etree._Element) -> None:
        el.set(qn("w:id"), str(self.next_id))
        el.set(qn("w:author"), AUTHOR)
        el.set(qn("w:date"), self.now)
        self.next_id += 1


# --------------------------------------------------------------------------- comment text
def comment_text(f: Finding, note: str | None = None) -> str:
    """The comment for a finding, in Chinese: check (and proofreading family), severity, message, suggestion."""
    labels = checks_data()["labels"]
    check = labels["checks"].get(f.check, f.check)
    if f.check == "proofread":
        family = f.rule.split(".", 1)[1]
        check = f"{check}·{labels['families'].get(family, family)}"
    lines = [f"【{check}】{f.severity} {labels['severities'].get(f.severity, '')}", f.message]
    if f.suggestion:
        lines.append(f"建议：{f.suggestion}")
    if note:
        lines.append(note)
    return "\n".join(lines)


# --------------------------------------------------------------------------- the whole job
def annotate_docx(src: str | Path, out: str | Path, result: CheckResult | None = None, *,
                  report_text: ReportText | None = None, fix: str | None = None, **check_kw: Any) -> AnnotateResult:
    """Write a copy of the .docx ``src`` to ``out`` with the findings as comments (and, with
    ``fix="tracked"``, certain fixes as tracked changes). ``src`` is never written.

    ``result`` / ``report_text``: a check already run on ``src`` (the text it read); when not given,
    :func:`draftkit.checks.run_checks` runs with ``check_kw`` (facts, year, index …).
    Raises :class:`AnnotateError` (``out`` is ``src``, not .docx, unknown ``fix``) or
    :class:`~draftkit.checks.document.CheckInputError` (``src`` unreadable), each naming the file.
    """
    from docx import Document

    src, out = Path(src), Path(out)
    if fix is not None and fix not in FIX_MODES:
        raise AnnotateError(out, f"未知的修订方式“{fix}”（可用：{'、'.join(FIX_MODES)}）")
    if src.suffix.lower() != ".docx":
        raise AnnotateError(src, "批注版只能从 .docx 文件生成")
    if out.suffix.lower() != ".docx":
        raise AnnotateError(out, "批注版应保存为 .docx 文件")
    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise AnnotateError(out, "批注版不能覆盖原文件，请换一个文件名")
    rt = report_text or ReportText.from_file(src)
    if result is None:
        result = run_checks(rt, **check_kw)
    doc = Document(str(src))
    paras = [_read_para(p) for p in _body_paragraphs(doc)]
    loc = _Locator([p.text for p in paras])
    maps = {False: loc.map_paragraphs([p.text for p in rt.paragraphs])}
    if rt.raw_paragraphs is not None:
        maps[True] = loc.map_paragraphs([p.text for p in rt.raw_paragraphs])
    writer = _Writer(doc, fix)
    notes = checks_data()["labels"]["notes"]
    counts = {"exact": 0, "paragraph": 0, "tracked": 0}
    first_text = next((i for i, p in enumerate(paras) if p.text.strip()), None)

    # right to left within a paragraph, so splitting a run never moves a span still to come
    placed: list[tuple[int, int, int, Finding]] = []
    anchored: list[tuple[int | None, Finding, str | None]] = []
    for f in result.findings:
        source = (rt.raw_paragraphs if f.raw and rt.raw_paragraphs is not None else rt.paragraphs)
        if f.paragraph is None or f.paragraph >= len(source):
            anchored.append((first_text, f, notes["whole_report"]))
            continue
        ptext = source[f.paragraph].text
        hint = maps.get(f.raw and rt.raw_paragraphs is not None, {}).get(f.paragraph)
        hit = loc.span(ptext, f.span[0], f.span[1], hint)
        if hit is not None and not any(c.in_field for c in paras[hit[0]].chars[hit[1]:hit[2]]):
            placed.append((hit[0], hit[1], hit[2], f))
        else:
            anchored.append((hint if hint is not None else first_text, f, notes["not_located"]))
    placed.sort(key=lambda t: (t[0], -t[1], -t[2]))
    for j, s, e, f in placed:
        ours = frozenset(writer.ours)
        para = _read_para(paras[j].el, ours)
        _split(para, e)
        para = _read_para(paras[j].el, ours)
        _split(para, s)
        para = _read_para(paras[j].el, ours)
        runs = _runs_between(para, s, e)
        first, last = runs[0], runs[-1]
        spans = writer.tracked_spans.setdefault(j, [])
        if (fix == "tracked" and f.replacement is not None and all(c.is_text for c in para.chars[s:e])
                and not any(a < e and s < b for a, b in spans)):
            made = writer.track(runs, f.replacement)
            if made is not None:
                first, last = made
                spans.append((s, e))
                counts["tracked"] += 1
        writer.comment(first, last, comment_text(f))
        counts["exact"] += 1
    for j, f, note in anchored:
        if j is None:
            continue  # an empty document: nothing to anchor at
        para = _read_para(paras[j].el, frozenset(writer.ours))
        runs = [c.run for c in para.chars] or _own_runs(paras[j].el)
        if not runs:
            r = OxmlElement("w:r")
            paras[j].el.append(r)
            runs = [r]
        writer.comment(runs[0], runs[-1], comment_text(f, note))
        counts["paragraph"] += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return AnnotateResult(path=str(out), findings=len(result.findings), comments=counts["exact"] + counts["paragraph"],
                          exact=counts["exact"], paragraph_level=counts["paragraph"], tracked=counts["tracked"])
