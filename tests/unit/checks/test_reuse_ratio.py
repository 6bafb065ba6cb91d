"""The copy ratio (character 8-gram coverage): shared text, not shared topic."""

from __future__ import annotations

from pathlib import Path

import pytest

from draftkit.checks.reuse import _pieces, copy_ratio
from draftkit.zh import normalize_with_map

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "src"


@pytest.fixture(scope="module")
def b5_paragraphs() -> list[str]:
    text = (SAMPLES / "B5_qinghe_sanshi_xiaoxue_2021.txt").read_text(encoding="utf-8")
    return [ln for ln in text.split("\n") if len(ln) > 80]


def test_verbatim_copy_scores_one(b5_paragraphs):
    para = b5_paragraphs[2]
    ratio, spans = copy_ratio(para, b5_paragraphs)
    assert ratio == 1.0
    assert spans == [(0, len(para.rstrip("。；")))]  # spans end at the last shared character


def test_light_edit_still_counts_as_copied(b5_paragraphs):
    src = b5_paragraphs[3]
    edited = src.replace("支部", "党总支", 1).replace("4月", "5月", 1)
    assert edited != src
    ratio, _ = copy_ratio(edited, src)
    assert ratio >= 0.8


def test_original_paragraph_on_the_same_topic_stays_low(b5_paragraphs):
    original = ("今年我们把党史学习教育和学校的课堂改革放在一起抓。每周三下午，党员教师分成三个小组，"
                "轮流讲一段本地的革命故事，再结合自己班上的学生谈怎么把这些故事讲给孩子听；"
                "期末每个小组交一份教学设计，由支委会挑选优秀的在全校推广。")
    ratio, _ = copy_ratio(original, b5_paragraphs)
    assert ratio < 0.2


def test_spans_mark_only_the_shared_part(b5_paragraphs):
    src = b5_paragraphs[2]
    copied = src[:60]
    own = "这是我们自己写的一句话，与往年材料毫不相干。"
    para = own + copied
    ratio, spans = copy_ratio(para, src)
    assert spans == [(len(own), len(para))]
    assert 0.5 < ratio < 0.9


def test_normalization_ignores_punctuation_and_width():
    norm, where = normalize_with_map("党员，ＡＢ 12")
    assert norm == "党员ab12"
    assert where == [0, 1, 3, 4, 6, 7]
    assert copy_ratio("主题党日，组织党员学习。", "主题党日组织党员学习")[0] == 1.0


def test_short_and_empty():
    assert copy_ratio("", "任何文字") == (0.0, [])
    assert copy_ratio("七个字的短句子", "七个字的短句子") == (0.0, [])


def test_pieces_are_bounded():
    text = "这是一个句子。" * 300
    pieces = _pieces(text, 500)
    assert "".join(pieces) == text
    assert all(len(p) <= 500 for p in pieces)
    long_sentence = "没有句号" * 400
    assert all(len(p) <= 500 for p in _pieces(long_sentence, 500))
