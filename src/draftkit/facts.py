"""The secretary's facts for one report (version 1): the only source of numbers and names.

Read from YAML, JSON or XLSX and written back to each (importers/exporters below the model).
Every field but ``unit``, ``org_type`` and ``year`` may be missing.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt

FACTS_VERSION = 1
OrgType = Literal["党委", "党总支", "党支部", "联合党支部"]
ReportKind = Literal["annual_summary", "half_year_summary", "secretary_review"]


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


class Activity(_Model):
    title: str
    kind: str = "other"  # a section kind (theory, organization, conduct …)
    count: NonNegativeInt | None = None
    date: str | None = None  # "2024-05" or "2024-05-12"
    participants: NonNegativeInt | None = None
    detail: str | None = None


class Honour(_Model):
    title: str
    level: str | None = None  # 国家级 省级 市级 县级 校级
    recipient: str | None = None
    year: int | None = None


class Signature(_Model):
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
    signature: Signature = Field(default_factory=Signature)
