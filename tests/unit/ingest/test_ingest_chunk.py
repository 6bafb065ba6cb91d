"""Chunking (sizes, sentence and section borders, metadata, stable ids) and section kinds."""

from __future__ import annotations

import pytest

from draftkit.ingest import ingest_text
from draftkit.ingest.chunk import CHUNKER_VERSION, HARD_MAX_CHARS, MAX_CHARS, chunk_document, chunk_id
from draftkit.ingest.kinds import classify_kind, kind_after, kind_table
from draftkit.ingest.structure import parse_structure
from draftkit.section_kinds import SECTION_KINDS

SENTENCE = "党员教师带头参与课后服务，开设兴趣社团，全年服务学生一千余人次。"


def long_report(paragraphs_per_section: int = 12) -> str:
    body = SENTENCE * 3
    parts = ["柳溪县第九小学党支部2022年度党建工作总结", "2022年，学校党支部认真学习宣传贯彻党的二十大精神。", "一、主要做法"]
    for k, name in enumerate(["加强理论学习", "推进党建与教学融合"]):
        parts.append(f"（{'一二'[k]}）{name}")
        for i in range(paragraphs_per_section):
            parts.append(f"{i + 1}.第{i + 1}项工作。{body}")
    parts += ["二、存在的问题", "理论学习的深度还不够。" + body, "三、下一步工作打算", "持续深化理论武装。" + body]
    return "\n".join(parts)


def assert_covers(text: str, chunks) -> None:
    """Every character of the text is in exactly one chunk, apart from whitespace at chunk borders."""
    pos = 0
    for c in chunks:
        assert c.text == text[c.start:c.end]
        assert c.start >= pos
        assert text[pos:c.start].strip() == ""
        assert c.text == c.text.strip()
        pos = c.end
    assert text[pos:].strip() == ""


def test_chunks_cover_the_text_and_respect_sizes() -> None:
    text = long_report()
    doc = ingest_text(text)
    assert_covers(doc.text, doc.chunks)
    sizes = [len(c.text) for c in doc.chunks]
    assert max(sizes) <= MAX_CHARS
    assert sum(150 <= s <= MAX_CHARS for s in sizes) >= len(sizes) - 3  # only short closing sections are small


def test_chunks_end_at_sentence_ends() -> None:
    doc = ingest_text(long_report())
    for c in doc.chunks:
        assert c.text[-1] in "。！？；”）", c.text[-20:]


def test_chunks_never_span_two_second_level_sections() -> None:
    doc = ingest_text(long_report())
    level12 = [h.start for h in doc.headings if h.level <= 2]
    for c in doc.chunks:
        inside = [s for s in level12 if c.start < s < c.end]
        # a chunk may open with a parent heading followed directly by its child, nothing else between
        for s in inside:
            assert doc.text[c.start:s].strip() in {h.number + h.text for h in doc.headings}
    second = [c for c in doc.chunks if c.heading_path[:2] == ["主要做法", "推进党建与教学融合"]]
    assert second and all("加强理论学习" not in c.text for c in second)


def test_metadata_and_heading_paths() -> None:
    doc = ingest_text(long_report(), source="pasted")
    c0 = doc.chunks[0]
    assert c0.heading_path == [] and c0.title == "柳溪县第九小学党支部2022年度党建工作总结"
    assert all(c.year == 2022 and c.unit == "柳溪县第九小学党支部" and c.doc_id == doc.doc_id for c in doc.chunks)
    assert all(c.source == "pasted" for c in doc.chunks)
    assert [c.position for c in doc.chunks] == list(range(len(doc.chunks)))
    first_under = next(c for c in doc.chunks if c.heading_path)
    assert first_under.heading_path[:2] == ["主要做法", "加强理论学习"]
    assert first_under.text.startswith("一、主要做法")
    assert {c.kind for c in doc.chunks} <= set(SECTION_KINDS)
    kinds = [c.kind for c in doc.chunks]
    assert kinds[-2:] == ["problems", "plans"]
    assert "theory" in kinds and "integration" in kinds


def test_ids_are_stable_and_unique() -> None:
    text = long_report()
    a, b = ingest_text(text), ingest_text(text)
    assert [c.id for c in a.chunks] == [c.id for c in b.chunks]
    assert len({c.id for c in a.chunks}) == len(a.chunks)
    assert a.chunks[3].id == chunk_id(a.doc_id, 3)
    other = ingest_text(text + "\n补充一句。")
    assert other.doc_id != a.doc_id and other.chunks[0].id != a.chunks[0].id
    assert isinstance(CHUNKER_VERSION, str) and CHUNKER_VERSION


def test_one_enormous_sentence_is_cut_at_commas() -> None:
    text = "，".join(["党员教师带头参与课后服务"] * 300) + "。"
    chunks = chunk_document(text, parse_structure(text), doc_id="d", source="s")
    assert_covers(text, chunks)
    assert all(len(c.text) <= HARD_MAX_CHARS for c in chunks)
    assert all(c.text.endswith(("，", "。")) for c in chunks)


def test_text_without_punctuation_is_still_chunked() -> None:
    text = "党" * 3000
    chunks = chunk_document(text, None, doc_id="d", source="s")
    assert_covers(text, chunks)
    assert all(len(c.text) <= MAX_CHARS for c in chunks)


def test_placeholder_flags_on_chunks() -> None:
    doc = ingest_text("一、基本情况\n党支部现有党员X名，XX同志任书记。\n二、主要做法\n认真学习重要思想。")
    assert doc.chunks[0].placeholders == ["x_count", "xx"]
    assert doc.chunks[-1].placeholders == []


# --------------------------------------------------------------------------- kinds

@pytest.mark.parametrize(
    "path, kind",
    [
        (["基本情况"], "overview"),
        (["主要做法", "加强理论学习"], "theory"),
        (["主要做法", "加强支部建设"], "organization"),
        (["主要做法", "强化作风建设，筑牢廉政防线"], "conduct"),
        (["主要做法", "落实意识形态工作责任制"], "ideology"),
        (["主要做法", "党建引领“双减”落地"], "integration"),
        (["主要做法", "打造党建品牌"], "brand"),
        (["主要做法", "为师生办实事"], "service"),
        (["主要做法", "加强群团工作"], "mass_orgs"),
        (["取得的成绩"], "honours"),
        (["存在的问题及原因", "理论学习还不够系统"], "problems"),
        (["2022年党建工作思路"], "plans"),
        (["今后的打算", "完善党建的有关制度"], "plans"),
        (["基本情况和做法", "送温暖、献爱心"], "service"),
    ],
)
def test_kind_from_heading_path(path: list[str], kind: str) -> None:
    assert classify_kind(path, "正文。") == kind


def test_kind_from_text_when_headings_say_nothing() -> None:
    assert classify_kind([], "全年共发展党员3名，按时召开支委会、党员大会和党小组会，落实三会一课。") == "organization"
    assert classify_kind([], "今天天气很好。") == "other"
    assert classify_kind([], "党支部现有党员21名，其中预备党员2名。", opening=True) == "overview"
    assert classify_kind([], "以习近平新时代中国特色社会主义思想为指导。", opening=True) == "other"


def test_problems_then_plans_under_one_heading() -> None:
    path = ["存在的问题和下步工作措施"]
    assert classify_kind(path, "还存在以下问题：学习重形式、走过场。") == "problems"
    text = "还存在以下问题：学习重形式。针对上述问题，下阶段将从以下方面加以改进。"
    assert kind_after(path, text, "problems") == "plans"
    assert classify_kind(path, "加强师德师风建设。", previous="plans") == "plans"


def test_kind_table_is_data() -> None:
    t = kind_table()
    assert set(t.order) == set(SECTION_KINDS) - {"other"}
    assert all(t.heading[k] and t.body[k] for k in t.order)
