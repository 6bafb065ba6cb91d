"""Ranking: reciprocal rank fusion, the passage-copy boost, and MMR over documents.

Hybrid ranking is reciprocal rank fusion (RRF, Cormack et al. 2009) of the dense and the
lexical candidate lists: ``score = Σ 1 / (60 + rank)``. RRF needs no score calibration,
which matters here: e5 cosines sit in a narrow band (≈0.8–0.95) while BM25 scores are
unbounded, so any weighted sum would need re-tuning per corpus and per model. k = 60 is the
constant of the original paper; it keeps a chunk that both sides rank moderately above one
that a single side ranks first.

Passage mode (a reviewer pastes a whole paragraph): a chunk that contains most of the
query's character 4-grams, or most of whose 4-grams the query contains, is an exact or near
copy. In hybrid mode such chunks get their overlap share (≥ 0.5) added to the fused score,
which puts them first, ordered by overlap.

MMR (maximal marginal relevance, Carbonell & Goldstein 1998), for drafting: ``mmr`` in 0–1
is the weight of novelty against relevance. A candidate's redundancy is 1 when a chunk of
the same document is already chosen, else its cosine similarity to the closest chosen chunk,
rescaled so the median similarity in the pool counts 0. 0 keeps the plain ranking.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from draftkit.ingest.models import Chunk

RRF_K = 60
CANDIDATES_MIN = 50
CANDIDATES_PER_K = 5
PASSAGE_MIN_CHARS = 30
PASSAGE_NGRAM = 4
PASSAGE_MIN_OVERLAP = 0.5
MODES = ("hybrid", "dense", "lexical")


class Hit(BaseModel):
    """One search result: the chunk, its score in the chosen mode and where each side ranked it (1-based)."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    rank: int
    overlap: float = 0.0  # passage mode: share of 4-grams shared with the query (hybrid only)


def candidate_count(k: int) -> int:
    return max(CANDIDATES_MIN, CANDIDATES_PER_K * k)


def rrf(ranked_lists: Sequence[Sequence[int]], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion of id lists (best first)."""
    out: dict[int, float] = {}
    for ids in ranked_lists:
        for rank, cid in enumerate(ids, start=1):
            out[int(cid)] = out.get(int(cid), 0.0) + 1.0 / (k + rank)
    return out


def normalize_for_overlap(text: str) -> str:
    """Letters, digits and CJK characters only (NFKC, lower case): what a copy keeps."""
    out = []
    for ch in unicodedata.normalize("NFKC", text).lower():
        if ch.isalnum():
            out.append(ch)
    return "".join(out)


def ngram_set(norm: str, n: int = PASSAGE_NGRAM) -> set[str]:
    return {norm[i : i + n] for i in range(len(norm) - n + 1)}


def is_passage_query(query: str) -> bool:
    return len(normalize_for_overlap(query)) >= PASSAGE_MIN_CHARS


def overlap(query_grams: set[str], text: str) -> float:
    """How much of a copy ``text`` is: the larger of the shares of either side's 4-grams found in the other."""
    if not query_grams:
        return 0.0
    grams = ngram_set(normalize_for_overlap(text))
    if not grams:
        return 0.0
    shared = len(query_grams & grams)
    return max(shared / len(query_grams), shared / len(grams))


def mmr_order(relevance: np.ndarray, vectors: np.ndarray, doc_codes: np.ndarray, k: int, weight: float) -> list[int]:
    """Indices into the pool, chosen greedily by (1 − weight)·relevance − weight·redundancy."""
    n = len(relevance)
    if n == 0:
        return []
    k = min(k, n)
    rel = np.asarray(relevance, dtype=np.float64)
    span = rel.max() - rel.min()
    rel = (rel - rel.min()) / span if span > 0 else np.ones(n)
    sims = vectors @ vectors.T if len(vectors) else np.zeros((n, n))
    off_diag = sims[~np.eye(n, dtype=bool)] if n > 1 else np.zeros(1)
    base = float(np.median(off_diag))
    scaled = np.clip((sims - base) / max(1e-6, 1.0 - base), 0.0, 1.0)
    same_doc = doc_codes[:, None] == doc_codes[None, :]
    redundancy_with = np.where(same_doc, 1.0, scaled)
    chosen: list[int] = []
    redundancy = np.zeros(n)
    available = np.ones(n, dtype=bool)
    for _ in range(k):
        score = (1.0 - weight) * rel - weight * redundancy
        score[~available] = -np.inf
        pick = int(np.argmax(score))
        chosen.append(pick)
        available[pick] = False
        redundancy = np.maximum(redundancy, redundancy_with[pick])
    return chosen
