"""Search over the real index (samples + seeds): paraphrases, filters, MMR, passage mode."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from draftkit.retrieval import Hit, Index
from draftkit.retrieval.ranking import SearchError
from draftkit.zh import normalize


def rank_of(hits: list[Hit], file_prefix: str, phrase: str) -> int | None:
    return next((h.rank for h in hits if Path(h.chunk.source).name.startswith(file_prefix) and phrase in h.chunk.text),
                None)


def test_the_issues_paraphrase_probe_finds_seed_003s_red_tour(index: Index, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("seeds_dir")
    for mode in ("dense", "hybrid"):
        hits = index.search("带领少先队员参观纪念馆，缅怀革命先烈", k=5, mode=mode)
        assert rank_of(hits, "003_", "烈士陵园") is not None, mode


PROBES = [  # (query sharing few words with the target, sample file, phrase of the target passage)
    ("老师们都住在学校，晚上抽一小时集中读书学理论", "A4_", "石桥夜学"),
    ("一名党员像一支蜡烛，照亮大山里孩子的成长之路", "A4_", "石桥红烛"),
    ("父母在外打工的孩子多，党员给他们当爸爸妈妈", "B2_", "亲情驿站"),
    ("中午分年级错开时间吃饭，解决食堂拥挤", "B4_", "错峰就餐"),
    ("给特教老师开一间缓解心理压力的房间", "B7_", "心理减压室"),
]


@pytest.mark.parametrize(("mode", "fusion"), [("dense", None), ("hybrid", "convex"), ("hybrid", "rrf")])
def test_paraphrases_find_their_passage(index: Index, mode: str, fusion: str | None) -> None:
    for query, prefix, phrase in PROBES:
        hits = index.search(query, k=5, mode=mode, fusion=fusion)
        assert rank_of(hits, prefix, phrase) is not None, (mode, query, [h.chunk.text[:30] for h in hits])


def test_hits_carry_ranks_scores_and_chunks(index: Index) -> None:
    hits = index.search("三会一课 主题党日", k=7)
    assert [h.rank for h in hits] == list(range(1, 8))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.dense_rank is not None or h.lexical_rank is not None for h in hits)
    assert all("三会一课" in h.chunk.text or "主题党日" in h.chunk.text for h in hits[:3])
    assert index.chunk(hits[0].chunk.id) == hits[0].chunk
    dense_only = index.search("三会一课 主题党日", k=3, mode="dense")
    assert all(h.lexical_rank is None and h.dense_rank == h.rank for h in dense_only)
    assert all(0.5 < h.score <= 1.0 for h in dense_only)
    lexical_only = index.search("三会一课 主题党日", k=3, mode="lexical")
    assert all(h.dense_rank is None and h.lexical_rank == h.rank for h in lexical_only)


def test_kind_year_and_unit_filters(index: Index) -> None:
    hits = index.search("存在的问题和不足", k=8, kinds=["problems"])
    assert len(hits) == 8 and {h.chunk.kind for h in hits} == {"problems"}
    hits = index.search("党建品牌", k=10, years=range(2019, 2025))
    assert len(hits) == 10 and all(2019 <= (h.chunk.year or 0) <= 2024 for h in hits)
    assert {h.chunk.year for h in index.search("党建品牌", k=5, years=2016)} == {2016}
    hits = index.search("党建品牌", k=6, units=["石桥"])
    assert len(hits) == 6 and all("石桥" in (h.chunk.unit or "") for h in hits)


def test_filters_apply_before_the_cut(index: Index) -> None:
    """A query about one topic, filtered to chunks far from it: still k hits, all passing the filter."""
    matching = [c for d in index.documents() if d.year == 2012 for c in index.chunks(d.doc_id) if c.kind == "plans"]
    assert 0 < len(matching) < 5
    for mode in ("dense", "hybrid", "lexical"):
        hits = index.search("带领少先队员参观纪念馆", k=5, kinds=["plans"], years=[2012], mode=mode)
        assert all(h.chunk.kind == "plans" and h.chunk.year == 2012 for h in hits)
        if mode != "lexical":  # dense ranks every allowed chunk; lexical only those sharing a word
            assert len(hits) == len(matching)


def test_excluded_documents_never_come_back(index: Index, doc_named) -> None:
    a4 = doc_named("A4_liuxi_shiqiao_jiunian_2018.txt")
    b6 = doc_named("B6_liuxi_shiqiao_jiunian_2023.docx")
    hits = index.search("石桥红烛 党建品牌 留守学生", k=10, exclude_docs=[a4.doc_id, b6.path])
    assert len(hits) == 10 and not {h.chunk.doc_id for h in hits} & {a4.doc_id, b6.doc_id}
    assert index.search("石桥红烛", k=3, exclude_docs=["not-indexed-anywhere"])[0].chunk.doc_id == a4.doc_id


def test_mmr_spreads_hits_over_documents(index: Index) -> None:
    query = "石桥九年一贯制学校的党建品牌和留守学生帮扶"
    plain = index.search(query, k=6)
    spread = index.search(query, k=6, mmr=0.6)
    assert len({h.chunk.doc_id for h in spread}) > len({h.chunk.doc_id for h in plain})
    assert spread[0].chunk.id == plain[0].chunk.id  # the best hit stays first
    assert len(spread) == 6 and len({h.chunk.id for h in spread}) == 6


def _paragraph_samples(index: Index, n: int) -> list[str]:
    texts = [c.text for d in index.documents() for c in index.chunks(d.doc_id) if len(c.text) >= 180]
    rng = np.random.default_rng(7)
    return [texts[i] for i in rng.choice(len(texts), size=n, replace=False)]


@pytest.mark.parametrize("fusion", ["convex", "rrf"])
def test_a_pasted_paragraph_finds_its_source_first(index: Index, fusion: str) -> None:
    for text in _paragraph_samples(index, 8):
        hits = index.search(text, k=3, fusion=fusion)
        assert normalize(hits[0].chunk.text) == normalize(text)
        assert hits[0].overlap == pytest.approx(1.0)
        assert hits[0].score > 1.0 >= max((h.score for h in hits if not h.overlap), default=0.0)


def test_a_near_copy_finds_its_source_first(index: Index) -> None:
    for text in _paragraph_samples(index, 8):
        body = text.split("\n", 1)[-1]
        span = body[len(body) // 4 : len(body) // 4 + 120]
        edited = re.sub(r"[，、；]", " ", span).replace("党员", "同志", 1).replace("开展", "进行", 1)
        hits = index.search(edited, k=3)
        assert normalize(span) in normalize(hits[0].chunk.text), (span, hits[0].chunk.text[:60])


def test_bad_arguments_are_clear_errors(index: Index) -> None:
    with pytest.raises(SearchError, match="unknown section kind.*problems"):
        index.search("x", kinds=["problem"])
    with pytest.raises(SearchError, match="mode"):
        index.search("x", mode="semantic")
    with pytest.raises(SearchError, match="mmr"):
        index.search("x", mmr=1.5)
    with pytest.raises(SearchError, match="k must"):
        index.search("x", k=0)
    with pytest.raises(SearchError, match="fusion must be one of convex, rrf"):
        index.search("x", fusion="sum")
    assert index.search("   ") == []
    assert index.search("zzqxjvk", mode="lexical") == []
    assert index.search("党建", units=["没有这个单位"]) == []
