"""The index on Milvus Lite: writes through the same calls as the directory (build, add, remove),
idempotent and resumable by document, the manifest rules, and the same answers as the directory.

The search, quality, batch-query and reuse suites run on Milvus Lite too (the ``index`` and
``sample_index`` fixtures are parametrised over both stores); these are the Milvus-only cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from draftkit.config import Settings
from draftkit.progress import Progress
from draftkit.retrieval import (
    DocumentNotFound,
    Index,
    IndexMismatch,
    IndexMissing,
    add_paths,
    build_index,
    remove_document,
)
from draftkit.retrieval import build as build_module
from draftkit.retrieval.base import index_location, milvus_uri
from draftkit.retrieval.milvus import MilvusIndex, migrate_index

A4 = "A4_liuxi_shiqiao_jiunian_2018.txt"
# Three short sample reports: a real build (embedding included) stays quick.
SMALL = ["A6_liuxi_chengguan_xuequ_2022.txt", "B5_qinghe_sanshi_xiaoxue_2021.txt", A4]


@pytest.fixture
def milvus_copy(built_index_dir: Path, tmp_path: Path, retrieval_settings: Settings) -> str:
    """A private Milvus Lite copy of the built index, for tests that change it."""
    uri = str(tmp_path / "copy.db")
    migrate_index(built_index_dir, uri, retrieval_settings)
    return uri


def test_locations_name_their_store(tmp_path: Path) -> None:
    s = Settings(index_dir=tmp_path / "idx")
    assert index_location(None, s) == tmp_path / "idx"
    assert index_location(None, Settings(index_uri="http://10.0.0.5:19530")) == "http://10.0.0.5:19530"
    assert milvus_uri(tmp_path / "bureau.db") == str((tmp_path / "bureau.db").resolve())
    assert milvus_uri(Path("http://milvus:19530")) == "http://milvus:19530"  # a URI that went through Path
    assert milvus_uri(tmp_path / "index") is None and milvus_uri(None) is None


def test_the_same_chunks_and_answers_as_the_directory(faiss_index: Index, milvus_index_uri: str,
                                                     retrieval_settings: Settings) -> None:
    with Index.open(milvus_index_uri, settings=retrieval_settings) as mv:
        assert isinstance(mv, MilvusIndex)
        assert mv.documents() == faiss_index.documents()
        assert mv.units == faiss_index.units
        info = mv.info()
        assert info["chunks"] == faiss_index.info()["chunks"] and info["embedder"] == faiss_index.info()["embedder"]
        doc = faiss_index.documents()[0]
        assert mv.chunks(doc.doc_id) == faiss_index.chunks(doc.doc_id)
        first = faiss_index.chunks(doc.doc_id)[0]
        assert mv.chunk(first.id) == first
        with pytest.raises(KeyError):
            mv.chunk("no-such-chunk")
        for query in ("红色教育基地 参观", "师德师风 有偿补课", "发展党员 入党积极分子"):
            for mode in ("dense", "lexical", "hybrid"):
                ours = [h.chunk.id for h in mv.search(query, k=6, mode=mode)]
                theirs = [h.chunk.id for h in faiss_index.search(query, k=6, mode=mode)]
                if mode == "dense":  # the same vectors give the same ranking
                    assert ours[:3] == theirs[:3], (query, mode)
                else:
                    # Two BM25 engines normalise length apart, so near-ties (a report and its web copy
                    # score alike) may swap; each top 3 still lies inside the other's top 6.
                    assert set(ours[:3]) <= set(theirs) and set(theirs[:3]) <= set(ours), (query, mode)


def test_native_hybrid_search_answers_with_filters(milvus_index_uri: str, retrieval_settings: Settings) -> None:
    with Index.open(milvus_index_uri, settings=retrieval_settings) as mv:
        for ranker in ("weighted", "rrf"):
            hits = mv.search_native("组织党员开展主题党日活动", k=5, ranker=ranker, kinds=["theory"],
                                    years=range(2015, 2030))
            assert hits and all(h.chunk.kind == "theory" and 2015 <= h.chunk.year < 2030 for h in hits)
            assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_a_build_interrupted_midway_resumes_to_the_same_chunks(tmp_path: Path, samples_dir: Path,
                                                               faiss_index: Index, retrieval_settings: Settings,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    files = [samples_dir / "corpus" / n for n in SMALL]
    expected = {d.doc_id: d.chunks for d in faiss_index.documents() if Path(d.path).name in SMALL}
    assert len(expected) == len(SMALL)
    uri = str(tmp_path / "resume.db")
    monkeypatch.setattr(build_module, "EMBED_GROUP_CHUNKS", 1)  # one document per embedding group

    def stop_after_first_document(p: Progress) -> None:
        if p.stage == "write" and p.done == 1:
            raise KeyboardInterrupt  # as Ctrl-C would, between two documents

    with pytest.raises(KeyboardInterrupt):
        build_index(files, uri, settings=retrieval_settings, progress=stop_after_first_document)
    with Index.open(uri, settings=retrieval_settings) as mv:
        assert len(mv.documents()) == 1
        done_first = mv.documents()[0]

    again = build_index(files, uri, settings=retrieval_settings)
    assert again.written and done_first.doc_id in again.unchanged
    assert again.embedded == sum(expected.values()) - done_first.chunks  # the finished document is not redone
    assert (again.documents, again.chunks) == (len(SMALL), sum(expected.values()))
    with Index.open(uri, settings=retrieval_settings) as mv:
        assert {d.doc_id: d.chunks for d in mv.documents()} == expected
        assert mv.info()["chunks"] == sum(expected.values())  # no duplicate rows: writes are upserts by chunk id
        assert mv.search("石桥夜学", k=1)[0].chunk.source.endswith(A4)

    third = build_index(files, uri, settings=retrieval_settings)
    assert not third.written and third.embedded == 0 and third.chunks == sum(expected.values())


def test_remove_then_add_back(milvus_copy: str, samples_dir: Path, retrieval_settings: Settings) -> None:
    with Index.open(milvus_copy, settings=retrieval_settings) as before:
        a4 = next(d for d in before.documents() if Path(d.path).name == A4)
        n_docs, n_chunks = before.info()["documents"], before.info()["chunks"]
    removed = remove_document(milvus_copy, str(samples_dir / "corpus" / A4), settings=retrieval_settings)
    assert removed.doc_id == a4.doc_id
    with Index.open(milvus_copy, settings=retrieval_settings) as ix:
        assert (ix.info()["documents"], ix.info()["chunks"]) == (n_docs - 1, n_chunks - a4.chunks)
        assert all(h.chunk.doc_id != a4.doc_id for h in ix.search("石桥夜学 石桥红烛", k=10))
    with pytest.raises(DocumentNotFound):
        remove_document(milvus_copy, a4.doc_id, settings=retrieval_settings)

    added = add_paths(milvus_copy, [samples_dir / "corpus" / A4], settings=retrieval_settings)
    assert added.written and added.added == [a4.doc_id] and added.embedded == a4.chunks
    assert (added.documents, added.chunks) == (n_docs, n_chunks)
    again = add_paths(milvus_copy, [samples_dir / "corpus" / A4], settings=retrieval_settings)
    assert not again.written and again.embedded == 0 and "unchanged" in again.files[0].error
    with Index.open(milvus_copy, settings=retrieval_settings) as ix:
        # samples/corpus also holds a web copy of A4 with the same words, so either may rank first
        assert a4.doc_id in {h.chunk.doc_id for h in ix.search("石桥夜学", k=3)}


def test_a_changed_file_replaces_its_document(milvus_copy: str, samples_dir: Path, tmp_path: Path,
                                             retrieval_settings: Settings) -> None:
    report = tmp_path / "docs" / "青禾市测试学校2024年党建工作总结.txt"
    report.parent.mkdir()
    source = (samples_dir / "corpus" / A4).read_text(encoding="utf-8").replace("石桥", "湖滨")
    report.write_text(source, encoding="utf-8")
    first = add_paths(milvus_copy, [report], settings=retrieval_settings)
    report.write_text(source + "\n支部组织党员到湿地公园开展护鸟志愿活动，清理垃圾两百余袋。\n", encoding="utf-8")
    second = add_paths(milvus_copy, [report], settings=retrieval_settings)
    assert second.replaced == first.added and second.added != first.added
    with Index.open(milvus_copy, settings=retrieval_settings) as ix:
        ids = {d.doc_id for d in ix.documents()}
        assert first.added[0] not in ids and second.added[0] in ids
        assert ix.search("湿地公园 护鸟", k=1)[0].chunk.doc_id == second.added[0]


def test_another_embedder_or_no_index_is_a_clear_error(milvus_index_uri: str, tmp_path: Path) -> None:
    with pytest.raises(IndexMismatch, match=r"DRAFTKIT_EMBED_MODEL is 'BAAI/bge-m3'.*draftkit index build .*index\.db"):
        Index.open(milvus_index_uri, settings=Settings(embed_model="BAAI/bge-m3"))
    with pytest.raises(IndexMissing, match=r"collections .* are missing.*draftkit index build"):
        Index.open(str(tmp_path / "empty.db"))


def test_a_milvus_server_by_its_url(built_index_dir: Path, faiss_index: Index, tmp_path: Path,
                                    retrieval_settings: Settings) -> None:
    """``http://host:port``: the same calls against a Milvus gRPC server (Milvus Lite's ``server`` command
    stands in for a Milvus standalone here; pymilvus speaks the same protocol to both)."""
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(tmp_path / "milvus"),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        uri = f"http://127.0.0.1:{port}"
        migrate_index(built_index_dir, uri, retrieval_settings)
        settings = retrieval_settings.model_copy(update={"index_uri": uri})
        with Index.open(None, settings=settings) as ix:  # DRAFTKIT_INDEX_URI picks the server
            assert isinstance(ix, MilvusIndex) and ix.info()["chunks"] == faiss_index.info()["chunks"]
            query = "师德师风 有偿补课"
            assert [h.chunk.id for h in ix.search(query, k=3, mode="dense")] == \
                [h.chunk.id for h in faiss_index.search(query, k=3, mode="dense")]
        doc = faiss_index.documents()[0]
        assert remove_document(uri, doc.doc_id, settings=retrieval_settings).doc_id == doc.doc_id
        with Index.open(uri, settings=retrieval_settings) as ix:
            assert ix.info()["documents"] == len(faiss_index.documents()) - 1
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_an_unreachable_milvus_server_is_a_clear_error(tmp_path: Path, repo_root: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``DRAFTKIT_INDEX_URI=http://host:19530`` with nothing listening (a closed local port): opening, writing
    and the CLI each name the server that does not answer and what to check (not a rebuild, which needs the
    same server), within seconds; the UI's context treats the index as there but unopenable, so the app
    starts and drafts without exemplars instead of building the samples into it or failing."""
    import socket
    import time

    from typer.testing import CliRunner

    from draftkit.cli import app
    from draftkit.config import get_settings
    from draftkit.retrieval.milvus import MilvusUnavailable
    from draftkit.ui.context import AppContext

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    uri = f"http://127.0.0.1:{port}"
    said = (rf"index {uri}: the Milvus server at 127\.0\.0\.1:{port} does not answer \(.+\)\. Check that the "
            r"Milvus server is running .* DRAFTKIT_INDEX_URI names it")
    t0 = time.monotonic()
    with pytest.raises(MilvusUnavailable, match=said):
        Index.open(uri)
    assert time.monotonic() - t0 < 30
    with pytest.raises(MilvusUnavailable, match=said):
        build_index([repo_root / "samples" / "corpus" / A4], uri)

    monkeypatch.setenv("DRAFTKIT_INDEX_URI", uri)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["search", "主题党日"])
        settings = get_settings()
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1 and f"the Milvus server at 127.0.0.1:{port} does not answer" in result.output
    assert "Rebuild it with" not in result.output

    ctx = AppContext.from_settings(settings.model_copy(update={"data_dir": tmp_path / "var"}))
    assert ctx.index_dir == uri and ctx.has_index()
    index, note = ctx.index_for_drafting()
    assert index is None and f"127.0.0.1:{port} does not answer" in note
