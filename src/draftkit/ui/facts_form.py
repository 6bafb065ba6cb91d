"""Translate between the 起草 tab's form fields and ``Facts`` (no other logic here)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from draftkit.facts import Facts

ORG_TYPES = ["党委", "党总支", "党支部", "联合党支部"]
REPORT_KINDS = {"年度总结": "annual_summary", "半年总结": "half_year_summary", "书记述职": "secretary_review"}
MEMBER_FIELDS = [
    ("total", "党员总数"), ("probationary", "预备党员"), ("retired", "离退休党员"), ("activists", "入党积极分子"),
    ("applicants", "入党申请人"), ("developed", "本年发展党员"), ("staff", "教职工总数"),
]
ACTIVITY_COLUMNS = [("title", "活动名称"), ("kind", "类别"), ("count", "次数"), ("date", "时间"),
                    ("participants", "参与人数"), ("detail", "说明")]
HONOUR_COLUMNS = [("title", "荣誉名称"), ("level", "级别"), ("recipient", "获得者"), ("year", "年份")]


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _int(value: Any) -> int | None:
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return None
    return int(float(value)) if str(value).strip().lstrip("-").replace(".", "", 1).isdigit() else value


def _rows(df: Any, columns: list[tuple[str, str]], int_fields: set[str]) -> list[dict]:
    if df is None:
        return []
    frame = df if isinstance(df, pd.DataFrame) else pd.DataFrame(df)
    rows = []
    for record in frame.to_dict("records"):
        values = list(record.values())
        row: dict[str, Any] = {}
        for (key, _label), value in zip(columns, values, strict=False):
            if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
                continue
            row[key] = _int(value) if key in int_fields else str(value).strip()
        if row.get("title"):
            rows.append(row)
    return rows


def facts_dict_from_form(
    unit, org_type, year, report_kind_label, parent_org, members: list, branches, groups, committee,
    brand, highlights, problems, plans, activities_df, honours_df, sign_unit, sign_date,
) -> dict:
    """The raw dict that ``Facts`` validates (validation errors then name the field)."""
    data: dict[str, Any] = {
        "unit": (unit or "").strip(),
        "org_type": org_type,
        "year": _int(year),
        "report_kind": REPORT_KINDS.get(report_kind_label, "annual_summary"),
        "members": {k: _int(v) for (k, _), v in zip(MEMBER_FIELDS, members, strict=True) if _int(v) is not None},
        "structure": {k: v for k, v in {"branches": _int(branches), "groups": _int(groups),
                                         "committee": _lines(committee)}.items() if v not in (None, [])},
        "activities": _rows(activities_df, ACTIVITY_COLUMNS, {"count", "participants"}),
        "honours": _rows(honours_df, HONOUR_COLUMNS, {"year"}),
        "highlights": _lines(highlights),
        "problems": _lines(problems),
        "plans": _lines(plans),
        "signature": {k: v for k, v in {"unit": (sign_unit or "").strip() or None,
                                         "date": (sign_date or "").strip() or None}.items() if v},
    }
    if (parent_org or "").strip():
        data["parent_org"] = parent_org.strip()
    if (brand or "").strip():
        data["brand"] = brand.strip()
    return data


def form_from_facts(facts: Facts) -> list:
    """Form values in the order of the form's components (see draft_tab.FORM_ORDER)."""
    kind_label = {v: k for k, v in REPORT_KINDS.items()}[facts.report_kind]
    m = facts.members
    acts = pd.DataFrame([[getattr(a, k) if getattr(a, k) is not None else "" for k, _ in ACTIVITY_COLUMNS]
                         for a in facts.activities] or [["", "", "", "", "", ""]],
                        columns=[label for _, label in ACTIVITY_COLUMNS])
    hons = pd.DataFrame([[getattr(h, k) if getattr(h, k) is not None else "" for k, _ in HONOUR_COLUMNS]
                         for h in facts.honours] or [["", "", "", ""]],
                        columns=[label for _, label in HONOUR_COLUMNS])
    return [
        facts.unit, facts.org_type, facts.year, kind_label, facts.parent_org or "",
        *[getattr(m, k) for k, _ in MEMBER_FIELDS],
        facts.structure.branches, facts.structure.groups, "\n".join(facts.structure.committee),
        facts.brand or "", "\n".join(facts.highlights), "\n".join(facts.problems), "\n".join(facts.plans),
        acts, hons, facts.signature.unit or "", facts.signature.date.isoformat() if facts.signature.date else "",
    ]


def empty_activities() -> pd.DataFrame:
    return pd.DataFrame([["", "", "", "", "", ""]], columns=[label for _, label in ACTIVITY_COLUMNS])


def empty_honours() -> pd.DataFrame:
    return pd.DataFrame([["", "", "", ""]], columns=[label for _, label in HONOUR_COLUMNS])
