"""Chunking: a cleaned report → section-aware passages of about 150–500 characters.

Rules: a passage never spans two sections at level 1 or 2 (一、 / （一）); it is cut only at
a sentence end or a line end (preferring a 1. / （1） heading, then a line break, then 。！？,
then ；); only a sentence longer than ``HARD_MAX_CHARS`` is cut at a comma or, failing that,
at a fixed length. Every character of the cleaned text belongs to exactly one passage, except
whitespace at passage borders; ``Chunk.start``/``end`` are offsets into the cleaned text and
``Chunk.text == text[start:end]``.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Sequence

from draftkit.ingest.kinds import classify_kind, kind_after
from draftkit.ingest.models import Chunk, Heading, Placeholder
from draftkit.ingest.structure import Structure

__all__ = ["CHUNKER_VERSION", "MIN_CHARS", "MAX_CHARS", "HARD_MAX_CHARS", "chunk_document", "chunk_id"]

#: Recorded in the index manifest; bump when chunk boundaries or metadata change
#: (2: a standard top-level heading glued to its first sentence is cut to the heading;
#: 3: web-copy cleaning — lead-ins, outlines, hidden-text gaps, printed-line layouts rejoined —,
#: any heading glued to its sentence, bare type words never the unit, kinds weighing the text).
CHUNKER_VERSION = "3"
MIN_CHARS = 150
MAX_CHARS = 500
#: A single sentence longer than this is cut at a comma (or at MAX_CHARS when it has none).
HARD_MAX_CHARS = 1200

_P_RESTART, _P_HEADING, _P_LINE, _P_SENTENCE, _P_CLAUSE = 5, 4, 3, 2, 1
_BREAK_RE = re.compile(
    r"(?P<sentence>[。！？!?…]+[”’」』）)》]*)|(?P<clause>[；;]+[”’」』）)]*)|(?P<line>\n+)"
)
_COMMA_RE = re.compile(r"[，,、]")
_WS = " \t\n\r\u3000"


def chunk_id(doc_id: str, position: int) -> str:
    """Stable chunk id: the first 16 hex digits of sha256("doc_id:position")."""
    return hashlib.sha256(f"{doc_id}:{position}".encode()).hexdigest()[:16]


def _break_points(text: str, headings: Sequence[Heading]) -> tuple[list[int], list[int]]:
    """Sorted cut positions and their priorities (a cut at p means text[:p] | text[p:])."""
    best: dict[int, int] = {}
    for m in _BREAK_RE.finditer(text):
        kind = m.lastgroup
        prio = {"sentence": _P_SENTENCE, "clause": _P_CLAUSE, "line": _P_LINE}[kind or "line"]
        p = m.end()
        if best.get(p, -1) < prio:
            best[p] = prio
    seen: dict[int, bool] = {}  # level → a sibling was seen since the parent heading
    for h in headings:
        for deeper in [lv for lv in seen if lv > h.level]:
            del seen[deeper]
        if h.level >= 3:
            # a list that starts again at 1 under the same parent opens a new part ("下步措施" after "问题")
            restart = seen.get(h.level, False) and re.sub(r"\D", "", h.number) == "1"
            prio = _P_RESTART if restart else _P_HEADING
            if best.get(h.start, -1) < prio:
                best[h.start] = prio
        seen[h.level] = True
    positions = sorted(best)
    return positions, [best[p] for p in positions]


def _is_heading_only(text: str, a: int, b: int, headings: Sequence[Heading], starts: list[int]) -> bool:
    """True when [a, b) holds nothing but level-1/2 headings (and whitespace). ``starts``: the headings' starts."""
    covered = 0
    i = max(0, bisect.bisect_left(starts, a) - 1)
    while i < len(headings) and headings[i].start < b:
        h = headings[i]
        if h.end > a and h.level <= 2:
            covered += max(0, min(h.end, b) - max(h.start, a))
        i += 1
    content = len(text[a:b].strip(_WS))
    return content - covered <= 2


def _sections(text: str, headings: Sequence[Heading], title_end: int) -> list[tuple[int, int]]:
    starts = [h.start for h in headings]
    bounds = [0]
    for h in headings:
        if h.level <= 2 and h.start > bounds[-1]:
            bounds.append(h.start)
    bounds.append(len(text))
    sections: list[tuple[int, int]] = []
    pending_start: int | None = None
    for a, b in zip(bounds, bounds[1:], strict=False):
        start = a if pending_start is None else pending_start
        heading_only = _is_heading_only(text, a, b, headings, starts) or (
            a == 0 and title_end > 0 and not text[title_end:b].strip(_WS))
        if heading_only and b < len(text):
            pending_start = start
            continue
        sections.append((start, b))
        pending_start = None
    return sections


def _split_section(text: str, a: int, b: int, positions: list[int], prios: list[int], min_chars: int, max_chars: int,
                   hard_max: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = a
    target = int(0.7 * max_chars)
    while pos < b:
        if b - pos <= max_chars:
            out.append((pos, b))
            break
        lo = bisect.bisect_right(positions, pos + min_chars)
        hi = bisect.bisect_right(positions, min(pos + max_chars, b - 1))
        window = [(prios[i], positions[i]) for i in range(lo, hi) if prios[i] >= _P_CLAUSE]
        if window:
            roomy = [w for w in window if b - w[1] >= min_chars]
            pool = roomy or window
            top = max(p for p, _ in pool)
            cut = min((c for p, c in pool if p == top), key=lambda c: abs((c - pos) - target))
        else:
            # no sentence end in reach: the next one, however far (up to hard_max)
            j = bisect.bisect_right(positions, pos + max_chars)
            cut = None
            while j < len(positions) and positions[j] < min(b, pos + hard_max):
                if prios[j] >= _P_CLAUSE:
                    cut = positions[j]
                    break
                j += 1
            if cut is None:  # one enormous sentence: the last comma in reach, else a fixed length
                commas = [m.end() for m in _COMMA_RE.finditer(text, pos + min_chars, min(pos + max_chars, b - 1))]
                cut = commas[-1] if commas else min(b, pos + max_chars)
        out.append((pos, cut))
        pos = cut
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _WS:
        a += 1
    while b > a and text[b - 1] in _WS:
        b -= 1
    return a, b


def chunk_document(
    text: str,
    structure: Structure | None = None,
    *,
    doc_id: str,
    source: str,
    placeholders: Sequence[Placeholder] = (),
    min_chars: int = MIN_CHARS,
    max_chars: int = MAX_CHARS,
    hard_max_chars: int = HARD_MAX_CHARS,
) -> list[Chunk]:
    """Cut a cleaned report into section-aware chunks with their metadata (see the module doc)."""
    st = structure or Structure()
    headings = sorted(st.headings, key=lambda h: h.start)
    title_end = 0
    if st.title:
        idx = text.find(st.title)
        if 0 <= idx < 200:
            title_end = idx + len(st.title)
    positions, prios = _break_points(text, headings)
    spans: list[tuple[int, int]] = []
    for a, b in _sections(text, headings, title_end):
        spans.extend(_split_section(text, a, b, positions, prios, min_chars, max(max_chars, min_chars + 1),
                                    max(hard_max_chars, max_chars)))

    # heading path at each heading
    starts = [h.start for h in headings]
    paths: list[list[Heading]] = []
    stack: list[Heading] = []
    for h in headings:
        stack = [x for x in stack if x.level < h.level] + [h]
        paths.append(stack)
    ph_sorted = sorted(placeholders, key=lambda p: p.start)
    ph_starts = [p.start for p in ph_sorted]

    chunks: list[Chunk] = []
    previous_kind: str | None = None
    previous_top: int | None = None
    for a0, b0 in spans:
        a, b = _trim(text, a0, b0)
        if a >= b:
            continue
        # the path at the first body character: skip headings that open the chunk
        cursor = a
        i = bisect.bisect_left(starts, a) - 1  # the last heading before the chunk
        j = i + 1
        opened_level: int | None = None
        while j < len(headings) and headings[j].start <= cursor and headings[j].start < b:
            if opened_level is not None and headings[j].level <= opened_level:
                break  # a sibling, not a deeper heading that opens the same passage
            opened_level = headings[j].level
            cursor = max(cursor, headings[j].end)
            while cursor < b and text[cursor] in _WS:
                cursor += 1
            i = j
            j += 1
        path = paths[i] if i >= 0 else []
        heading_path = [h.text for h in path]
        top = path[0].start if path else None
        if top != previous_top:
            previous_kind = None
        chunk_text = text[a:b]
        opening = bool(headings) and b <= headings[0].start + 1
        kind = classify_kind(heading_path, chunk_text, previous=previous_kind, opening=opening)
        k = bisect.bisect_left(ph_starts, a)
        kinds: list[str] = []
        # a placeholder starting before a may still overlap; look one back
        if k > 0 and ph_sorted[k - 1].end > a:
            k -= 1
        while k < len(ph_sorted) and ph_sorted[k].start < b:
            if ph_sorted[k].kind not in kinds:
                kinds.append(ph_sorted[k].kind)
            k += 1
        position = len(chunks)
        chunks.append(Chunk(
            id=chunk_id(doc_id, position), doc_id=doc_id, source=source, title=st.title, unit=st.unit,
            year=st.year, org_type=st.org_type, report_kind=st.report_kind, heading_path=heading_path,
            kind=kind, position=position, start=a, end=b, text=chunk_text, placeholders=kinds,
        ))
        # the kind in force at the chunk's end (a "下一步……" turn inside "问题和措施" carries on)
        previous_kind = kind_after(heading_path, chunk_text, kind)
        previous_top = top
    return chunks
