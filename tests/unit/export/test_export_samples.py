"""A report drafted from each sample facts file exports cleanly and reads back whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from draftkit.export import check_docx, export_docx

SAMPLE_FACTS = sorted((Path(__file__).resolve().parents[3] / "samples" / "facts").glob("*.yaml"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def drafter():
    try:
        from draftkit.draft.writer import draft_report
        from draftkit.facts import load_facts
    except ImportError as exc:  # drafting not built yet
        pytest.skip(f"draftkit.draft.writer is not available ({exc})")
    return lambda path: draft_report(load_facts(path), index=None, backend="template")


@pytest.mark.skipif(not SAMPLE_FACTS, reason="no samples/facts/*.yaml in this checkout")
@pytest.mark.parametrize("facts_path", SAMPLE_FACTS, ids=lambda p: p.stem)
def test_sample_facts_report_exports_clean(facts_path: Path, drafter, tmp_path: Path):
    report = drafter(facts_path)
    out = export_docx(report, tmp_path / f"{facts_path.stem}.docx")
    assert check_docx(out) == []

    doc = Document(str(out))
    paras = [p for p in doc.paragraphs if p.text.strip()]
    assert paras[0].text.replace("\n", "") == report.title
    headings = [p.text for p in paras if p.style.name.startswith("Heading")]
    assert headings == [s.heading for s in report.sections if s.heading.strip()]
    text = "\n".join(p.text for p in paras)
    for s in report.sections:
        for line in filter(str.strip, s.text.split("\n")):
            assert line.strip() in text
    assert paras[-2].text == report.signature.unit
    assert paras[-1].text == report.signature.date_text
    # the East Asian font is named on every run, so Word shows Chinese in the official font
    for p in paras:
        for run in p.runs:
            assert run._r.find(f"{W}rPr/{W}rFonts").get(qn("w:eastAsia"))
