"""The secretary's facts for one report (version 1): the only source of numbers and names.

Read from YAML, JSON or XLSX and written back to each (importers/exporters below the model).
Every field but ``unit``, ``org_type`` and ``year`` may be missing; ``org_name`` is derived
from the unit and the organisation type when absent (and not written back).

Chinese wording (labels, workbook headers, validation messages) lives in
``prompts/facts_schema.yaml``. Validation errors are raised as :class:`FactsError`, whose
``errors`` are Chinese sentences that start with the field path, e.g.
``members.total 必须是非负整数``; list items are numbered from 1 (``activities[1].count``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from draftkit.config import prompts_path
from draftkit.errors import DraftkitError
from draftkit.ingest.models import SECTION_KINDS

FACTS_VERSION = 1
OrgType = Literal["党委", "党总支", "党支部", "联合党支部"]
ReportKind = Literal["annual_summary", "half_year_summary", "secretary_review"]
FACTS_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")


@lru_cache(maxsize=1)
def facts_schema() -> dict[str, Any]:
    """The Chinese side of the facts model (``prompts/facts_schema.yaml``)."""
    return yaml.safe_load(prompts_path("facts_schema.yaml").read_text(encoding="utf-8"))


def field_label(path: str) -> str:
    """Chinese label of a field path ("members.total" → "党员总数"); list indices are ignored."""
    key = re.sub(r"\[\d+\]", "", path)
    return facts_schema()["labels"].get(key, key)


def _msg(key: str, **values: Any) -> str:
    return facts_schema()["messages"][key].format(**values)


def _listify(value: Any) -> Any:
    """A single string where a list is expected becomes a one-item list."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    return value


_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月)?\s*(?:[-/.]?\s*(\d{1,2})\s*日?)?\s*$")


def normalize_activity_date(value: Any) -> str | None:
    """"2024-5", "2024年5月12日", a date → "2024-05" / "2024-05-12"; raises ValueError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    m = _DATE_RE.match(str(value))
    if not m:
        raise ValueError(_msg("activity_date"))
    year, month, day = int(m.group(1)), int(m.group(2)), m.group(3)
    try:
        if day is not None:
            return dt.date(year, month, int(day)).isoformat()
        dt.date(year, month, 1)
    except ValueError as exc:
        raise ValueError(_msg("activity_date")) from exc
    return f"{year:04d}-{month:02d}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Members(_Model):
    total: NonNegativeInt | None = None  # 党员总数
    probationary: NonNegativeInt | None = None  # 预备党员
    retired: NonNegativeInt | None = None  # 离退休党员
    activists: NonNegativeInt | None = None  # 入党积极分子
    applicants: NonNegativeInt | None = None  # 递交入党申请书
    developed: NonNegativeInt | None = None  # 本年发展党员
    staff: NonNegativeInt | None = None  # 教职工总数


class OrgStructure(_Model):
    branches: NonNegativeInt | None = None  # 支部数
    groups: NonNegativeInt | None = None  # 党小组数
    committee: list[str] = Field(default_factory=list)  # "书记 李明华"

    @field_validator("committee", mode="before")
    @classmethod
    def _committee(cls, value: Any) -> Any:
        return _listify(value)


class Activity(_Model):
    title: str = Field(min_length=1)
    kind: str = "other"  # a section kind (theory, organization, conduct …)
    count: NonNegativeInt | None = None
    date: str | None = None  # "2024-05" or "2024-05-12"
    participants: NonNegativeInt | None = None
    detail: str | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return "other"
        text = str(value).strip()
        if text in SECTION_KINDS:
            return text
        by_label = {label: key for key, label in SECTION_KINDS.items()}
        if text in by_label:
            return by_label[text]
        expected = "、".join(f"{k}（{v}）" for k, v in SECTION_KINDS.items())
        raise ValueError(_msg("activity_kind", expected=expected))

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        return normalize_activity_date(value)


class Honour(_Model):
    title: str = Field(min_length=1)
    level: str | None = None  # 国家级 省级 市级 县级 校级
    recipient: str | None = None
    year: int | None = Field(default=None, ge=2000, le=2100)


class SignatureFacts(_Model):
    """The signature block as the facts give it; the report prints it as :class:`draftkit.report.Signature`."""

    unit: str | None = None
    date: dt.date | None = None


class Facts(_Model):
    version: int = FACTS_VERSION
    unit: str = Field(min_length=1)
    org_type: OrgType
    org_name: str | None = None
    parent_org: str | None = None
    year: int = Field(ge=2000, le=2100)
    report_kind: ReportKind = "annual_summary"
    members: Members = Field(default_factory=Members)
    structure: OrgStructure = Field(default_factory=OrgStructure)
    activities: list[Activity] = Field(default_factory=list)
    honours: list[Honour] = Field(default_factory=list)
    brand: str | None = None
    highlights: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    plans: list[str] = Field(default_factory=list)
    signature: SignatureFacts = Field(default_factory=SignatureFacts)

    _derived: set[str] = PrivateAttr(default_factory=set)

    @field_validator("highlights", "problems", "plans", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        value = _listify(value)
        if isinstance(value, list):  # blank lines in a workbook or a form are not items
            value = [v for v in value if not (isinstance(v, str) and not v.strip()) and v is not None]
        return value

    @field_validator("report_kind", mode="before")
    @classmethod
    def _report_kind(cls, value: Any) -> Any:
        by_label = {label: key for key, label in facts_schema()["report_kinds"].items()}
        return by_label.get(value, value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _derive(self) -> Facts:
        if not self.org_name:
            self.org_name = derive_org_name(self.unit, self.org_type)
            self._derived.add("org_name")
        return self

    @property
    def derived_fields(self) -> frozenset[str]:
        """Fields filled in by derivation (not given by the user); not written back on save."""
        return frozenset(self._derived)

    @property
    def signature_unit(self) -> str:
        """The unit in the signature block: signature.unit, else the organisation's full name."""
        return self.signature.unit or self.org_name or self.unit

    def to_data(self) -> dict[str, Any]:
        """Plain data as written to YAML/JSON: no None values, no empty lists, no derived fields."""
        data = self.model_dump(mode="json", exclude_none=True, exclude=set(self._derived) or None)
        return _prune(data)


def _prune(value: Any) -> Any:
    """Drop empty lists and mappings (they are the defaults) from nested plain data."""
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in ([], {})}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def derive_org_name(unit: str, org_type: str) -> str:
    """"青禾市第三实验小学", "党支部" → "中共青禾市第三实验小学支部委员会"."""
    pattern = facts_schema()["org_names"].get(org_type, "中共{unit}委员会")
    return pattern.format(unit=unit)


# ---------------------------------------------------------------------------------------------
# Errors


class FactsError(DraftkitError, ValueError):
    """A facts file (or form) that cannot be used: ``errors`` lists every problem in Chinese."""

    def __init__(self, path: str | Path | None, errors: Iterable[str]):
        self.path = str(path) if path is not None else None
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.path}：" if self.path else ""
        head += _msg("error_count", count=len(self.errors))
        return "\n".join([head, *(f"  - {e}" for e in self.errors)])


def format_loc(loc: Iterable[Any]) -> str:
    """('activities', 0, 'count') → "activities[1].count" (list items counted from 1)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _is_nonnegative_int(loc: tuple[Any, ...]) -> bool:
    """Whether the field at ``loc`` is declared as NonNegativeInt (so the message says 非负整数)."""
    model: Any = Facts
    annotation: Any = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None) or {}
        if part not in fields:
            return False
        annotation = fields[part].annotation
        inner = [annotation, *getattr(annotation, "__args__", ())]
        model = next((a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return annotation is not None and "Ge(ge=0)" in repr(annotation)


def translate_errors(exc: ValidationError, locations: Mapping[tuple[Any, ...], str] | None = None) -> list[str]:
    """Pydantic errors → Chinese messages naming the field ("members.total 必须是非负整数")."""
    out: list[str] = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        etype = err["type"]
        ctx = err.get("ctx") or {}
        if etype == "missing":
            text = _msg("missing")
        elif etype == "extra_forbidden":
            text = _msg("extra_forbidden")
        elif etype in {"int_parsing", "int_type", "int_from_float"}:
            text = _msg("nonnegative_int") if _is_nonnegative_int(loc) else _msg("int")
        elif etype == "greater_than_equal":
            text = _msg("nonnegative_int") if ctx.get("ge") == 0 else _msg("ge", ge=ctx.get("ge"))
        elif etype == "less_than_equal":
            text = _msg("le", le=ctx.get("le"))
        elif etype == "literal_error":
            expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", "、").replace(", ", "、")
            text = _msg("literal", expected=expected)
        elif etype == "string_too_short":
            text = _msg("string_too_short")
        elif etype == "string_type":
            text = _msg("string")
        elif etype.startswith("date") or etype.startswith("datetime"):
            text = _msg("date")
        elif etype in {"list_type", "tuple_type", "set_type"}:
            text = _msg("list")
        elif etype in {"model_type", "dict_type", "model_attributes_type"}:
            text = _msg("mapping")
        elif etype == "value_error":
            text = str(ctx.get("error") or err["msg"]).removeprefix("Value error, ")
        else:
            text = _msg("invalid", detail=err["msg"])
        path = format_loc(loc) or "facts"
        message = f"{path} {text}"
        label = field_label(path)
        given = err.get("input")
        extra = []
        if label != re.sub(r"\[\d+\]", "", path):
            extra.append(label)
        if etype not in {"missing", "model_type", "dict_type"} and not isinstance(given, dict | list) and given is not None:
            extra.append(f"填写的是“{given}”")
        if extra:
            message += f"（{'，'.join(extra)}）"
        if locations:
            for n in range(len(loc), 0, -1):
                if loc[:n] in locations:
                    message += locations[loc[:n]]
                    break
        out.append(message)
    return out


def parse_facts(data: Any, source: str | Path | None = None,
                locations: Mapping[tuple[Any, ...], str] | None = None) -> Facts:
    """Validate plain data (a dict from YAML/JSON/a form) into Facts, or raise FactsError."""
    if not isinstance(data, Mapping):
        raise FactsError(source, [_msg("not_mapping")])
    try:
        return Facts.model_validate(dict(data))
    except ValidationError as exc:
        raise FactsError(source, translate_errors(exc, locations)) from None


def validate_facts(data: Any, source: str | Path | None = None) -> Facts:
    """Facts from a form's or an API's plain data; FactsError (Chinese, naming fields) otherwise."""
    return parse_facts(data, source)


# ---------------------------------------------------------------------------------------------
# Reading and writing


def load_facts(path: str | Path) -> Facts:
    """Read facts from .yaml/.yml/.json/.xlsx; every problem is reported in one FactsError."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in FACTS_SUFFIXES:
        raise FactsError(p, [_msg("suffix", suffix=p.suffix or p.name)])
    if not p.is_file():
        raise FactsError(p, [_msg("not_found")])
    if suffix == ".xlsx":
        data, locations = _read_xlsx(p)
        return parse_facts(data, p, locations)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = p.read_bytes().decode("gb18030", errors="replace")
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FactsError(p, [_msg("json_syntax", line=exc.lineno, col=exc.colno, detail=exc.msg)]) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"第{mark.line + 1}行第{mark.column + 1}列，" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise FactsError(p, [_msg("yaml_syntax", detail=f"{where}{problem}")]) from None
    return parse_facts(data, p)


def dump_facts_yaml(facts: Facts) -> str:
    return yaml.safe_dump(facts.to_data(), allow_unicode=True, sort_keys=False, width=1000)


def dump_facts_json(facts: Facts) -> str:
    return json.dumps(facts.to_data(), ensure_ascii=False, indent=2) + "\n"


def save_facts(facts: Facts, path: str | Path) -> Path:
    """Write facts to .yaml/.yml/.json/.xlsx (by suffix); load_facts reads back the same Facts."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in FACTS_SUFFIXES:
        raise FactsError(p, [_msg("suffix", suffix=p.suffix or p.name)])
    p.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        _write_xlsx(facts, p)
    elif suffix == ".json":
        p.write_text(dump_facts_json(facts), encoding="utf-8")
    else:
        p.write_text(dump_facts_yaml(facts), encoding="utf-8")
    return p


def example_facts() -> Facts:
    """The example shown in the workbook template (one row per sheet)."""
    return parse_facts(facts_schema()["example"], "facts_schema.yaml#example")


def write_xlsx_template(path: str | Path) -> Path:
    """A workbook a secretary fills in Excel/WPS: sheets 基本信息, 活动, 荣誉, 问题, 打算."""
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise FactsError(p, [_msg("suffix", suffix=p.suffix or p.name)])
    return save_facts(example_facts(), p)


# --- XLSX ------------------------------------------------------------------------------------


def _labels_to_paths() -> dict[str, str]:
    schema = facts_schema()
    out = {label: path for path, label in schema["labels"].items()}
    out.update(schema["xlsx"].get("aliases") or {})
    return out


def _table_headers(table: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(header, attribute) pairs of a table sheet; attribute None for a list of strings."""
    if "columns" in table:
        return [(field_label(f"{table['field']}.{c}"), c) for c in table["columns"]]
    return [(table["header"], None)]


def _cell_out(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _write_xlsx(facts: Facts, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    schema = facts_schema()
    xs = schema["xlsx"]
    data = facts.to_data()
    labels = schema["labels"]
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    wb = Workbook()
    ws = wb.active
    ws.title = xs["basic"]["sheet"]
    ws.append(xs["basic"]["columns"])
    row_of: dict[str, int] = {}
    for field_path, note in xs["basic"]["rows"]:
        value: Any = data
        for part in field_path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if field_path == "report_kind" and value is not None:
            value = schema["report_kinds"].get(value, value)
        if field_path == "version":
            value = facts.version
        values = value if isinstance(value, list) else [value]
        for item in values or [None]:
            ws.append([labels[field_path], _cell_out(item), note])
            row_of.setdefault(field_path, ws.max_row)
    ws.column_dimensions["B"].number_format = "@"  # text, so Excel keeps "2024-05" as typed
    for cell in ws["B"]:
        cell.number_format = "@"
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 44
    ws.column_dimensions["C"].width = 56
    choices = {
        "org_type": ["党委", "党总支", "党支部", "联合党支部"],
        "report_kind": list(schema["report_kinds"].values()),
    }
    for field_path, options in choices.items():
        dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        ws.add_data_validation(dv)
        dv.add(f"B{row_of[field_path]}")

    for table in xs["tables"]:
        sheet = wb.create_sheet(table["sheet"])
        headers = _table_headers(table)
        sheet.append([h for h, _ in headers])
        for item in data.get(table["field"], []):
            if isinstance(item, dict):
                row = []
                for _, attr in headers:
                    v = item.get(attr)
                    if attr == "kind" and v is not None:
                        v = SECTION_KINDS.get(v, v)
                    row.append(_cell_out(v))
                sheet.append(row)
            else:
                sheet.append([item])
        for i, (_header, attr) in enumerate(headers):
            col = sheet.cell(row=1, column=i + 1).column_letter
            sheet.column_dimensions[col].width = 40 if attr in (None, "detail", "title") else 14
            if attr in {"date", "title", "detail", "recipient", "level", "kind", None}:
                # text columns (so Excel keeps "2024-05" as typed), styled by column: no empty cells created
                sheet.column_dimensions[col].number_format = "@"
                for r in range(2, sheet.max_row + 1):
                    sheet.cell(row=r, column=i + 1).number_format = "@"
            if attr == "kind":
                dv = DataValidation(type="list", formula1='"' + ",".join(SECTION_KINDS.values()) + '"', allow_blank=True)
                sheet.add_data_validation(dv)
                dv.add(f"{col}2:{col}200")
            if attr == "level":
                dv = DataValidation(type="list", formula1='"' + ",".join(schema["honour_levels"]) + '"', allow_blank=True)
                sheet.add_data_validation(dv)
                dv.add(f"{col}2:{col}200")
    for sheet in wb.worksheets:
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="center")
    wb.save(path)


def _cell_in(value: Any) -> Any:
    """A workbook cell → plain data (blank → None, 31.0 → 31, a date cell → a date)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _set_path(data: dict[str, Any], path: str, value: Any, is_list: bool) -> None:
    parts = path.split(".")
    target = data
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    if is_list:
        target.setdefault(parts[-1], []).append(value)
    else:
        target[parts[-1]] = value


def _list_fields() -> set[str]:
    return {"structure.committee", "highlights", "problems", "plans"}


def _read_xlsx(path: Path) -> tuple[dict[str, Any], dict[tuple[Any, ...], str]]:
    from openpyxl import load_workbook

    schema = facts_schema()
    xs = schema["xlsx"]
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zip/xml errors of a broken or non-Excel file
        raise FactsError(path, [_msg("xlsx_unreadable", detail=f"{type(exc).__name__}: {exc}")]) from None
    errors: list[str] = []
    data: dict[str, Any] = {}
    locations: dict[tuple[Any, ...], str] = {}
    by_label = _labels_to_paths()
    basic = xs["basic"]["sheet"]
    try:
        if basic not in wb.sheetnames:
            errors.append(_msg("no_basic_sheet", sheet=basic))
        else:
            for r, row in enumerate(wb[basic].iter_rows(min_row=2, values_only=True), start=2):
                label = _cell_in(row[0]) if row else None
                value = _cell_in(row[1]) if len(row) > 1 else None
                if label is None:
                    continue
                key = re.sub(r"[\s*＊:：]|（必填）|\(必填\)", "", str(label))
                field_path = by_label.get(key)
                if field_path is None or field_path in {"members", "structure", "activities", "honours", "signature"}:
                    errors.append(_msg("unknown_row", sheet=basic, row=r, label=label))
                    continue
                if value is None:
                    continue
                if field_path == "version":
                    continue  # written for the reader's information; the model sets it
                is_list = field_path in _list_fields()
                if isinstance(value, dt.date) and field_path != "signature.date":
                    value = value.isoformat()
                if field_path in {"unit", "org_name", "parent_org", "brand", "signature.unit"} or is_list:
                    value = str(value)
                _set_path(data, field_path, value, is_list)
                loc: tuple[Any, ...] = tuple(field_path.split("."))
                if is_list:
                    loc = (*loc, len(data[loc[0]] if len(loc) == 1 else data[loc[0]][loc[1]]) - 1)
                locations[loc] = _msg("at_sheet_row", sheet=basic, row=r)
        for table in xs["tables"]:
            if table["sheet"] not in wb.sheetnames:
                continue  # an absent sheet is an empty list
            field = table["field"]
            headers = _table_headers(table)
            attr_by_header = {h: a for h, a in headers}
            rows = wb[table["sheet"]].iter_rows(values_only=True)
            head = next(rows, None)
            if head is None:
                continue
            columns: list[str | None] = []
            for h in head:
                h = _cell_in(h)
                if h is None:
                    columns.append(None)
                    continue
                h = str(h)
                if h in attr_by_header:
                    columns.append(attr_by_header[h] or "__value__")
                else:
                    errors.append(_msg("unknown_column", sheet=table["sheet"], label=h))
                    columns.append(None)
            items: list[Any] = []
            for r, row in enumerate(rows, start=2):
                cells = {c: _cell_in(v) for c, v in zip(columns, row, strict=False) if c is not None}
                if all(v is None for v in cells.values()):
                    continue
                locations[(field, len(items))] = _msg("at_sheet_row", sheet=table["sheet"], row=r)
                if "__value__" in cells:
                    items.append(str(cells["__value__"]))
                else:
                    item = {}
                    for attr, v in cells.items():
                        if v is None:
                            continue
                        if attr in {"title", "detail", "recipient", "level", "kind"}:
                            v = v.isoformat() if isinstance(v, dt.date) else str(v)
                        item[attr] = v
                    items.append(item)
            if items:
                data[field] = items
    finally:
        wb.close()
    if errors:
        raise FactsError(path, errors)
    return data, locations


def facts_notes(facts: Facts) -> list[str]:
    """Plausibility notes (not errors): numbers that contradict each other, dates outside the year."""
    notes: list[str] = []
    m = facts.members
    if m.total is not None:
        for name in ("probationary", "retired", "developed"):
            v = getattr(m, name)
            if v is not None and v > m.total:
                notes.append(f"members.{name}（{field_label('members.' + name)}）{v} 大于党员总数 {m.total}")
    for i, a in enumerate(facts.activities, start=1):
        if a.date and not a.date.startswith(str(facts.year)):
            notes.append(f"activities[{i}].date（{a.title}）{a.date} 不在 {facts.year} 年内")
    return notes
