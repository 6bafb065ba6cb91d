"""A model's answer, made fit for a report: reasoning split off, junk characters and echoes removed.

Real servers have habits (issue "A model path that really writes", §3):

- reasoning models put their thinking in ``content`` between ``<think>`` and ``</think>`` (the tags may
  be split across stream chunks at any character), or send only the closing ``</think>`` because the
  chat template opened the block inside the prompt (DeepSeek-R1, QwQ);
- others send it in a separate ``reasoning_content`` or ``reasoning`` delta field (vLLM, DeepSeek's API,
  Ollama's OpenAI layer);
- answers carry control characters and U+FFFD where a multi-byte character was cut by a token limit;
- small models echo their prompt before (or instead of) writing.

:class:`ThinkFilter` splits a stream into answer and thinking as it arrives; :func:`delta_parts`
reads one streamed delta; :func:`clean_chars` removes what must never reach the report or the .docx;
:func:`strip_echo` and :func:`clean_answer` turn a raw answer into section paragraphs.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from draftkit.zh import HEADING_START_RE

log = logging.getLogger(__name__)

__all__ = ["ThinkFilter", "clean_answer", "clean_chars", "complete_sentences", "delta_parts", "split_thinking",
           "strip_echo"]

#: tag names that wrap reasoning in the answer text (lower case, compared case-insensitively)
THINK_TAGS = ("think", "thinking", "reasoning")
#: delta / message fields that carry reasoning instead of answer text
REASONING_FIELDS = ("reasoning_content", "reasoning")

_OPEN = tuple(f"<{t}>" for t in THINK_TAGS)
_CLOSE = tuple(f"</{t}>" for t in THINK_TAGS)
_LONGEST_TAG = max(len(t) for t in _OPEN + _CLOSE)


@dataclass
class ThinkFilter:
    """Separates ``<think>…</think>`` reasoning from the answer in a stream of text pieces.

    ``feed(piece)`` returns the answer text that can be shown now (possibly ""), holding back at most
    a few characters that could be the start of a tag. ``finish()`` returns what is left. A closing
    tag with no opening one (the template opened the block in the prompt) means that everything
    before it was thinking: ``reset`` becomes True once, so a caller that has already shown text can
    take it back, and :attr:`answer` is what remains. ``thinking`` collects the reasoning (for a debug
    log; it is never part of the answer). An opening tag that is never closed ends the answer: what
    follows it is thinking cut short by the token limit.
    """

    answer: str = ""
    thinking: str = ""
    reset: bool = False
    _buf: str = ""
    _inside: bool = False
    _shown: str = field(default="", repr=False)

    def feed(self, piece: str) -> str:
        """Take the next piece of the stream; return the answer text that is safe to show now."""
        self._buf += piece
        out: list[str] = []
        while self._buf:
            low = self._buf.lower()
            tags = _CLOSE if self._inside else _OPEN + _CLOSE
            hits = [(low.find(t), t) for t in tags]
            hits = [(i, t) for i, t in hits if i >= 0]
            if hits:
                i, tag = min(hits)
                before, self._buf = self._buf[:i], self._buf[i + len(tag):]
                if self._inside:
                    self.thinking += before
                    self._inside = False
                elif tag in _OPEN:
                    out.append(before)
                    self._inside = True
                else:  # a lone closing tag: all the answer so far was thinking
                    self.thinking += self.answer + "".join(out) + before
                    self.answer, out = "", []
                    self.reset = True
                continue
            # no whole tag: keep back a tail that may be the beginning of one
            keep = 0
            for n in range(min(len(self._buf), _LONGEST_TAG - 1), 0, -1):
                tail = low[-n:]
                if any(t.startswith(tail) for t in tags):
                    keep = n
                    break
            ready, self._buf = self._buf[:len(self._buf) - keep], self._buf[len(self._buf) - keep:]
            if self._inside:
                self.thinking += ready
            else:
                out.append(ready)
            break
        text = "".join(out)
        self.answer += text
        return text

    def finish(self) -> str:
        """The end of the stream: flush what was held back (a partial tag is text after all)."""
        rest, self._buf = self._buf, ""
        if self._inside:
            self.thinking += rest
            return ""
        self.answer += rest
        return rest

    def take_reset(self) -> bool:
        """Whether a lone closing tag took back the text shown so far (reported once)."""
        r, self.reset = self.reset, False
        return r


def split_thinking(text: str) -> tuple[str, str]:
    """(answer, thinking) of a whole answer text; see :class:`ThinkFilter`."""
    f = ThinkFilter()
    f.feed(text)
    f.finish()
    return f.answer, f.thinking


def delta_parts(delta: Mapping[str, Any] | None) -> tuple[str, str]:
    """(answer text, reasoning text) of one streamed ``delta`` or a whole ``message`` object.

    ``content`` may be a string, None, or (some servers) a list of ``{"type": "text", "text": …}``
    parts; reasoning comes in ``reasoning_content`` or ``reasoning``."""
    if not delta:
        return "", ""
    content = delta.get("content")
    if isinstance(content, list):
        content = "".join(str(p.get("text") or "") for p in content if isinstance(p, Mapping))
    reasoning = "".join(str(delta.get(k) or "") for k in REASONING_FIELDS if isinstance(delta.get(k), str))
    return (content if isinstance(content, str) else ""), reasoning


def clean_chars(text: str) -> str:
    """``text`` without control characters (line breaks kept, tabs as spaces), U+FFFD, lone
    surrogates, zero-width and bidi controls, so nothing unprintable reaches a report or a .docx
    (Word refuses XML with control characters)."""
    if not text:
        return ""
    out = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        if ch == "\n":
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        elif ch == "\ufffd" or ch == "\ufeff":
            continue
        else:
            cat = unicodedata.category(ch)
            if cat in ("Cc", "Cs", "Co", "Cn") or (cat == "Cf" and ch not in "\u200d"):
                continue
            out.append(ch)
    return "".join(out)


def _norm(s: str) -> str:
    return re.sub(r"[\s\u3000*#>`_-]+", "", s)


#: how long an echoed prompt line must be before it is cut from the start of an answer line
ECHO_MIN_CHARS = 6


#: how alike (difflib ratio, punctuation aside) a marked-up answer line and a prompt line must be
#: for the answer line to count as a restated prompt line
RESTATED_RATIO = 0.85
_MARKED_LINE = re.compile(r"^\s*[-*•#>\u2460-\u2473]|\*\*|__")  # Markdown marks and ①–⑳
_PUNCT = re.compile(r"[\W_]+")


def _restates(line: str, prompt_lines: Iterable[str]) -> bool:
    """Whether a list item, a heading or a lead-in line (one ending in a colon) of the answer restates
    one prompt line, reformatted: its words lie inside the prompt line, or nearly match it. Such a
    line ("- **主题党日**：12次，每月一次", "学校2016年“…”方面的事实如下：") is the prompt given back, not
    prose; plain prose lines are never judged this way, so a paragraph that happens to open with the
    facts' words is kept."""
    marked = _MARKED_LINE.search(line) or HEADING_START_RE.match(line.strip())  # or 一、（1）1. numbering
    if not (marked or line.rstrip().endswith(("：", ":"))):
        return False
    bare = _PUNCT.sub("", line)
    if len(bare) < ECHO_MIN_CHARS:
        return False
    for p in prompt_lines:
        if bare in p or (abs(len(p) - len(bare)) <= len(bare) // 4
                         and difflib.SequenceMatcher(None, bare, p, autojunk=False).ratio() >= RESTATED_RATIO):
            return True
    return False


def strip_echo(answer: str, prompt: str | Iterable[str]) -> str:
    """``answer`` without the lines it copied from ``prompt`` (one text, or several: system and user).

    A line of the answer that equals a prompt line (spacing and list marks aside) goes, and so does a
    list item or heading that restates a prompt line reformatted (:func:`_restates`); a line that
    starts with a prompt line keeps what follows it, so an answer that starts by echoing the prompt
    loses only the echo, never the content after it."""
    prompts = [prompt] if isinstance(prompt, str) else list(prompt)
    raw_lines = [line for p in prompts for line in p.split("\n")]
    lines = {_norm(line) for line in raw_lines}
    lines.discard("")
    bare_lines = [b for b in (_PUNCT.sub("", line) for line in raw_lines) if len(b) >= ECHO_MIN_CHARS]
    starts = sorted((x for x in lines if len(x) >= ECHO_MIN_CHARS), key=len, reverse=True)
    kept = []
    for line in answer.split("\n"):
        n = _norm(line)
        if not n or n in lines or _restates(line, bare_lines):
            continue
        for head in starts:
            if n.startswith(head):
                line = _after_normalized(line, len(head))
                break
        if _norm(line):
            kept.append(line)
    return "\n".join(kept)


def _after_normalized(line: str, n: int) -> str:
    """The rest of ``line`` after its first ``n`` normalised characters."""
    seen = 0
    for i, ch in enumerate(line):
        if _norm(ch):
            seen += 1
            if seen == n:
                return line[i + 1:].lstrip("：:，, \u3000")
    return ""


_PREAMBLE = re.compile(r"^(?:好的|以下|下面|改写|本节|根据|正文).{0,30}[：:]\s*$")
_LABEL_LINE = re.compile(r"^【[^】]{1,12}】[：:]?$")
_END = "。！？!?"
_SENTENCE_END = re.compile(r"[。！？!?][”’」』）)]*")


def clean_answer(raw: str, *, title: str = "", heading: str = "", prompt: str | Iterable[str] = "",
                 stop: Iterable[str] = ()) -> str:
    """A raw answer as section paragraphs joined by "\\n": thinking, junk characters, code fences,
    Markdown marks, an echoed prompt, a label line, an echoed heading and a preamble line
    ("好的，以下是……：") removed, and everything from a ``stop`` string on (for backends that do not
    honour stop strings themselves; one at the very start is an echo and only it goes)."""
    text, thinking = split_thinking(raw or "")
    if thinking.strip():
        log.debug("model reasoning dropped (%d characters): %s", len(thinking), thinking[:2000])
    text = clean_chars(text).strip()
    if prompt:
        text = strip_echo(text, prompt)
    for s in stop:
        cut = text.find(s, 1) if s else -1
        if cut > 0:
            text = text[:cut]
    text = re.sub(r"^```[a-zA-Z]*\n?|```$", "", text, flags=re.M).strip()
    lines = []
    for line in text.split("\n"):
        line = re.sub(r"^\s*#+\s*", "", line)
        line = line.replace("**", "").replace("__", "").strip()
        line = re.sub(r"^[-*•]\s+", "", line)
        # "2. 学区联合党支部……": a small model's list number; in the report it would read as a heading
        line = re.sub(r"^\d{1,2}[.．、)）](?!\d)\s*", "", line)
        if line and not _LABEL_LINE.match(line):
            lines.append(line)
    while lines and (_PREAMBLE.match(lines[0]) or lines[0] in (title, heading)
                     or (HEADING_START_RE.match(lines[0]) and len(lines[0]) <= len(heading or title) + 4)):
        lines.pop(0)
    return "\n".join(lines)


def complete_sentences(text: str) -> tuple[str, str]:
    """(the text up to its last complete sentence, the cut-off rest). A sentence is complete when it
    ends in 。！？ (closing quotes or brackets included); paragraphs before the last are kept whole
    when they end so."""
    if not text:
        return "", ""
    last = None
    for m in _SENTENCE_END.finditer(text):
        last = m
    if last is None:
        return "", text
    return text[:last.end()].rstrip(), text[last.end():].strip()
