"""插入 of a single exemplar sentence (issue 11 §2): inserted verbatim and marked as borrowed with its source
until edited; only sentences a report of the year may carry are offered; the reuse check still counts it."""

from __future__ import annotations

import pytest

from draftkit.checks import check_report
from draftkit.draft.borrow import borrowed_spans, exemplar_sentences, insert_borrowed, prune_borrowed
from draftkit.draft.writer import draft_report
from draftkit.report import Report


@pytest.fixture(scope="module")
def drafted(draft_index, sample_facts_2024):
    return draft_report(sample_facts_2024, index=draft_index, backend="template")


def _offer(report, facts):
    for s in report.sections:
        for ex in s.exemplars:
            sentences = exemplar_sentences(ex, facts)
            if sentences:
                return s, ex, sentences
    pytest.fail("no exemplar offers an insertable sentence")


def test_offered_sentences_are_safe_for_the_year(drafted, sample_facts_2024):
    offered = [x for s in drafted.sections for ex in s.exemplars for x in exemplar_sentences(ex, sample_facts_2024)]
    assert offered
    for x in offered:
        assert not any(c.isdigit() for c in x)
        assert "党史学习教育" not in x and "十九大" not in x  # 2021 and earlier wording is not offered for 2024


def test_insert_marks_until_edited_and_round_trips(drafted, sample_facts_2024):
    section, ex, sentences = _offer(drafted, sample_facts_2024)
    new = insert_borrowed(section, sentences[0], ex)
    assert section.borrowed == [] and sentences[0] not in section.text  # the report's section is untouched
    assert new.text.endswith(sentences[0])
    (para, start, end, b), = borrowed_spans(new)
    assert new.text.split("\n")[para][start:end] == sentences[0]
    assert b.chunk_id == ex.chunk_id and b.source == ex.source and b.year == ex.year
    report = drafted.model_copy(update={"sections": [new if s.id == new.id else s for s in drafted.sections]})
    back = Report.model_validate_json(report.model_dump_json())
    assert back.section(new.id).borrowed == new.borrowed
    edited = new.model_copy(update={"text": new.text.replace(sentences[0], sentences[0][:-1] + "，并取得实效。")})
    assert borrowed_spans(edited) == []
    assert prune_borrowed(edited).borrowed == []
    with pytest.raises(ValueError):
        insert_borrowed(section, "这句话不在范文里，是编出来的。", ex)


def test_reuse_check_still_counts_a_borrowed_sentence(drafted, sample_facts_2024, draft_index):
    section, ex, sentences = _offer(drafted, sample_facts_2024)
    longest = max(sentences, key=len)
    plain = Report(title=drafted.title, year=drafted.year, unit=drafted.unit, sections=[section])
    new = insert_borrowed(section, longest, ex)
    borrowed = plain.model_copy(update={"sections": [new]})
    before = check_report(plain, year=drafted.year, index=draft_index, proofread=False).summary.reuse_share or 0
    after = check_report(borrowed, year=drafted.year, index=draft_index, proofread=False).summary.reuse_share or 0
    assert after > before
