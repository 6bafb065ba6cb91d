"""FAISS flat and HNSW behind stable ids: filters, removal, tombstones, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from draftkit.retrieval import dense
from draftkit.retrieval.dense import DenseIndex


def unit_vectors(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture(params=["flat", "hnsw"])
def built(request: pytest.FixtureRequest) -> tuple[DenseIndex, np.ndarray, np.ndarray]:
    vecs = unit_vectors(2000)
    ids = np.arange(100, 2100, dtype=np.int64)
    return DenseIndex.build(ids, vecs, request.param), ids, vecs


def test_kind_is_chosen_by_size() -> None:
    assert dense.choose_kind(10) == "flat"
    assert dense.choose_kind(dense.HNSW_THRESHOLD) == "hnsw"


def test_a_vector_finds_itself_first(built) -> None:
    index, ids, vecs = built
    found, scores = index.search(vecs[7], 5)
    assert found[0] == ids[7] and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(scores) == sorted(scores, reverse=True)


def test_a_selective_filter_still_fills_k(built) -> None:
    index, ids, vecs = built
    allowed = ids[1500:1510]  # none of them near the query
    found, _ = index.search(vecs[0], 5, allowed=allowed)
    assert len(found) == 5 and set(found) <= set(allowed)
    exact = allowed[np.argsort(-(vecs[1500:1510] @ vecs[0]))[:5]]
    np.testing.assert_array_equal(found, exact)


def test_a_broad_filter_uses_the_index_and_respects_it(built) -> None:
    index, ids, vecs = built
    allowed = ids[::2]
    found, _ = index.search(vecs[1], 10, allowed=allowed)
    assert len(found) == 10 and set(found) <= set(allowed) and ids[1] not in found


def test_removed_ids_are_never_returned(built) -> None:
    index, ids, vecs = built
    index.remove(ids[:3])
    for i in range(3):
        found, _ = index.search(vecs[i], 20)
        assert not set(found) & set(ids[:3])
        found, _ = index.search(vecs[i], 5, allowed=ids[:50])
        assert not set(found) & set(ids[:3]) and len(found) == 5
    assert index.live == 1997
    if index.kind == "hnsw":
        assert list(index.tombstones) == list(ids[:3]) and index.ntotal == 2000
    else:
        assert index.ntotal == 1997


def test_hnsw_asks_for_a_rebuild_when_a_fifth_is_removed() -> None:
    index = DenseIndex.build(np.arange(100), unit_vectors(100), "hnsw")
    index.remove(np.arange(15))
    assert not index.needs_rebuild()
    index.remove(np.arange(15, 25))
    assert index.needs_rebuild()


def test_stored_vectors_come_back_by_id(built) -> None:
    index, ids, vecs = built
    np.testing.assert_array_equal(index.vectors(ids[[5, 1, 1999]]), vecs[[5, 1, 1999]])
    with pytest.raises(KeyError):
        index.vectors(np.array([5]))


def test_save_and_load_keep_ids_and_tombstones(tmp_path: Path, built) -> None:
    index, ids, vecs = built
    index.remove(ids[10:12])
    index.save(tmp_path / "d.faiss")
    again = DenseIndex.load(tmp_path / "d.faiss", index.kind, 32, [int(t) for t in index.tombstones])
    for i in (10, 11, 12):
        a, _ = index.search(vecs[i], 5)
        b, _ = again.search(vecs[i], 5)
        np.testing.assert_array_equal(a, b)


def test_a_truncated_file_fails_to_load(tmp_path: Path) -> None:
    index = DenseIndex.build(np.arange(50), unit_vectors(50), "flat")
    path = tmp_path / "d.faiss"
    index.save(path)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(RuntimeError):
        DenseIndex.load(path, "flat", 32)


def test_wrong_dimension_is_refused() -> None:
    index = DenseIndex.empty(32)
    with pytest.raises(ValueError, match="32-d"):
        index.add(np.arange(2), unit_vectors(2, dim=16))


def test_sentences_are_split_after_stops_and_short_bits_joined() -> None:
    from draftkit.retrieval.dense import sentence_units

    text = "（二）加强支部组织建设。\n全年召开支部党员大会4次；支委会12次。好！书记讲党课4次，党员参加率100%。"
    assert sentence_units(text) == ["（二）加强支部组织建设。", "全年召开支部党员大会4次；", "支委会12次。好！书记讲党课4次，党员参加率100%。"]
    assert sentence_units("（一）组织生活。\n全年召开支部党员大会4次。") == ["（一）组织生活。全年召开支部党员大会4次。"]
    assert sentence_units("") == [] and sentence_units("。；") == []
    assert sentence_units("短句") == ["短句"]


def test_best_sentence_per_chunk() -> None:
    from draftkit.retrieval.dense import SentenceVectors

    owners = np.array([3, 3, 7, 9, 9, 9])
    vecs = np.eye(6, 4, dtype=np.float16)
    vecs[5] = [0, 0.6, 0.8, 0]
    sentences = SentenceVectors(owners, vecs)
    best = sentences.best(np.array([0, 1, 0, 0], np.float32), np.array([9, 3, 5, 7]))
    np.testing.assert_allclose(best[[0, 1, 3]], [0.6, 1.0, 0.0], atol=1e-3)
    assert np.isnan(best[2])  # chunk 5 has no sentences
    with pytest.raises(ValueError, match="not sorted"):
        SentenceVectors(np.array([2, 1]), vecs[:2])
