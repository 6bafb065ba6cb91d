"""Shared helpers of the drafting tests (a module with a unique name, imported by the tests and conftest)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from draftkit.facts import Facts

SAMPLES_DIR = Path(__file__).resolve().parents[3] / "samples" / "facts"
COMPLETE = ["qinghe_erzhong_2016", "qinghe_yizhong_2021", "qinghe_sanshi_2024"]
GAPS = "liuxi_chengguan_2025_gaps"


def sample_path(stem: str) -> Path:
    p = SAMPLES_DIR / f"{stem}.yaml"
    if not p.is_file():
        pytest.skip(f"sample facts file {p} is missing (written with the samples)")
    return p


def fact_strings(facts: Facts) -> list[str]:
    """Every name and free text in the facts (as the report must carry them)."""
    out = [facts.unit, facts.org_name or "", facts.parent_org or "", facts.brand or "", facts.signature.unit or ""]
    out += [re.sub(r"\s+", "", c) for c in facts.structure.committee]
    for a in facts.activities:
        out += [a.title, (a.detail or "").rstrip("。；，")]
    for h in facts.honours:
        out += [h.title, h.recipient or ""]
    out += [x.rstrip("。；，") for x in facts.highlights + facts.problems + facts.plans]
    for items in facts.practices.values():  # version 2: practices (with their slots) and her own points
        out += [x for p in items for x in (p.name, p.freq or "")]
    for notes in facts.notes.values():
        out += [n.rstrip("。；，") for n in notes]
    return [s for s in out if s]
