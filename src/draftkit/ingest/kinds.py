"""Section kinds: which part of a report a passage belongs to (基本情况, 组织建设, 存在问题 …).

The keyword table is data (``prompts/section_kinds.yaml``). The heading path decides first:
a top-level heading that names a closing part (基本情况, 成绩, 问题, 打算) decides for all
below it; otherwise the deepest heading that names a kind wins. Without a telling heading the
text's keywords are counted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from draftkit.config import load_data_as
from draftkit.section_kinds import SECTION_KINDS

__all__ = ["classify_kind", "kind_after", "heading_kinds", "body_scores", "KindTable", "kind_table"]


@dataclass(frozen=True, eq=False)
class KindTable:
    order: tuple[str, ...]
    terminal: frozenset[str]
    heading: dict[str, tuple[str, ...]]
    body: dict[str, tuple[str, ...]]
    practice_words: tuple[str, ...] = ()
    practice_overrides: frozenset[str] = frozenset()
    override_min_hits: int = 3
    override_ratio: float = 2.0
    opening_min_hits: int = 1


def _build_table(data: Any, path: Path) -> KindTable:
    kinds = data.get("kinds", {}) or {}
    unknown = [k for k in kinds if k not in SECTION_KINDS]
    if unknown:
        raise ValueError(f"{path}: unknown section kinds {unknown} (known: {list(SECTION_KINDS)})")
    return KindTable(
        order=tuple(kinds),
        terminal=frozenset(data.get("terminal", [])),
        heading={k: tuple(v.get("heading", []) or []) for k, v in kinds.items()},
        body={k: tuple(v.get("body", []) or []) for k, v in kinds.items()},
        practice_words=tuple(data.get("practice_words", []) or []),
        practice_overrides=frozenset(data.get("practice_overrides", []) or []),
        override_min_hits=int((data.get("body_override") or {}).get("min_hits", 3)),
        override_ratio=float((data.get("body_override") or {}).get("ratio", 2)),
        opening_min_hits=int(data.get("opening_overview_min_hits", 1)),
    )


def kind_table() -> KindTable:
    """The keyword table from ``prompts/section_kinds.yaml`` (built once per version of the file)."""
    return load_data_as("section_kinds.yaml", _build_table)


def heading_kinds(heading: str, table: KindTable | None = None) -> list[str]:
    """Kinds whose heading keywords occur in ``heading``, best first (more/longer hits, then table order)."""
    t = table or kind_table()
    return list(_heading_kinds(heading, t))


@lru_cache(maxsize=8192)
def _heading_kinds(heading: str, t: KindTable) -> tuple[str, ...]:
    scored = []
    for i, kind in enumerate(t.order):
        hits = [w for w in t.heading[kind] if w in heading]
        if hits:
            scored.append((-len(hits), -max(len(w) for w in hits), i, kind))
    return tuple(k for *_rest, k in sorted(scored))


def body_scores(text: str, table: KindTable | None = None, restrict: Sequence[str] | None = None) -> dict[str, int]:
    """Keyword hits per kind in ``text`` (each occurrence counts)."""
    t = table or kind_table()
    out: dict[str, int] = {}
    for kind in t.order:
        if restrict is not None and kind not in restrict:
            continue
        n = sum(text.count(w) for w in t.body[kind])
        if n:
            out[kind] = n
    return out


def _best_body(text: str, t: KindTable, restrict: Sequence[str] | None = None,
               previous: str | None = None) -> str | None:
    scores = body_scores(text, t, restrict)
    if not scores:
        return None
    top = max(scores.values())
    if previous is not None and scores.get(previous) == top:
        return previous
    return max(scores, key=lambda k: (scores[k], -t.order.index(k)))


def classify_kind(heading_path: Sequence[str], text: str, *, previous: str | None = None,
                  opening: bool = False) -> str:
    """The section kind (a key of ``SECTION_KINDS``) for a passage under ``heading_path``.

    ``previous`` (the kind of the passage before, in the same top-level section) breaks ties
    when a heading names two closing parts ("存在的问题和下步措施") and the text says neither.
    ``opening=True`` marks the report's opening (before its first heading): it is ``overview``
    when it gives the basic facts (党员 numbers …), else ``other``.
    """
    t = kind_table()
    if opening and not heading_path:
        return "overview" if body_scores(text, t, ("overview",)).get("overview", 0) >= t.opening_min_hits else "other"
    path = [h for h in heading_path if h]
    matches = [heading_kinds(h, t) for h in path]
    top = next((i for i, ks in enumerate(matches) if ks), None)
    if top is not None:
        terminal = [k for k in matches[top] if k in t.terminal]
        if terminal and any(w in path[top] for w in t.practice_words):
            terminal = [k for k in terminal if k not in t.practice_overrides]
        if terminal:
            if len(terminal) == 1:
                return terminal[0]
            for ks in matches[top + 1:]:
                sub = [k for k in ks if k in terminal]
                if len(sub) == 1:
                    return sub[0]
            prev = previous if previous in terminal else None
            best = _best_body(text, t, terminal, prev)
            if best is not None:
                return best
            return prev or terminal[0]
        for depth in range(len(matches) - 1, -1, -1):
            non_terminal = [k for k in matches[depth] if k not in t.terminal]
            if non_terminal:
                # a section's own heading, or its parent's, speaks for it; a heading further up gives way
                # to a clear text
                return _weigh_body(non_terminal, text, t, own=depth >= len(matches) - 2)
        # under a "做法"-type heading: the work itself, not a closing part
        best = _best_body(text, t, [k for k in t.order if k not in t.terminal])
        return best or "other"
    # inside a section whose headings say nothing: any kind but the opening's "overview"
    best = _best_body(text, t, [k for k in t.order if k != "overview"] if path else None)
    return best or "other"


def _weigh_body(heading_kinds_: list[str], text: str, t: KindTable, *, own: bool) -> str:
    """The heading's best kind, unless the text's dominant kind clearly overrules it (``body_override``
    in ``prompts/section_kinds.yaml``): the heading names that kind too, or the kind came from a heading
    two or more levels above the passage's own (``own`` is False)."""
    chosen = heading_kinds_[0]
    if own and len(heading_kinds_) == 1:
        return chosen  # nothing the text could be weighed against
    scores = body_scores(text, t, [k for k in t.order if k not in t.terminal])
    if not scores:
        return chosen
    top = max(scores, key=lambda k: (scores[k], -t.order.index(k)))
    if top == chosen:
        return chosen
    strong = scores[top] >= t.override_min_hits and scores[top] >= t.override_ratio * scores.get(chosen, 0) + 1
    return top if strong and (top in heading_kinds_ or not own) else chosen


_SENTENCE_SPLIT_RE = re.compile(r"(?<=[。！？!?；;\n])")


def _ambiguous_terminal(path: Sequence[str], t: KindTable) -> list[str]:
    for h in path:
        ks = heading_kinds(h, t)
        if ks:
            terminal = [k for k in ks if k in t.terminal]
            if terminal and any(w in h for w in t.practice_words):
                terminal = [k for k in terminal if k not in t.practice_overrides]
            return terminal if len(terminal) > 1 else []
    return []


def kind_after(heading_path: Sequence[str], text: str, start_kind: str) -> str:
    """The kind in force at the end of ``text`` under a heading naming two closing parts.

    In "四、存在的问题和下步措施" the text turns from problems to plans at a sentence like
    "针对上述问题，下阶段将……": sentences are read in order and the kind switches when one
    speaks clearly for the other part. Elsewhere ``start_kind`` is returned unchanged.
    """
    t = kind_table()
    options = _ambiguous_terminal([h for h in heading_path if h], t)
    if not options:
        return start_kind
    state = start_kind if start_kind in options else options[0]
    for sentence in _SENTENCE_SPLIT_RE.split(text):
        scores = body_scores(sentence, t, options)
        if not scores:
            continue
        top = max(scores.values())
        leaders = [k for k in options if scores.get(k) == top]
        if len(leaders) == 1 and leaders[0] != state and top >= 2:
            state = leaders[0]
    return state
