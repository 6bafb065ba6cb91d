"""Loading the checks' data files (``prompts/checks.yaml``, the era rules in ``prompts/era.yaml``,
the furniture list in ``prompts/cleaning.yaml``) and small text helpers shared by the checks."""

from __future__ import annotations

import re
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from draftkit.config import prompts_path

CJK = "\u4e00-\u9fff"
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_UNITS)


@lru_cache(maxsize=16)
def _load_yaml_cached(path: str, mtime: float) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


_RECHECK_SECONDS = 1.0  # how often a data file's mtime is looked at again (the checks ask very often)
_recent: dict[str, tuple[float, dict[str, Any]]] = {}


def load_yaml(name: str) -> dict[str, Any]:
    """A YAML file from the prompts directory, cached until it changes."""
    now = time.monotonic()
    hit = _recent.get(name)
    if hit is not None and now - hit[0] < _RECHECK_SECONDS:
        return hit[1]
    p = prompts_path(name)
    key = str(p)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: data file for the checks is missing")
    data = _load_yaml_cached(key, p.stat().st_mtime)
    _recent[name] = (now, data)
    return data


def checks_data() -> dict[str, Any]:
    return load_yaml("checks.yaml")


def cn_to_int(s: str) -> int | None:
    """A Chinese numeral to an int: "十二" → 12, "二十三" → 23, "一百零五" → 105, "两" → 2.

    Returns None when ``s`` is not a well-formed numeral.
    """
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


_PUNCT_RE = re.compile(r"[\s\u3000，。、；：！？,.;:!?“”\"'‘’（）()《》〈〉【】\[\]—…·\-]+")


def normalize_for_match(text: str) -> str:
    """Drop whitespace and punctuation (for comparing wording, not layout)."""
    return _PUNCT_RE.sub("", text)


def bigrams(text: str) -> set[str]:
    t = normalize_for_match(text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def bigram_coverage(needle: str, haystack_bigrams: set[str]) -> float:
    """Share of ``needle``'s character bigrams found in the haystack's."""
    b = bigrams(needle)
    if not b:
        return 0.0
    return len(b & haystack_bigrams) / len(b)
