"""Cleaning: raw text → the report's own words, with a record of everything taken out.

Each rule is a named function ``rule(text) -> (text, removals)``; removal offsets refer to
the text that rule was given. :func:`clean_text` runs them in order and then marks masked
words (``XX``, ``**``, ``X名``, ``D建``, dotted gaps) as placeholders — kept, never filled in.
The phrase lists and patterns live in ``prompts/cleaning.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from draftkit.config import load_data_as
from draftkit.ingest.models import Placeholder, Removal, removed_by_rule
from draftkit.ingest.textutil import compile_any, ends_sentence
from draftkit.textsafe import LINE_BREAK_CHARS
from draftkit.zh import CJK_PUNCT, HAN, HEADING_START_RE, cn_to_int


@dataclass
class CleanResult:
    """The cleaned text, what was removed (rule, text, offset) and the masked words found."""

    text: str
    removals: list[Removal] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    traditional: bool = False  # the input was mostly Traditional Chinese and was converted

    @property
    def removed(self) -> dict[str, int]:
        """Characters removed per rule."""
        return removed_by_rule(self.removals)


# --------------------------------------------------------------------------- the rule data



class _Rules:
    def __init__(self, data: dict) -> None:
        self.furniture_anchored = compile_any([p for p in data.get("furniture_lines", []) if p.startswith("^")])
        self.furniture_anywhere = compile_any([p for p in data.get("furniture_lines", []) if not p.startswith("^")])
        self.inline = compile_any(data.get("furniture_inline", []))
        self.separators = [re.compile(p) for p in data.get("document_separators", [])]
        pm = data.get("page_markers", {}) or {}
        self.page_re = re.compile(pm.get("pattern", r"^[ \t\u3000]*(\d{1,3})、"))
        self.min_page_chars = int(pm.get("min_page_chars", 60))
        self.min_cut_share = float(pm.get("min_cut_share", 0.5))
        ft = data.get("foreign_tail", {}) or {}
        words = sorted(ft.get("doc_type_words", []), key=len, reverse=True)
        self.doc_type_re = compile_any([re.escape(w) for w in words])
        self.tail_min_position = float(ft.get("min_position", 0.3))
        self.tail_max_title = int(ft.get("max_title_chars", 60))
        self.foreign_unit_re = compile_any([re.escape(w) for w in ft.get("foreign_unit_words", [])])
        ph = data.get("placeholders", {}) or {}
        count_words = re.escape(ph.get("count_words", "名人次个"))
        next_chars = re.escape(ph.get("letter_mask_next", "建员"))
        letters = re.escape(ph.get("letter_mask_letters", "ABCDEFGHIJKLMNOPQRSTUVWYZ"))
        self.placeholder_re = re.compile(
            rf"(?=[*＊□■xXｘＸ.{letters}])"  # a first-character filter: makes the scan ~10x faster
            r"(?:(?P<stars>[*＊]{2,}|[□■]+)"
            r"|(?P<xx>(?<![A-Za-z])(?:[xX]{2,}|[ｘＸ]{2,})(?![A-Za-z]))"
            rf"|(?P<x_count>(?<![A-Za-z0-9+＋])[xXｘＸ](?=[{count_words}]))"
            rf"|(?P<lone_x>(?<![A-Za-z0-9+＋])[xXｘＸ](?=[{HAN}+＋]))"
            rf"|(?P<letter_mask>(?<![A-Za-z0-9])[{letters}](?=[{next_chars}]))"
            rf"|(?P<dotted>(?<=[{HAN}])\.(?=[{HAN}])))"
        )
        measures = re.escape(data.get("measure_words", "名人次个"))
        self.number_space_re = re.compile(
            rf"(?<=[{HAN}])[ \u3000\u00a0]+(?=\d+(?:\.\d+)?[ \u3000\u00a0]*[{measures}])"
            rf"|(?<=\d)[ \u3000\u00a0]+(?=[{measures}])"
        )
        self.file_name_re = re.compile(data.get("file_name_line", r"^(?P<name>\S.{3,100}?)\.(?:docx?|pdf|wps|txt)$"))
        self.hidden = compile_any(data.get("hidden_text", []))
        self.hidden_words: tuple[str, ...] = tuple(data.get("hidden_text_words", ["隐藏", "省略"]))
        self.radicals = str.maketrans({str(k): str(v) for k, v in (data.get("lookalike_radicals") or {}).items()})
        ol = data.get("outline", {}) or {}
        self.outline_label = re.compile(ol.get("label", r"^(?:目\s*录|提\s*纲)\s*[:：]?$"))
        self.outline_min_lines = int(ol.get("min_lines", 3))
        self.outline_min_share = float(ol.get("min_repeated_share", 0.6))
        self.outline_max_start = int(ol.get("max_start_line", 12))


def _build_rules(data: Any, path: Path) -> _Rules:
    return _Rules(data)


def _rules() -> _Rules:
    return load_data_as("cleaning.yaml", _build_rules)


# --------------------------------------------------------------------------- helpers

def _cut_spans(text: str, spans: list[tuple[int, int]], rule: str) -> tuple[str, list[Removal]]:
    """Remove non-overlapping, sorted spans; record each as a removal."""
    if not spans:
        return text, []
    parts: list[str] = []
    removals: list[Removal] = []
    pos = 0
    for a, b in spans:
        if a < pos:
            a = pos
        if b <= a:
            continue
        parts.append(text[pos:a])
        removals.append(Removal(rule=rule, text=text[a:b], start=a))
        pos = b
    parts.append(text[pos:])
    return "".join(parts), removals


def _line_starts(lines: list[str]) -> list[int]:
    starts = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    return starts


def _drop_lines(text: str, drop: set[int], rule: str) -> tuple[str, list[Removal]]:
    if not drop:
        return text, []
    lines = text.split("\n")
    starts = _line_starts(lines)
    kept: list[str] = []
    removals: list[Removal] = []
    for i, line in enumerate(lines):
        if i in drop:
            removals.append(Removal(rule=rule, text=line, start=starts[i]))
        else:
            kept.append(line)
    return "\n".join(kept), removals


def _looks_like_heading_line(line: str) -> bool:
    s = line.strip()
    return len(s) <= 50 and bool(HEADING_START_RE.match(s))


# --------------------------------------------------------------------------- rules

_FULLWIDTH_ALNUM = str.maketrans(
    {**{chr(0xFF10 + i): chr(0x30 + i) for i in range(10)},
     **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
     **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
     "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u202f": " "}
)
_FULLWIDTH_ANY_RE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u00a0\u2002\u2003\u2009\u202f]")
_INVISIBLE_RE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f]")
#: Word's manual line break (U+000B), a page break (U+000C), the Unicode line/paragraph separators …
_LINE_BREAK_CHARS_RE = re.compile(f"[{LINE_BREAK_CHARS}]")
#: Look-alike code points that PDF text layers emit for ordinary Han characters: Kangxi radicals
#: (⼀ U+2F00 for 一), CJK radicals supplement, compatibility ideographs (U+F900–U+FAFF, U+2F800–U+2FA1F).
_LOOKALIKE_RE = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")


def _nfkc_lookalike(m: re.Match[str]) -> str:
    ch = m.group(0)
    return unicodedata.normalize("NFKC", ch.translate(_rules().radicals))


def normalize_characters(text: str) -> tuple[str, list[Removal]]:
    """Newlines to ``\\n``; U+000B/U+000C to line breaks; other invisible and control characters out;
    look-alike radicals and compatibility ideographs to the ordinary Han character (NFKC on those
    blocks only, so full-width punctuation stays); full-width digits and Latin letters to ASCII."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _LINE_BREAK_CHARS_RE.sub("\n", text)
    spans = [(m.start(), m.end()) for m in _INVISIBLE_RE.finditer(text)]
    text, removals = _cut_spans(text, spans, "invisible")
    if _LOOKALIKE_RE.search(text):
        text = _LOOKALIKE_RE.sub(_nfkc_lookalike, text)
    if _FULLWIDTH_ANY_RE.search(text):
        text = text.translate(_FULLWIDTH_ALNUM)
    return text, removals


_MARKUP_RE = re.compile(
    r"(?=[<!\[&hHwW])(?:"
    r"<!--.*?-->"
    r"|<(script|style)\b[^>]{0,500}>.*?</(?:script|style)\s*>"
    r"|!\[[^\]\n]{0,200}\]\([^)\n]{0,500}\)"  # markdown image
    r"|</?[A-Za-z][A-Za-z0-9]{0,15}(?:\s[^<>\n]{0,500})?/?>"  # HTML tag
    r"|\[(?:图片|img|image|图)\d*\]"
    r"|(?:https?://|www\.)\S{1,300}?\.(?:jpe?g|png|gif|bmp|webp|svg)(?:\?\S*)?(?![A-Za-z0-9])"
    r"|&(?:nbsp|amp|lt|gt|quot|apos|ldquo|rdquo|hellip|mdash|#\d{1,6}|#x[0-9A-Fa-f]{1,6});)",
    re.DOTALL,
)
_MD_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.MULTILINE)
_QUOTE_PREFIX_RE = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+", re.MULTILINE)
_MD_BOLD_RE = re.compile(r"(\*\*|__)(?=\S)([^*_\n]{1,80}?)(?<=\S)\1")
_ENTITY = {"&nbsp;": " ", "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'",
           "&ldquo;": "“", "&rdquo;": "”", "&hellip;": "…", "&mdash;": "—"}


def strip_markup(text: str, *, markdown: bool = False) -> tuple[str, list[Removal]]:
    """HTML tags and comments, image links and markdown image syntax out; entities decoded.

    With ``markdown=True`` also heading hashes and ``**bold**`` markers (not otherwise: ``**``
    is a mask in copied texts).
    """
    parts: list[str] = []
    removals: list[Removal] = []
    pos = 0
    for m in _MARKUP_RE.finditer(text):
        s = m.group(0)
        parts.append(text[pos:m.start()])
        if s.startswith("&"):
            repl = _ENTITY.get(s)
            if repl is None:
                try:
                    code = int(s[3:-1], 16) if s[2] in "xX" else int(s[2:-1])
                    repl = chr(code) if 0 < code < 0x110000 else ""
                except ValueError:
                    repl = ""
            parts.append(repl)
        else:
            removals.append(Removal(rule="markup", text=s, start=m.start()))
            if re.match(r"</?(?:p|div|br|li|tr|h\d)\b", s, re.IGNORECASE):
                parts.append("\n")
        pos = m.end()
    parts.append(text[pos:])
    text = "".join(parts)
    spans = [(m.start(), m.end()) for m in _QUOTE_PREFIX_RE.finditer(text)]
    text, more = _cut_spans(text, spans, "markup")
    removals += more
    if markdown:
        spans = [(m.start(), m.end()) for m in _MD_HEADING_RE.finditer(text)]
        text, more = _cut_spans(text, spans, "markup")
        removals += more
        out: list[str] = []
        pos = 0
        for m in _MD_BOLD_RE.finditer(text):
            out.append(text[pos:m.start()])
            out.append(m.group(2))
            removals.append(Removal(rule="markup", text=m.group(1) * 2, start=m.start()))
            pos = m.end()
        out.append(text[pos:])
        text = "".join(out)
    return text, removals


@lru_cache(maxsize=1)
def _script_sets() -> tuple[frozenset[str], frozenset[str]]:
    """Characters that exist only in Traditional / only in Simplified writing (zhconv's tables)."""
    import zhconv.zhconv as zz

    if zz.zhcdicts is None:
        zz.loaddict(zz.DICTIONARY)
    return frozenset(zz.zhcdicts["TRADONLY"]), frozenset(zz.zhcdicts["SIMPONLY"])


def is_mostly_traditional(text: str, sample: int = 6000) -> bool:
    """True when the distinct script-specific characters of the text are mostly Traditional (at least 5)."""
    chars = set(text[:sample])
    trad_only, simp_only = _script_sets()
    trad = len(chars & trad_only)
    if trad < 5:
        return False
    return trad > 2 * len(chars & simp_only)


def to_simplified(text: str) -> tuple[str, list[Removal]]:
    """Traditional → Simplified (zhconv, phrase-aware) when the text is mostly Traditional."""
    if not is_mostly_traditional(text):
        return text, []
    import zhconv

    return zhconv.convert(text, "zh-cn"), []


def strip_furniture(text: str) -> tuple[str, list[Removal]]:
    """Whole lines of site furniture (上传人…, 第1页 / 共7页, 展开阅读全文, copyright, ICP …).

    A file-name line near the top ("……汇报.docx") keeps the name as the title line.
    """
    r = _rules()
    lines = text.split("\n")
    starts = _line_starts(lines)
    out: list[str] = []
    removals: list[Removal] = []
    file_name: str | None = None
    nonblank = 0
    for i, line in enumerate(lines):
        s = line.strip(" \t\u3000")
        if not s:
            out.append(line)
            continue
        nonblank += 1
        drop = bool(r.furniture_anchored and r.furniture_anchored.search(s))
        if not drop and r.furniture_anywhere and len(s) <= 150:
            drop = bool(r.furniture_anywhere.search(s))
        if not drop:
            m = r.file_name_re.match(s)
            if m:
                name = m.group("name").strip()
                if file_name is None and nonblank <= 12:
                    file_name = name
                    ext_at = starts[i] + line.index(s) + m.end("name")
                    removals.append(Removal(rule="file_name", text=s[m.end("name"):], start=ext_at))
                    out.append(name)
                    continue
                drop = True
        if not drop and file_name is not None and s == file_name and i > 0:
            drop = True  # the file name repeated as a page header
        if drop:
            removals.append(Removal(rule="furniture", text=line, start=starts[i]))
        else:
            out.append(line)
    return "\n".join(out), removals


def strip_inline_ads(text: str) -> tuple[str, list[Removal]]:
    """Ad and teaser phrases inside lines ("本篇文章来自资料管理**", "……此处隐藏N个字……")."""
    r = _rules()
    if r.inline is None:
        return text, []
    spans = [(m.start(), m.end()) for m in r.inline.finditer(text)]
    return _cut_spans(text, spans, "ad")


def split_hidden_text(text: str) -> tuple[str, list[Removal]]:
    """Cut "……此处隐藏955个字……" markers out and end the paragraph there.

    The words on either side belong to two different sentences (the site hid what joined them):
    they are put on separate lines and a comma left at the start of the second is dropped, so no
    later rule (page markers, broken lines) and no chunk joins them into one sentence.
    """
    r = _rules()
    if r.hidden is None or not any(w in text for w in r.hidden_words):
        return text, []
    parts: list[str] = []
    removals: list[Removal] = []
    pos = 0
    for m in r.hidden.finditer(text):
        a, b = m.start(), m.end()
        if a < pos:
            continue
        lead = re.match(r"[ \t\u3000]*[，,、；;：:]*", text[b:])
        if lead:
            b += lead.end()
        parts.append(text[pos:a].rstrip(" \t\u3000"))
        parts.append("\n")
        removals.append(Removal(rule="hidden_text", text=text[a:b], start=a))
        pos = b
    if not removals:
        return text, []
    parts.append(text[pos:])
    return "".join(parts), removals


def split_documents(text: str) -> tuple[str, list[Removal]]:
    """"第一篇:" / "【篇一】" markers out; a second such document appended after the first is dropped."""
    r = _rules()
    if not r.separators:
        return text, []
    lines = text.split("\n")
    starts = _line_starts(lines)
    removals: list[Removal] = []
    out: list[str] = []
    for i, line in enumerate(lines):
        s = line.lstrip(" \t\u3000")
        for rx in r.separators:
            m = rx.match(s)
            if not m:
                continue
            n = cn_to_int(m.group(1)) or 1
            if n >= 2 and any(x.strip() for x in out):
                tail = text[starts[i]:]
                removals.append(Removal(rule="appended_document", text=tail, start=starts[i]))
                return "\n".join(out), removals
            offset = starts[i] + (len(line) - len(s))
            removals.append(Removal(rule="document_separator", text=m.group(0), start=offset))
            line = s[m.end():]
            break
        out.append(line)
    return "\n".join(out), removals


_CONTINUATION_START = "，,、。．.；;：:）)”’」』！!？?"


def join_page_markers(text: str) -> tuple[str, list[Removal]]:
    """Drop 文库 page markers ("1、" "2、" … at page starts) and rejoin the sentences they cut.

    Markers form a chain 1, 2, 3 … of line starts, beginning near the top, each page at least
    ``min_page_chars`` long, and most links cutting a sentence (the line before does not end
    with 。！？；：, or the new page starts with a comma). Real list items ("1、三会一课制度。")
    follow finished sentences and stay.
    """
    r = _rules()
    lines = text.split("\n")
    cands: list[tuple[int, int, int, int]] = []  # (line index, number, marker start, marker end)
    for i, line in enumerate(lines):
        m = r.page_re.match(line)
        if m:
            cands.append((i, int(m.group(1)), m.start(1), m.end()))
    if len(cands) < 2:
        return text, []
    starts = _line_starts(lines)
    prev_nb: list[int] = []
    last = -1
    nonblank_rank: list[int] = []
    rank = 0
    for line in lines:
        prev_nb.append(last)
        nonblank_rank.append(rank)
        if line.strip():
            last = len(prev_nb) - 1
            rank += 1

    def is_cut(k: int) -> bool:
        i, _n, _a, end = cands[k]
        p = prev_nb[i]
        if lines[i][end:].lstrip()[:1] in _CONTINUATION_START and lines[i][end:].strip():
            return True
        return p >= 0 and not ends_sentence(lines[p]) and not _looks_like_heading_line(lines[p])

    best: list[tuple[int, int, int] | None] = [None] * len(cands)  # (score, count, previous cand)
    by_number: dict[int, list[int]] = defaultdict(list)
    for k, (i, n, _a, _e) in enumerate(cands):
        if n == 1:
            if nonblank_rank[i] <= 3:
                best[k] = (0, 1, -1)
        else:
            ev = 1 if is_cut(k) else 0
            choice: tuple[int, int, int] | None = None
            for j in reversed(by_number.get(n - 1, [])[-64:]):
                bj = best[j]
                if bj is None or starts[i] - starts[cands[j][0]] < r.min_page_chars:
                    continue
                cand = (bj[0] + ev, bj[1] + 1, j)
                if choice is None or cand[:2] > choice[:2]:
                    choice = cand
            best[k] = choice
        if best[k] is not None:
            by_number[n].append(k)
    end_k = None
    for k, b in enumerate(best):
        if b is not None and (end_k is None or b[:2] > best[end_k][:2]):  # type: ignore[index]
            end_k = k
    if end_k is None:
        return text, []
    score, count, _ = best[end_k]  # type: ignore[misc]
    if count < 2 or score < 1 or score < r.min_cut_share * (count - 1):
        return text, []
    chain: list[int] = []
    k = end_k
    while k >= 0:
        chain.append(k)
        k = best[k][2]  # type: ignore[index]
    chain_set = {cands[k][0]: k for k in chain}

    out: list[str] = []
    removals: list[Removal] = []
    for i, line in enumerate(lines):
        k = chain_set.get(i)
        if k is None:
            out.append(line)
            continue
        _i, n, a, e = cands[k]
        removals.append(Removal(rule="page_marker", text=line[a:e], start=starts[i] + a))
        rest = line[e:]
        if n > 1 and is_cut(k) and prev_nb[i] >= 0:
            while out and not out[-1].strip():
                out.pop()
            if out:
                out[-1] = out[-1].rstrip() + rest.lstrip()
                continue
        out.append(line[:a] + rest)
    return "\n".join(out), removals


_SENTENCE_PUNCT_RE = re.compile(r"[。！？；!?;，,]")


def _title_like(line: str, r: _Rules) -> bool:
    s = line.strip()
    if not (6 <= len(s) <= r.tail_max_title) or r.doc_type_re is None:
        return False
    if _SENTENCE_PUNCT_RE.search(s) or HEADING_START_RE.match(s):
        return False
    return bool(r.doc_type_re.search(s))


def strip_foreign_tail(text: str) -> tuple[str, list[Removal]]:
    """Drop an unrelated document appended after the report (e.g. listings of 事迹材料 titles).

    A title-like line (short, no sentence punctuation, naming a document type) in the later
    part of the text starts a foreign tail when more evidence follows: "…"-truncated snippets,
    further titles, a unit foreign to schools (村, 公司 …), a title mashed twice.
    """
    r = _rules()
    lines = text.split("\n")
    if len(lines) < 2:
        return text, []
    starts = _line_starts(lines)
    total = len(text)
    n = len(lines)
    snippet_after = [False] * (n + 1)
    titles_after = [0] * (n + 1)
    title_flags = [_title_like(line, r) if starts[i] >= r.tail_min_position * total else False
                   for i, line in enumerate(lines)]
    for i in range(n - 1, -1, -1):
        s = lines[i].rstrip()
        snippet_after[i] = snippet_after[i + 1] or s.endswith(("...", "…", "。。。"))
        titles_after[i] = titles_after[i + 1] + (1 if title_flags[i] else 0)
    for i in range(n):
        if not title_flags[i]:
            continue
        s = lines[i].strip()
        score = 0
        if snippet_after[i + 1]:
            score += 2
        if titles_after[i + 1]:
            score += 1
        if r.foreign_unit_re is not None and r.foreign_unit_re.search(s):
            score += 1
        if r.doc_type_re is not None and len(r.doc_type_re.findall(s)) >= 2:
            score += 1
        if score >= 2:
            a = starts[i]
            while a > 0 and text[a - 1] == "\n":
                a -= 1
            return text[:a], [Removal(rule="appended_document", text=text[a:], start=a)]
    return text, []


def strip_outline(text: str) -> tuple[str, list[Removal]]:
    """An outline (目录 / 提纲) above the title: a run of short numbered lines near the top whose
    headings come back later in the report. Left in, its lines would become a second heading tree
    and hide the title; the run (and a 目录/提纲 line over it) is removed."""
    r = _rules()
    lines = text.split("\n")
    nonblank = [i for i, line in enumerate(lines) if line.strip(" \t\u3000")]
    for rank, i in enumerate(nonblank[: r.outline_max_start]):
        if not _looks_like_heading_line(lines[i]):
            continue
        run = [i]
        for j in nonblank[rank + 1:]:
            if not _looks_like_heading_line(lines[j]) or _SENTENCE_PUNCT_RE.search(lines[j].strip().rstrip("。")):
                break
            run.append(j)
        if len(run) < r.outline_min_lines:
            continue
        after = "\n".join(lines[run[-1] + 1:])
        words = [HEADING_START_RE.sub("", lines[k]).strip(" \t\u3000。.；;：:") for k in run]
        again = sum(1 for w in words if w and re.search(rf"(?m)^\s*\S{{1,6}}?\s*{re.escape(w)}", after))
        if again < r.outline_min_share * len(run):
            continue
        # the run is followed by more text before the headings recur (the title, an opening)
        first_recur = min((m.start() for w in words if w for m in [re.search(re.escape(w), after)] if m),
                          default=0)
        if not after[:first_recur].strip():
            continue
        drop = set(run)
        before = nonblank[rank - 1] if rank > 0 else None
        if before is not None and r.outline_label.match(lines[before].strip(" \t\u3000")):
            drop.add(before)
        out, rem = _drop_lines(text, drop, "outline")
        return out, rem
    return text, []


def _squash(s: str) -> str:
    return re.sub(r"[\s\u3000]+", "", s)


_TITLE_SPLIT_RE = re.compile(
    r"([^\s。！？；，,：:]{6,60}?(?:总结|报告|材料|汇报|述职))(?![报总材汇范模])(?=[^\s。！？；，,：:])"
)
_YEAR_IN_TITLE_RE = re.compile(r"(?:19|20)\d{2}\s*(?:年|学年)|年度|上半年|下半年|半年")
_NOT_BODY_START = ("如下", "范文", "模板", "材料", "报告", "汇报", "的", "和", "与", "及", "会", "表", "稿")


def dedupe_title(text: str) -> tuple[str, list[Removal]]:
    """A title printed twice at the top ("XX学校2021年党建工作总结XX学校2021年党建工作总结 …") once;
    a title running into the first paragraph gets its own line."""
    r = _rules()
    m = re.match(r"\s*", text)
    head = m.end() if m else 0
    nl = text.find("\n", head)
    line_end = len(text) if nl < 0 else nl
    line = text[head:line_end]
    if not line or r.doc_type_re is None:
        return text, []
    for length in range(min(80, len(line) // 2), 3, -1):
        first = line[:length]
        if line[length:2 * length] == first and r.doc_type_re.search(first):
            rest = line[2 * length:]
            rest_stripped = rest.lstrip(" \t\u3000")
            cut_end = head + 2 * length + (len(rest) - len(rest_stripped))
            new = text[:head + length] + ("\n" if rest_stripped else "") + text[cut_end:]
            return new, [Removal(rule="duplicate_title", text=first, start=head + length)]
    # "2021年度党建工作总结 一年来……": split the title from the body at the space
    sm = re.match(r"([^\s。！？；，,]{6,60}?(?:总结|报告|材料|汇报))[ \t\u3000]+(?=[^\s])", line)
    if sm and len(line) > sm.end() + 10:
        return text[:head + sm.end(1)] + "\n" + text[head + sm.end():], []
    # "杏林镇教育2023年上半年工作总结回顾这半年的工作，……": a dated title run into the first sentence
    sm = _TITLE_SPLIT_RE.match(line)
    if sm and _YEAR_IN_TITLE_RE.search(sm.group(1)) and not line[sm.end():].startswith(_NOT_BODY_START) \
            and _SENTENCE_PUNCT_RE.search(line[sm.end():sm.end() + 80]) and len(line) > sm.end() + 10:
        return text[:head + sm.end(1)] + "\n" + text[head + sm.end():], []
    # the title printed again on the next line (spacing may differ)
    nxt_start = line_end + 1
    while nxt_start < len(text) and text[nxt_start] in " \t\u3000\n":
        nxt_start += 1
    nl2 = text.find("\n", nxt_start)
    nxt_end = len(text) if nl2 < 0 else nl2
    nxt = text[nxt_start:nxt_end]
    if nxt and len(line) <= 80 and _squash(nxt) == _squash(line) and r.doc_type_re.search(line):
        return text[:line_end] + text[nxt_end:], [Removal(rule="duplicate_title", text=nxt, start=nxt_start)]
    return text, []


_BROKEN_LINE_RE = re.compile(r"\n[ \t\u3000]*(?=[，,、。；;：:）)”’」』！!？?])")


def join_broken_lines(text: str) -> tuple[str, list[Removal]]:
    """A line that starts with closing punctuation (")。通过…") continues the line before it."""
    return _BROKEN_LINE_RE.sub("", text), []


_PUNCT_MAP = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
_HALF_AFTER_HAN_RE = re.compile(rf"(?<=[{HAN}{CJK_PUNCT}])[,;:!?]")
_HALF_BEFORE_HAN_RE = re.compile(rf"(?<![0-9A-Za-z])[,;:!?](?=[{HAN}])")
_PAREN_PAIR_RE = re.compile(r"\(([^()\n]{0,80})\)")
_HAN_CHAR_RE = re.compile(f"[{HAN}]")
_LONE_OPEN_RE = re.compile(rf"\((?=[{HAN}])")
_LONE_CLOSE_RE = re.compile(rf"(?<=[{HAN}{CJK_PUNCT}])\)")


def normalize_punctuation(text: str) -> tuple[str, list[Removal]]:
    """Half-width , ; : ! ? ( ) beside Chinese characters become full-width (one for one)."""
    def sub(m: re.Match[str]) -> str:
        return _PUNCT_MAP[m.group(0)]

    text = _HALF_AFTER_HAN_RE.sub(sub, text)
    text = _HALF_BEFORE_HAN_RE.sub(sub, text)

    def pair(m: re.Match[str]) -> str:
        a, b = m.start(), m.end()
        inner = m.group(1)
        before = text[a - 1] if a > 0 else ""
        after = text[b] if b < len(text) else ""
        if (_HAN_CHAR_RE.search(inner) or _HAN_CHAR_RE.match(before or " ") or _HAN_CHAR_RE.match(after or " ")
                or (before and before in CJK_PUNCT)):
            return "（" + inner + "）"
        return m.group(0)

    text = _PAREN_PAIR_RE.sub(pair, text)
    text = _LONE_OPEN_RE.sub("（", text)
    text = _LONE_CLOSE_RE.sub("）", text)
    return text, []


_SPACES_RE = re.compile(r"[ \u3000]{2,}")
_SPACE_BY_PUNCT_RE = re.compile(r"[ \u3000]+(?=[，。、；：！？）》」』”…])|(?<=[，。、；：！？（《「『“])[ \u3000]+")


def normalize_whitespace(text: str) -> tuple[str, list[Removal]]:
    """Lines trimmed, blank lines dropped, runs of spaces made one, spaces beside full-width punctuation out."""
    out: list[str] = []
    for line in text.split("\n"):
        s = line.strip(" \t\u3000")
        if not s:
            continue
        if " " in s or "\u3000" in s:
            s = _SPACE_BY_PUNCT_RE.sub("", s)
            s = _SPACES_RE.sub(" ", s)
        out.append(s)
    return "\n".join(out), []


def join_number_measure(text: str) -> tuple[str, list[Removal]]:
    """Spaces (ASCII, U+3000, NBSP) between a number and its measure word out ("党员15 名" → "党员15名"),
    and between a Chinese character and such a number ("共有党员 15名" → "共有党员15名"): web copies
    put them there, and Chinese text writes a count with its measure word unbroken. Digits and
    spaces between digits ("1 2个") are left as they are. The measure words are ``measure_words``
    in ``prompts/cleaning.yaml``."""
    if " " not in text and "\u3000" not in text and "\u00a0" not in text:
        return text, []
    return _rules().number_space_re.sub("", text), []


def find_placeholders(text: str) -> list[Placeholder]:
    """Masked words in ``text``: ``**`` (stars), ``XX`` (xx), ``X名`` (x_count), ``D建`` (letter_mask), "特色.主义" (dotted)."""
    r = _rules()
    out: list[Placeholder] = []
    for m in r.placeholder_re.finditer(text):
        kind = m.lastgroup or "xx"
        if kind == "lone_x":
            kind = "xx"
        out.append(Placeholder(kind=kind, text=m.group(0), start=m.start(), end=m.end()))
    return out


# --------------------------------------------------------------------------- the pipeline of rules

#: The rules in the order :func:`clean_text` applies them.
RULES = (
    "normalize_characters",
    "strip_markup",
    "to_simplified",
    "strip_furniture",
    "strip_inline_ads",
    "split_documents",
    "join_page_markers",
    "strip_foreign_tail",
    "strip_outline",
    "dedupe_title",
    "join_broken_lines",
    "split_hidden_text",
    "normalize_punctuation",
    "join_number_measure",
    "normalize_whitespace",
)


def clean_text(text: str, *, markdown: bool = False) -> CleanResult:
    """Clean one report's raw text. Never raises for any string input.

    Returns the cleaned text, the removals (rule, text, offset in that rule's input) and the
    placeholders (masked words, offsets in the cleaned text).
    """
    removals: list[Removal] = []
    text, rem = normalize_characters(text)
    removals += rem
    text, rem = strip_markup(text, markdown=markdown)
    removals += rem
    traditional = is_mostly_traditional(text)
    if traditional:
        import zhconv

        text = zhconv.convert(text, "zh-cn")
    for rule in (strip_furniture, strip_inline_ads, split_documents, join_page_markers, strip_foreign_tail,
                 normalize_whitespace, strip_outline, dedupe_title, join_broken_lines, split_hidden_text,
                 normalize_punctuation, join_number_measure, normalize_whitespace):
        text, rem = rule(text)
        removals += rem
    return CleanResult(text=text, removals=removals, placeholders=find_placeholders(text), traditional=traditional)


def blank_result(text: str) -> CleanResult:
    """The result of a raw run (no cleaning): the text as given, placeholders marked."""
    return CleanResult(text=text, removals=[], placeholders=find_placeholders(text))


__all__ = ["CleanResult", "clean_text", *RULES, "find_placeholders", "is_mostly_traditional"]
