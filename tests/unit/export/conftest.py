"""Fixtures for the export tests: a realistic ~4,000-character report built from a data file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from draftkit.report import Report

DATA_DIR = Path(__file__).resolve().parent / "data"
REPORT_YAML = DATA_DIR / "report_2024.yaml"


def load_sample_report() -> Report:
    with open(REPORT_YAML, encoding="utf-8") as fh:
        return Report.model_validate(yaml.safe_load(fh))


@pytest.fixture
def report() -> Report:
    """A fresh copy per test (tests may change it)."""
    return load_sample_report()


@pytest.fixture(scope="session")
def exported_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample report exported once per session (read-only for tests)."""
    from draftkit.export import export_docx

    return export_docx(load_sample_report(), tmp_path_factory.mktemp("export") / "总结.docx")
