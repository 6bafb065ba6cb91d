"""Small shared pieces for the ingest stage: where a line ends, one regex of many patterns. The data
files under ``prompts/`` load through :func:`draftkit.config.load_data_as`; Chinese-text helpers are
in :mod:`draftkit.zh`."""

from __future__ import annotations

import re

from draftkit.zh import CLOSERS

#: Characters after which a line is finished (sentence ends, clause ends, colons).
LINE_END = "。！？!?…；;：:"


def ends_sentence(line: str) -> bool:
    """True when the (stripped) line ends a sentence or a clause (。！？；：, also inside closing quotes)."""
    s = line.rstrip()
    if not s:
        return True
    i = len(s) - 1
    while i >= 0 and s[i] in CLOSERS:
        i -= 1
    if i < 0:
        return False
    if s[i] in LINE_END:
        return True
    # a closing bracket that ends a parenthetical after a sentence end: "…。）"
    return False


def compile_any(patterns: list[str], flags: int = 0) -> re.Pattern[str] | None:
    """One regex matching any of ``patterns`` (None for an empty list)."""
    pats = [p for p in patterns if p]
    if not pats:
        return None
    return re.compile("|".join(f"(?:{p})" for p in pats), flags)
