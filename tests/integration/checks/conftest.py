"""A real index over the sample corpus, built once per session for the reuse tests."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "samples" / "corpus"
# The reports the reuse tests paste from (B5 2021, A4 2018) and two others on the same topics, so
# the search has distractors; a subset keeps the build (real embedder) short.
FILES = ["B5_qinghe_sanshi_xiaoxue_2021.txt", "A4_liuxi_shiqiao_jiunian_2018.txt",
         "B4_qinghe_erzhong_chuzhong_2019.docx", "A6_liuxi_chengguan_xuequ_2022.txt"]


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory):
    retrieval = pytest.importorskip("draftkit.retrieval", reason="draftkit.retrieval not available")
    if not hasattr(retrieval, "build_index") or not hasattr(retrieval, "Index"):
        pytest.skip("draftkit.retrieval has no build_index/Index yet")
    files = [CORPUS / f for f in FILES]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        pytest.skip(f"sample corpus files missing from {CORPUS}: {missing}")
    index_dir = tmp_path_factory.mktemp("checks_index") / "index"
    retrieval.build_index(files, index_dir)
    return retrieval.Index.open(index_dir)
