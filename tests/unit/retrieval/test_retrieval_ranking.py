"""Convex and reciprocal rank fusion, the passage-copy overlap, MMR over documents, and the eval set file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from draftkit.retrieval.eval import EvalSetError, load_eval_set
from draftkit.retrieval.ranking import (
    RRF_K,
    candidate_count,
    convex,
    is_passage_query,
    mmr_order,
    overlap,
    rrf,
)
from draftkit.zh import ngrams, normalize


def test_rrf_adds_reciprocal_ranks() -> None:
    fused = rrf([[10, 20, 30], [20, 40]])
    assert fused[20] == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1))
    assert fused[10] == pytest.approx(1 / (RRF_K + 1))
    assert sorted(fused, key=lambda c: -fused[c])[0] == 20  # found by both beats first on one side


def test_convex_fusion_keeps_a_clear_dense_winner() -> None:
    # pool of four chunks: dense is sure of #0; BM25 misses it and ranks #1 and #2 moderately
    dense = np.array([0.93, 0.86, 0.85, 0.84])
    bm25 = np.array([0.0, 6.0, 5.0, 0.0])
    fused = convex(dense, bm25, 0.8)
    assert fused.argmax() == 0
    assert fused.min() >= 0.0 and fused.max() <= 1.0
    # reciprocal rank fusion of the same lists puts #1 (second on both sides) first instead
    by_rrf = rrf([[0, 1, 2, 3], [1, 2]])
    assert max(by_rrf, key=by_rrf.get) == 1
    # the weight moves the balance: all-lexical follows BM25, all-dense follows the cosines
    assert convex(dense, bm25, 0.0).argmax() == 1 and convex(dense, bm25, 1.0).argmax() == 0


def test_convex_fusion_degenerate_pools() -> None:
    assert convex(np.zeros(0), np.zeros(0), 0.8).shape == (0,)
    # no lexical match at all: dense alone decides; equal cosines: lexical alone decides
    assert convex(np.array([0.9, 0.8]), np.zeros(2), 0.8).tolist() == pytest.approx([0.8, 0.0])
    assert convex(np.array([0.9, 0.9]), np.array([1.0, 3.0]), 0.8).argmax() == 1


def test_candidate_count_grows_with_k() -> None:
    assert candidate_count(1) == 50 and candidate_count(30) == 150


def test_overlap_recognises_copies_not_topics() -> None:
    para = "支部把每月第一周的星期三下午定为集中学习日，全年组织集中学习11次，内容包括党章和上级文件。"
    grams = ngrams(normalize(para), 4)
    assert overlap(grams, "前言。" + para + "后面还有别的内容。") == pytest.approx(1.0)
    near = para.replace("星期三", "周三").replace("，", " ").replace("11次", "十一次")
    assert overlap(grams, near) > 0.6
    same_topic = "支部坚持集中学习制度，每月组织党员学习党章和上级文件精神。"
    assert overlap(grams, same_topic) < 0.3
    assert is_passage_query(para) and not is_passage_query("三会一课 主题党日")


def test_mmr_spreads_over_documents() -> None:
    rng = np.random.default_rng(1)
    vecs = rng.normal(size=(6, 8)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    relevance = np.array([1.0, 0.95, 0.9, 0.85, 0.5, 0.45])
    docs = np.array([0, 0, 0, 0, 1, 2])
    assert mmr_order(relevance, vecs, docs, 3, 0.0) == [0, 1, 2]
    spread = mmr_order(relevance, vecs, docs, 3, 0.6)
    assert spread[0] == 0 and len({int(docs[i]) for i in spread}) == 3
    assert mmr_order(relevance[:0], vecs[:0], docs[:0], 3, 0.5) == []


def test_eval_set_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(EvalSetError, match="cannot read"):
        load_eval_set(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("queries: [ {id: a, query: x", encoding="utf-8")
    with pytest.raises(EvalSetError, match="bad.yaml: not valid YAML"):
        load_eval_set(bad)
    bad.write_text("queries:\n  - {id: a, query: x}\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match="query #1 is invalid"):
        load_eval_set(bad)
    bad.write_text("queries:\n  - {id: a, query: x, docs: d.txt, phrase: p}\n  - {id: a, query: y, docs: [d.txt], phrase: p}\n",
                   encoding="utf-8")
    with pytest.raises(EvalSetError, match="duplicate query ids"):
        load_eval_set(bad)
