"""Structure: title, unit, year, org type, report kind and the heading tree of a cleaned report.

Headings have four levels — 一、 → （一） → 1. / 1、 / 1． → （1） — in full- and half-width
forms. They are found at line starts and also inside running text (copied reports often lose
their line breaks): after a sentence end, after a space, or right after a parent heading
("……和做法1、加强学习"). A numbering sequence check keeps dates, decimals and stray
enumerations out. Every field is ``None`` when the text does not say it; nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from draftkit.config import load_data_as
from draftkit.ingest.clean import normalize_punctuation
from draftkit.ingest.models import Block, Heading
from draftkit.zh import CN_TEN, HAN, HEADING_START_RE, cn_to_int

__all__ = ["Structure", "parse_structure", "find_headings", "find_title", "find_year", "find_unit",
           "find_org_type", "find_report_kind", "is_bare_unit"]


@dataclass
class Structure:
    title: str | None = None
    unit: str | None = None
    year: int | None = None
    org_type: str | None = None
    report_kind: str | None = None
    headings: list[Heading] = field(default_factory=list)


# --------------------------------------------------------------------------- headings

_HEADING_RE = re.compile(
    rf"(?=[（({CN_TEN}0-9])(?:"
    rf"(?P<l2>[（(][ \t]*(?P<n2>[{CN_TEN}]{{1,3}})[ \t]*[）)][ \t]*[、.．，,]?)"
    rf"|(?P<l4>[（(][ \t]*(?P<n4>\d{{1,2}})[ \t]*[）)][ \t]*[、.．]?)"
    rf"|(?P<l1>(?<![{CN_TEN}第])(?P<n1>[{CN_TEN}]{{1,3}})[ \t]*(?:[.．][ \t]*、|、|[.．](?![\d]))[ \t]*)"
    rf"|(?P<l3>(?<![\d.．])(?P<n3>\d{{1,2}})[ \t]*(?:[.．](?![\d%％])[ \t]*、?|、)[ \t]*))"
)
#: Characters after which an inline heading may start.
_BEFORE_INLINE = set("。！？!?；;：:… \t\u3000")
_CLOSERS = set("”’」』")
#: Where a heading's text ends (the terminator is not part of the text).
_HEADING_END_RE = re.compile(
    r"[。！？!?；;：:\n]|[ \t\u3000]"
    r"|(?P<child>[（(][ \t]*(?:一|1)[ \t]*[）)]|(?<![\d.．])1[ \t]*(?:[.．](?![\d%])|、))"
)
_MAX_HEADING_CHARS = 60
_INNER_STOP_RE = re.compile(r"[。！？!?；;]")
_HAS_WORD_RE = re.compile(f"[{HAN}A-Za-z]")
_TRAILING_PUNCT = "，,、。；;：:！!？? \t\u3000"


def _is_list_sentence(line: str) -> bool:
    """A numbered line that is one long sentence (ends with 。, has commas, > 30 characters)."""
    s = line.strip()
    return len(s) > 30 and s.endswith(("。", "；", ";")) and ("，" in s or "," in s) and not _INNER_STOP_RE.search(
        s[:-1])


def _heading_start_ok(text: str, pos: int, heading_ends: set[int]) -> tuple[bool, bool]:
    """(allowed, at_line_start) for a numbering that starts at ``pos``."""
    if pos == 0 or text[pos - 1] == "\n":
        return True, True
    if pos in heading_ends:
        return True, False
    prev = text[pos - 1]
    if prev in _BEFORE_INLINE:
        return True, False
    if prev in _CLOSERS and pos >= 2 and text[pos - 2] in "。！？!?":
        return True, False
    return False, False


def _unglue(level: int, text: str, body_start: int, htext: str, end: int) -> tuple[str, int]:
    """(heading text, heading end): a top-level heading glued to its first sentence is cut to its
    standard heading (see ``_glued_heading``); any other heading is returned as it is."""
    glued = _glued_heading(level, htext)
    if glued is None:
        return htext, end
    return glued, text.index(glued, body_start) + len(glued)


def _glued_heading(level: int, htext: str) -> str | None:
    """The heading part of a heading glued to its first sentence, or None.

    Copies that lost their line breaks run a heading into its body: "二、取得的成绩开展争先创优活动以来，
    党支部……". When a top-level heading starts with a standard section heading
    (``glued_heading_heads`` in ``prompts/structure.yaml``) and the rest reads as a sentence
    (has a comma), only the standard heading is the heading. Otherwise a level-1/2 heading is cut
    before a sentence's first words (``sentence_starters``: "一、形成科学的党建思路党支部建设要有
    明确的方向，……" → "形成科学的党建思路") unless the heading part wants an object there
    (``heading_open_endings``: "坚持党建引领学校发展" stays whole).
    """
    if level > 2:
        return None
    w = _words()
    if level == 1:
        for head in w.glued_heads:
            if htext.startswith(head):
                rest = htext[len(head):]
                if len(rest) >= 6 and ("，" in rest or "," in rest):
                    return head
                return None
    comma = min((i for i in (htext.find("，"), htext.find(",")) if i >= 0), default=-1)
    if comma < 0 or len(htext) - comma < 4:
        return None
    m = w.starter_re.search(htext, 4, comma) if w.starter_re is not None else None
    while m is not None:
        head = htext[:m.start()]
        if len(head) >= 4 and not head.endswith(tuple(w.open_endings)) and len(htext) - m.start() >= 8 \
                and _balanced(head):
            return head
        m = w.starter_re.search(htext, m.start() + 1, comma)
    return None


_PAIRS = ("《》", "“”", "（）", "()", "「」", "‘’", "【】")


def _balanced(s: str) -> bool:
    """True when no bracket or quote is left open in ``s`` (a cut inside 《……》 would split a name)."""
    return all(s.count(a) <= s.count(b) for a, b in _PAIRS)


def find_headings(text: str) -> list[Heading]:
    """The numbered headings of a cleaned report, in order (see the module doc)."""
    headings: list[Heading] = []
    last: dict[int, int | None] = {1: None, 2: None, 3: None, 4: None}
    heading_ends: set[int] = set()
    covered_until = 0
    for m in _HEADING_RE.finditer(text):
        start = m.start()
        if start < covered_until:
            continue
        if m.group("l1"):
            level, n = 1, cn_to_int(m.group("n1"))
        elif m.group("l2"):
            level, n = 2, cn_to_int(m.group("n2"))
        elif m.group("l3"):
            level, n = 3, int(m.group("n3"))
        else:
            level, n = 4, int(m.group("n4"))
        if n is None or n == 0:
            continue
        ok, line_start = _heading_start_ok(text, start, heading_ends)
        if not ok:
            continue
        prev_n = last[level]
        if line_start:
            seq_ok = prev_n is None or n == 1 or prev_n < n <= prev_n + 2
            if level <= 2 and prev_n is None and n > 3:
                seq_ok = False
        elif level <= 2:
            seq_ok = n == (prev_n + 1 if prev_n is not None else 1)
            if not seq_ok and prev_n is not None and n == prev_n + 2 and text[start - 1] in "。！？!?" \
                    and text[m.end():m.end() + 1] not in CN_TEN + "0123456789":  # "三、四年级" is a list of numbers
                seq_ok = True  # a skipped number after a finished sentence (the residue check reports the gap)
        else:
            seq_ok = n == 1 or (prev_n is not None and prev_n < n <= prev_n + 2)
        if not seq_ok:
            continue
        body_start = m.end()
        if line_start:
            nl = text.find("\n", body_start)
            line_end = len(text) if nl < 0 else nl
            whole = text[body_start:line_end]
            if level >= 3 and _is_list_sentence(whole):
                continue  # "4.深化……，继续……，落实……。": a numbered sentence, not a heading
            if line_end - body_start <= _MAX_HEADING_CHARS and not _INNER_STOP_RE.search(
                    whole.rstrip(_TRAILING_PUNCT)):
                # a short numbered line is a heading as a whole ("（一）思想之核：坚持学习修党性。")
                htext = text[body_start:line_end].strip().rstrip(_TRAILING_PUNCT).strip()
                if htext and _HAS_WORD_RE.search(htext):
                    htext, end = _unglue(level, text, body_start, htext, line_end)
                    _accept(headings, heading_ends, last, level, n, text[start:body_start].strip(), htext, start, end)
                    covered_until = end
                continue
        end_m = _HEADING_END_RE.search(text, body_start, min(len(text), body_start + _MAX_HEADING_CHARS + 1))
        if end_m is None and level <= 2:
            # no terminator close by: a heading glued to a long first sentence ("（一）把……引向深入学校教师
            # 大多住校，……") is cut before the sentence's first words
            nl = text.find("\n", body_start)
            segment = text[body_start:min(len(text) if nl < 0 else nl, body_start + _MAX_HEADING_CHARS)]
            glued = _glued_heading(level, segment)
            if glued is not None:
                end = body_start + len(glued)
                _accept(headings, heading_ends, last, level, n, text[start:body_start].strip(), glued, start, end)
                covered_until = end
                continue
        if end_m is None:
            # no terminator close by: a heading only when it is a whole short line
            nl = text.find("\n", body_start)
            line_end = len(text) if nl < 0 else nl
            if not line_start or line_end - body_start > _MAX_HEADING_CHARS + 20:
                continue
            text_end = line_end
            end = line_end
        else:
            text_end = end_m.start()
            if end_m.group("child"):
                end = text_end
            elif end_m.group(0) in "\n":
                end = text_end
            else:
                end = end_m.end()
        htext = text[body_start:text_end].strip().rstrip(_TRAILING_PUNCT).strip()
        if not htext or not _HAS_WORD_RE.search(htext):
            continue
        if end_m is not None and end_m.group("child") and text_end == body_start:
            continue
        htext, end = _unglue(level, text, body_start, htext, end)
        _accept(headings, heading_ends, last, level, n, text[start:body_start].strip(), htext, start, end)
        covered_until = end
    return headings


def _accept(headings: list[Heading], heading_ends: set[int], last: dict[int, int | None], level: int, n: int,
            number: str, htext: str, start: int, end: int) -> None:
    headings.append(Heading(level=level, number=number, text=htext, start=start, end=end))
    heading_ends.add(end)
    last[level] = n
    for deeper in range(level + 1, 5):
        last[deeper] = None


# --------------------------------------------------------------------------- document fields

class _Words:
    def __init__(self, data: dict) -> None:
        self.org_types: list[tuple[str, list[str]]] = [(o["name"], list(o["words"])) for o in data.get("org_types", [])]
        self.own_prefixes: list[str] = list(data.get("own_org_prefixes", []))
        self.report_kinds: list[tuple[str, list[str]]] = [(o["name"], list(o["words"])) for o in data.get("report_kinds", [])]
        self.title_words: list[str] = list(data.get("title_words", []))
        suffixes = sorted(data.get("unit_suffixes", []), key=len, reverse=True)
        alt = "|".join(re.escape(s) for s in suffixes) or "学校"
        core = rf"[{HAN}A-Za-z*＊]"
        self.unit_re = re.compile(rf"(?:中共)?{core}{{1,30}}?(?:{alt})(?:{alt})*")
        self.unit_stop_words: list[str] = list(data.get("unit_stop_words", []))
        self.glued_heads: list[str] = sorted(data.get("glued_heading_heads", []), key=len, reverse=True)
        starters = sorted(data.get("sentence_starters", []), key=len, reverse=True)
        self.starter_re = re.compile("|".join(re.escape(x) for x in starters)) if starters else None
        self.open_endings: list[str] = list(data.get("heading_open_endings", []))
        bare = sorted(set(data.get("bare_unit_words", [])) | set(suffixes), key=len, reverse=True)
        self.bare_unit_re = re.compile("(?:" + "|".join(re.escape(x) for x in bare) + ")+") if bare else None
        self.unit_followers: tuple[str, ...] = tuple(data.get("unit_followers", []))
        self.title_suffix_re = re.compile(
            "(?:" + "|".join(re.escape(s) for s in sorted(data.get("title_suffixes", []), key=len, reverse=True)) + ")$"
        ) if data.get("title_suffixes") else None
        own = "|".join(re.escape(p) for p in self.own_prefixes) or "学校"
        orgs = "|".join(re.escape(w) for _n, ws in self.org_types for w in sorted(ws, key=len, reverse=True))
        self.own_org_re = re.compile(rf"(?:{own})(?P<org>{orgs})") if orgs else None


def _build_words(data: Any, path: Path) -> _Words:
    return _Words(data)


def _words() -> _Words:
    return load_data_as("structure.yaml", _build_words)


_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_RANGE_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-—–~～至到]\s*((?:19|20)\d{2})(?!\d)")
_OPENING_YEAR_RE = re.compile(r"(?<![\d自从])((?:19|20)\d{2})\s*年(?!\s*(?:以来|来|起|至|到|[-—~]))")
_TITLE_BAD_RE = re.compile(r"[。！？!?；;]")


def _plausible_year(y: int) -> bool:
    return 1978 <= y <= 2035


def _is_title_line(line: str, w: _Words) -> bool:
    s = line.strip()
    if not (4 <= len(s) <= 60) or _TITLE_BAD_RE.search(s) or HEADING_START_RE.match(s):
        return False
    if s.count("，") + s.count(",") > 1:
        return False
    if any(t in s for t in w.title_words):
        return True
    return bool(_YEAR_RE.search(s) and "党建" in s)


def find_title(text: str, blocks: Sequence[Block] | None = None) -> str | None:
    """The report's title: a Word "Title" paragraph, else a title-like first line (or two)."""
    w = _words()
    if blocks:
        for b in blocks[:10]:
            style = (b.style or "").strip().lower()
            if style in ("title", "标题") and b.text.strip():
                return b.text.strip()
    lines = [ln.strip() for ln in text.split("\n", 4)[:4] if ln.strip()]
    if not lines:
        return None
    first = lines[0]
    if _is_title_line(first, w):
        return first.rstrip(_TRAILING_PUNCT)
    if len(lines) > 1 and len(first) <= 30 and not _TITLE_BAD_RE.search(first) and w.unit_re.fullmatch(first) \
            and _is_title_line(lines[1], w):
        return (first + lines[1]).rstrip(_TRAILING_PUNCT)
    return None


def find_year(title: str | None, opening: str) -> int | None:
    """The report's year from the title (a range gives its last year), else from the opening lines."""
    if title:
        rng = _YEAR_RANGE_RE.search(title)
        if rng and _plausible_year(int(rng.group(2))):
            return int(rng.group(2))
        for m in _YEAR_RE.finditer(title):
            y = int(m.group(1))
            if _plausible_year(y):
                return y
    m = _OPENING_YEAR_RE.search(opening[:150])
    if m and _plausible_year(int(m.group(1))):
        return int(m.group(1))
    return None


def is_bare_unit(name: str) -> bool:
    """True when ``name`` is only type words ("学区党支部", "学校党委", "党总支"), not a body's name
    (``bare_unit_words`` and ``unit_suffixes`` in ``prompts/structure.yaml``)."""
    w = _words()
    return w.bare_unit_re is not None and w.bare_unit_re.fullmatch(name) is not None


def find_unit(title: str | None, opening: str, text: str = "") -> str | None:
    """The writing body's name: from the title (before or after the year), else a line of its own
    under the title, else the first sentence's subject, else a name the report introduces
    ("南岭学区党支部现有党员31名", in the 基本情况 part). Bare type words ("学区党支部") are never the unit."""
    unit = _find_unit(title, opening)
    if unit is not None and not is_bare_unit(unit):
        return unit
    return _introduced_unit(text or opening)


def _introduced_unit(text: str) -> str | None:
    """The first name in ``text`` (its first 3000 characters) followed by a word that introduces the
    writing body (``unit_followers``)."""
    w = _words()
    if not w.unit_followers:
        return None
    head = text[:3000]
    for m in w.unit_re.finditer(head):
        name = m.group(0)
        if len(name) < 4 or is_bare_unit(name) or any(sw in name for sw in w.unit_stop_words):
            continue
        if head.startswith(w.unit_followers, m.end()):
            before = head[m.start() - 1] if m.start() > 0 else "\n"
            if before in "\n，。；：,;: \t\u3000）)":
                return name
    return None


def _find_unit(title: str | None, opening: str) -> str | None:
    w = _words()
    if title:
        rest = _YEAR_RANGE_RE.sub(" ", title)
        rest = re.sub(r"(?<!\d)(?:19|20)\d{2}(?!\d)\s*(?:学年度|学年|年度|年)?(?:上半年|下半年|半年|第[一二]学期)?", " ", rest)
        rest = re.sub(r"^\s*关于", "", rest)
        for part in rest.split():
            m = w.unit_re.match(part)
            if m and len(m.group(0)) >= 3 and not any(sw in m.group(0) for sw in w.unit_stop_words):
                unit = m.group(0)
                if w.title_suffix_re is not None and w.title_suffix_re.search(unit) and unit == part:
                    continue
                return unit
    first = opening.lstrip(" >\t\u3000")[:60]
    m = w.unit_re.match(first)
    if m and len(m.group(0)) >= 4 and not any(sw in m.group(0) for sw in w.unit_stop_words):
        after = first[m.end():m.end() + 2]
        if title and (after[:1] == "\n" or m.end() == len(first.rstrip())):
            return m.group(0)  # the unit on a line of its own under a generic title
        if after[:1] in ("，", ",") or after.startswith(("现有", "共有", "坚持", "始终", "紧紧", "认真", "全面", "深入", "围绕", "以", "在", "于", "是", "自")):
            return m.group(0)
    return None


def find_org_type(title: str | None, unit: str | None, opening: str) -> str | None:
    """党委 / 党总支 / 党支部 / 学区 / 教育局 … from the title or unit, else "学校党委"-style mentions in the opening."""
    w = _words()
    for source in (unit, title):
        if source:
            for name, words in w.org_types:
                if any(word in source for word in words):
                    return name
    if w.own_org_re is not None:
        m = w.own_org_re.search(opening[:300])
        if m:
            org = m.group("org")
            for name, words in w.org_types:
                if org in words:
                    return name
    return None


def find_report_kind(title: str | None) -> str | None:
    """年度总结 / 半年总结 / 述职报告 / 事迹材料 / 汇报, from the title."""
    if not title:
        return None
    for name, words in _words().report_kinds:
        if any(word in title for word in words):
            return name
    return None


def _style_headings(text: str, blocks: Sequence[Block], numbered: list[Heading]) -> list[Heading]:
    """Headings marked only by a Word heading style (no numbering in the text)."""
    wanted: dict[str, int] = {}
    for b in blocks:
        if b.heading_level and b.text.strip():
            key, _ = normalize_punctuation(b.text.strip())
            wanted.setdefault(key.strip(), min(b.heading_level, 4))
    if not wanted:
        return []
    numbered_lines = {h.start for h in numbered}
    out: list[Heading] = []
    pos = 0
    for line in text.split("\n"):
        s = line.strip()
        if s in wanted and pos not in numbered_lines:
            out.append(Heading(level=wanted[s], number="", text=s.rstrip(_TRAILING_PUNCT) or s, start=pos,
                               end=pos + len(line)))
        pos += len(line) + 1
    return out


def parse_structure(text: str, blocks: Sequence[Block] | None = None) -> Structure:
    """Read title, unit, year, org type, report kind and headings from a cleaned report."""
    title = find_title(text, blocks)
    opening = text
    if title:
        idx = text.find(title)
        if 0 <= idx < 200:
            opening = text[idx + len(title):]
    opening = opening.lstrip()[:400]
    headings = find_headings(text)
    if blocks:
        extra = _style_headings(text, blocks, headings)
        if extra:
            title_line_end = text.find("\n") if title else -1
            extra = [h for h in extra if not (title and h.text == title and h.start <= max(title_line_end, 0))]
            headings = sorted(headings + extra, key=lambda h: h.start)
    unit = find_unit(title, opening, text)
    return Structure(
        title=title,
        unit=unit,
        year=find_year(title, opening),
        org_type=find_org_type(title, unit, opening),
        report_kind=find_report_kind(title),
        headings=headings,
    )
