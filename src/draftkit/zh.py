"""Chinese-text helpers every area shares: character classes, numerals both ways, 公文 heading
numbering, sentence splitting, normalisation and n-grams, and dates.

Dates: :func:`find_dates` finds a date written in any common form — ``2024年12月20日``,
``2024年12月08日``, ``2024.12.20``, ``2024/12/20``, ``2024-12-20``, full-width digits,
``二〇二四年十二月二十日`` — and :func:`official_date` writes the form of GB/T 9704-2012 7.3.5
(成文日期): Arabic numerals, the year in full, month and day without a leading zero.

One home for each, so the ingest parser, the checks, the writer and the export agree on what a
heading, a sentence or a copied passage is. Nothing here reads data files or knows a report.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

__all__ = [
    "CLOSERS", "CN_DIGITS", "CN_NUMERAL_CHARS", "CN_TEN", "CN_UNITS", "CJK_PUNCT", "DateMention", "HAN",
    "HEADING_START_RE", "SENTENCE_END", "cn_to_int", "find_dates", "heading_label", "heading_number_regexes",
    "int_to_cn", "ngrams", "normalize", "normalize_with_map", "official_date", "parse_date",
    "parse_heading_number", "shorten", "split_sentences",
]

# --------------------------------------------------------------------------- character classes

#: Han characters (CJK unified ideographs, extension A, compatibility ideographs), for [] classes.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Full-width CJK punctuation and quotes, for [] classes.
CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018\u2019\u201c\u201d\u2026\u2014"
#: Characters that end a sentence.
SENTENCE_END = "。！？!?…"
#: Closing quotes and brackets that may follow a sentence end.
CLOSERS = "”’」』）)】》〉\"'"

# --------------------------------------------------------------------------- numerals

#: The numerals of heading numbers (一 … 十); a heading's number is one to three of them.
CN_TEN = "一二三四五六七八九十"
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
#: Every character a Chinese numeral may contain (digits, 〇/零/两, 十百千万).
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_UNITS)
_DIGIT_CHARS = "零一二三四五六七八九"


def cn_to_int(s: str) -> int | None:
    """A numeral to an int: "十二" → 12, "二十三" → 23, "一百零五" → 105, "两" → 2, "二〇二四" → 2024
    (digit by digit), "12" → 12. Surrounding whitespace is ignored; None when ``s`` is not a
    well-formed numeral."""
    s = s.strip()
    if not s:
        return None
    if s.isdecimal():
        return int(s)
    if any(ch not in CN_NUMERAL_CHARS for ch in s):
        return None
    if len(s) > 1 and all(ch in CN_DIGITS for ch in s):
        return int("".join(str(CN_DIGITS[ch]) for ch in s))
    total, section, digit = 0, 0, None
    last_unit = 10**9
    for ch in s:
        if ch in CN_DIGITS:
            if digit is not None and CN_DIGITS[ch] and digit:  # "二三": two digits with no unit between
                return None
            digit = CN_DIGITS[ch]
            continue
        unit = CN_UNITS[ch]
        if unit == 10000:
            section = (section + (digit or 0)) * unit
            total += section
            section, last_unit = 0, 10**9
        else:
            if unit >= last_unit:  # "十十", "十百": units must fall
                return None
            section += (1 if digit is None else digit) * unit
            last_unit = unit
        digit = None
    return total + section + (digit or 0)


def int_to_cn(n: int) -> str:
    """An int to a numeral as headings and Word's ``chineseCounting`` print it: 1 → 一, 10 → 十,
    12 → 十二, 21 → 二十一, 105 → 一百零五, 110 → 一百一十, 1001 → 一千零一. Outside 1..9999: ``str(n)``."""
    if n <= 0 or n >= 10000:
        return str(n)
    parts: list[str] = []
    gap = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d == 0:
            gap = gap or bool(parts)
            continue
        if gap:
            parts.append("零")
            gap = False
        parts.append(_DIGIT_CHARS[d] + unit)
    out = "".join(parts)
    return out[1:] if 10 <= n < 20 else out  # 十二, not 一十二


# --------------------------------------------------------------------------- heading numbering

#: The four levels of 公文 heading numbers (GB/T 9704-2012 7.3.3: 一、 （一） 1. （1）), the number in
#: group 1. Half-width brackets, 一. for 一、 and spaces inside are accepted, as real files have them.
_LEVELS: dict[int, str] = {
    1: rf"([{CN_TEN}]{{1,3}})\s*[、.．]",
    2: rf"[（(]\s*([{CN_TEN}]{{1,3}})\s*[）)]",
    3: r"(\d{1,2})\s*[.．、](?!\d)",
    4: r"[（(]\s*(\d{1,2})\s*[）)]",
}
_LEAD = r"^[ \t\u3000]*"
_LEVEL_RES = [(level, re.compile(_LEAD + p)) for level, p in _LEVELS.items()]
#: A line that starts with a heading number of any level (leading spaces allowed).
HEADING_START_RE = re.compile(_LEAD + "(?:" + "|".join(_LEVELS.values()) + ")")


def heading_number_regexes() -> list[tuple[int, re.Pattern[str]]]:
    """``[(level, regex)]`` for levels 1–4; each regex matches at a line's start, the number in group 1."""
    return list(_LEVEL_RES)


def parse_heading_number(line: str) -> tuple[int, int, str] | None:
    """``(level, number, label)`` when ``line`` starts with a heading number ("（三）" → (2, 3, "（三）")),
    else None. The label is the number as printed, stripped of surrounding spaces."""
    for level, rx in _LEVEL_RES:
        m = rx.match(line)
        if m:
            number = cn_to_int(m.group(1))
            if number is not None:
                return level, number, m.group(0).strip()
    return None


def heading_label(level: int, n: int) -> str:
    """The heading number as printed at ``level`` (GB/T 9704-2012 7.3.3): 一、 （一） 1. （1）."""
    if level == 1:
        return f"{int_to_cn(n)}、"
    if level == 2:
        return f"（{int_to_cn(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


# --------------------------------------------------------------------------- sentences

_SENTENCE_RE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)]*\n?|\n|$)")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, split after 。！？；!?; (with any closing quotes or brackets that
    follow) and at line ends; lossless: ``"".join(split_sentences(t)) == t``."""
    return [m.group(0) for m in _SENTENCE_RE.finditer(text) if m.group(0)]


# --------------------------------------------------------------------------- normalisation, n-grams

_KEEP_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]|[^\x00-\x7f\s\u3000\u3001-\u303f\uff0c\uff1a\uff1b\uff01\uff1f\u201c\u201d\uff08\uff09]")


def normalize(text: str) -> str:
    """Letters, digits and Han characters only, NFKC-folded and lower-cased: the wording without
    layout or punctuation, for comparing texts (copies, names, repeated paragraphs)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """``normalize(text)`` and, for each of its characters, the offset in ``text`` it came from
    (to turn a span of the normalised text back into a span of the original)."""
    chars: list[str] = []
    where: list[int] = []
    for m in _KEEP_RE.finditer(text):
        ch = m.group(0)
        if ch.isascii() or "\u4e00" <= ch <= "\u9fff":
            chars.append(ch.lower())
            where.append(m.start())
            continue
        for c in unicodedata.normalize("NFKC", ch).lower():
            if c.isalnum():
                chars.append(c)
                where.append(m.start())
    return "".join(chars), where


def ngrams(norm: str, n: int) -> set[str]:
    """The character n-grams of an already normalised text (empty when it is shorter than ``n``)."""
    return {norm[i : i + n] for i in range(len(norm) - n + 1)}


# --------------------------------------------------------------------------- dates

class DateMention(NamedTuple):
    """A date found in text: its span (characters), the date, and whether it is already written
    in the official form (``2024年12月20日``)."""

    start: int
    end: int
    year: int
    month: int
    day: int
    official: bool

    @property
    def fixed(self) -> str:
        return official_date(self.year, self.month, self.day)


_D = "0-9０-９"
_CN_D = "〇零○Ｏ一二三四五六七八九"
_CN_N = "一二三四五六七八九十"
_DATE_RE = re.compile(
    rf"(?<![{_D}])(?P<y>(?:19|20|１９|２０)[{_D}]{{2}})\s*年\s*(?P<m>[{_D}]{{1,2}})\s*月\s*(?P<d>[{_D}]{{1,2}})\s*日"
    rf"|(?<![{_D}.／/\-])(?P<y2>(?:19|20)\d{{2}})\s*(?P<sep>[./／．\-])\s*(?P<m2>\d{{1,2}})\s*(?P=sep)\s*(?P<d2>\d{{1,2}})(?![{_D}.／/\-])"
    rf"|(?P<y3>[{_CN_D}]{{4}})\s*年\s*(?P<m3>[{_CN_N}]{{1,2}})\s*月\s*(?P<d3>[{_CN_N}]{{1,3}})\s*日"
)


def official_date(year: int, month: int, day: int) -> str:
    """``2024年12月20日``: the 成文日期 form of GB/T 9704-2012 7.3.5."""
    return f"{year}年{month}月{day}日"


def _num(s: str) -> int | None:
    s = unicodedata.normalize("NFKC", s)
    if s.isdigit():
        return int(s)
    return cn_to_int(s.replace("O", "〇").replace("○", "〇"))  # NFKC made Ｏ an O; ○ is a circle


def find_dates(text: str) -> Iterator[DateMention]:
    """Each well-formed date in ``text`` (month 1–12, day 1–31), in order."""
    for m in _DATE_RE.finditer(text):
        if m.group("y"):
            parts = m.group("y", "m", "d")
        elif m.group("y2"):
            parts = m.group("y2", "m2", "d2")
        else:
            parts = m.group("y3", "m3", "d3")
        y, mo, d = (_num(p) for p in parts)
        if y is None or mo is None or d is None or not (1 <= mo <= 12 and 1 <= d <= 31 and 1900 <= y <= 2099):
            continue
        shown = m.group(0)
        yield DateMention(m.start(), m.end(), y, mo, d, shown == official_date(y, mo, d))


def parse_date(text: str) -> DateMention | None:
    """The date when ``text`` is nothing but a date (spaces allowed around and inside), else None."""
    t = text.strip().replace(" ", "").replace("\u3000", "")
    for found in find_dates(t):
        if found.start == 0 and found.end == len(t):
            return found
    return None


# --------------------------------------------------------------------------- short messages

#: Where a message may be cut: after a Chinese clause or sentence mark, or a Latin one followed by
#: a space (so never inside "127.0.0.1", "3.5" or "http://").
_CLAUSE_END_RE = re.compile(r"[。！？；，、：）】]|[.!?;,:)](?=\s)")


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, never cut inside a word.

    A bilingual message ``"中文说明 / English detail"`` that does not fit keeps its Chinese part
    when that fits. Otherwise the text is cut after the last clause or sentence mark (。，；.,;…)
    in the second half of the window, else at the last space or between two Han characters, and
    ends with "…". Only a single word longer than ``limit`` is cut inside itself.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head, sep, _ = text.partition(" / ")
    if sep and head and len(head) <= limit:
        return head
    window = text[: max(limit - 1, 1)]
    floor = len(window) // 2
    cut = max((m.end() for m in _CLAUSE_END_RE.finditer(text, 0, len(window) + 1) if m.end() <= len(window)),
              default=0)
    if cut <= floor:
        cut = window.rfind(" ")
    if cut <= floor:
        han = re.compile(f"[{HAN}]")
        cut = next((i for i in range(len(window), floor, -1)
                    if han.match(text[i - 1]) or han.match(text[i])), len(window))
    return text[:cut].rstrip(" ,，、;；:：") + "…"
