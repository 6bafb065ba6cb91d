"""The guard: what a backend wrote for a section may state only what the facts support.

It uses the review checks (one implementation for reviewers and for drafting):
:func:`draftkit.checks.fidelity.unsupported_facts` for numbers, dates, percentages, person and
unit names, :func:`draftkit.checks.fidelity.unused_facts` for facts the text lost, and
:func:`draftkit.checks.era.check_era` for wording that is stale or impossible for the year.

- A sentence with a must-fix or should-fix finding (P0/P1) is removed, and the removal is
  noted in the section's warnings with the reason.
- The section falls back to its skeleton (warning shown) when the rewrite lost a fact or a
  【待补充】 marker the skeleton had, when more than a third of its sentences were removed, or
  when nothing is left.
- The template backend's own text is audited the same way but against the facts and the era
  wording only (not against itself): a finding there is a template bug and is reported, the
  text is kept (it *is* the fallback). Tests assert it has none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field

from draftkit.checks.document import ReportText
from draftkit.checks.era import check_era
from draftkit.checks.fidelity import unsupported_facts, unused_facts
from draftkit.checks.reuse import copy_ratio, ngrams, normalize_with_map
from draftkit.draft.plan import MARKER_RE, EraContext
from draftkit.facts import Facts, field_label

_SENTENCE = re.compile(r"[^。！？；!?;]*(?:[。！？；!?;]+[”’」』）)]*|$)")
MAX_REMOVED_SHARE = 1 / 3
# A model sentence of at least COPY_MIN_CHARS characters with COPY_MAX_SHARE of its text in 8-grams of the
# exemplars (and not of the skeleton) is a copied sentence: exemplars are style, never content.
COPY_MIN_CHARS = 12
COPY_MAX_SHARE = 0.6


class SentenceRemoval(BaseModel):
    """A sentence the guard took out of a model's section, with the findings that condemned it."""

    sentence: str
    reasons: list[str]  # the findings' messages (Chinese)
    rules: list[str] = Field(default_factory=list)


class GuardResult(BaseModel):
    text: str  # what the section keeps
    removed: list[SentenceRemoval] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)  # Chinese, shown to the user
    fell_back: bool = False
    lost_facts: list[str] = Field(default_factory=list)  # messages of facts the rewrite dropped
    sentences: int = 0


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph, punctuation kept, so "".join(result) == paragraph."""
    return [m.group(0) for m in _SENTENCE.finditer(paragraph) if m.group(0)]


def era_allowed(era: EraContext) -> list[str]:
    """Era wording the drafting may use besides the facts (guiding line, campaigns, anniversaries)."""
    return [era.guiding_line, era.thought, era.congress, *era.campaigns, *era.anniversaries, str(era.year)]


def _findings(text: str, facts: Facts, year: int | None, allowed: Iterable[Any], heading: str = "") -> list[Any]:
    found = [f for f in unsupported_facts(text, facts, allowed_extra=list(allowed)) if f.severity in ("P0", "P1")]
    if year is not None:
        rt = ReportText.from_text(text, detect=False)
        if heading:  # the section's heading tells the era check what part of the report this is
            for p in rt.paragraphs:
                p.section, p.path = heading, [heading]
        found += [f for f in check_era(rt, year, facts.report_kind) if f.severity in ("P0", "P1")]
    return found


def audit_text(text: str, facts: Facts, era: EraContext, heading: str = "") -> list[Any]:
    """P0/P1 findings in template text judged against the facts and the era wording only."""
    return _findings(text, facts, era.year, era_allowed(era), heading)


def _paragraph_texts(text: str) -> list[str]:
    # the checks split a text into paragraphs at non-blank lines; keep the same view
    return [line for line in text.split("\n") if line.strip()]


def guard_section(text: str, skeleton: str, facts: Facts, era: EraContext, *,
                  heading: str = "", extra_allowed: Iterable[str] = (), exemplars: Iterable[str] = ()) -> GuardResult:
    """Check a model's section text; remove sentences that add unsupported claims or copy an exemplar
    (exemplars are style, never content); fall back if it fails."""
    exemplar_grams: set[str] = set()
    for ex in exemplars:
        exemplar_grams |= ngrams(normalize_with_map(ex)[0])
    skeleton_grams = ngrams(normalize_with_map(skeleton)[0])

    def copied(sentence: str) -> bool:
        if not exemplar_grams or len(sentence) < COPY_MIN_CHARS:
            return False
        ratio, _ = copy_ratio(sentence, exemplar_grams)
        return ratio >= COPY_MAX_SHARE and copy_ratio(sentence, skeleton_grams)[0] < COPY_MAX_SHARE

    paragraphs = _paragraph_texts(text)
    allowed = [skeleton, *era_allowed(era), *extra_allowed]
    findings = _findings("\n".join(paragraphs), facts, era.year, allowed, heading)
    by_para: dict[int, list[Any]] = {}
    for f in findings:
        if f.paragraph is not None:
            by_para.setdefault(f.paragraph, []).append(f)
    kept_paras: list[str] = []
    removed: list[SentenceRemoval] = []
    total = 0
    for i, para in enumerate(paragraphs):
        sentences = split_sentences(para)
        total += len(sentences)
        pos = 0
        keep = []
        for sent in sentences:
            start, end = pos, pos + len(sent)
            pos = end
            hits = [f for f in by_para.get(i, []) if start <= f.span[0] < end or (f.span[0] <= start < f.span[1])]
            if hits:
                removed.append(SentenceRemoval(sentence=sent.strip(), reasons=list(dict.fromkeys(f.message for f in hits)),
                                       rules=list(dict.fromkeys(f.rule for f in hits))))
            elif copied(sent.strip()):
                removed.append(SentenceRemoval(sentence=sent.strip(), reasons=["照搬了参考范文的原句（范文只作文风参考）"],
                                       rules=["guard.copied_exemplar"]))
            else:
                keep.append(sent)
        joined = "".join(keep).strip()
        if joined:
            kept_paras.append(joined)
    kept = "\n".join(kept_paras)
    warnings = [f"已删去一句：“{r.sentence}”（{'；'.join(r.reasons)}）" for r in removed]
    where = f"“{heading}”" if heading else "本节"

    def fallback(reason: str, lost: list[str] | None = None) -> GuardResult:
        return GuardResult(text=skeleton, removed=removed, fell_back=True, lost_facts=lost or [], sentences=total,
                           warnings=[*warnings, f"{where}的模型稿{reason}，已改用模板稿（只含事实的版本）。"])

    if not kept.strip():
        return fallback("没有可用的内容")
    if total and len(removed) > total * MAX_REMOVED_SHARE:
        return fallback(f"有{len(removed)}句含事实中没有的内容（共{total}句）")
    lost_markers = [m for m in MARKER_RE.findall(skeleton) if f"【待补充：{m}】" not in kept]
    if lost_markers:
        return fallback("丢掉了待补充标记（" + "、".join(lost_markers) + "）")
    before = {f.fact for f in unused_facts(skeleton, facts)}
    lost = [f for f in unused_facts(kept, facts) if f.fact not in before]
    if lost:
        shown = "；".join(f"{field_label(f.fact) if f.fact else ''}“{f.text}”" for f in lost)
        return fallback(f"遗漏了事实（{shown}）", [f.message for f in lost])
    return GuardResult(text=kept, removed=removed, warnings=warnings, sentences=total)
