"""A real index over the sample corpus, built once per session for the reuse tests, on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "samples" / "corpus"
# The reports the reuse tests paste from (B5 2021, A4 2018) and two others on the same topics, so
# the search has distractors; a subset keeps the build (real embedder) short.
FILES = ["B5_qinghe_sanshi_xiaoxue_2021.txt", "A4_liuxi_shiqiao_jiunian_2018.txt",
         "B4_qinghe_erzhong_chuzhong_2019.docx", "A6_liuxi_chengguan_xuequ_2022.txt"]


@pytest.fixture(scope="session", params=["faiss", "milvus"])
def sample_index(request, sample_index_of, tmp_path_factory):
    """The index on each store: the directory (FAISS) and the same index copied into Milvus Lite."""
    ix = sample_index_of(FILES)
    if request.param == "faiss":
        yield ix
        return
    from draftkit.retrieval import Index
    from draftkit.retrieval.milvus import migrate_index

    uri = str(tmp_path_factory.mktemp("reuse_milvus") / "index.db")
    migrate_index(ix.path, uri)
    milvus = Index.open(uri)
    yield milvus
    milvus.close()
