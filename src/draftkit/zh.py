"""Chinese-text helpers shared by the checks and the exporter: numerals and dates.

Dates: :func:`find_dates` finds a date written in any common form — ``2024年12月20日``,
``2024年12月08日``, ``2024.12.20``, ``2024/12/20``, ``2024-12-20``, full-width digits,
``二〇二四年十二月二十日`` — and :func:`official_date` writes the form of GB/T 9704-2012 7.3.5
(成文日期): Arabic numerals, the year in full, month and day without a leading zero.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_UNITS)


def cn_to_int(s: str) -> int | None:
    """A Chinese numeral to an int: "十二" → 12, "二十三" → 23, "一百零五" → 105, "两" → 2,
    "二〇二四" → 2024 (digit by digit). Returns None when ``s`` is not a well-formed numeral."""
    if not s or any(ch not in CN_NUMERAL_CHARS for ch in s):
        return None
    if all(ch in CN_DIGITS for ch in s) and len(s) > 1:  # "二〇二四": digit by digit
        return int("".join(str(CN_DIGITS[ch]) for ch in s))
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        else:
            unit = CN_UNITS[ch]
            if unit == 10000:
                section = (section + (digit or 0)) * unit
                total += section
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit = None
    return total + section + (digit or 0)


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
