"""The secretary's facts for one report (version 2): the only source of numbers and names.

Version 2 adds ``practices`` (the standing practices kept up this year, by section kind; names
from ``prompts/practices.yaml`` or free text), ``notes`` (the secretary's own points, by section
kind), ``confirm`` (field paths carried over from last year's report that the user has not yet
confirmed) and ``last_year`` (last year's honours, problems and plans: reference only, never this
year's). Version 1 files load unchanged.

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

from draftkit.config import load_data
from draftkit.errors import DraftkitError
from draftkit.practices import load_catalogue
from draftkit.section_kinds import SECTION_KINDS
from draftkit.textsafe import clean_control_chars

FACTS_VERSION = 2
OrgType = Literal["党委", "党总支", "党支部", "联合党支部"]
ReportKind = Literal["annual_summary", "half_year_summary", "secretary_review"]
FACTS_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")


def facts_schema() -> dict[str, Any]:
    """The Chinese side of the facts model (``prompts/facts_schema.yaml``)."""
    return load_data("facts_schema.yaml")


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


def section_kind_key(value: Any) -> str | None:
    """A section kind given as its key ("theory") or its Chinese label ("思想政治建设与理论学习") → the key;
    None when it is neither (kinds: :data:`draftkit.ingest.models.SECTION_KINDS`)."""
    text = str(value).strip()
    if text in SECTION_KINDS:
        return text
    return {label: key for key, label in SECTION_KINDS.items()}.get(text)


def _kinds_expected() -> str:
    return "、".join(f"{k}（{v}）" for k, v in SECTION_KINDS.items())


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_chars(cls, value: Any) -> Any:
        """Control characters out of every text (a U+000B in a pasted problem broke the .docx export)."""
        if isinstance(value, str):
            return clean_control_chars(value)
        if isinstance(value, list):
            return [clean_control_chars(v) if isinstance(v, str) else v for v in value]
        return value


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
        key = section_kind_key(value)
        if key is None:
            raise ValueError(_msg("activity_kind", expected=_kinds_expected()))
        return key

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


class Practice(_Model):
    """One standing practice (做法) kept up this year: a catalogue name or free text, with optional slots.

    In a file it is a bare name (``三会一课``) or a mapping (``{name: 三会一课, freq: 每月一次, count: 12}``);
    ``freq`` is a frequency as the secretary writes it, ``count`` how many times this year."""

    name: str = Field(min_length=1)
    freq: str | None = None
    count: NonNegativeInt | None = None


class LastYear(_Model):
    """Last year's report, kept for reference (``facts from-report``): never drafted as this year's.

    Drafting uses ``problems`` only for the 整改 sentence of the problems section ("针对去年查找的……")."""

    year: int | None = Field(default=None, ge=2000, le=2100)
    source: str | None = None  # the file it was read from
    honours: list[Honour] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    plans: list[str] = Field(default_factory=list)

    @field_validator("problems", "plans", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _clean_list(value)


def _clean_list(value: Any) -> Any:
    """A single string becomes a one-item list; blank items (empty workbook rows) are dropped."""
    value = _listify(value)
    if isinstance(value, list):
        value = [v for v in value if not (isinstance(v, str) and not v.strip()) and v is not None]
    return value


#: a field path as ``confirm`` lists it: "members.total", "activities[2].count" (list items from 1)
CONFIRM_PATH_RE = re.compile(r"^[a-z_]+(?:\[[1-9]\d*\])?(?:\.[a-z_]+(?:\[[1-9]\d*\])?)*$")


def _by_kind(value: Any, field: str) -> Any:
    """``practices`` / ``notes``: keys given as section kinds or their labels → kind keys (order kept)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        return value  # pydantic says it must be a mapping
    out: dict[str, Any] = {}
    for key, items in value.items():
        kind = section_kind_key(key)
        if kind is None:
            raise ValueError(_msg("unknown_kind", name=key, field=field, expected=_kinds_expected()))
        items = _clean_list(items)
        if isinstance(items, list) and kind in out:
            items = list(out[kind]) + items
        out[kind] = items
    return out


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
    practices: dict[str, list[Practice]] = Field(default_factory=dict)  # section kind → practices
    notes: dict[str, list[str]] = Field(default_factory=dict)  # section kind → the secretary's own points
    confirm: list[str] = Field(default_factory=list)  # field paths still to confirm ("members.total")
    last_year: LastYear | None = None

    _derived: set[str] = PrivateAttr(default_factory=set)

    @field_validator("highlights", "problems", "plans", "confirm", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _clean_list(value)  # blank lines in a workbook or a form are not items

    @field_validator("version")
    @classmethod
    def _version(cls, value: int) -> int:
        if value not in (1, FACTS_VERSION):
            raise ValueError(_msg("version", latest=FACTS_VERSION))
        return value

    @field_validator("practices", mode="before")
    @classmethod
    def _practices(cls, value: Any) -> Any:
        out = _by_kind(value, "practices")
        if isinstance(out, dict):
            return {k: [{"name": v} if isinstance(v, str) else v for v in items] if isinstance(items, list) else items
                    for k, items in out.items()}
        return out

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, value: Any) -> Any:
        return _by_kind(value, "notes")

    @field_validator("confirm")
    @classmethod
    def _confirm(cls, value: list[str]) -> list[str]:
        for path in value:
            if not CONFIRM_PATH_RE.match(path):
                raise ValueError(_msg("confirm_path", path=path))
        return list(dict.fromkeys(value))

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
        """Plain data as written to YAML/JSON: no None values, no empty lists, no derived fields;
        a practice with no slots is written as its bare name."""
        data = self.model_dump(mode="json", exclude_none=True, exclude=set(self._derived) or None)
        if data.get("practices"):
            data["practices"] = {k: [p["name"] if set(p) == {"name"} else p for p in items]
                                 for k, items in data["practices"].items()}
        return _prune(data)

    def needs_confirm(self, path: str) -> bool:
        """Whether ``path`` ("members.total", "activities[2].count") is carried over and not yet confirmed."""
        return path in self.confirm

    def practice_names(self, kind: str) -> list[str]:
        """Names of the practices of one section kind, in the order given."""
        return [p.name for p in self.practices.get(kind, [])]


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


class _FactsLoader(yaml.SafeLoader):
    """SafeLoader that leaves an impossible date (2024-02-30, 2024-13-45) as its text.

    PyYAML's timestamp constructor raises a bare ValueError for such values; kept as text, the
    field's own validation then reports it as "signature.date 不是有效日期（填写的是“2024-02-30”）".
    """

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_FactsLoader.add_constructor("tag:yaml.org,2002:timestamp", _FactsLoader.construct_yaml_timestamp)


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
            data = yaml.load(text, Loader=_FactsLoader)  # noqa: S506 - a SafeLoader subclass
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


def _get_path(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _table_items(data: Mapping[str, Any], table: Mapping[str, Any]) -> list[Any]:
    """The rows of a table sheet from plain data; a by-kind mapping becomes rows with the kind first."""
    value = _get_path(data, table["field"])
    if "by_kind" not in table:
        return list(value or [])
    rows: list[Any] = []
    for kind, items in (value or {}).items():
        for item in items:
            row = dict(item) if isinstance(item, Mapping) else ({"name": item} if table["field"] == "practices"
                                                               else {"text": item})
            rows.append({"kind": kind, **row})
    return rows


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
        value = _get_path(data, field_path)
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
        for item in _table_items(data, table):
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
            sheet.column_dimensions[col].width = 40 if attr in (None, "detail", "title", "name", "text") else 14
            if attr in {"date", "title", "detail", "recipient", "level", "kind", "name", "text", "freq", None}:
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
    return {"structure.committee", "highlights", "problems", "plans", "confirm", "last_year.problems",
            "last_year.plans"}


_TEXT_FIELDS = {"unit", "org_name", "parent_org", "brand", "signature.unit", "last_year.source"}
_TEXT_ATTRS = {"title", "detail", "recipient", "level", "kind", "name", "text", "freq"}


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
                if field_path is None or field_path in {"members", "structure", "activities", "honours", "signature",
                                                        "practices", "notes", "last_year"}:
                    errors.append(_msg("unknown_row", sheet=basic, row=r, label=label))
                    continue
                if value is None:
                    continue
                if field_path == "version":  # a version 1 workbook stays version 1
                    data["version"] = value
                    locations[("version",)] = _msg("at_sheet_row", sheet=basic, row=r)
                    continue
                is_list = field_path in _list_fields()
                if isinstance(value, dt.date) and field_path != "signature.date":
                    value = value.isoformat()
                if field_path in _TEXT_FIELDS or is_list:
                    value = str(value)
                _set_path(data, field_path, value, is_list)
                loc: tuple[Any, ...] = tuple(field_path.split("."))
                if is_list:
                    loc = (*loc, len(_get_path(data, field_path)) - 1)
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
                where = _msg("at_sheet_row", sheet=table["sheet"], row=r)
                if "__value__" in cells:
                    items.append(str(cells["__value__"]))
                else:
                    item = {}
                    for attr, v in cells.items():
                        if v is None:
                            continue
                        if attr in _TEXT_ATTRS:
                            v = v.isoformat() if isinstance(v, dt.date) else str(v)
                        item[attr] = v
                    items.append(item)
                if "by_kind" not in table:
                    locations[(*field.split("."), len(items) - 1)] = where
            if not items:
                continue
            if "by_kind" in table:  # rows → {kind: [item, …]}, the kind as written (validated by the model)
                grouped: dict[str, list[Any]] = {}
                for item in items:
                    kind = str(item.pop("kind", None) or "other")
                    key = section_kind_key(kind) or kind
                    value = item.get("text") if field == "notes" else item
                    if value is not None:
                        grouped.setdefault(key, []).append(value)
                        locations[(field, key, len(grouped[key]) - 1)] = where
                data[field] = grouped
            else:
                _set_path(data, field, items, False)
    finally:
        wb.close()
    if errors:
        raise FactsError(path, errors)
    return data, locations


def impossible_counts(facts: Facts) -> list[str]:
    """Member counts that cannot all be true: a part of the members (预备党员, 离退休党员, 本年发展党员)
    larger than ``members.total``. One Chinese note per count, naming the field and both values."""
    m = facts.members
    out: list[str] = []
    if m.total is not None:
        for name in ("probationary", "retired", "developed"):
            v = getattr(m, name)
            if v is not None and v > m.total:
                out.append(f"members.{name}（{field_label('members.' + name)}）{v} 大于党员总数 {m.total}")
    return out


def facts_notes(facts: Facts) -> list[str]:
    """Plausibility notes (not errors): numbers that contradict each other, dates outside the year."""
    notes: list[str] = impossible_counts(facts)
    for i, a in enumerate(facts.activities, start=1):
        if a.date and not a.date.startswith(str(facts.year)):
            notes.append(f"activities[{i}].date（{a.title}）{a.date} 不在 {facts.year} 年内")
    catalogue = load_catalogue()
    for kind, items in facts.practices.items():
        for i, p in enumerate(items, start=1):
            entry = catalogue.get(p.name)
            where = f"practices.{kind}[{i}]（{p.name}）"
            if entry is None:
                notes.append(f"{where} 不在做法目录（prompts/practices.yaml）中，草稿按通用说法写入")
            elif entry.start is not None and facts.year < entry.start:
                notes.append(f"{where} 一般{entry.start}年起才有，{facts.year}年的总结提到它会被年代检查标出")
    for path in facts.confirm:
        if value_at(facts, path) is None:
            notes.append(f"confirm 中的 {path} 在事实里没有对应的值，可以删去")
    if facts.confirm:
        notes.append(f"有{len(facts.confirm)}项沿用往年的数字待核实（confirm），草稿中标为【待核实：…】")
    return notes


_PATH_PART = re.compile(r"([a-z_]+)(?:\[(\d+)\])?")


def value_at(facts: Facts, path: str) -> Any:
    """The value at a ``confirm``-style path ("members.total", "activities[2].count", list items from 1);
    None when the path leads nowhere."""
    value: Any = facts
    for part in path.split("."):
        m = _PATH_PART.fullmatch(part)
        if m is None:
            return None
        value = value.get(m.group(1)) if isinstance(value, dict) else getattr(value, m.group(1), None)
        if value is None:
            return None
        if m.group(2) is not None:
            i = int(m.group(2)) - 1
            if not isinstance(value, list) or not 0 <= i < len(value):
                return None
            value = value[i]
    return value


def same_unit(a: str | None, b: str | None) -> bool:
    """Whether two unit names denote the same unit ("青禾市第三实验小学" vs "青禾市第三实验小学党支部"):
    equal without spaces, or one (of at least 4 characters) inside the other."""
    x, y = re.sub(r"[\s\u3000]+", "", a or ""), re.sub(r"[\s\u3000]+", "", b or "")
    if not x or not y:
        return False
    return x == y or (min(len(x), len(y)) >= 4 and (x in y or y in x))
