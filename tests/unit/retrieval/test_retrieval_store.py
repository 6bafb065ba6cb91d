"""The SQLite store: documents, chunks, tokens and vectors; read-only opening; corruption."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from draftkit.ingest.models import Document
from draftkit.retrieval.store import Store, StoreError


def vecs(n: int) -> np.ndarray:
    return np.arange(n * 4, dtype=np.float32).reshape(n, 4)


def test_round_trip_of_documents_chunks_and_vectors(tmp_path: Path, two_documents: list[Document]) -> None:
    path = tmp_path / "store.sqlite"
    store = Store.open_writable(path)
    a, b = two_documents
    cids_a = store.add_document(a, "/abs/a.txt", [["三会一课"], ["少先队员"]], vecs(2))
    cids_b = store.add_document(b, "/abs/b.txt", [["师德师风"]], vecs(1) + 100)
    assert cids_a == [1, 2] and cids_b == [3]
    store.close()

    ro = Store.open_readonly(path)
    assert ro.counts() == (2, 3)
    chunk = ro.chunks_by_cid([2])[2]
    assert chunk == a.chunks[1].model_copy(update={"source": "a.txt"})
    assert ro.chunk_by_id(b.chunks[0].id).text == b.chunks[0].text
    assert [c.position for c in ro.chunks_of(a.doc_id)] == [0, 1]
    ids, stored = ro.vectors(4)
    np.testing.assert_array_equal(ids, [1, 2, 3])
    np.testing.assert_array_equal(stored, np.vstack([vecs(2), vecs(1) + 100]))
    assert dict(ro.iter_tokens()) == {1: ["三会一课"], 2: ["少先队员"], 3: ["师德师风"]}
    cids, doc_ids, kinds, years, units = ro.chunk_meta()
    assert list(years) == [2019, 2019, 2023] and kinds == ["theory", "mass_orgs", "conduct"]
    assert ro.find_document("a.txt")["id"] == a.doc_id
    assert ro.find_document("nothing", "/abs/b.txt")["id"] == b.doc_id
    assert ro.find_document("nothing") is None
    ro.close()


def test_removal_deletes_chunks_and_vectors_and_ids_are_not_reused(tmp_path: Path, two_documents: list[Document]) -> None:
    store = Store.open_writable(tmp_path / "s.sqlite")
    a, b = two_documents
    store.add_document(a, "/a", [[], []], vecs(2))
    store.add_document(b, "/b", [[]], vecs(1))
    assert store.remove_document(a.doc_id) == [1, 2]
    assert store.counts() == (1, 1)
    assert list(store.vectors(4)[0]) == [3]
    assert store.add_document(a, "/a", [[], []], vecs(2)) == [4, 5]


def test_mismatched_tokens_or_vectors_are_refused(tmp_path: Path, two_documents: list[Document]) -> None:
    store = Store.open_writable(tmp_path / "s.sqlite")
    with pytest.raises(ValueError):
        store.add_document(two_documents[0], "/a", [[]], vecs(2))
    assert store.counts() == (0, 0)


def test_a_corrupt_or_missing_file_is_a_store_error(tmp_path: Path, two_documents: list[Document]) -> None:
    with pytest.raises(StoreError, match="missing"):
        Store.open_readonly(tmp_path / "none.sqlite")
    path = tmp_path / "s.sqlite"
    store = Store.open_writable(path)
    store.add_document(two_documents[0], "/a", [[], []], vecs(2))
    store.close()
    data = bytearray(path.read_bytes())
    data[:100] = b"\x00garbage" * 12 + b"\x00" * 4
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="s.sqlite"):
        Store.open_readonly(path)


def test_the_published_file_is_self_contained(tmp_path: Path, two_documents: list[Document]) -> None:
    """After close the WAL is check-pointed away: copying the one file copies the store."""
    path = tmp_path / "s.sqlite"
    store = Store.open_writable(path)
    store.add_document(two_documents[0], "/a", [[], []], vecs(2))
    store.close()
    assert not (tmp_path / "s.sqlite-wal").exists() or (tmp_path / "s.sqlite-wal").stat().st_size == 0
    copy = tmp_path / "copy" / "s.sqlite"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    assert Store.open_readonly(copy).counts() == (1, 2)
