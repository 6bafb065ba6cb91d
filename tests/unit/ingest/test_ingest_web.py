"""Issue 13, kinds 1–8: what real reports copied from 文库/范文 sites do to cleaning and structure.

Every input is our own writing about invented schools; each kind has several instances.
"""

from __future__ import annotations

import pytest

from draftkit.ingest import ingest_text
from draftkit.ingest.clean import clean_text
from draftkit.ingest.structure import find_headings, is_bare_unit

BODY = "2022年，学校党支部坚持以习近平新时代中国特色社会主义思想为指导，现将一年来的工作总结如下：\n一、基本情况\n支部现有党员18名。"


# --------------------------------------------------------------------------- kind 1: lead-ins and furniture
@pytest.mark.parametrize("furniture", [
    "下面是小编整理的2023年松湾小学党支部工作总结，欢迎阅读。",
    "以下是小编精心整理的2021年学校党建工作总结范文，供大家参考。",
    "这是小编为大家收集的党支部工作总结，希望对大家有所帮助！",
    "公文素材库 首页",
    "范文资料网 首页",
    "时间：2021-03-02 10:15:00",
    "发布时间：2020/12/28",
    "导语：以下这篇党建工作总结一文来源于网友上传，不代表本站观点，欢迎参考。",
    "申明敬告：本站所有文章均来自网络，如有侵权请联系删除。",
    "文档介绍：",
    "文档介绍",
    "首页 > 工作总结 > 党建工作总结",
    "最新优秀党支部申报材料范文（12篇）",
    "学校党建工作总结范文精选5篇",
])
def test_site_lead_ins_are_dropped_and_never_give_title_or_year(furniture: str) -> None:
    text = f"{furniture}\n竹溪镇中心小学党支部2022年党建工作总结\n{BODY}"
    doc = ingest_text(text)
    assert furniture.strip() not in doc.text
    assert any(furniture.strip() in r.text for r in doc.removals if r.rule == "furniture")
    assert doc.title == "竹溪镇中心小学党支部2022年党建工作总结"
    assert doc.year == 2022


def test_issue_example_lead_in_with_another_year() -> None:
    doc = ingest_text("下面是小编整理的2023年松湾小学党支部工作总结，欢迎阅读。\n松湾小学党支部2022年党建工作总结\n"
                      "2022年，松湾小学党支部认真落实三会一课制度。")
    assert (doc.title, doc.year) == ("松湾小学党支部2022年党建工作总结", 2022)


def test_report_sentences_like_furniture_are_kept() -> None:
    body = ("学校党支部每月开展一次时间管理专题培训。\n党员教师为学生整理复习资料，供大家参考使用的题库已有300道。\n"
            "时间：每周三下午。")
    doc = ingest_text("青石小学党支部2021年党建工作总结\n" + body)
    for line in body.split("\n")[:2]:
        assert line in doc.text


# --------------------------------------------------------------------------- kind 2: an outline before the title
@pytest.mark.parametrize("outline", [
    "一、基本情况\n二、主要做法\n三、存在问题\n四、下步打算\n",
    "目录\n一、基本情况\n二、主要做法\n三、存在问题\n四、下步打算\n",
    "提纲：\n一、基本情况。\n二、主要做法。\n三、存在问题。\n四、下步打算。\n",
])
def test_outline_before_the_title_is_not_a_second_heading_tree(outline: str) -> None:
    report = ("桐江中学党支部2021年党建工作总结\n2021年，桐江中学党支部认真落实上级部署，现总结如下：\n"
              "一、基本情况\n支部现有党员20名。\n二、主要做法\n坚持每月集中学习。\n三、存在问题\n学习还不够深入。\n"
              "四、下步打算\n继续深化理论武装。")
    doc = ingest_text(outline + report)
    assert doc.title == "桐江中学党支部2021年党建工作总结"
    assert [h.text for h in doc.headings] == ["基本情况", "主要做法", "存在问题", "下步打算"]
    assert any(r.rule == "outline" for r in doc.removals)
    assert "目录" not in doc.text and "提纲" not in doc.text


def test_numbered_opening_list_that_does_not_recur_is_kept() -> None:
    text = ("白沙小学党支部2020年党建工作总结\n一、支部换届\n二、党员发展\n三、主题党日\n"
            "以上三件大事贯穿全年。2020年，支部按期完成换届。")
    doc = ingest_text(text)
    assert "一、支部换届" in doc.text
    assert not any(r.rule == "outline" for r in doc.removals)


# --------------------------------------------------------------------------- kind 3: the title twice
@pytest.mark.parametrize("second", [
    "桐江中学2021年党建工作总结",
    "桐江中学  2021年党建工作总结",
    "桐江中学 2021 年党建工作总结",
    "\n桐江中学2021年党建工作总结",
])
def test_title_repeated_on_the_next_line_is_kept_once(second: str) -> None:
    doc = ingest_text(f"桐江中学2021年党建工作总结\n{second}\n2021年，学校党支部认真贯彻落实上级部署。")
    assert doc.title == "桐江中学2021年党建工作总结"
    assert doc.text.count("党建工作总结") == 1
    assert any(r.rule == "duplicate_title" for r in doc.removals)


# --------------------------------------------------------------------------- kind 4: hidden-text markers
@pytest.mark.parametrize("marker", ["……此处隐藏955个字……", "...此处隐藏1024个字...", "（此处隐藏：312个字）",
                                    "……余下2000字已隐藏……"])
def test_hidden_text_marker_ends_the_paragraph(marker: str) -> None:
    text = f"河湾中学党支部2023年党建工作总结\n支部坚持每月开展主题党日活动，组织党员{marker}，全体党员参加了志愿服务。"
    doc = ingest_text(text)
    assert "隐藏" not in doc.text
    assert "组织党员\n全体党员参加了志愿服务。" in doc.text
    assert "组织党员全体党员" not in doc.text
    assert not any("组织党员" in c.text and "全体党员参加" in c.text.split("\n")[0] for c in doc.chunks)
    assert [r.rule for r in doc.removals] == ["hidden_text"]


def test_hidden_text_marker_cutting_a_page_marker_sentence() -> None:
    # the line after the gap starts with a comma; it must not be glued back by join_broken_lines
    text = "学校党支部组织党员学习……此处隐藏88个字……\n，教师们纷纷表示受益匪浅。"
    out = clean_text(text).text
    assert out == "学校党支部组织党员学习\n教师们纷纷表示受益匪浅。"


# --------------------------------------------------------------------------- kind 5: the unit under a generic title
@pytest.mark.parametrize(("text", "unit", "org"), [
    ("2025年党建工作总结\n江村小学党支部\n（2025年12月）\n2025年，支部坚持以习近平新时代中国特色社会主义思想为指导。",
     "江村小学党支部", "党支部"),
    ("2023年度党建工作总结\n中共云岭中学委员会\n一年来，学校党委认真落实全面从严治党主体责任。", "中共云岭中学委员会", "党委"),
    ("2024年上半年党建工作总结\n石门县实验幼儿园党总支\n半年来，党总支坚持抓学习、强队伍。", "石门县实验幼儿园党总支", "党总支"),
])
def test_unit_on_its_own_line_under_a_generic_title(text: str, unit: str, org: str) -> None:
    doc = ingest_text(text)
    assert doc.unit == unit
    assert doc.org_type == org


# --------------------------------------------------------------------------- kind 6: bare type words are not units
@pytest.mark.parametrize("name", ["学区党支部", "党总支", "学校党委", "学校党支部", "中共学校委员会", "机关党支部"])
def test_bare_type_words(name: str) -> None:
    assert is_bare_unit(name)


@pytest.mark.parametrize("name", ["南岭学区党支部", "江村小学党支部", "中共云岭中学委员会", "县教育局机关党支部"])
def test_named_bodies_are_not_bare(name: str) -> None:
    assert not is_bare_unit(name)


@pytest.mark.parametrize(("text", "unit"), [
    ("学区党支部2023年工作总结\n一、基本情况\n南岭学区党支部现有党员31名，下设3个党小组。", "南岭学区党支部"),
    ("最新优秀党支部申报材料范文（12篇）\n党总支\n一、基本情况\n桃源县第二中学党总支下设4个支部。", "桃源县第二中学党总支"),
    ("学校党支部2022年党建工作总结\n学校党支部坚持以习近平新时代中国特色社会主义思想为指导，认真开展工作。", None),
    ("党总支2021年度工作总结\n一、基本情况\n党总支现有党员45名。", None),
])
def test_bare_type_word_is_never_the_unit(text: str, unit: str | None) -> None:
    doc = ingest_text(text)
    assert doc.unit == unit


# --------------------------------------------------------------------------- kind 7: a title run into the first sentence
@pytest.mark.parametrize(("text", "title", "kind", "year"), [
    ("杏林镇教育2023年上半年工作总结回顾这半年的工作，我们坚持以党建为引领，推动各项工作落实。",
     "杏林镇教育2023年上半年工作总结", "半年总结", 2023),
    ("柳湾小学党支部2022年度党建工作总结一年来，在镇党委的领导下，支部认真落实三会一课制度。",
     "柳湾小学党支部2022年度党建工作总结", "年度总结", 2022),
    ("2021年党支部书记抓基层党建工作述职报告今年以来，本人认真履行第一责任人职责，抓班子带队伍。",
     "2021年党支部书记抓基层党建工作述职报告", "述职报告", 2021),
])
def test_title_run_into_the_first_sentence(text: str, title: str, kind: str, year: int) -> None:
    doc = ingest_text(text)
    assert doc.title == title
    assert doc.report_kind == kind
    assert doc.year == year
    assert doc.text.split("\n")[1].startswith(text[len(title):len(title) + 4])


def test_sentence_that_names_the_summary_is_not_split() -> None:
    text = "现将2022年工作总结如下：学校党支部全年开展主题党日12次。"
    assert clean_text(text).text == text


# --------------------------------------------------------------------------- kind 8: headings glued to their sentence
@pytest.mark.parametrize(("text", "expected"), [
    ("一、形成科学的党建思路党支部建设要有明确的方向，必须围绕中心工作开展。三、加强党员队伍建设学校党支部要加强对党员的管理，"
     "定期开展学习。", [(1, "形成科学的党建思路"), (1, "加强党员队伍建设")]),
    ("一、筑牢思想根基一年来，支部坚持第一议题制度，全年集中学习16次。二、建强战斗堡垒我校严格落实三会一课，"
     "按期召开组织生活会。", [(1, "筑牢思想根基"), (1, "建强战斗堡垒")]),
    ("（一）抓实理论武装支部通过“学习强国”平台组织党员自学，人均积分超过2万分。（二）抓细师德师风按照上级要求，"
     "全体教师签订师德承诺书。", [(2, "抓实理论武装"), (2, "抓细师德师风")]),
    ("一、强化政治担当全体党员坚持集中学习，做到学思用贯通。二、推进融合发展通过党员示范岗，带动教学质量提升。",
     [(1, "强化政治担当"), (1, "推进融合发展")]),
])
def test_headings_glued_to_their_first_sentence(text: str, expected: list[tuple[int, str]]) -> None:
    assert [(h.level, h.text) for h in find_headings(text)] == expected


@pytest.mark.parametrize("line", [
    "（一）坚持党建引领学校发展，推动党建与业务深度融合",
    "（二）加强支部标准化建设，提升组织力",
    "（三）以《中国共产党支部工作条例（试行）》为遵循，加强支部建设",
])
def test_whole_heading_lines_with_a_comma_are_not_cut(line: str) -> None:
    heads = find_headings(line + "\n正文。")
    assert [h.text for h in heads] == [line.split("）", 1)[1]]


# --------------------------------------------------------------------------- kind 9: plainly wrong chunk kinds
@pytest.mark.parametrize(("path", "text", "kind"), [
    # study of a congress under a heading that names it
    (["二、主要工作", "（一）学习贯彻党的十八大精神"],
     "支部组织党员逐段学习十八大报告，书记讲专题党课2次，党员撰写学习体会26篇。", "theory"),
    (["二、主要做法", "（二）认真学习十七届六中全会精神"],
     "全会闭幕后，支部召开党员大会传达全会精神，组织党员集中学习3次。", "theory"),
    # 党课 / 思政大讲堂 / 理论宣讲 are study, not a brand
    (["二、主要做法", "（三）创新党课形式，办好“思政大讲堂”"],
     "支部打造“思政大讲堂”特色品牌，邀请老党员、先进模范走上讲台，全年开讲8期。", "theory"),
    (["二、主要做法", "（四）组建党员理论宣讲团"],
     "支部组建理论宣讲团，深入班级和社区开展宣讲12场，打造了宣讲品牌。", "theory"),
    # 强基固本 / 组织活力 / 全覆盖 are organisation work
    (["二、主要做法", "（二）强基固本，激活组织活力"],
     "支部优化党小组设置，推动党员在教学一线亮身份，教研组、年级组实现党员全覆盖，教学质量稳步提升。",
     "organization"),
    (["一、抓覆盖强组织", "（一）实现党组织全覆盖"],
     "全镇12所学校全部单独建立党支部，选优配强支部书记，学校党组织和党的工作实现全覆盖。", "organization"),
    # the text's dominant terms decide between two kinds the heading names
    (["二、主要做法", "（六）服务师生，做好群团工作"],
     "支持工会召开教代会，组织教职工开展运动会；指导团委、少先队开展入团入队仪式，少先队员参加志愿活动。",
     "mass_orgs"),
    (["二、主要做法", "（五）服务师生，带动群团组织建设"],
     "党员结对帮扶困难学生42名，开展家访180户，为师生办实事9件，走访慰问困难教师6人。", "service"),
    # a higher heading gives way to a clear text
    (["一、加强党支部的自身建设", "（三）载体活动", "2.岗位练兵"],
     "党员教师立足课堂，开展示范课、公开课评比，参与课程改革和教研活动，带头提高教学质量。", "integration"),
])
def test_kinds_weigh_the_heading_and_the_texts_dominant_terms(path, text, kind) -> None:
    from draftkit.ingest.kinds import classify_kind

    assert classify_kind(path, text) == kind


def test_labelled_kind_accuracy_is_at_least_0_9(samples_dir) -> None:
    import importlib.util
    import sys
    from pathlib import Path

    bench = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_kinds.py"
    spec = importlib.util.spec_from_file_location("bench_kinds", bench)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_kinds"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    s = module.score()
    assert s.unmatched == 0 and s.total >= 150
    assert s.accuracy >= 0.9, s.errors
