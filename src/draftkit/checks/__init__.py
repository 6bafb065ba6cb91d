"""Review checks (体检): facts fidelity, era, residue and reuse of past passages.

Entry points: :func:`run_checks` (any report: text, path, Report, Document, ReportText),
:func:`check_file` and :func:`check_report`. The drafting guard calls
:func:`draftkit.checks.fidelity.unsupported_facts`, :func:`~draftkit.checks.fidelity.unused_facts`
and :func:`draftkit.checks.era.check_era` (one implementation for drafting and review).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from draftkit.checks.document import CheckInputError, Paragraph, ReportText
from draftkit.checks.era import check_era
from draftkit.checks.fidelity import unsupported_facts, unused_facts
from draftkit.checks.models import CheckResult, Finding, ReuseSource, Summary
from draftkit.checks.runner import run_checks as _run

__all__ = [
    "CheckInputError", "CheckResult", "Finding", "Paragraph", "ReportText", "ReuseSource", "Summary",
    "check_era", "check_file", "check_report", "run_checks", "unsupported_facts", "unused_facts",
]


def run_checks(doc: Any, facts=None, year: int | None = None, index=None, reuse_threshold: float = 0.5,
               **kw: Any) -> CheckResult:
    """All checks over a report. See :func:`draftkit.checks.runner.run_checks`."""
    return _run(doc, facts=facts, year=year, index=index, reuse_threshold=reuse_threshold, **kw)


def check_file(path: str | Path, facts=None, year: int | None = None, index=None, reuse_threshold: float = 0.5,
               **kw: Any) -> CheckResult:
    """Check a .docx/.txt/.md file or a drafting report.json (raises CheckInputError naming the file)."""
    return run_checks(ReportText.from_file(Path(path)), facts=facts, year=year, index=index,
                      reuse_threshold=reuse_threshold, **kw)


def check_report(report, facts=None, year: int | None = None, index=None, reuse_threshold: float = 0.5,
                 **kw: Any) -> CheckResult:
    """Check a drafting Report (the UI's current draft)."""
    return run_checks(ReportText.from_report(report), facts=facts, year=year, index=index,
                      reuse_threshold=reuse_threshold, **kw)
