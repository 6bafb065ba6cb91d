"""Structure: headings (four levels, inline, after page markers), title, year, unit, org type, kind."""

from __future__ import annotations

import pytest

from draftkit.ingest.clean import clean_text
from draftkit.ingest.models import Block
from draftkit.ingest.structure import find_headings, find_year, parse_structure


def levels(text: str) -> list[tuple[int, str, str]]:
    return [(h.level, h.number, h.text) for h in find_headings(text)]


def test_four_levels_on_their_own_lines(sample_report: str) -> None:
    hs = levels(sample_report)
    assert hs == [
        (1, "一、", "基本情况"),
        (1, "二、", "主要做法"),
        (2, "（一）", "加强理论学习"),
        (3, "1.", "落实第一议题制度"),
        (3, "2.", "开展主题党日"),
        (2, "（二）", "推进党建与教学融合"),
        (4, "（1）", "党员示范课"),
        (4, "（2）", "课后服务"),
        (1, "三、", "存在的问题"),
        (3, "1.", "理论学习的深度还不够，学用结合不紧密"),
        (3, "2.", "党建品牌特色还不够鲜明"),
        (1, "四、", "下一步工作打算"),
        (3, "1.", "持续深化理论武装，建立学习台账"),
        (3, "2.", "打造“书香党建”品牌，推动党建与业务深度融合"),
    ]


def test_heading_offsets_point_into_the_text(sample_report: str) -> None:
    for h in find_headings(sample_report):
        assert sample_report[h.start:].startswith(h.number)
        assert h.text in sample_report[h.start:h.end]


def test_half_width_and_full_width_forms() -> None:
    text = "一．思想建设\n(一)理论学习\n1．第一议题\n(1)专题党课\n二.组织建设\n（一）、支部建设\n1、三会一课\n（1）党员大会"
    assert [(lv, t) for lv, _n, t in levels(text)] == [
        (1, "思想建设"), (2, "理论学习"), (3, "第一议题"), (4, "专题党课"),
        (1, "组织建设"), (2, "支部建设"), (3, "三会一课"), (4, "党员大会"),
    ]


def test_inline_headings_running_into_body_text() -> None:
    text = ("学校党委推动各项工作取得长足发展。一、加强三个建设，夯实党建工作基础 （一）党组织建设标准化 学校党委设X个支部。"
            "（二）组织生活建设规范化 1.规范组织“三会一课”。“三会一课”坚持签到。2.扎实开展主题党日活动。各支部自主开展教育。")
    assert levels(text) == [
        (1, "一、", "加强三个建设，夯实党建工作基础"),
        (2, "（一）", "党组织建设标准化"),
        (2, "（二）", "组织生活建设规范化"),
        (3, "1.", "规范组织“三会一课”"),
        (3, "2.", "扎实开展主题党日活动"),
    ]


def test_inline_heading_with_comma_after_number_and_body_on_the_same_line() -> None:
    hs = find_headings("（一）、加强学习，夯实基础。要充分发挥党支部的战斗堡垒作用，加强党员的理论学习。")
    assert [(h.level, h.text) for h in hs] == [(2, "加强学习，夯实基础")]
    assert "要充分发挥" not in hs[0].text


def test_heading_running_straight_into_its_first_child() -> None:
    text = "现将情况总结如下：一、基本情况和做法1、加强学习，提高认识。我校现有党员14人。2、规范管理，形式多样。内容。二、今后的打算(1)继续开展好创先争优活动。要有创新。(2)完善制度。"
    assert levels(text) == [
        (1, "一、", "基本情况和做法"),
        (3, "1、", "加强学习，提高认识"),
        (3, "2、", "规范管理，形式多样"),
        (1, "二、", "今后的打算"),
        (4, "(1)", "继续开展好创先争优活动"),
        (4, "(2)", "完善制度"),
    ]


def test_standard_heading_glued_to_its_first_sentence_is_cut() -> None:
    inline = "内容如下：一、取得的成绩开展创优活动以来，支部建设得到进一步加强。二、存在的问题和下步措施\n正文。"
    hs = find_headings(inline)
    assert [(h.number, h.text) for h in hs] == [("一、", "取得的成绩"), ("二、", "存在的问题和下步措施")]
    assert inline[hs[0].start : hs[0].end] == "一、取得的成绩"
    line = "一、取得的成效开展以来，全校党员积极参与\n正文。"
    assert [h.text for h in find_headings(line)] == ["取得的成效"]
    # a heading that merely starts with a standard phrase, without a sentence after it, stays whole
    assert [h.text for h in find_headings("一、存在的问题及原因分析\n正文。")] == ["存在的问题及原因分析"]


def test_headings_after_page_markers_are_found() -> None:
    page = "学校党支部坚持把政治建设摆在首位，认真落实三会一课制度，组织党员集中学习党章党规和重要讲话精神。" * 2
    raw = f"1、{page}\n2、二、组织建设\n{page}全体党员\n3、积极参加志愿服务。{page}"
    cleaned = clean_text(raw).text
    assert [(h.level, h.text) for h in find_headings(cleaned)] == [(1, "组织建设")]
    assert "全体党员积极参加志愿服务。" in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "5.12汶川特大地震发生后，全体党员踊跃捐款。",
        "会议于2021.12.20召开，满意率到达95%.还是令人欣慰的。",
        "共投入资金3.5万元，新建活动室1.2个。",
        "学校党支部第一、二、三党小组开展活动。",
        "今年共开展活动12次.这是好的。",
    ],
)
def test_decimals_dates_and_enumerations_are_not_headings(text: str) -> None:
    assert find_headings(text) == []


def test_out_of_sequence_numbers_inside_text_are_not_headings() -> None:
    text = "一、基本情况\n正文。三、四年级的学生参加活动。正文。二、主要做法\n正文。"
    assert levels(text) == [(1, "一、", "基本情况"), (1, "二、", "主要做法")]


def test_document_fields(sample_report: str) -> None:
    st = parse_structure(sample_report)
    assert st.title == "柳溪县第九小学党支部2022年度党建工作总结"
    assert st.year == 2022
    assert st.unit == "柳溪县第九小学党支部"
    assert st.org_type == "党支部"
    assert st.report_kind == "年度总结"


@pytest.mark.parametrize(
    "title, year, unit, org, kind",
    [
        ("市第一中学2021年党建工作总结", 2021, "市第一中学", None, "年度总结"),
        ("中共青禾市第一高级中学委员会2017年度党建工作总结", 2017, "中共青禾市第一高级中学委员会", "党委", "年度总结"),
        ("青禾市第二中学党总支2019年度党建工作总结", 2019, "青禾市第二中学党总支", "党总支", "年度总结"),
        ("2023年上半年柳溪县城关学区党建工作总结", 2023, "柳溪县城关学区", "学区", "半年总结"),
        ("青禾市启明特殊教育学校党支部书记2025年度抓基层党建工作述职报告", 2025, "青禾市启明特殊教育学校党支部", "党支部", "述职报告"),
        ("柳溪县教育局机关党支部先进事迹材料", None, "柳溪县教育局机关党支部", "党支部", "事迹材料"),
        ("2021—2022学年度党建工作总结", 2022, None, None, "年度总结"),
        ("20xx年度党建工作总结", None, None, None, "年度总结"),
    ],
)
def test_title_fields(title: str, year: int | None, unit: str | None, org: str | None, kind: str | None) -> None:
    st = parse_structure(title + "\n一年来，我们认真贯彻上级部署，扎实开展各项工作。\n一、基本情况\n正文。")
    assert st.title == title
    assert (st.year, st.unit, st.org_type, st.report_kind) == (year, unit, org, kind)


def test_nothing_is_guessed_without_a_title() -> None:
    st = parse_structure("一年来，在区教育局和镇党委的领导下，各项工作稳步推进。\n一、主要做法\n正文。2019年以来坚持不懈。")
    assert (st.title, st.year, st.unit, st.org_type, st.report_kind) == (None, None, None, None, None)


def test_unit_and_org_from_the_opening_sentence() -> None:
    st = parse_structure("新xx小学党支部现有23名党员，其中正式党员22人。学校党支部在20xx年被评为先进党支部。")
    assert st.unit == "新xx小学党支部" and st.org_type == "党支部" and st.year is None


def test_year_from_the_opening_lines_only() -> None:
    assert find_year(None, "2021年，学校党委以党的十九大精神为指导。") == 2021
    assert find_year(None, "自2018年以来，学校坚持……") is None
    assert find_year("2021年度党建工作总结", "三、2022年党建工作思路") == 2021


def test_word_heading_styles_count_as_headings() -> None:
    text = "某某小学党建工作总结\n基本情况\n党支部现有党员21名。\n一、主要做法\n正文。"
    blocks = [Block(text="某某小学党建工作总结", style="Title"), Block(text="基本情况", style="Heading 1", heading_level=1),
              Block(text="党支部现有党员21名。"), Block(text="一、主要做法", style="Heading 1", heading_level=1),
              Block(text="正文。")]
    st = parse_structure(text, blocks)
    assert st.title == "某某小学党建工作总结"
    assert [(h.level, h.number, h.text) for h in st.headings] == [(1, "", "基本情况"), (1, "一、", "主要做法")]
