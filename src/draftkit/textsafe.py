"""Text safe to store, show and write into a .docx: control characters out.

XML 1.0, and so every part of a .docx, forbids the C0 control characters other than tab, newline
and carriage return (lxml refuses them, and the whole export fails). They arrive in real text:
Word's manual line break is U+000B and its page break U+000C when text is copied out of Word, and
pasted facts, UI edits and model answers carry stray ones. Line-like ones become a newline; the rest
are removed.
"""

from __future__ import annotations

import re

__all__ = ["clean_control_chars", "LINE_BREAK_CHARS", "CONTROL_CHARS_RE"]

#: Characters that mean "new line": vertical tab (Word's manual line break), form feed (page break),
#: the information separators, NEL, and the Unicode line and paragraph separators.
LINE_BREAK_CHARS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK_RE = re.compile(f"[{LINE_BREAK_CHARS}]")
#: Other control characters (C0 but tab/newline/CR, DEL, C1) and non-characters XML refuses.
CONTROL_CHARS_RE = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")


def clean_control_chars(text: str) -> str:
    """``text`` with line-like control characters as ``\\n`` and every other control character removed;
    ``\\r\\n`` and ``\\r`` become ``\\n``. Ordinary text comes back unchanged (the same object)."""
    if not text or (not _LINE_BREAK_RE.search(text) and not CONTROL_CHARS_RE.search(text) and "\r" not in text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL_CHARS_RE.sub("", _LINE_BREAK_RE.sub("\n", text))
