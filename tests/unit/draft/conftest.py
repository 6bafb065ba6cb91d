"""Fixtures for the drafting tests: the sample facts files and a full-text view of a report."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from draft_samples import sample_path

from draftkit.facts import Facts, load_facts
from draftkit.report import Report


@pytest.fixture(scope="session")
def sample_facts() -> Callable[[str], Facts]:
    def get(stem: str) -> Facts:
        return load_facts(sample_path(stem))

    return get


@pytest.fixture(scope="session")
def full_text() -> Callable[[Report], str]:
    """Everything a reader sees: title, opening, headings, bodies, closing, signature."""

    def text(report: Report) -> str:
        return "\n".join([report.body_text(), report.signature.unit or "", report.signature.date_text])

    return text
