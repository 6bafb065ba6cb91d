"""The facts form of the 起草 tab: its components, and the translation between their values and ``Facts``.

The form and the translation share one field order (``FactsForm.components``); labels come from
``prompts/facts_schema.yaml`` through ``draftkit.facts.field_label``; validation is ``parse_facts``.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Any

import gradio as gr
import pandas as pd

from draftkit.facts import Facts, OrgType, facts_schema, field_label, parse_facts
from draftkit.section_kinds import SECTION_KINDS
from draftkit.ui.practices_form import PracticesForm, build_practices_form

ORG_TYPES: list[str] = list(typing.get_args(OrgType))
MEMBER_FIELDS = ["total", "probationary", "retired", "activists", "applicants", "developed", "staff"]
ACTIVITY_COLUMNS = ["title", "kind", "count", "date", "participants", "detail"]
HONOUR_COLUMNS = ["title", "level", "recipient", "year"]
LIST_FIELDS = ["highlights", "problems", "plans"]
BLANK_ROWS = 2  # empty rows offered below the filled ones, so adding one is just typing
FORM_SOURCE = "表单"


def report_kind_choices() -> list[tuple[str, str]]:
    return [(label, key) for key, label in facts_schema()["report_kinds"].items()]


def _headers(field: str, columns: list[str]) -> list[str]:
    return [field_label(f"{field}.{c}") for c in columns]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _number(value: Any) -> Any:
    """"12" / 12.0 → 12; text that is not a number is passed on, so validation names the field."""
    if _blank(value):
        return None
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def parse_year(text: str | None) -> int | None:
    """"2019" / " 2019年 " → 2019; blank → None; anything else → ValueError with a Chinese message."""
    t = (text or "").strip().removesuffix("年")
    if not t:
        return None
    if not (t.isdigit() and len(t) == 4):
        raise ValueError(f"年份应为四位数字，如 2019，而不是“{text}”")
    return int(t)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _frame_rows(df: Any) -> list[list[Any]]:
    if df is None:
        return []
    if isinstance(df, pd.DataFrame):
        return df.values.tolist()
    if isinstance(df, dict):  # {"headers": [...], "data": [[...]]}
        return list(df.get("data") or [])
    return [list(r) for r in df]


def _table(df: Any, columns: list[str], numeric: set[str]) -> list[dict[str, Any]]:
    """Rows of an editable table → list of dicts; rows with every cell blank are skipped."""
    out = []
    for row in _frame_rows(df):
        item: dict[str, Any] = {}
        for key, value in zip(columns, row, strict=False):
            if _blank(value):
                continue
            item[key] = _number(value) if key in numeric else str(value).strip()
        if item:
            out.append(item)
    return out


def _column(df: Any) -> list[str]:
    return [str(r[0]).strip() for r in _frame_rows(df) if r and not _blank(r[0])]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _frame(rows: list[list[Any]], headers: list[str]) -> pd.DataFrame:
    rows = [[_cell(v) for v in r] for r in rows] + [[""] * len(headers) for _ in range(BLANK_ROWS)]
    return pd.DataFrame(rows, columns=headers)


def activities_frame(facts: Facts | None = None) -> pd.DataFrame:
    rows = []
    for a in facts.activities if facts else []:
        row = [getattr(a, c) for c in ACTIVITY_COLUMNS]
        row[1] = SECTION_KINDS.get(a.kind, a.kind)
        rows.append(row)
    return _frame(rows, _headers("activities", ACTIVITY_COLUMNS))


def honours_frame(facts: Facts | None = None) -> pd.DataFrame:
    rows = [[getattr(h, c) for c in HONOUR_COLUMNS] for h in (facts.honours if facts else [])]
    return _frame(rows, _headers("honours", HONOUR_COLUMNS))


def list_frame(field: str, facts: Facts | None = None) -> pd.DataFrame:
    return _frame([[item] for item in (getattr(facts, field) if facts else [])], [field_label(field)])


@dataclass
class FactsForm:
    unit: gr.Textbox
    org_type: gr.Dropdown
    year: gr.Number
    report_kind: gr.Dropdown
    org_name: gr.Textbox
    parent_org: gr.Textbox
    members: list[gr.Number]
    branches: gr.Number
    groups: gr.Number
    committee: gr.Textbox
    activities: gr.Dataframe
    honours: gr.Dataframe
    brand: gr.Textbox
    lists: list[gr.Dataframe]  # highlights, problems, plans
    sign_unit: gr.Textbox
    sign_date: gr.Textbox
    v2: PracticesForm  # practices, notes, confirm, last_year (facts version 2)

    @property
    def components(self) -> list[gr.components.Component]:
        return [self.unit, self.org_type, self.year, self.report_kind, self.org_name, self.parent_org,
                *self.members, self.branches, self.groups, self.committee, self.activities, self.honours,
                self.brand, *self.lists, self.sign_unit, self.sign_date, *self.v2.components]

    # -- values ↔ facts ---------------------------------------------------------------------------
    @staticmethod
    def to_data(values: list[Any]) -> dict[str, Any]:
        """Form values (in ``components`` order) → the plain dict that ``Facts`` validates."""
        it = iter(values)
        unit, org_type, year, report_kind, org_name, parent_org = (next(it) for _ in range(6))
        members = {k: _number(next(it)) for k in MEMBER_FIELDS}
        branches, groups, committee, activities, honours, brand = (next(it) for _ in range(6))
        lists = {k: _column(next(it)) for k in LIST_FIELDS}
        sign_unit, sign_date = next(it), next(it)
        v2 = PracticesForm.to_data(list(it))
        data: dict[str, Any] = {
            "unit": (unit or "").strip(),
            "org_type": org_type,
            "year": _number(year),
            "report_kind": report_kind or "annual_summary",
            "members": {k: v for k, v in members.items() if v is not None},
            "structure": {k: v for k, v in {"branches": _number(branches), "groups": _number(groups),
                                             "committee": _lines(committee)}.items() if v not in (None, [])},
            "activities": _table(activities, ACTIVITY_COLUMNS, {"count", "participants"}),
            "honours": _table(honours, HONOUR_COLUMNS, {"year"}),
            **lists,
            "signature": {k: v for k, v in {"unit": (sign_unit or "").strip(),
                                             "date": (sign_date or "").strip()}.items() if v},
            **v2,
        }
        for key, value in (("org_name", org_name), ("parent_org", parent_org), ("brand", brand)):
            if (value or "").strip():
                data[key] = value.strip()
        return data

    @classmethod
    def to_facts(cls, values: list[Any]) -> Facts:
        """Validated facts, or ``FactsError`` whose Chinese messages name the fields."""
        return parse_facts(cls.to_data(values), source=FORM_SOURCE)

    @staticmethod
    def values(facts: Facts | None) -> list[Any]:
        """Component values showing ``facts`` (``None``: an empty form)."""
        if facts is None:
            return ["", "党支部", None, "annual_summary", "", "", *[None] * len(MEMBER_FIELDS), None, None, "",
                    activities_frame(), honours_frame(), "", *[list_frame(k) for k in LIST_FIELDS], "", "",
                    *PracticesForm.updates(None)]
        org_name = "" if "org_name" in facts.derived_fields else (facts.org_name or "")
        s = facts.structure
        return [
            facts.unit, facts.org_type, facts.year, facts.report_kind, org_name, facts.parent_org or "",
            *[getattr(facts.members, k) for k in MEMBER_FIELDS],
            s.branches, s.groups, "\n".join(s.committee),
            activities_frame(facts), honours_frame(facts), facts.brand or "",
            *[list_frame(k, facts) for k in LIST_FIELDS],
            facts.signature.unit or "", facts.signature.date.isoformat() if facts.signature.date else "",
            *PracticesForm.updates(facts),
        ]


def build_facts_form() -> FactsForm:
    """The form's components, laid out in the current Blocks context."""
    L = field_label  # noqa: N806
    with gr.Row():
        unit = gr.Textbox(label=L("unit") + "（必填）", placeholder="如：青禾市第三实验小学", elem_id="f-unit", scale=3)
        year = gr.Number(label=L("year") + "（必填）", precision=0, elem_id="f-year",
                         scale=1, min_width=100)
    with gr.Row():
        org_type = gr.Dropdown(ORG_TYPES, value="党支部", label=L("org_type"), elem_id="f-org-type", min_width=120)
        report_kind = gr.Dropdown(report_kind_choices(), value="annual_summary", label=L("report_kind"),
                                  elem_id="f-report-kind", min_width=160)
    with gr.Row():
        org_name = gr.Textbox(label=L("org_name"), placeholder="不填则按单位和组织类型生成", min_width=160)
        parent_org = gr.Textbox(label=L("parent_org"), placeholder="如：中共青禾市教育局委员会", min_width=160)
    with gr.Accordion("党员与组织设置", open=False):
        with gr.Row():
            members = [gr.Number(label=L(f"members.{k}"), precision=0, min_width=90)
                       for k in MEMBER_FIELDS[:4]]
        with gr.Row():
            members += [gr.Number(label=L(f"members.{k}"), precision=0, min_width=90)
                        for k in MEMBER_FIELDS[4:]]
        with gr.Row():
            branches = gr.Number(label=L("structure.branches"), precision=0, min_width=90)
            groups = gr.Number(label=L("structure.groups"), precision=0, min_width=90)
        committee = gr.Textbox(label=L("structure.committee") + "（每行一人，如“书记 李明华”）", lines=3)
    kinds = "、".join(v for k, v in SECTION_KINDS.items() if k != "other")
    with gr.Accordion("活动与荣誉", open=False):
        activities = gr.Dataframe(value=activities_frame(), label="活动（" + L("activities.kind") + "填：" + kinds + "）",
                                  interactive=True, wrap=True, elem_id="f-activities", max_height=320)
        honours = gr.Dataframe(value=honours_frame(), label=L("honours"), interactive=True, wrap=True,
                               elem_id="f-honours", max_height=240)
    with gr.Accordion("品牌、亮点、问题与打算", open=False):
        brand = gr.Textbox(label=L("brand"), placeholder="如：禾苗红")
        lists = [gr.Dataframe(value=list_frame(k), label=L(k) + "（一行一条）", interactive=True, wrap=True,
                              elem_id=f"f-{k}", max_height=240) for k in LIST_FIELDS]
    v2 = build_practices_form()
    with gr.Row():
        sign_unit = gr.Textbox(label=L("signature.unit"), placeholder="不填则用党组织全称", min_width=160)
        sign_date = gr.Textbox(label=L("signature.date"), placeholder="如 2024-12-20", min_width=120)
    return FactsForm(unit, org_type, year, report_kind, org_name, parent_org, members, branches, groups, committee,
                     activities, honours, brand, lists, sign_unit, sign_date, v2)
