"""The five real, messy seed reports (../shared/corpus/seeds): what issue 2 requires of each."""

from __future__ import annotations

import re

import pytest
from ingest_helpers import FURNITURE_PHRASES

from draftkit.ingest import Document, ingest_paths


def test_all_seeds_ingest_without_error(seeds_dir, seed_paths) -> None:
    results = ingest_paths([seeds_dir])
    assert len(results) == len(seed_paths) == 5
    assert [r.status for r in results] == ["ok"] * 5, [r.error for r in results]
    assert all(r.document and r.document.chunks for r in results)


def test_no_furniture_survives_in_any_chunk(seed_docs: dict[str, Document]) -> None:
    for key, doc in seed_docs.items():
        for c in doc.chunks:
            for phrase in FURNITURE_PHRASES:
                assert phrase.lower() not in c.text.lower(), f"seed {key}: {phrase!r} in chunk {c.position}"
            # no page marker left at a line start ("2、党员后备力量……" style)
            assert not re.search(r"(?:^|\n)\d{1,2}、[，,]", c.text)


def test_chunks_cover_the_cleaned_text(seed_docs: dict[str, Document]) -> None:
    for doc in seed_docs.values():
        pos = 0
        for c in doc.chunks:
            assert c.text == doc.text[c.start:c.end]
            assert doc.text[pos:c.start].strip() == ""
            pos = c.end
        assert doc.text[pos:].strip() == ""


def headings(doc: Document, level: int) -> list[str]:
    return [h.text for h in doc.headings if h.level == level]


def children(doc: Document, parent: str) -> list[tuple[int, str]]:
    """(level, text) of the headings between ``parent`` (level 1) and the next level-1 heading."""
    out: list[tuple[int, str]] = []
    inside = False
    for h in doc.headings:
        if h.level == 1:
            inside = h.text == parent
            continue
        if inside:
            out.append((h.level, h.text))
    return out


def test_seed_000(seed_docs: dict[str, Document]) -> None:
    doc = seed_docs["000"]
    assert doc.year == 2021
    assert doc.title == "市第一中学2021年党建工作总结"
    # the sentence cut by the "2、" page marker is one sentence in one chunk
    joined = [c for c in doc.chunks if re.search(r"一人递交了入党申请书[，,]党员后备力量进一步壮大", c.text)]
    assert len(joined) == 1
    # 一、二、三、四、 at level 1, with their （一）… children at level 2
    assert [h.number for h in doc.headings if h.level == 1] == ["一、", "二、", "三、", "四、"]
    assert headings(doc, 1)[0] == "加强三个建设，夯实党建工作基础"
    assert headings(doc, 1)[3] == "存在的问题和下布工作措施"
    assert [t for lv, t in children(doc, "加强三个建设，夯实党建工作基础") if lv == 2] == [
        "党组织建设标准化", "组织生活建设规范化", "阵地建设特色化"]
    assert [t for lv, t in children(doc, "发挥两个作用，打造坚强战斗堡垒") if lv == 2] == [
        "党员先进作用常态化", "党组织作用堡垒化"]
    # a level-3 heading cut by a page marker ("1.以思政教育为目标" / "3、,创新……") is whole again
    assert "以思政教育为目标，创新两个理论阵地" in headings(doc, 3)
    # the title printed twice is printed once
    assert doc.text.count("市第一中学2021年党建工作总结") == 1
    # masks are kept and flagged
    assert "X名入党积极分子" in doc.text
    assert any("x_count" in c.placeholders for c in doc.chunks)


def test_seed_001(seed_docs: dict[str, Document]) -> None:
    doc = seed_docs["001"]
    assert "本篇文章来自资料管理" not in doc.text
    assert "事迹材料" not in doc.text and "村先进党支部" not in doc.text
    assert "公司党支部" not in doc.text
    assert doc.removed.get("appended_document", 0) > 300
    level2 = headings(doc, 2)
    assert level2[:3] == ["加强学习，夯实基础", "制度建设，规范管理", "载体活动，树立形象"]
    assert all(h.number.startswith("（") for h in doc.headings if h.level == 2)
    # real list items are not taken for page markers
    assert "1、三会一课制度。" in doc.text
    assert "三会一课制度" in headings(doc, 3)
    # nothing guessed: no title, "20xx" is no year
    assert doc.year is None and doc.title is None
    assert doc.unit == "新xx小学党支部"
    kinds = {p.kind for p in doc.placeholders}
    assert {"stars", "xx"} <= kinds


def test_seed_002(seed_docs: dict[str, Document]) -> None:
    doc = seed_docs["002"]
    for phrase in ("上传人", "文档编号", "展开阅读全文", "经营许可证编号", "第1页 / 共7页", "相关搜索", "猜你喜欢",
                   "copyright", "当前位置", ".docx_第"):
        assert phrase not in doc.text
    # the body is intact, from the first to the last sentence, page breaks rejoined
    assert "全县现有中小学90所" in doc.text
    assert "学校自行聘用人员154人" in doc.text
    assert "均建立了党支部" in doc.text
    assert doc.text.endswith("配强专职党支部书记。")
    assert doc.removed["furniture"] > 300
    assert [h.text for h in doc.headings if h.level == 1] == [
        "抓组织强覆盖，发挥政治核心作用", "抓班子带队伍，发挥模范带头作用", "抓阵地建机制，发挥战斗堡垒作用"]
    assert doc.year == 2023 and doc.report_kind == "汇报"


def test_seed_003(seed_docs: dict[str, Document]) -> None:
    doc = seed_docs["003"]
    assert doc.year == 2021
    assert doc.removed == {}
    assert [h.number for h in doc.headings if h.level == 1] == ["一、", "二、", "三、"]
    assert headings(doc, 1)[1:] == ["存在的问题及原因", "2022年党建工作思路"]
    assert [h.number for h in doc.headings if h.level == 2] == ["（一）", "（二）", "（三）"]
    level2 = [t for lv, t in children(doc, headings(doc, 1)[0]) if lv == 2]
    assert level2 == ["思想之核：坚持学习修党性", "行动之合：守土尽责有情怀", "效能之和：心系师生促成长"]


def test_seed_004(seed_docs: dict[str, Document]) -> None:
    doc = seed_docs["004"]
    assert doc.removed["page_marker"] >= 16 * 2
    assert "学校整体工作水平" in doc.text  # page 1 → 2 rejoined
    # inline list items are headings, convert errors are left as written (not "corrected")
    assert any(t.startswith("加强学习，提高认识") for t in headings(doc, 3))
    assert "以身作那么" in doc.text and "效劳" in doc.text
    assert "XX市" in doc.text
    assert [h.text for h in doc.headings if h.level == 1][-3:] == ["取得的成绩", "存在的缺乏", "今后的打算"]


@pytest.mark.parametrize("key", ["000", "003", "004"])
def test_problems_and_plans_chunks(seed_docs: dict[str, Document], key: str) -> None:
    kinds = [c.kind for c in seed_docs[key].chunks]
    assert "problems" in kinds and "plans" in kinds
    assert kinds.index("problems") < len(kinds) - 1 - kinds[::-1].index("plans")
