"""All checks over one report: the year is resolved, each check runs, the findings are counted.

The year comes from the facts, else the ``year`` argument (``--year``), else the report's
title/text (ingest's structure parser); without one the era check is skipped with a note.
The reuse check runs when an index (an open ``Index`` or its directory) is given.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from draftkit.checks.data import checks_data
from draftkit.checks.document import SUPPORTED_SUFFIXES, ReportText
from draftkit.checks.era import check_era
from draftkit.checks.fidelity import unsupported_facts, unused_facts
from draftkit.checks.models import CheckResult, Finding, summarize
from draftkit.checks.proofread import MAX_CHARS, Overlay, check_proofread, proofread_capped
from draftkit.checks.residue import check_residue
from draftkit.checks.reuse import DEFAULT_MAX_QUERIES, DEFAULT_MODE, check_reuse
from draftkit.facts import Facts
from draftkit.progress import ProgressCallback, notify
from draftkit.retrieval import Index

#: At most this many findings of one rule are listed (a 10 MB text can have thousands); the
#: summary notes how many were left out.
MAX_FINDINGS_PER_RULE = 200


_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")


def year_from_text(rt: ReportText, limit: int = 200_000) -> int | None:
    """The year the text names most often ("2023年"; ties: the later). A report of year Y speaks
    of Y far more than of the plans for Y+1 or of history."""
    counts: Counter[int] = Counter()
    seen = 0
    for p in rt.paragraphs:
        counts.update(int(m.group(1)) for m in _YEAR_RE.finditer(p.text))
        seen += len(p.text)
        if seen > limit:
            break
    if not counts:
        return None
    return max(counts, key=lambda y: (counts[y], y))


def resolve_year(rt: ReportText, facts: Facts | None, year: int | None) -> tuple[int | None, str]:
    """(year, where it came from): facts → the ``year`` argument → the title (ingest's structure)
    → the year the text names most often → none."""
    if facts is not None:
        return facts.year, "facts"
    if year is not None:
        return int(year), "argument"
    if rt.year is not None:
        return rt.year, "title"
    y = year_from_text(rt)
    return (y, "text") if y is not None else (None, "none")


def open_index(index: Any) -> Any:
    """An open index from an ``Index``, or from its directory (raises the retrieval error,
    which names the directory and the command that rebuilds it)."""
    if index is None or hasattr(index, "search"):
        return index
    return Index.open(index)


def run_checks(doc: Any, facts: Facts | None = None, year: int | None = None, index: Any = None,
               reuse_threshold: float = 0.5, *, max_reuse_queries: int = DEFAULT_MAX_QUERIES,
               reuse_mode: str = DEFAULT_MODE,
               max_per_rule: int = MAX_FINDINGS_PER_RULE, proofread: bool = True,
               overlay: Overlay | None = None) -> CheckResult:
    """Run facts (when ``facts`` are given), era, residue, proofread (unless ``proofread=False``) and
    reuse (when ``index`` is given).

    ``doc``: a ReportText, plain text, a Path, a drafting Report or an ingested Document.
    ``overlay``: the proofreading overlay (default: ``proofread.yaml`` in the data directory; a broken
    one raises :class:`~draftkit.checks.proofread.ProofreadConfigError` naming the file).
    """
    rt = ReportText.coerce(doc)
    messages = checks_data()["messages"]
    y, year_source = resolve_year(rt, facts, year)
    findings: list[Finding] = []
    notes: list[str] = []
    if year_source == "text":
        notes.append(messages["run.year_from_text"].format(year=y))
    seconds: dict[str, float] = {}

    def timed(name: str, fn, *args, **kw):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kw)
        finally:
            seconds[name] = round(time.perf_counter() - t0, 4)

    if facts is not None:
        findings += timed("facts", lambda: unsupported_facts(rt, facts) + unused_facts(rt, facts))
    if y is not None:
        findings += timed("era", check_era, rt, y, facts.report_kind if facts is not None else None)
    else:
        notes.append(messages["era.no_year"])
    residue = timed("residue", check_residue, rt)
    findings += residue
    if proofread:
        findings += timed("proofread", check_proofread, rt, overlay=overlay, residue=residue)
        if proofread_capped(rt):
            notes.append(messages["proofread.capped"].format(chars=MAX_CHARS))

    reuse = None
    idx = open_index(index)
    if idx is not None:
        unit = facts.unit if facts is not None else rt.unit
        exclude = [rt.doc_id] if getattr(rt, "doc_id", None) else []
        reuse = timed("reuse", check_reuse, rt, idx, threshold=reuse_threshold, unit=unit, year=y,
                      max_queries=max_reuse_queries, exclude_docs=exclude, mode=reuse_mode)
        findings += reuse.findings
        if reuse.capped:
            notes.append(messages["reuse.capped"].format(searched=reuse.searched_paragraphs,
                                                          total=reuse.eligible_paragraphs))
    else:
        notes.append(messages["reuse.no_index"])

    findings, truncated = _cap(findings, max_per_rule)
    for rule, total in truncated.items():
        notes.append(messages["run.truncated"].format(rule=rule, total=total, shown=max_per_rule))
    findings.sort(key=lambda f: (f.paragraph is not None, f.raw is False, f.paragraph or 0, f.span[0], f.severity))
    summary = summarize(findings)
    summary.paragraphs = len(rt.paragraphs)
    summary.characters = sum(len(p.text) for p in rt.paragraphs)
    summary.notes = notes
    summary.seconds = seconds
    if reuse is not None:
        summary.reuse_share = None if reuse.share is None else round(reuse.share, 4)
        summary.reuse_paragraphs_searched = reuse.searched_paragraphs
    return CheckResult(year=y, year_source=year_source, findings=findings, summary=summary, source=rt.source)


def _cap(findings: list[Finding], limit: int) -> tuple[list[Finding], dict[str, int]]:
    counts: dict[str, int] = {}
    kept: list[Finding] = []
    for f in findings:
        key = f.entry or f.rule  # proofreading: per entry, so 300 half-width commas do not hide a typo
        counts[key] = counts.get(key, 0) + 1
        if counts[key] <= limit:
            kept.append(f)
    return kept, {r: n for r, n in counts.items() if n > limit}


class FolderRow(BaseModel):
    """One file of a folder check: its result, or the error that stopped it (the batch goes on)."""

    path: str
    result: CheckResult | None = None
    error: str | None = None


def files_to_check(folder: Path) -> list[Path]:
    """The files under ``folder`` the checks read (.docx .txt .md .json .doc .pdf), sorted, without
    hidden files and Word's ``~$`` lock files."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                  and not p.name.startswith((".", "~$")))


def check_folder(folder: Path, facts: Facts | None = None, year: int | None = None, index: Any = None,
                 reuse_threshold: float = 0.5, progress: ProgressCallback | None = None) -> list[FolderRow]:
    """体检 of every file under ``folder`` (:func:`files_to_check`), most reused first, then most P0;
    files that cannot be read come last with their error. ``progress`` gets
    ``Progress("check", files done, files in all, the file)`` after each file."""
    rows: list[FolderRow] = []
    files = files_to_check(folder)
    for done, f in enumerate(files, start=1):
        try:
            rows.append(FolderRow(path=str(f), result=run_checks(ReportText.from_file(f), facts=facts, year=year,
                                                                 index=index, reuse_threshold=reuse_threshold)))
        except Exception as exc:  # noqa: BLE001 - one bad file never stops the batch; its error is listed
            rows.append(FolderRow(path=str(f), error=str(exc)))
        notify(progress, "check", done, len(files), str(f))

    def order(row: FolderRow) -> tuple[bool, float, int]:
        if row.result is None:
            return True, 0.0, 0
        s = row.result.summary
        return False, -(s.reuse_share or 0.0), -s.by_severity.get("P0", 0)

    return sorted(rows, key=order)
