"""Small shared pieces for the ingest stage: character classes, heading-number patterns and
the loader for the data files under ``prompts/`` (cleaning, section kinds, structure words)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from draftkit.config import prompts_path

#: Han characters (CJK unified ideographs, extension A, compatibility ideographs).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Full-width CJK punctuation and quotes.
CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018\u2019\u201c\u201d\u2026\u2014"

#: Characters that end a sentence.
SENTENCE_END = "。！？!?…"
#: Characters after which a line is finished (sentence ends, clause ends, colons).
LINE_END = "。！？!?…；;：:"
#: Closing quotes and brackets that may follow a sentence end.
CLOSERS = "”’」』）)】》〉\"'"

CN_NUM = "一二三四五六七八九十"
_CN_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_to_int(s: str) -> int | None:
    """Chinese numerals up to 99 ("一" → 1, "十二" → 12, "二十" → 20); None when not a number."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if "十" in s:
        left, _, right = s.partition("十")
        tens = _CN_VALUES.get(left, None) if left else 1
        ones = _CN_VALUES.get(right, None) if right else 0
        if tens is None or ones is None or "十" in right:
            return None
        return tens * 10 + ones
    if len(s) == 1:
        return _CN_VALUES.get(s)
    return None


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


@cache
def _load_yaml(path: str) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"data file missing: {p} (it ships in prompts/; check DRAFTKIT_PROMPTS_DIR)")
    with p.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{p}: expected a mapping at the top level")
    return data


def load_data(name: str) -> dict[str, Any]:
    """A YAML data file from the prompts directory (cached per path)."""
    return _load_yaml(str(prompts_path(name)))


_KEYS: dict[tuple[int, str], str] = {}


def data_key(name: str) -> str:
    """A cheap cache key for a data file: the current prompts directory and the name."""
    from draftkit.config import get_settings

    settings = get_settings()
    k = (id(settings), name)
    key = _KEYS.get(k)
    if key is None:
        key = _KEYS[k] = f"{settings.prompts_dir}/{name}"
    return key


def compile_any(patterns: list[str], flags: int = 0) -> re.Pattern[str] | None:
    """One regex matching any of ``patterns`` (None for an empty list)."""
    pats = [p for p in patterns if p]
    if not pats:
        return None
    return re.compile("|".join(f"(?:{p})" for p in pats), flags)
