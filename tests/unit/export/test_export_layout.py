"""The layout numbers derived from prompts/export/official_layout.yaml (GB/T 9704-2012)."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import given
from hypothesis import strategies as st

from draftkit.export.docx import signature_indents, title_lines
from draftkit.export.layout import load_layout, split_placeholders, text_width_chars


def test_page_and_margins_in_twips():
    lay = load_layout()
    assert lay.page_twips() == (11906, 16838)  # A4
    assert lay.margins_twips() == {"top": 2098, "bottom": 1984, "left": 1587, "right": 1474}
    # the text block is 156 × 225 mm
    assert abs(lay.text_width_twips() / 1440 * 25.4 - 156) < 0.1
    assert abs(lay.text_height_twips() / 1440 * 25.4 - 225) < 0.1


def test_grid_gives_22_lines_of_28_characters():
    lay = load_layout()
    pitch = lay.grid.line_pitch_twips
    assert pitch == 579
    assert lay.text_height_twips() // pitch == 22
    # Word's character pitch: body size + charSpace/4096 pt
    pitch_pt = lay.font("body").size_pt + lay.char_space() / 4096
    assert math.floor(lay.text_width_twips() / 20 / pitch_pt) == 28
    assert lay.char_space() == -842  # the value official templates carry


def test_condensed_spacing_fits_28_and_not_29_characters():
    lay = load_layout()
    per_char_pt = lay.font("body").size_pt + lay.char_spacing_twips() / 20
    width_pt = lay.text_width_twips() / 20
    assert 28 * per_char_pt <= width_pt < 29 * per_char_pt
    assert lay.char_spacing_twips() < 0


def test_dates_have_no_zero_padding_and_missing_dates_stay_visible():
    lay = load_layout()
    assert lay.format_date(dt.date(2025, 1, 5)) == "2025年1月5日"
    assert lay.format_date(dt.date(2024, 12, 20)) == "2024年12月20日"
    assert lay.format_date(None).startswith("【待补充")
    assert lay.format_date(None, "【待补充：落款日期】") == "【待补充：落款日期】"


def test_font_aliases_are_accepted_and_others_are_not():
    lay = load_layout()
    assert lay.same_font("仿宋_GB2312", "仿宋")
    assert lay.same_font("仿宋_GB2312", "FangSong_GB2312")
    assert lay.same_font("黑体", "SimHei")
    assert not lay.same_font("仿宋_GB2312", "宋体")
    assert not lay.same_font("黑体", None)


def test_text_width_counts_half_width_characters_as_half():
    assert text_width_chars("党建工作") == 4
    assert text_width_chars("2024年") == 3
    assert text_width_chars("“双减”") == 4


@given(
    st.lists(
        st.one_of(
            st.sampled_from(["党员", "“三会一课”", "——", "2024年", "，", "。", "【", "】", "待补充"]),
            st.text(alphabet="学校党支部开展主题党日活动【】待补充：", max_size=8),
            st.builds(lambda s: f"【待补充：{s}】", st.text(alphabet="人数日期名称", max_size=6)),
        ),
        max_size=12,
    )
)
def test_split_placeholders_loses_nothing_and_finds_every_marker(parts):
    pattern = load_layout().placeholder_re()
    text = "".join(parts)
    pieces = split_placeholders(text, pattern)
    assert "".join(p for p, _ in pieces) == text
    assert [p for p, is_marker in pieces if is_marker] == pattern.findall(text)
    for piece, is_marker in pieces:
        if not is_marker:
            assert not pattern.search(piece)


def test_title_that_fits_stays_on_one_line():
    assert title_lines("青禾市第三实验小学2024年党建工作总结") == ["青禾市第三实验小学2024年党建工作总结"]


def test_long_title_breaks_before_the_year_not_leaving_one_character():
    lines = title_lines("松源县第一中学党总支2024年度党建工作总结")
    assert lines == ["松源县第一中学党总支", "2024年度党建工作总结"]


def test_long_title_breaks_after_the_organisation_name():
    lines = title_lines("中共青禾市第三实验小学支部委员会2024年上半年党建工作总结")
    assert lines == ["中共青禾市第三实验小学支部委员会", "2024年上半年党建工作总结"]
    assert "".join(lines) == "中共青禾市第三实验小学支部委员会2024年上半年党建工作总结"


def test_explicit_title_line_break_is_kept():
    assert title_lines("青禾市第二中学党总支\n2016年党建工作总结") == [
        "青禾市第二中学党总支",
        "2016年党建工作总结",
    ]


def test_signature_indents_follow_the_standard():
    # unit two characters in; the date starts two characters right of the unit's first character
    unit, date = signature_indents("中共松源县第一中学总支部委员会", "2024年12月20日")
    assert unit == 2
    u, d = text_width_chars("中共松源县第一中学总支部委员会"), text_width_chars("2024年12月20日")
    assert (unit + u) - (date + d) == 2
    # a short unit: the date keeps two characters and the unit moves left to stay aligned
    unit, date = signature_indents("某小学", "2024年12月20日")
    assert date == 2
    assert (unit + 3) - (date + 7) == 2
