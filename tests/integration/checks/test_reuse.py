"""The reuse check against a real index of the sample corpus: pasted paragraphs are found with
their source; an original paragraph on the same topic is not."""

from __future__ import annotations

from pathlib import Path

from draftkit.checks import ReportText, run_checks
from draftkit.checks.reuse import check_reuse

SRC = Path(__file__).resolve().parents[3] / "samples" / "src"


def _paragraph(name: str, starts: str) -> str:
    text = (SRC / name).read_text(encoding="utf-8")
    return next(ln for ln in text.split("\n") if ln.startswith(starts))


ORIGINAL = ("今年支部把主题党日放在每月最后一个周五，先由一名青年党员讲十分钟的身边故事，再分组讨论本月"
            "教学中遇到的难题，最后由支委梳理成待办清单，下次党日逐项回看落实情况。党员们说，这样的党日"
            "不走过场，讲的是课堂里的真问题。")


def _report() -> tuple[str, str, str]:
    pasted_1 = _paragraph("B5_qinghe_sanshi_xiaoxue_2021.txt", "2.红色实践")
    pasted_2 = _paragraph("A4_liuxi_shiqiao_jiunian_2018.txt", "支部把每月第一个星期五")
    text = "\n".join([
        "桃源县育才小学党支部2024年党建工作总结",
        "一、主要做法",
        "（一）理论学习",
        "本年度，支部围绕立德树人根本任务，坚持把学习放在首位，结合学校实际开展了一系列活动，效果良好。",
        pasted_1,
        "（二）主题党日",
        ORIGINAL,
        pasted_2,
    ])
    return text, pasted_1, pasted_2


def test_pasted_paragraphs_are_found_with_their_source(sample_index):
    text, pasted_1, pasted_2 = _report()
    rt = ReportText.from_text(text)
    out = check_reuse(rt, sample_index, threshold=0.5, unit="桃源县育才小学", year=2024)
    by_para = {f.paragraph: f for f in out.findings}
    idx_1 = next(p.index for p in rt.paragraphs if p.text == pasted_1)
    idx_2 = next(p.index for p in rt.paragraphs if p.text == pasted_2)
    idx_orig = next(p.index for p in rt.paragraphs if p.text == ORIGINAL)
    assert set(by_para) == {idx_1, idx_2}
    f1, f2 = by_para[idx_1], by_para[idx_2]
    assert f1.source.ratio >= 0.8 and f2.source.ratio >= 0.8
    assert f1.source.year == 2021 and "B5_qinghe_sanshi_xiaoxue_2021" in f1.source.path
    assert f2.source.year == 2018 and "A4_liuxi_shiqiao_jiunian_2018" in f2.source.path
    assert "石桥" in (f2.source.unit or "") and "第三实验小学" in (f1.source.unit or "")
    assert f1.source.shared_spans and f1.severity == "P1" and "2021" in f1.message
    assert out.ratios[idx_orig] < 0.5  # same topic (主题党日), own words
    assert 0.2 < out.share < 0.9


def test_same_unit_and_year_is_ignored(sample_index):
    text = (SRC / "B5_qinghe_sanshi_xiaoxue_2021.txt").read_text(encoding="utf-8")
    rt = ReportText.from_text(text)
    assert rt.year == 2021
    out = check_reuse(rt, sample_index, unit=rt.unit, year=2021)
    assert out.findings == [] and out.searched_paragraphs > 5
    # the same text as another unit's 2024 report: everything is reused
    out = check_reuse(rt, sample_index, unit="桃源县育才小学", year=2024)
    assert len(out.findings) >= out.searched_paragraphs - 1 and out.share > 0.9


def test_run_checks_with_index_counts_reuse(sample_index):
    text, _, _ = _report()
    r = run_checks(text, year=2024, index=sample_index)
    assert r.summary.by_check["reuse"]["P1"] == 2
    assert r.summary.reuse_share is not None and r.summary.reuse_paragraphs_searched >= 4
    assert "reuse" in r.summary.seconds


def test_query_cap_on_a_huge_text(sample_index):
    big = ("学校党支部坚持把党建工作与教育教学深度融合，扎实推进各项工作，取得了较好成效。" * 10 + "\n") * 30000
    assert len(big.encode("utf-8")) > 10_000_000
    out = check_reuse(big, sample_index, year=2024, max_queries=20)
    assert out.capped and out.queries <= 20 and out.searched_paragraphs <= 20


def test_hybrid_mode_finds_the_same_sources(sample_index):
    text, pasted_1, pasted_2 = _report()
    rt = ReportText.from_text(text)
    out = check_reuse(rt, sample_index, unit="桃源县育才小学", year=2024, mode="hybrid")
    assert sorted(f.source.year for f in out.findings) == [2018, 2021]
