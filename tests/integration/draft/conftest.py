"""A real index (real embedder, FAISS, BM25, SQLite) over part of the sample corpus, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "samples" / "corpus"
# Reports of 青禾市第三实验小学 (2013, 2021 and a messy web copy of 2021) and of other units (2022–2024)
FILES = ["B1_qinghe_sanshi_xiaoxue_2013.txt", "B5_qinghe_sanshi_xiaoxue_2021.txt", "messy_B5_qinghe_sanshi_xiaoxue_2021.txt",
         "A6_liuxi_chengguan_xuequ_2022.txt", "B6_liuxi_shiqiao_jiunian_2023.docx", "A7_liuxi_jiaoyuju_jiguan_2024.docx"]


@pytest.fixture(scope="session")
def draft_index(sample_index_of):
    return sample_index_of(FILES)


@pytest.fixture(scope="session")
def sample_facts_2024():
    from draftkit.facts import load_facts

    return load_facts(REPO / "samples" / "facts" / "qinghe_sanshi_2024.yaml")
