"""draftkit.zh: numerals both ways, heading numbering, sentences, normalisation and n-grams, dates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from draftkit import zh


@pytest.mark.parametrize(("text", "value"), [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("九十九", 99), ("一百", 100),
    ("一百零五", 105), ("一百一十", 110), ("两", 2), ("二〇二四", 2024), ("一万二千", 12000), ("12", 12),
    (" 三 ", 3), ("１２", 12),
])
def test_cn_to_int_reads_numerals(text: str, value: int):
    assert zh.cn_to_int(text) == value


@pytest.mark.parametrize("text", ["", "x", "十十", "十百", "一百二三", "三x", "第一"])
def test_cn_to_int_refuses_what_is_not_a_numeral(text: str):
    assert zh.cn_to_int(text) is None


@pytest.mark.parametrize(("n", "text"), [
    (1, "一"), (9, "九"), (10, "十"), (11, "十一"), (12, "十二"), (20, "二十"), (21, "二十一"), (99, "九十九"),
    (100, "一百"), (105, "一百零五"), (110, "一百一十"), (1001, "一千零一"), (1010, "一千零一十"), (9999, "九千九百九十九"),
])
def test_int_to_cn_prints_numerals(n: int, text: str):
    assert zh.int_to_cn(n) == text


def test_int_to_cn_outside_its_range_prints_digits():
    assert [zh.int_to_cn(n) for n in (0, -3, 10000)] == ["0", "-3", "10000"]


@given(st.integers(min_value=1, max_value=9999))
def test_numerals_round_trip(n: int):
    assert zh.cn_to_int(zh.int_to_cn(n)) == n


@pytest.mark.parametrize(("line", "parsed"), [
    ("一、基本情况", (1, 1, "一、")), ("十二、其他", (1, 12, "十二、")), ("三. 做法", (1, 3, "三.")),
    ("（二）思想建设", (2, 2, "（二）")), ("(三) 组织", (2, 3, "(三)")), ("　3.强化学习", (3, 3, "3.")),
    ("4、其他", (3, 4, "4、")), ("（1）每月一次", (4, 1, "（1）")),
])
def test_heading_numbers_of_the_four_levels(line: str, parsed: tuple[int, int, str]):
    assert zh.parse_heading_number(line) == parsed
    assert zh.HEADING_START_RE.match(line)


@pytest.mark.parametrize("line", ["2024年，学校党支部", "1.5倍", "第一议题", "学校共有党员25名。"])
def test_lines_that_are_no_headings(line: str):
    assert zh.parse_heading_number(line) is None
    assert not zh.HEADING_START_RE.match(line)


def test_heading_labels_as_printed():
    assert [zh.heading_label(level, n) for level, n in ((1, 3), (2, 10), (3, 2), (4, 1), (1, 11))] == \
        ["三、", "（十）", "2.", "（1）", "十一、"]
    for level in (1, 2, 3, 4):
        for n in (1, 9, 12):
            assert zh.parse_heading_number(zh.heading_label(level, n) + "标题")[:2] == (level, n)
    assert [level for level, _ in zh.heading_number_regexes()] == [1, 2, 3, 4]


def test_split_sentences_keeps_closers_and_line_ends():
    text = "支部召开大会4次。他说：“坚持学习！”随后\n开展活动；效果好"
    parts = zh.split_sentences(text)
    assert parts == ["支部召开大会4次。", "他说：“坚持学习！”", "随后\n", "开展活动；", "效果好"]
    assert zh.split_sentences("") == []


@given(st.text(alphabet="党员学习。！？；;\n”）a1 ", max_size=60))
def test_split_sentences_is_lossless(text: str):
    assert "".join(zh.split_sentences(text)) == text


def test_normalize_drops_layout_and_punctuation_and_folds_width():
    assert zh.normalize("党员，ＡＢ 12。“学习”") == "党员ab12学习"
    norm, where = zh.normalize_with_map("党员，ＡＢ 12")
    assert norm == "党员ab12" and where == [0, 1, 3, 4, 6, 7]


@given(st.text(alphabet="党员学习ＡＢab12１２，。 “”（）Ⅱ㎡\u3000", max_size=40))
def test_normalize_and_its_mapped_form_agree(text: str):
    norm, where = zh.normalize_with_map(text)
    assert norm == zh.normalize(text)
    assert len(where) == len(norm) and where == sorted(where)


def test_ngrams():
    assert zh.ngrams("党员学习", 2) == {"党员", "员学", "学习"}
    assert zh.ngrams("党", 2) == set()


def test_official_date_has_no_zero_padding():
    assert zh.official_date(2025, 1, 5) == "2025年1月5日"
    assert zh.official_date(2024, 12, 20) == "2024年12月20日"


def test_dates_in_any_common_form_are_found_with_their_official_form():
    found = list(zh.find_dates("落款2024.12.08，另见二〇二四年十二月二十日与2024年1月5日"))
    assert [(d.year, d.month, d.day, d.official) for d in found] == \
        [(2024, 12, 8, False), (2024, 12, 20, False), (2024, 1, 5, True)]
    assert found[0].fixed == "2024年12月8日"
    assert zh.parse_date(" 2024/12/20 ").fixed == "2024年12月20日" and zh.parse_date("2024年") is None


LONG_ERROR = ("模型服务 http://127.0.0.1:8000/v1 无法连接（服务未启动或地址有误） / model server "
              "http://127.0.0.1:8000/v1: cannot connect ([Errno 111] Connection refused); is the server running? "
              "(after 3 attempts over 12.5 s, the last one at 10:22:31, with the address taken from "
              "DRAFTKIT_OPENAI_BASE_URL)")


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("短消息 / short", 200, "短消息 / short"),
        (LONG_ERROR, 200, "模型服务 http://127.0.0.1:8000/v1 无法连接（服务未启动或地址有误）"),
        ("服务器无响应，已重试三次，仍然没有回音，请检查模型服务是否已经启动", 20, "服务器无响应，已重试三次…"),
        ("model server: cannot connect because the remote end refused the connection after a long wait", 60,
         "model server: cannot connect because the remote end…"),
        ("x" * 300, 50, "x" * 49 + "…"),
    ],
)
def test_shorten_cuts_at_a_boundary(text: str, limit: int, expected: str):
    assert zh.shorten(text, limit) == expected


@given(st.lists(st.sampled_from(["cannot", "connect", "127.0.0.1:8000", "服务", "未启动", "，", "。", ";", " ",
                                 "running?", "(af", "ter)"]), max_size=80),
       st.integers(min_value=10, max_value=120))
def test_shorten_never_exceeds_the_limit_nor_cuts_a_latin_word(parts: list[str], limit: int):
    text = " ".join("".join(parts).split())
    out = zh.shorten(text, limit)
    assert len(out) <= limit
    if out == text:
        return
    body = out.removesuffix("…")
    assert text.startswith(body)
    rest = text[len(body):]
    # the cut falls at a space, after a mark, or between Han characters — not inside "connect" or
    # "127.0.0.1" unless the second half of the window holds no space to cut at
    if body and rest and body[-1].isascii() and body[-1].isalnum() and rest[0].isascii() and rest[0].isalnum():
        window = text[: limit - 1]
        assert " " not in window[len(window) // 2 + 1:]
