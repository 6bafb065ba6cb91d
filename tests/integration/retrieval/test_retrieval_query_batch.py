"""Batch query embedding: drafting primes all section queries in one model pass, then searches."""

from __future__ import annotations

import numpy as np

from draftkit.retrieval import Index


def test_batch_encoded_queries_give_the_same_vectors_and_hits(index: Index) -> None:
    queries = ["组织党员开展主题党日活动", "师德师风建设和警示教育", "下一步工作打算"]
    index.clear_query_cache()
    batch = index.encode_queries(queries)
    assert batch.shape == (3, index.embedder.dim)
    assert all(q in index.query_cache for q in queries)
    single = index.embedder.encode_queries([queries[1]])[0]
    assert float(np.dot(batch[1], single)) > 0.999  # same embedding as a one-off encode
    cached_hits = [h.chunk.id for h in index.search(queries[0], k=5)]
    index.clear_query_cache()
    fresh_hits = [h.chunk.id for h in index.search(queries[0], k=5)]
    assert cached_hits == fresh_hits and cached_hits


def test_query_cache_is_bounded(index: Index) -> None:
    from draftkit.retrieval.base import QUERY_CACHE_SIZE

    index.encode_queries([f"第{i}条检索语句" for i in range(QUERY_CACHE_SIZE + 20)])
    assert len(index.query_cache) == QUERY_CACHE_SIZE
    index.clear_query_cache()
    assert not len(index.query_cache)
