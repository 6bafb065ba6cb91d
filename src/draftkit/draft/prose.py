"""Prose faults a reviewer marks in a draft, each fixed as a kind (the template backend's output passes
through these; the functions are plain text → text and may be used on any draft).

- :func:`nest_quotes`: a quotation inside a quotation takes single quotes ‘’ (GB/T 15834-2011 4.1.3.2):
  ``“市“五星级”党组织”`` → ``“市‘五星级’党组织”``; a quote that only doubles its parent goes.
- :func:`secretary_counts`: counts as a secretary writes them: ``参加人数120人`` → ``120人参加``,
  ``开展次数12次`` → ``开展12次``, ``共1次`` → ``1次``.
- :func:`drop_doubled_level`: no level word where the name already says the level:
  ``获评区级“区优秀党务工作者”`` → ``获评“区优秀党务工作者”``.
- :func:`opens_alike`: whether two paragraphs open with the same words (a closing paragraph must not
  repeat the plans section's ``新的一年，……``; two sections must not open alike).
"""

from __future__ import annotations

import re

_OPEN, _CLOSE = "“", "”"


def _straight_to_curly(paragraph: str) -> str:
    """Straight double quotes → “ ” alternately (only when they pair up in the paragraph)."""
    if paragraph.count('"') % 2:
        return paragraph
    out, opening = [], True
    for ch in paragraph:
        if ch == '"':
            out.append(_OPEN if opening else _CLOSE)
            opening = not opening
        else:
            out.append(ch)
    return "".join(out)


def _nest_paragraph(p: str) -> str:
    out: list[str] = []
    depth = 0
    for ch in p:
        if ch == _OPEN:
            out.append(_OPEN if depth % 2 == 0 else "‘")
            depth += 1
        elif ch == _CLOSE and depth > 0:
            depth -= 1
            out.append(_CLOSE if depth % 2 == 0 else "’")
        else:
            out.append(ch)
    if depth != 0:  # unbalanced: leave the writer's text as it is rather than guess
        return p
    text = "".join(out)
    # “‘X’” (a quote that only doubles its parent) → “X”
    return re.sub(r"“‘([^‘’“”]*)’”", r"“\1”", text)


def nest_quotes(text: str) -> str:
    """Quotes inside quotes become ‘’, paragraph by paragraph (straight quotes first made curly)."""
    return "\n".join(_nest_paragraph(_straight_to_curly(p)) for p in text.split("\n"))


def nested_quote_errors(text: str) -> int:
    """How many double quotes open inside a double quotation (the fault :func:`nest_quotes` fixes)."""
    errors = 0
    for p in text.split("\n"):
        depth = 0
        for ch in p:
            if ch == _OPEN:
                errors += depth > 0
                depth += 1
            elif ch == _CLOSE and depth > 0:
                depth -= 1
    return errors


_VERB_COUNT = re.compile(r"(参加|参与|参训|出席|听课|受训)人数(?:为|达到|达|共计|共)?(\d+)(人次|人|名)")
_NOUN_COUNT = re.compile(r"(覆盖|受益|惠及|服务)([\u4e00-\u9fff]{1,4}?)人数(?:为|达到|达|共计|共)?(\d+)(人次|人|名)")
_TIMES = re.compile(r"次数(?:为|达到|达|共计|共)?(\d+)次")
_ONE = re.compile(r"共(1)(次|场|期|个|项|支|节)(?!\d)")


def secretary_counts(text: str) -> str:
    """Statistical-table phrasing of counts → how a secretary writes them.

    ``参加人数120人`` → ``120人参加``; ``覆盖学生人数2710人`` → ``覆盖学生2710人``;
    ``开展主题党日次数12次`` → ``开展主题党日12次``; ``全年共1次`` → ``全年1次`` (共 sums several)."""
    text = _VERB_COUNT.sub(lambda m: f"{m.group(2)}{m.group(3)}{m.group(1)}", text)
    text = _NOUN_COUNT.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{m.group(4)}", text)
    text = _TIMES.sub(r"\1次", text)
    return _ONE.sub(r"\1\2", text)


#: level word → the characters in a name that already say that level
LEVEL_STEMS: dict[str, tuple[str, ...]] = {
    "国家级": ("全国", "国家", "中国"), "省级": ("省",), "市级": ("市", "州"), "县级": ("县", "区"),
    "区级": ("区", "县"), "镇级": ("镇", "乡"), "乡级": ("乡", "镇"), "校级": ("校",),
}
_LEVEL = re.compile("(" + "|".join(sorted(LEVEL_STEMS, key=len, reverse=True)) + r")(“)?([^”。；，\n]{1,24})")


def level_is_doubled(level: str, name: str) -> bool:
    """Whether ``name`` already says a level in its first characters (``区优秀党务工作者``,
    ``青禾市优秀共产党员``, ``全省先进基层党组织``), so writing ``level`` before it doubles it.
    校 counts only for 校级 (学校 is in many names of any level)."""
    head = name.lstrip("“‘")[:5]
    stems = set(LEVEL_STEMS.get(level, ()))
    stems |= {s for lv, ss in LEVEL_STEMS.items() if lv != "校级" for s in ss}
    return any(s in head for s in stems)


def drop_doubled_level(text: str) -> str:
    """``获评区级“区优秀党务工作者”`` → ``获评“区优秀党务工作者”``; ``市级青禾市先进…`` → ``青禾市先进…``."""

    def fix(m: re.Match[str]) -> str:
        level, quote, name = m.group(1), m.group(2) or "", m.group(3)
        return (quote + name) if level_is_doubled(level, name) else m.group(0)

    return _LEVEL.sub(fix, text)


_CONFIRM_BEFORE_MEASURE = re.compile(r"(【待核实：[^】]*】)([名个份人次期场节户支项])")


def confirm_after_measure(text: str) -> str:
    """``18【待核实：党员总数】名`` → ``18名【待核实：党员总数】``: the number stays whole to read."""
    return _CONFIRM_BEFORE_MEASURE.sub(r"\2\1", text)


def polish(text: str) -> str:
    """The fixes every template text gets: nested quotes, doubled level words, to-confirm markers
    after the measure word."""
    return confirm_after_measure(drop_doubled_level(nest_quotes(text)))


_CLAUSE = re.compile(r"^[^，,。；：:！？]*")


def opening_words(text: str, chars: int = 6) -> tuple[str, str]:
    """(first clause, first ``chars`` characters) of a paragraph, punctuation and spaces ignored."""
    t = text.strip()
    clause = _CLAUSE.match(t).group(0)  # type: ignore[union-attr]
    flat = re.sub(r"[\W_]+", "", t)
    return clause, flat[:chars]


def opens_alike(a: str, b: str, chars: int = 6) -> bool:
    """Whether two paragraphs open with the same words: the same first clause (of at most 8
    characters, such as ``新的一年``) or the same first ``chars`` characters."""
    if not a.strip() or not b.strip():
        return False
    ca, fa = opening_words(a, chars)
    cb, fb = opening_words(b, chars)
    return fa == fb or (ca == cb and len(ca) <= 8)
