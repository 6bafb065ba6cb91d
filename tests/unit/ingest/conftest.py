"""Fixtures for the ingestion tests: the seeds ingested once, a small fictional report, and
real .docx / .pdf / .doc files (python-docx, LibreOffice)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_helpers import SAMPLE_REPORT, write_docx

from draftkit.ingest import Document, ingest_file


@pytest.fixture(scope="session")
def seed_docs(seed_paths: dict[str, Path]) -> dict[str, Document]:
    """The five seed reports, ingested once per session."""
    return {key: ingest_file(path) for key, path in seed_paths.items()}


@pytest.fixture(scope="session")
def sample_report() -> str:
    return SAMPLE_REPORT


@pytest.fixture(scope="session")
def docx_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_docx(tmp_path_factory.mktemp("docx") / "report.docx")


@pytest.fixture(scope="session")
def office_files(tmp_path_factory: pytest.TempPathFactory, docx_file: Path) -> dict[str, Path]:
    """A Chinese .pdf and a .doc made from the .docx by LibreOffice (skips when it is not installed)."""
    from draftkit.ingest.load import convert_with_soffice, soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot make .pdf/.doc test files")
    out = tmp_path_factory.mktemp("office")
    pdf = convert_with_soffice(docx_file, "pdf", out)
    doc = convert_with_soffice(docx_file, "doc:MS Word 97", out)
    return {"pdf": pdf, "doc": doc}
