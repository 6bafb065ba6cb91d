"""jieba tokens with the user dictionary, and the bm25s index over them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from draftkit.retrieval.lexical import (
    LexicalIndex,
    base_userdict,
    get_tokenizer,
    stopwords,
    unit_words,
)


@pytest.fixture(scope="module")
def tokenizer():
    return get_tokenizer(base_userdict() + unit_words(["青禾市第三实验小学党支部"]), stopwords())


def test_the_user_dictionary_has_the_domain_terms() -> None:
    words = {line.split()[0] for line in base_userdict()}
    assert {"三会一课", "主题党日", "第一议题", "批评与自我批评", "党员示范岗", "全面从严治党"} <= words
    assert len(words) >= 150


def test_domain_terms_stay_whole(tokenizer) -> None:
    tokens = tokenizer.tokenize("严格落实三会一课制度，每月开展主题党日，坚持第一议题学习，设立党员示范岗。")
    for word in ("三会一课", "主题党日", "第一议题", "党员示范岗"):
        assert word in tokens


def test_stopwords_punctuation_and_width_are_dropped_or_folded(tokenizer) -> None:
    tokens = tokenizer.tokenize("我们的支部，在２０２１年：开展了“双减”工作！")
    assert "的" not in tokens and "我们" not in tokens
    assert not any(t in "，：“”！" for t in tokens)
    assert "2021" in tokens  # full-width digits are folded
    assert "双减" in tokens


def test_unit_names_become_words_with_and_without_suffix(tokenizer) -> None:
    assert unit_words(["中共青禾市第一高级中学委员会"]) == ["中共青禾市第一高级中学委员会", "青禾市第一高级中学", "青禾市第一高级中学委员会"]
    tokens = tokenizer.tokenize("青禾市第三实验小学党支部召开组织生活会")
    assert "青禾市第三实验小学" in tokens or "青禾市第三实验小学党支部" in tokens
    assert unit_words([None, "", " "]) == []


def test_bm25_ranks_the_chunk_with_the_rare_words_first(tmp_path: Path, tokenizer) -> None:
    texts = [
        "支部严格落实三会一课制度，按时召开支委会和党员大会。",
        "开展师德师风专题教育，签订拒绝有偿补课承诺书。",
        "学校组织党员志愿服务队走进社区，开展结对帮扶。",
    ]
    index = LexicalIndex.build(tokenizer.tokenize_many(texts))
    scores = index.scores(tokenizer.tokenize("有偿补课"))
    assert int(np.argmax(scores)) == 1 and scores[0] == 0 and scores[2] == 0
    index.save(tmp_path / "lex")
    again = LexicalIndex.load(tmp_path / "lex")
    np.testing.assert_allclose(again.scores(tokenizer.tokenize("有偿补课")), scores)
    assert not again.scores(tokenizer.tokenize("完全无关的火星文字")).any()
    assert not again.scores([]).any()


def test_an_empty_lexical_index_round_trips(tmp_path: Path) -> None:
    empty = LexicalIndex.build([])
    empty.save(tmp_path / "lex")
    again = LexicalIndex.load(tmp_path / "lex")
    assert again.n_docs == 0 and len(again.scores(["党建"])) == 0
