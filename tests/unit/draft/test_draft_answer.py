"""Cleaning a model's answer: reasoning split off however the stream is cut, junk characters,
echoed prompts (the content after an echo survives), complete sentences."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from draftkit.draft.answer import (
    ThinkFilter,
    clean_answer,
    clean_chars,
    complete_sentences,
    delta_parts,
    split_thinking,
    strip_echo,
)

ANSWER = "学校党支部全年开展主题党日12次，党员参与率高。"
THOUGHT = "用户要我写一段总结，我先想想要点：主题党日、12次……"


def stream(text: str, cuts: list[int]) -> tuple[str, ThinkFilter, bool]:
    """Feed ``text`` cut at ``cuts``; return what was shown (after any take-back), the filter, whether reset."""
    f = ThinkFilter()
    shown = ""
    was_reset = False
    bounds = [0, *sorted(set(c for c in cuts if 0 < c < len(text))), len(text)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        out = f.feed(text[a:b])
        if f.take_reset():
            shown, was_reset = "", True
        shown += out
    shown += f.finish()
    return shown, f, was_reset


@pytest.mark.parametrize("raw", [
    f"<think>{THOUGHT}</think>{ANSWER}",
    f"<think>\n{THOUGHT}\n</think>\n\n{ANSWER}",
    f"<THINK>{THOUGHT}</THINK>{ANSWER}",
    f"<thinking>{THOUGHT}</thinking>{ANSWER}",
    f"{THOUGHT}</think>{ANSWER}",  # a lone closing tag: the template opened the block in the prompt
    f"{THOUGHT}\n</think>\n{ANSWER}",
])
def test_thinking_never_reaches_the_answer_at_any_split(raw):
    for cut in range(len(raw) + 1):  # every single split point, and one piece per character
        for cuts in ([cut], list(range(len(raw)))):
            shown, f, _ = stream(raw, cuts)
            assert shown.strip() == ANSWER, (cut, shown)
            assert f.answer.strip() == ANSWER
            assert "想想" in f.thinking and "<" not in shown


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=120), max_size=12))
def test_thinking_is_split_off_for_random_chunkings(cuts):
    raw = f"<think>{THOUGHT}</think>{ANSWER}<think>再想一下</think>全体党员积极参与。"
    shown, f, _ = stream(raw, cuts)
    assert shown == ANSWER + "全体党员积极参与。"
    assert "再想一下" in f.thinking


def test_a_lone_closing_tag_takes_back_text_already_shown():
    f = ThinkFilter()
    assert f.feed(THOUGHT) == THOUGHT  # shown before anyone could know it was thinking
    assert f.feed("</think>" + ANSWER) == ANSWER
    assert f.take_reset() and not f.take_reset()  # reported once
    assert f.answer == ANSWER and THOUGHT in f.thinking


def test_an_unclosed_think_block_is_thinking_cut_by_the_token_limit():
    answer, thinking = split_thinking("<think>还在想，还没想完")
    assert answer == "" and "还没想完" in thinking


def test_angle_brackets_that_are_not_tags_stay():
    text = "坚持“两个确立”<br>，做到<思>而不<the>……"
    assert split_thinking(text) == (text, "")
    shown, _, _ = stream(text, list(range(len(text))))
    assert shown == text


def test_delta_parts_reads_reasoning_fields_and_content_parts():
    assert delta_parts({"content": "正文", "reasoning_content": "想法"}) == ("正文", "想法")
    assert delta_parts({"reasoning": "想法"}) == ("", "想法")
    assert delta_parts({"content": None}) == ("", "")
    assert delta_parts({"content": [{"type": "text", "text": "甲"}, {"type": "text", "text": "乙"}]}) == ("甲乙", "")
    assert delta_parts(None) == ("", "")


def test_control_characters_and_replacement_characters_are_removed():
    dirty = "学校\x00党支部\x07开展\ufffd活动\x1b[0m\u200b。\r\n第二段\t有制表符\ud800。"
    assert clean_chars(dirty) == "学校党支部开展活动[0m。\n第二段 有制表符。"


PROMPT = "\n".join([
    "请根据下面的事实，写《青禾市第三实验小学2024年党建工作总结》中“强化理论武装”这一节的正文。",
    "本节的事实（每一项都要写进正文）：",
    "- 主题党日：12次；每月一次，学习党的二十届三中全会精神",
    "- 专题学习：3次，2024年8月，31人参加",
])


def test_an_answer_that_starts_with_the_echoed_prompt_keeps_what_follows():
    raw = PROMPT + "\n" + ANSWER + "\n全体党员深受教育。"
    assert strip_echo(raw, PROMPT) == ANSWER + "\n全体党员深受教育。"


def test_an_echo_run_into_the_answer_on_one_line_loses_only_the_echo():
    first = PROMPT.split("\n")[0]
    assert strip_echo(first + ANSWER, PROMPT) == ANSWER
    assert strip_echo("本节的事实（每一项都要写进正文）：" + ANSWER, PROMPT) == ANSWER


def test_an_answer_that_is_only_the_echo_is_empty():
    assert strip_echo(PROMPT, PROMPT) == ""


def test_answer_text_sharing_words_with_the_prompt_is_not_an_echo():
    own = "学校党支部坚持每月一次主题党日，组织党员学习党的二十届三中全会精神。"
    assert strip_echo(own, PROMPT) == own


def test_clean_answer_removes_thinking_fences_markdown_labels_preamble_and_heading():
    raw = ("<think>先想想</think>好的，以下是本节正文：\n```\n## （一）强化理论武装\n【正文】\n**学校党支部**坚持学习。\n"
           "- 开展主题党日12次。\n```")
    out = clean_answer(raw, title="强化理论武装", heading="（一）强化理论武装", prompt=PROMPT)
    assert out == "学校党支部坚持学习。\n开展主题党日12次。"


def test_complete_sentences_keeps_whole_sentences_only():
    assert complete_sentences("第一句。第二句“引号”。第三句没写完") == ("第一句。第二句“引号”。", "第三句没写完")
    assert complete_sentences("第一段。\n第二段！") == ("第一段。\n第二段！", "")
    assert complete_sentences("没有句号") == ("", "没有句号")


# A small model often gives its facts list back reformatted, as Markdown items or headings, instead
# of prose; those lines are not report text even though every word in them is supported.
@pytest.mark.parametrize("restated", [
    "- **主题党日**：12次，每月一次，学习党的二十届三中全会精神",
    "* 专题学习 —— 3次（2024年8月），31人参加",
    "#### 本节的事实（每一项都要写进正文）",
    "1. 主题党日：12次；每月一次，学习党的二十届三中全会精神。",
    "• **专题学习**：3次，2024年8月",
    "（1）主题党日：12次；每月一次，学习党的二十届三中全会精神",
    "1.专题学习：3次，2024年8月，31人参加",
    "① 主题党日 12次 每月一次 学习党的二十届三中全会精神",
    "本节的事实如下（每一项都要写进正文）：",  # a lead-in line, a word added
    "请根据下面的事实写《青禾市第三实验小学2024年党建工作总结》中“强化理论武装”这一节的正文：",
])
def test_a_facts_line_restated_as_a_list_item_or_heading_is_an_echo(restated):
    assert strip_echo(restated + "\n" + ANSWER, PROMPT) == ANSWER


@pytest.mark.parametrize("prose", [
    "主题党日12次，每月一次，学习党的二十届三中全会精神，全体党员深受教育。",  # plain prose, never judged
    "- 学校党支部坚持每月一次主题党日，全年共开展12次，组织党员原原本本学习全会精神。",  # an item in its own words
    "学校党支部强化理论武装的主要做法是：",  # a lead-in of its own
])
def test_prose_and_items_in_their_own_words_are_kept(prose):
    assert strip_echo(prose, PROMPT) == prose



@pytest.mark.parametrize(("raw", "clean"), [
    ("2. 学区联合党支部在2025年加强党风廉政建设。\n3. 学区注重教育公平。", "学区联合党支部在2025年加强党风廉政建设。\n学区注重教育公平。"),
    ("1、坚持理论学习。\n12）开展主题党日。", "坚持理论学习。\n开展主题党日。"),
    ("2024年，学校党支部开展主题党日12次。", "2024年，学校党支部开展主题党日12次。"),  # a year is no list number
    ("1.5倍于去年的参与人数。", "1.5倍于去年的参与人数。"),  # nor is a decimal
])
def test_a_models_list_numbers_are_dropped_from_its_prose(raw, clean):
    assert clean_answer(raw) == clean
