"""The sample corpus through the whole path (ingest → checks): each year's report is clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from draftkit.checks import check_file

CORPUS = Path(__file__).resolve().parents[3] / "samples" / "corpus"
FILES = sorted(p for p in CORPUS.glob("*") if p.suffix in (".txt", ".docx", ".doc")) if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_sample_report_has_no_era_finding(path: Path):
    result = check_file(path)
    expected_year = int(re.search(r"(20\d{2})", path.stem).group(1))
    assert result.year == expected_year  # detected from the title
    era = [(f.rule, f.text, f.message) for f in result.findings if f.check == "era"]
    assert era == []
    residue = [f for f in result.findings if f.check == "residue"]
    if path.name.startswith("messy_"):  # the web-copy variants keep their furniture in the raw view
        assert any(f.rule == "residue.furniture" and f.raw for f in result.findings)
    elif path.name.startswith("web_"):  # site lead-ins and hidden-text notes, nothing of the report's own
        assert {f.rule for f in residue} <= {"residue.furniture", "residue.ad"}
    else:
        assert residue == []


def test_sample_corpus_present():
    if not FILES:
        pytest.skip(f"no sample corpus at {CORPUS}")
    assert len(FILES) >= 14
