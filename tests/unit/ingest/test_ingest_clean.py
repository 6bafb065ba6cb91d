"""Cleaning rules, each on its own, and clean_text as a whole."""

from __future__ import annotations

import pytest

from draftkit.ingest.clean import (
    clean_text,
    dedupe_title,
    find_placeholders,
    is_mostly_traditional,
    join_broken_lines,
    join_number_measure,
    join_page_markers,
    normalize_characters,
    normalize_punctuation,
    normalize_whitespace,
    split_documents,
    split_hidden_text,
    strip_foreign_tail,
    strip_furniture,
    strip_inline_ads,
    strip_markup,
)

PAGE = "学校党支部坚持把政治建设摆在首位，认真落实三会一课制度，组织党员集中学习党章党规和重要讲话精神，"


def test_characters_are_normalised() -> None:
    out, removals = normalize_characters("\ufeff２０２１年\u200b党建\r\n工作\x07总结\u00a0ＸＸ")
    assert out == "2021年党建\n工作总结 XX"
    assert [r.rule for r in removals] == ["invisible"] * 3


def test_furniture_lines_are_removed_and_recorded() -> None:
    text = "\n".join([
        "收藏 分享(赏)",
        "2021年度党建工作总结.docx",
        "上传人:ab****1 文档编号:123456 上传时间:2022-01-02 格式:DOCX 页数:3 大小:18KB",
        "2021年度党建工作总结.docx_第1页",
        "第1页 / 共3页",
        "一、基本情况",
        "党支部现有党员21名。",
        "展开阅读全文",
        "相关资源",
        "猜你喜欢",
        "当前位置:首页 > 范文 > 总结",
        "copyright@ 2008-2023 example.com网站版权所有",
        "经营许可证编号:浙ICP备12345678号-1",
    ])
    out, removals = strip_furniture(text)
    assert out.split("\n") == ["2021年度党建工作总结", "一、基本情况", "党支部现有党员21名。"]
    rules = {r.rule for r in removals}
    assert rules == {"furniture", "file_name"}
    assert sum(len(r.text) for r in removals if r.rule == "file_name") == len(".docx")
    for r in removals:  # offsets point at the removed text in the input
        assert text[r.start:r.start + len(r.text)] == r.text


def test_long_body_line_mentioning_a_furniture_word_is_kept() -> None:
    line = "学校高度重视知识产权教育，" * 12 + "严禁侵犯他人版权所有的作品。"
    out, removals = strip_furniture(line)
    assert out == line and removals == []


def test_inline_ads_and_hidden_text_notes() -> None:
    text = "因此学校党支部狠抓了党员的理论学习。本篇文章来自资料管理**。尽管工作繁重……此处隐藏2386个字……，大家坚持学习。"
    out, removals = strip_inline_ads(text)
    assert out == "因此学校党支部狠抓了党员的理论学习。尽管工作繁重……此处隐藏2386个字……，大家坚持学习。"
    assert [r.rule for r in removals] == ["ad"]
    # the hidden-text note ends the paragraph: the fragments on either side are not one sentence
    out, removals = split_hidden_text(out)
    assert out == "因此学校党支部狠抓了党员的理论学习。尽管工作繁重\n大家坚持学习。"
    assert [r.rule for r in removals] == ["hidden_text"]


def test_document_separators() -> None:
    out, removals = split_documents("第一篇:2021年党建工作总结\n正文一。\n第二篇:2020年党建工作总结\n正文二。")
    assert out == "2021年党建工作总结\n正文一。"
    assert [r.rule for r in removals] == ["document_separator", "appended_document"]
    out, _ = split_documents("【篇一】\n正文。")
    assert out.strip() == "正文。"


def test_appended_second_document_is_dropped_by_clean_text() -> None:
    result = clean_text("【篇一】\n2021年党建工作总结\n正文一。\n【篇二】\n2020年党建工作总结\n正文二。")
    assert result.text == "2021年党建工作总结\n正文一。"
    assert result.removed["document_separator"] == len("【篇一】")
    kept = clean_text("一、基本情况\n第二篇章：我们坚持学习。\n正文。")
    assert "第二篇章：我们坚持学习。" in kept.text


def test_scripts_and_styles_of_saved_web_pages_are_removed() -> None:
    out, removals = strip_markup("<style>p{color:red}</style><p>党支部坚持学习。</p><script>var a=1;</script>")
    assert out.strip() == "党支部坚持学习。"
    assert any("script" in r.text for r in removals)


def test_page_markers_rejoin_cut_sentences() -> None:
    text = (f"1、标题不在这里\n{PAGE}确定了5名入党积极分子，一人递交了入党申请书，\n"
            f"2、党员后备力量进一步壮大。{PAGE}在全体党员中开展\n\n3、主题党日活动。{PAGE}")
    out, removals = join_page_markers(text)
    assert "一人递交了入党申请书，党员后备力量进一步壮大。" in out
    assert "开展主题党日活动。" in out
    assert out.startswith("标题不在这里\n")
    assert [r.text for r in removals] == ["1、", "2、", "3、"]
    assert all(r.rule == "page_marker" for r in removals)


def test_page_marker_on_a_sentence_end_keeps_the_line_break() -> None:
    page = PAGE * 2  # pages are long; list items are short
    text = f"1、{page}一人递交了申请书\n2、{page}整体工作。\n3、{page}学习\n4、效果良好。"
    out, removals = join_page_markers(text)
    assert len(removals) == 4
    assert "整体工作。\n" in out  # page 3 began after a finished sentence
    assert "申请书" + page in out and "学习效果良好。" in out


def test_real_list_items_survive() -> None:
    text = ("（二）制度建设，规范管理。\n"
            "1、三会一课制度。为了加强党的组织建设，健全党的组织生活，制定了三会一课制度，每学期上一次党课。\n"
            "2、学校干部队伍建设制度。我们按照干部任用管理条例，建立了干部选拔、培养制度。\n"
            "3、民主评议党员的长效制度。坚持每年一次的党员民主评议工作。")
    out, removals = join_page_markers(text)
    assert out == text and removals == []


def test_short_list_without_full_stops_is_not_a_page_chain() -> None:
    text = "主要制度有：\n1、三会一课制度\n2、主题党日制度\n3、组织生活会制度"
    out, removals = join_page_markers(text)
    assert out == text and removals == []


def test_foreign_tail_is_dropped() -> None:
    body = "\n".join(["一、加强学习。", "学校党支部狠抓了党员的理论学习，坚持每周集中学习一次。" * 6,
                      "二、强化服务。", "党员教师主动结对帮扶困难学生，全年走访慰问40人次。" * 6])
    tail = ("\n村先进党支部事迹材料2023年先进党支部事迹材料\n"
            "二 定期开展各项基层党建活动 按照融入中心的思路，搭建多种平台...\n"
            "村先进党支部事迹材料2019先进党支部事迹材料\n"
            "一 坚持学习，党员修养得到提高 只有不断的加强理论学习...")
    out, removals = strip_foreign_tail(body + tail)
    assert out == body
    assert len(removals) == 1 and removals[0].rule == "appended_document"
    assert "事迹材料" in removals[0].text


def test_an_unnumbered_closing_heading_is_not_a_foreign_tail() -> None:
    body = "\n".join(["一、加强学习。", "学校党支部狠抓了党员的理论学习，坚持每周集中学习一次。" * 6,
                      "下一步工作计划", "继续抓好理论学习，推动党建与业务融合。", "柳溪县第九小学党支部", "2022年12月20日"])
    out, removals = strip_foreign_tail(body)
    assert out == body and removals == []


def test_duplicate_title_is_printed_once_and_split_from_the_body() -> None:
    out, removals = dedupe_title("市第九中学2021年党建工作总结市第九中学2021年党建工作总结 2021年，学校党委……")
    assert out == "市第九中学2021年党建工作总结\n2021年，学校党委……"
    assert removals[0].rule == "duplicate_title" and removals[0].text == "市第九中学2021年党建工作总结"
    out, _ = dedupe_title("2021年度党建工作总结 一年来在区教育局的关怀领导下，学校坚持立德树人。")
    assert out.startswith("2021年度党建工作总结\n一年来")


def test_broken_lines_starting_with_closing_punctuation_are_joined() -> None:
    out, _ = join_broken_lines("开展三个一活动（即：提一条建议。\n)。通过活动实践，\n，大家受益。")
    assert out == "开展三个一活动（即：提一条建议。)。通过活动实践，，大家受益。"


def test_half_width_punctuation_between_chinese_becomes_full_width() -> None:
    out, _ = normalize_punctuation("2021年,学校党委以党的十九大精神为指导;(一)党组织建设:坚持\"三必\"!好吗?特(学)困生")
    assert out == "2021年，学校党委以党的十九大精神为指导；（一）党组织建设：坚持\"三必\"！好吗？特（学）困生"
    same = "时间 8:30, 网址 http://example.com, 数字 1,000 和 (1) and (a)"
    assert normalize_punctuation(same)[0] == same
    assert normalize_punctuation("(1)继续开展好")[0] == "（1）继续开展好"


def test_whitespace() -> None:
    out, _ = normalize_whitespace("  标题  \n\n\n 正文 ，有空格。  \n\t\n第二段")
    assert out == "标题\n正文，有空格。\n第二段"


@pytest.mark.parametrize("raw,joined", [
    ("支部共有党员23 名，入党积极分子 4名。", "支部共有党员23名，入党积极分子4名。"),
    ("全年召开支委会12\u3000次", "全年召开支委会12次"),
    ("教职工 58\u00a0人", "教职工58人"),
    ("下设 3 个党小组，资助金额2.5 万元", "下设3个党小组，资助金额2.5万元"),
    ("2020 年 12 月", "2020年12月"),
])
def test_a_number_and_its_measure_word_are_joined(raw, joined) -> None:
    assert join_number_measure(raw) == (joined, [])
    assert clean_text(raw).text == joined


@pytest.mark.parametrize("kept", ["1 2个年级", "Python 3 版本", "第一 二 三", "党员 共计"])
def test_spaces_not_before_a_measure_word_stay(kept) -> None:
    assert join_number_measure(kept)[0] == kept


def test_full_width_spaced_count_is_cleaned_to_ascii_and_joined() -> None:
    assert clean_text("现有党员１９\u3000名，预备党员\u3000２ 名。").text == "现有党员19名，预备党员2名。"


def test_markup_and_images() -> None:
    text = '<p>学校党支部<b>坚持</b>学习。</p><img src="a.png"/>![图](http://x.cn/a.jpg)&nbsp;效果好。\n> 引用的一行'
    out, removals = strip_markup(text)
    assert "<" not in out and "![" not in out
    assert "学校党支部坚持学习。" in out and "效果好。" in out and "引用的一行" in out
    assert all(r.rule == "markup" for r in removals)
    md, _ = strip_markup("## 一、基本情况\n**重点**工作", markdown=True)
    assert md == "一、基本情况\n重点工作"
    plain, _ = strip_markup("进一步加**部队伍管理，增**部的责任意识")
    assert plain == "进一步加**部队伍管理，增**部的责任意识"  # ** is a mask outside markdown


def test_traditional_to_simplified() -> None:
    trad = "學校黨支部現有黨員23名，其中正式黨員22名。一年來，我們堅持三會一課制度，認真開展組織生活會。"
    assert is_mostly_traditional(trad)
    assert not is_mostly_traditional("学校党支部现有党员23名，其中正式党员22名。")
    result = clean_text(trad)
    assert result.traditional
    assert result.text == "学校党支部现有党员23名，其中正式党员22名。一年来，我们坚持三会一课制度，认真开展组织生活会。"


@pytest.mark.parametrize(
    "text, kind, masked",
    [
        ("认真学*****重要思想", "stars", "*****"),
        ("新xx小学党支部", "xx", "xx"),
        ("XX市教育局", "xx", "XX"),
        ("确定了X名入党积极分子", "x_count", "X"),
        ("开展活动X次", "x_count", "X"),
        ("加强D建工作", "letter_mask", "D"),
        ("习新时代中国特色.主义思想", "dotted", "."),
        ("在20xx年被评为先进", "xx", "xx"),
    ],
)
def test_placeholders_are_marked_not_filled(text: str, kind: str, masked: str) -> None:
    result = clean_text(text)
    assert result.text == text  # kept as written
    found = [p for p in result.placeholders if p.kind == kind]
    assert found and found[0].text == masked
    assert result.text[found[0].start:found[0].end] == masked


def test_no_placeholders_in_ordinary_text() -> None:
    text = "全年开展主题党日12次，A级评定，B超检查，Word文档，5.12汶川地震，1.5万元。"
    assert find_placeholders(text) == []


def test_clean_text_reports_removed_characters_per_rule() -> None:
    raw = "收藏 分享(赏)\n1、2021年度党建工作总结\n" + PAGE + "全年共发展\n2、党员3名。" + PAGE + "\n展开阅读全文"
    result = clean_text(raw)
    removed = result.removed
    assert removed["furniture"] == len("收藏 分享(赏)") + len("展开阅读全文")
    assert removed["page_marker"] == 4
    assert "全年共发展党员3名。" in result.text
    assert "收藏" not in result.text and "展开阅读全文" not in result.text
