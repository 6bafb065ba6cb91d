"""The reuse check: which paragraphs of a report were lifted from past reports in the index.

For each paragraph the index proposes the most similar past passages (lexical search by default,
see ``DEFAULT_MODE``); similar *topic* is not copying, so the finding rests on a copy ratio that
measures *shared text*:

**Copy ratio = character 8-gram coverage.** After dropping whitespace and punctuation (and
NFKC-folding full-width forms), the paragraph's characters that lie inside at least one 8-gram
also found in the candidate passage(s), divided by the paragraph's length. Why this measure:

* It is containment, not symmetric similarity: a paragraph pasted into a longer passage (or a
  passage cut into a shorter paragraph) scores as copied, which Jaccard or cosine would not.
* Eight characters are four or five Chinese words. Two writers on the same topic share words
  and short phrases ("主题党日", "三会一课", "党员先锋模范作用") but rarely eight identical
  characters in a row, apart from a few set phrases; a pasted sentence shares runs of dozens.
  Shorter n (4–5) lets the shared vocabulary of the genre through; longer n (12+) misses
  lightly edited copies.
* Coverage of characters (rather than the share of 8-grams) is robust to light edits: changing
  the unit name or one number breaks the 8-grams around it but leaves every other character
  covered, so "copied, with the school's name changed" still scores near 1.
* The covered characters merge into the *shared spans* shown to the user, and the measure is
  linear in the text's length (a set of hashes per candidate).

Measured on the sample corpus (``tests/integration/checks/test_reuse.py``): pasted paragraphs
score ≥ 0.95, lightly edited ones ≥ 0.8, original paragraphs on the same topic ≤ 0.2.

Passages of the report's own unit and year (the report itself, or an earlier version of it in
the index) are ignored; so is the report's own document when it is in the index.

Long texts: paragraphs over ``MAX_QUERY_CHARS`` are searched in sentence-bounded pieces, and at
most ``max_queries`` searches are made per report (default 300: a 4,000-character report needs
20–40). Beyond that the rest is not searched and the summary says so: a 10 MB text gets a
bounded, predictable run instead of hours of searching.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from draftkit.checks.data import checks_data
from draftkit.checks.document import Paragraph, ReportText
from draftkit.checks.models import Finding, ReuseSource
from draftkit.zh import ngrams, normalize, normalize_with_map, split_sentences

CHECK = "reuse"
NGRAM = 8
MIN_PARAGRAPH_CHARS = 30  # shorter paragraphs (headings, one-liners) are not searched
MAX_QUERY_CHARS = 500  # longer paragraphs are searched in pieces of at most this many characters
DEFAULT_MAX_QUERIES = 300
#: Candidates come from the lexical (BM25) side of the index by default: copying shares words,
#: and BM25 ranks a pasted paragraph's source first; the dense side finds shared *topic*,
#: which the copy ratio then rejects anyway, and costs a model pass per paragraph (measured:
#: 0.15 s vs ~3 s for a 4,000-character report on 2 loaded cores). ``mode="hybrid"`` is allowed.
DEFAULT_MODE = "lexical"
SEARCH_K = 5



class SearchIndex(Protocol):
    """What the reuse check needs of ``draftkit.retrieval.Index``."""

    def search(self, query: str, k: int = 10, **kw: Any) -> list[Any]: ...


# --------------------------------------------------------------------------- the copy ratio
def copy_ratio(paragraph: str, candidates: str | Iterable[str] | set[str], n: int = NGRAM
               ) -> tuple[float, list[tuple[int, int]]]:
    """(ratio, shared spans): the share of the paragraph's characters inside n-grams that also
    occur in the candidate text(s), and those characters as merged spans of ``paragraph``.
    ``candidates`` may also be a ready set of the candidates' n-grams.

    A paragraph shorter than ``n`` characters (after normalisation) has ratio 0.
    """
    norm, where = normalize_with_map(paragraph)
    if len(norm) < n:
        return 0.0, []
    if isinstance(candidates, set):
        grams = candidates
    else:
        cands = [candidates] if isinstance(candidates, str) else list(candidates)
        grams = set()
        for c in cands:
            grams |= ngrams(normalize(c), n)
    covered = bytearray(len(norm))
    for i in range(len(norm) - n + 1):
        if norm[i : i + n] in grams:
            covered[i : i + n] = b"\x01" * n
    total = sum(covered)
    return total / len(norm), _spans(covered, where, paragraph)


def _spans(covered: bytearray, where: list[int], text: str) -> list[tuple[int, int]]:
    """Runs of covered normalised characters → spans of the original text (merged across the
    punctuation and spaces between them)."""
    spans: list[tuple[int, int]] = []
    i = 0
    n = len(covered)
    while i < n:
        if not covered[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and covered[j + 1]:
            j += 1
        s, e = where[i], where[j] + 1
        if spans and not _normalized_between(text, spans[-1][1], s):
            spans[-1] = (spans[-1][0], e)
        else:
            spans.append((s, e))
        i = j + 1
    return spans


def _normalized_between(text: str, a: int, b: int) -> bool:
    """Whether text[a:b] holds any character that normalisation keeps."""
    return bool(normalize(text[a:b])) if b > a else False


# --------------------------------------------------------------------------- the check
@dataclass
class ReuseOutcome:
    findings: list[Finding] = field(default_factory=list)
    share: float | None = None  # covered characters / characters of the searched paragraphs
    searched_paragraphs: int = 0
    eligible_paragraphs: int = 0
    queries: int = 0
    capped: bool = False
    ratios: dict[int, float] = field(default_factory=dict)  # paragraph index → best copy ratio (searched ones)


def _pieces(text: str, limit: int = MAX_QUERY_CHARS) -> list[str]:
    if len(text) <= limit:
        return [text]
    out: list[str] = []
    cur = ""
    for s in split_sentences(text):
        while len(s) > limit:  # a sentence longer than the limit: hard cut
            if cur:
                out.append(cur)
                cur = ""
            out.append(s[:limit])
            s = s[limit:]
        if len(cur) + len(s) > limit and cur:
            out.append(cur)
            cur = ""
        cur += s
    if cur:
        out.append(cur)
    return out


def _same(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    a, b = a.strip(), b.strip()
    return a == b or (len(min(a, b, key=len)) >= 4 and (a in b or b in a))


def check_reuse(doc: ReportText | str | Any, index: SearchIndex, *, threshold: float = 0.5, unit: str | None = None,
                year: int | None = None, k: int = SEARCH_K, max_queries: int = DEFAULT_MAX_QUERIES,
                exclude_docs: Iterable[str] = (), mode: str = DEFAULT_MODE) -> ReuseOutcome:
    """Search the index for each paragraph; a finding for each paragraph whose copy ratio against
    one past document reaches ``threshold``. ``unit``/``year``: the report's own (passages of
    that unit and year are ignored)."""
    rt = ReportText.from_text(doc, detect=False) if isinstance(doc, str) else ReportText.coerce(doc)
    unit = unit or rt.unit
    year = year if year is not None else rt.year
    exclude = [d for d in exclude_docs if d]
    messages = checks_data()["messages"]
    out = ReuseOutcome()
    gram_cache: dict[str, set[str]] = {}  # chunk id → its 8-grams (chunks recur across paragraphs)
    covered_chars = 0
    searched_chars = 0
    eligible = [p for p in rt.paragraphs if len(p.text) >= MIN_PARAGRAPH_CHARS
                and (p.heading_level is None or len(p.text) > 40)]
    out.eligible_paragraphs = len(eligible)
    for para in eligible:
        if len(para.text) > max_queries * MAX_QUERY_CHARS:
            out.capped = True
            break
        norm_len = len(normalize(para.text))
        if norm_len < MIN_PARAGRAPH_CHARS:
            out.eligible_paragraphs -= 1
            continue
        pieces = _pieces(para.text)
        if out.queries + len(pieces) > max_queries:
            out.capped = True
            break
        hits: dict[str, Any] = {}
        for q in pieces:
            kw: dict[str, Any] = {"k": k, "mode": mode}
            if exclude:
                kw["exclude_docs"] = exclude
            for h in index.search(q, **kw):
                c = h.chunk
                if year is not None and c.year == year and _same(unit, c.unit):
                    continue
                if c.id not in hits or h.score > hits[c.id].score:
                    hits[c.id] = h
        out.queries += len(pieces)
        out.searched_paragraphs += 1
        searched_chars += norm_len
        best = _best_source(para, hits.values(), gram_cache)
        if best is None:
            continue
        ratio, spans, hit, doc_hits = best
        out.ratios[para.index] = round(ratio, 4)
        covered_chars += round(ratio * norm_len)
        if ratio < threshold:
            continue
        c = hit.chunk
        source = ReuseSource(chunk_id=c.id, doc_id=c.doc_id, path=c.source, title=c.title, unit=c.unit, year=c.year,
                             heading_path=list(c.heading_path), ratio=round(ratio, 3), shared_spans=spans,
                             score=float(hit.score))
        own_unit = _same(unit, c.unit)
        severity = "P2" if own_unit else "P1"
        where = "、".join(x for x in (c.unit, f"{c.year}年" if c.year else None, c.title) if x) or (c.source or c.doc_id)
        rule = "reuse.own_past" if own_unit else "reuse.copied"
        out.findings.append(Finding(
            check=CHECK, severity=severity, rule=rule, section=para.section, paragraph=para.index,
            span=(spans[0][0], spans[-1][1]) if spans else (0, len(para.text)),
            text=para.text[spans[0][0] : spans[-1][1]] if spans else para.text,
            message=messages[rule].format(percent=round(ratio * 100), source=where, n=len(doc_hits)),
            suggestion=messages["reuse.suggest"], source=source))
    out.share = (covered_chars / searched_chars) if searched_chars else None
    return out


def _best_source(para: Paragraph, hits: Iterable[Any], cache: dict[str, set[str]]
                 ) -> tuple[float, list[tuple[int, int]], Any, list[Any]] | None:
    """The past document sharing most text with the paragraph: its chunks are pooled (a paragraph
    may straddle two chunks); the best single chunk names the source."""
    def grams(h: Any) -> set[str]:
        g = cache.get(h.chunk.id)
        if g is None:
            g = cache[h.chunk.id] = ngrams(normalize(h.chunk.text), NGRAM)
        return g

    by_doc: dict[str, list[Any]] = {}
    for h in hits:
        by_doc.setdefault(h.chunk.doc_id or h.chunk.id, []).append(h)
    best = None
    for doc_hits in by_doc.values():
        pooled = set().union(*(grams(h) for h in doc_hits))
        ratio, spans = copy_ratio(para.text, pooled)
        if best is None or ratio > best[0]:
            top = max(doc_hits, key=lambda h: copy_ratio(para.text, grams(h))[0]) if len(doc_hits) > 1 else doc_hits[0]
            best = (ratio, spans, top, doc_hits)
    return best
