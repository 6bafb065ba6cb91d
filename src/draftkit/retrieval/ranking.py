"""Ranking: hybrid fusion, the passage-copy boost, and MMR over documents.

Hybrid ranking merges the dense and the lexical candidates. Two fusions are available
(``Settings.fusion`` / ``DRAFTKIT_FUSION``, or ``fusion=`` on ``Index.search``):

- ``convex`` (default): a weighted sum of per-query normalised scores over the union of both
  candidate lists, ``α·dense + (1 − α)·lexical`` with α = ``Settings.dense_weight`` (0.8).
  The dense score is min–max scaled over the pool (e5 cosines sit in a narrow band, ≈0.8–0.95,
  so only their spread carries information); the BM25 score is divided by the pool's best
  (its theoretical minimum is 0). Every pooled chunk has both scores, so a chunk that only one
  side retrieved is still judged by the other side's score, not by its absence from a list.
  This is the "convex combination" that Bruch, Gai and Ingber (2023, "An Analysis of Fusion
  Functions for Hybrid Retrieval") found better than RRF in and out of domain and stable in α.
- ``rrf``: reciprocal rank fusion (Cormack et al. 2009), ``Σ 1 / (60 + rank)``, the constant
  of the original paper. It ignores the size of score gaps: a chunk that dense ranks first by
  a wide margin but that BM25 misses falls below chunks both sides rank moderately.

Measured on the eval set (``benchmarks/retrieval_eval.yaml``, ``docs/benchmarks.md``,
``benchmarks/fusion_grid.py``): convex α = 0.8 gives Recall@5 0.93 against 0.88 for RRF k = 60
(float32 and bfloat16 builds alike), as good or better on R@1, R@10 and MRR, and at least as good
as the better single mode on every measure.

Passage mode (a reviewer pastes a whole paragraph): a chunk that contains most of the
query's character 4-grams, or most of whose 4-grams the query contains, is an exact or near
copy. In hybrid mode such chunks get 1 + their overlap share (≥ 0.5) added to the fused
score, which puts them above every other chunk (a fused score is at most 1 under either fusion).

MMR (maximal marginal relevance, Carbonell & Goldstein 1998), for drafting: ``mmr`` in 0–1
is the weight of novelty against relevance. A candidate's redundancy is 1 when a chunk of
the same document is already chosen, else its cosine similarity to the closest chosen chunk,
rescaled so the median similarity in the pool counts 0. 0 keeps the plain ranking.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np
from pydantic import BaseModel

from draftkit.errors import DraftkitError
from draftkit.ingest.models import Chunk
from draftkit.zh import ngrams, normalize

RRF_K = 60
FUSIONS = ("convex", "rrf")
CANDIDATES_MIN = 50
CANDIDATES_PER_K = 5
PASSAGE_MIN_CHARS = 30
PASSAGE_NGRAM = 4
PASSAGE_MIN_OVERLAP = 0.5
MODES = ("hybrid", "dense", "lexical")

K = TypeVar("K", bound=Hashable)  # a chunk id: the row id of an index directory, the string id in Milvus


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


def rrf(ranked_lists: Sequence[Sequence[int]], k: int = RRF_K, weights: Sequence[float] | None = None) -> dict[int, float]:
    """Reciprocal rank fusion of id lists (best first); ``weights`` (one per list) default to 1."""
    out: dict[int, float] = {}
    for i, ids in enumerate(ranked_lists):
        w = 1.0 if weights is None else float(weights[i])
        for rank, cid in enumerate(ids, start=1):
            out[int(cid)] = out.get(int(cid), 0.0) + w / (k + rank)
    return out


def convex(dense: np.ndarray, lexical: np.ndarray, dense_weight: float) -> np.ndarray:
    """Convex fusion of one pool's scores (same order on both sides): min–max scaled dense scores
    and max-scaled BM25 scores, weighted ``dense_weight`` and ``1 − dense_weight``; each in 0–1."""
    dense = np.asarray(dense, dtype=np.float64)
    lexical = np.asarray(lexical, dtype=np.float64)
    if len(dense) == 0:
        return np.zeros(0)
    span = dense.max() - dense.min()
    d = (dense - dense.min()) / span if span > 0 else np.ones_like(dense)
    top = lexical.max()
    lex = np.clip(lexical, 0.0, None) / top if top > 0 else np.zeros_like(lexical)
    return dense_weight * d + (1.0 - dense_weight) * lex


class SearchError(DraftkitError, ValueError):
    """A search asked for something no index can give: ``k`` below 1, an unknown mode, fusion or
    section kind, an ``mmr`` outside 0–1, a filter no search takes. The message names the argument."""


def search_args(k: int, mode: str, mmr: float, fusion: str | None, default_fusion: str) -> tuple[int, str]:
    """The arguments every ``search`` takes, checked: (``k`` as an int, the fusion to use, ``fusion``
    or ``default_fusion``). Raises SearchError naming a mode or fusion not in MODES / FUSIONS, an
    ``mmr`` outside 0–1 or a ``k`` that is not a whole number of at least 1."""
    if mode not in MODES:
        raise SearchError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    fusion = fusion or default_fusion
    if fusion not in FUSIONS:
        raise SearchError(f"fusion must be one of {', '.join(FUSIONS)}, not {fusion!r}")
    try:
        mmr_ok = 0.0 <= float(mmr) <= 1.0
    except (TypeError, ValueError):
        mmr_ok = False
    if not mmr_ok:
        raise SearchError(f"mmr must be a number between 0 and 1, not {mmr!r}")
    try:
        whole = int(k)
    except (TypeError, ValueError):
        whole = None
    if whole is None or isinstance(k, bool) or whole != k and not isinstance(k, str) or whole < 1:
        raise SearchError(f"k must be a whole number of at least 1, not {k!r}")
    return whole, fusion


def check_kinds(kinds: Sequence[str], known: Sequence[str]) -> None:
    """Raise SearchError naming the section kinds in ``kinds`` that are not in ``known``."""
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise SearchError(f"unknown section kind(s) {unknown}; known: {', '.join(known)}")


def is_passage_query(query: str) -> bool:
    return len(normalize(query)) >= PASSAGE_MIN_CHARS


def boost_passages(query: str, scored: dict[K, float], texts_of: Callable[[list[K]], Mapping[K, str]]) -> dict[K, float]:
    """Passage mode (see the module): when ``query`` is a pasted paragraph, add 1 + the overlap share
    to the fused score of each chunk in ``scored`` (changed in place) that copies it; ``texts_of(ids)``
    gives the chunks' texts. Returns {chunk id: overlap share} of the boosted chunks."""
    if not is_passage_query(query):
        return {}
    grams = ngrams(normalize(query), PASSAGE_NGRAM)
    overlaps: dict[K, float] = {}
    for cid, text in texts_of(list(scored)).items():
        share = overlap(grams, text)
        if share >= PASSAGE_MIN_OVERLAP:
            overlaps[cid] = share
            scored[cid] += 1.0 + share
    return overlaps


def overlap(query_grams: set[str], text: str) -> float:
    """How much of a copy ``text`` is: the larger of the shares of either side's 4-grams found in the other."""
    if not query_grams:
        return 0.0
    grams = ngrams(normalize(text), PASSAGE_NGRAM)
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
