"""Property tests (hypothesis): nothing in ingestion raises on arbitrary input, and chunking keeps
every character of the cleaned text exactly once (apart from whitespace at chunk borders)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from draftkit.ingest import IngestError, ingest_text
from draftkit.ingest.chunk import HARD_MAX_CHARS, chunk_document
from draftkit.ingest.clean import clean_text
from draftkit.ingest.load import load_file
from draftkit.ingest.structure import parse_structure

# Fragments that exercise the rules: headings, page markers, furniture, masks, punctuation.
FRAGMENTS = [
    "一、", "二、", "三.、", "（一）", "(二)", "（一）、", "1.", "2．", "1、", "2、", "3、", "（1）", "(2)", "十一、",
    "。", "，", ",", "；", "：", ":", "！", "？", "…", "“", "”", "(", ")", "（", "）", "\n", "\n\n", " ", "\u3000", "\t",
    "XX", "xx", "X名", "**", "*****", "D建", "特色.主义", "20xx年", "2021年", "5.12", "3.5万元", "95%.",
    "收藏 分享(赏)", "上传人:ab****1", "第1页 / 共7页", "展开阅读全文", "本篇文章来自资料管理**。", "……此处隐藏12个字……",
    "事迹材料", "党建工作总结", "村先进党支部事迹材料2019先进党支部事迹材料", "...", "<p>", "</p>", "![a](b.png)",
    "学校党支部", "坚持三会一课制度", "存在的问题", "下一步工作打算", "党员", "學校黨支部", "\ufeff", "\u200b", "\r\n",
]

report_like = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="党员学校支部开展活动组织建设思想工作", min_size=1, max_size=30)),
    max_size=80,
).map("".join)
any_text = st.one_of(st.text(max_size=400), report_like)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(any_text)
def test_clean_never_raises_and_marks_placeholders_in_place(text: str) -> None:
    result = clean_text(text)
    assert isinstance(result.text, str)
    for p in result.placeholders:
        assert result.text[p.start:p.end] == p.text
    for r in result.removals:
        assert r.text  # nothing recorded as removed that was empty


@SETTINGS
@given(any_text)
def test_structure_never_raises(text: str) -> None:
    cleaned = clean_text(text).text
    st_ = parse_structure(cleaned)
    starts = [h.start for h in st_.headings]
    assert starts == sorted(starts)
    for h in st_.headings:
        assert 1 <= h.level <= 4
        assert 0 <= h.start < h.end <= len(cleaned)
        assert h.text and h.text in cleaned[h.start:h.end]
    if st_.year is not None:
        assert 1978 <= st_.year <= 2035


def check_coverage(text: str, chunks) -> None:
    pos = 0
    for c in chunks:
        assert c.text == text[c.start:c.end]
        assert c.text and c.text == c.text.strip(" \t\n\r\u3000")
        assert text[pos:c.start].strip(" \t\n\r\u3000") == ""
        assert len(c.text) <= HARD_MAX_CHARS
        pos = c.end
    assert text[pos:].strip(" \t\n\r\u3000") == ""


@SETTINGS
@given(any_text)
def test_chunking_keeps_every_character_once(text: str) -> None:
    cleaned = clean_text(text)
    chunks = chunk_document(cleaned.text, parse_structure(cleaned.text), doc_id="d", source="s",
                            placeholders=cleaned.placeholders)
    check_coverage(cleaned.text, chunks)
    assert len({c.id for c in chunks}) == len(chunks)


@SETTINGS
@given(st.text(max_size=600))
def test_raw_ingest_of_arbitrary_text(text: str) -> None:
    doc = ingest_text(text, clean=False)
    assert doc.text == text
    check_coverage(text, doc.chunks)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.binary(max_size=2000), any_text.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_load_never_raises_anything_but_ingest_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.txt"
        path.write_bytes(data)
        try:
            loaded = load_file(path)
        except IngestError as exc:
            assert "input.txt" in str(exc)
        else:
            assert loaded.text.strip()
