"""The section kinds of a school Party-building report (the vocabulary ingest labels chunks with,
facts file activities under, drafting plans sections by and search filters on).

Its own module at the bottom of the house, so facts and ingest share it without knowing each other.
"""

from __future__ import annotations

__all__ = ["SECTION_KINDS"]

#: Section kinds, in report order. Labels are shown in the UI.
SECTION_KINDS: dict[str, str] = {
    "overview": "基本情况",
    "theory": "思想政治建设与理论学习",
    "organization": "组织建设",
    "conduct": "作风建设与党风廉政",
    "ideology": "意识形态",
    "integration": "党建与教育教学融合",
    "brand": "品牌特色",
    "service": "服务师生群众",
    "mass_orgs": "群团工作",
    "honours": "成绩荣誉",
    "problems": "存在问题",
    "plans": "下步打算",
    "other": "其他",
}
