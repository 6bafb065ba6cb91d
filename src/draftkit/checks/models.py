"""What the checks produce: findings, and the result of a full run.

A :class:`Finding` points at a paragraph of a :class:`~draftkit.checks.document.ReportText`
(``paragraph`` is its index, ``span`` is a character range *inside that paragraph's text*).
Findings about the whole report (a fact never used, a note that the era check was skipped)
have ``paragraph=None`` and ``span=(0, 0)``. Findings from the residue check on the raw,
uncleaned text of a file have ``raw=True``: their paragraph index then counts the raw
paragraphs (``ReportText.raw_paragraphs``), which is what the user sees in the submitted file.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from draftkit.report import PassageRef

Severity = Literal["P0", "P1", "P2"]
SEVERITIES: tuple[Severity, ...] = ("P0", "P1", "P2")
CHECKS: tuple[str, ...] = ("facts", "era", "residue", "reuse", "proofread")
#: How the CLI and the UI word each severity and name each check (one wording for both).
SEVERITY_LABELS: dict[str, str] = {"P0": "必须改", "P1": "应当改", "P2": "提示"}
CHECK_LABELS: dict[str, str] = {"facts": "事实核对", "era": "时代用语", "residue": "模板残留", "proofread": "校对",
                                "reuse": "复用往年文字"}


class ReuseSource(PassageRef):
    """The past passage a paragraph shares text with (for reuse findings)."""

    path: str | None = None
    ratio: float  # share of the paragraph's characters inside shared 8-grams (0..1)
    #: shared spans in the paragraph text ((start, end), merged runs of matching 8-grams)
    shared_spans: list[tuple[int, int]] = Field(default_factory=list)
    score: float | None = None  # the retrieval score of the best chunk


class Finding(BaseModel):
    check: str  # facts | era | residue | reuse | proofread
    severity: Severity  # P0 must fix, P1 should fix, P2 note
    rule: str  # which rule fired, e.g. "era.stale_guiding", "facts.number_contradicts"
    section: str | None = None  # the innermost heading as printed ("（一）思想政治建设")
    paragraph: int | None = None  # paragraph index, None for whole-report findings
    span: tuple[int, int] = (0, 0)  # character range inside the paragraph's text
    text: str = ""  # the text the finding is about (the matched words, or a fact's value)
    message: str  # Chinese, for the user
    suggestion: str | None = None
    source: ReuseSource | None = None  # reuse: where the text came from
    fact: str | None = None  # facts: the facts field concerned ("members.total")
    raw: bool = False  # paragraph/span refer to the raw (uncleaned) text of the file
    #: the text that replaces ``span`` when the fix is certain (offered as a tracked change), else None
    replacement: str | None = None
    #: proofread: the overlay key that switches this entry off ("typo:布署", "term:习总书记"), else None
    entry: str | None = None

    def sort_key(self) -> tuple:
        return (SEVERITIES.index(self.severity), self.paragraph if self.paragraph is not None else -1, self.span[0])


class Summary(BaseModel):
    total: int = 0
    by_severity: dict[str, int] = Field(default_factory=dict)  # {"P0": n, "P1": n, "P2": n}
    by_check: dict[str, dict[str, int]] = Field(default_factory=dict)  # {"era": {"P0": n, ...}}
    paragraphs: int = 0
    characters: int = 0
    #: share of the searched paragraphs' characters found in past passages (None: reuse not run)
    reuse_share: float | None = None
    reuse_paragraphs_searched: int = 0
    notes: list[str] = Field(default_factory=list)  # what was skipped and why (Chinese)
    seconds: dict[str, float] = Field(default_factory=dict)  # time per check


class CheckResult(BaseModel):
    year: int | None
    year_source: str = "none"  # facts | argument | title | text | none
    findings: list[Finding]
    summary: Summary
    source: str | None = None  # the file checked, when there was one

    def to_json_dict(self) -> dict:
        """The ``draftkit check --json`` shape: year, summary, findings."""
        return {
            "source": self.source,
            "year": self.year,
            "year_source": self.year_source,
            "summary": self.summary.model_dump(),
            "findings": [f.model_dump() for f in self.findings],
        }


def summarize(findings: list[Finding]) -> Summary:
    """Count findings by severity and by check."""
    s = Summary(total=len(findings))
    s.by_severity = {sev: 0 for sev in SEVERITIES}
    s.by_check = {c: {sev: 0 for sev in SEVERITIES} for c in CHECKS}
    for f in findings:
        s.by_severity[f.severity] = s.by_severity.get(f.severity, 0) + 1
        s.by_check.setdefault(f.check, {sev: 0 for sev in SEVERITIES})
        s.by_check[f.check][f.severity] += 1
    return s
