"""From an outline (``prompts/outlines/<report_kind>.yaml``) and the facts to an ordered section plan.

The plan decides which sections a report has (a required section always, an optional one only
when some fact feeds it), numbers the headings (一、 → （一） → 1.), routes each activity to the
section of its kind, lists the required facts that are missing (they become 【待补充：…】 markers),
builds each section's retrieval query, and fixes the era wording of the report's year: the
guiding-thought line, the campaigns and anniversaries of that year.

Choices between alternative wordings (headings here, phrases in :mod:`draftkit.draft.prompts`) are
deterministic in (seed, section id, slot): the same facts and seed give the same report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from draftkit.config import Settings, load_data, load_data_as, prompts_path
from draftkit.era import load_era
from draftkit.errors import DraftkitError
from draftkit.facts import Facts
from draftkit.report import SectionNotFound
from draftkit.zh import heading_label

MARKER_OPEN = "【待补充："
MARKER_CLOSE = "】"
MARKER_RE = re.compile(r"【待补充：([^】]*)】")
#: a number carried over from last year's report (``Facts.confirm``) and not yet confirmed
CONFIRM_OPEN = "【待核实："
CONFIRM_RE = re.compile(r"【待核实：([^】]*)】")
#: either marker, whole (what a model's rewrite must keep as written)
ANY_MARKER_RE = re.compile(r"【待(?:补充|核实)：[^】]*】")


def marker(label: str) -> str:
    """The visible gap marker: 【待补充：党员总数】."""
    return f"{MARKER_OPEN}{label}{MARKER_CLOSE}"


def confirm_marker(label: str) -> str:
    """The visible to-confirm marker after a carried-over number: 【待核实：党员总数】."""
    return f"{CONFIRM_OPEN}{label}{MARKER_CLOSE}"


class PlanError(DraftkitError, ValueError):
    """An outline file that cannot be used (names the file and the problem)."""


# ---------------------------------------------------------------------------------------------
# Outline (the YAML)


class OutlineSection(BaseModel):
    id: str
    heading: str | list[str]
    kind: str = "other"
    template: str | None = None
    phrases: str | None = None
    required: bool = False
    feeds: list[str] = Field(default_factory=list)
    activities: list[str] = Field(default_factory=list)
    catch_all: bool = False
    markers: dict[str, str] = Field(default_factory=dict)
    query: str = ""
    length: int = 300
    children: list[OutlineSection] = Field(default_factory=list)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


class Outline(BaseModel):
    report_kind: str
    title: str
    when: str = "{year}年"
    period: str = "全年"
    next_period: str = "新的一年"
    era_month: int = 12
    opening: str = "opening"
    outro: str = ""
    closing: str = "closing"
    sections: list[OutlineSection]

    def walk(self):
        for s in self.sections:
            yield from s.walk()


def _build_outline(raw: Any, path: Path) -> Outline:
    try:
        outline = Outline.model_validate(raw)
    except ValueError as exc:
        raise PlanError(f"{path}: outline cannot be read: {exc}") from exc
    ids = [s.id for s in outline.walk()]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise PlanError(f"{path}: duplicate section ids {dupes}")
    return outline


def load_outline(report_kind: str, settings: Settings | None = None) -> Outline:
    """The outline of a report kind (built once per version of the file)."""
    p = prompts_path("outlines", f"{report_kind}.yaml", settings=settings)
    if not p.is_file():
        raise PlanError(f"{p}: no outline for report kind {report_kind!r}")
    try:
        return load_data_as(f"outlines/{report_kind}.yaml", _build_outline, settings)
    except yaml.YAMLError as exc:
        raise PlanError(f"{p}: outline cannot be read: {exc}") from exc


# ---------------------------------------------------------------------------------------------
# Small helpers


def choose_index(n: int, *key: Any) -> int:
    """A stable choice among ``n`` options for ``key`` (no salted hash(): same across processes)."""
    if n <= 1:
        return 0
    digest = hashlib.blake2b("|".join(map(str, key)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % n


def fact_value(facts: Facts, path: str) -> Any:
    """The value at a dotted path ("members.total"); None when absent."""
    value: Any = facts
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def has_value(value: Any) -> bool:
    return value is not None and value != [] and value != ""


# ---------------------------------------------------------------------------------------------
# Era wording of the report's year


class EraContext(BaseModel):
    """What the report of this year (up to ``cutoff``) says about the Party's line and campaigns."""

    year: int
    cutoff: tuple[int, int]
    guiding_line: str  # "以习近平新时代中国特色社会主义思想为指导，深入学习贯彻党的二十大和二十届二中、三中全会精神"
    thought: str  # "以习近平新时代中国特色社会主义思想为指导"
    congress: str  # "党的二十大和二十届二中、三中全会精神" (+ "和习近平总书记系列重要讲话精神" before 2017)
    campaigns: list[str] = Field(default_factory=list)  # as printed: "党纪学习教育"
    anniversaries: list[str] = Field(default_factory=list)  # "建党100周年"
    impossible: list[str] = Field(default_factory=list)  # items that began after the cutoff


def era_context(year: int, month: int = 12, display: dict[str, str] | None = None) -> EraContext:
    """The era wording for a report of ``year`` written at the end of ``month`` (12: annual, 6: half-year).

    ``display``: how a campaign is printed (default: ``campaign_display`` in phrases/common.yaml)."""
    era = load_era()
    cutoff = (year, month)
    thought_item = era.thought_for(year, month)
    thought = thought_item.text if thought_item else ""
    congress = era.congress_phrase(year, month) or ""
    guiding = era.guiding_line(year, month)
    if display is None:
        display = common_phrases().get("campaign_display") or {}
    campaigns = []
    for item in era.campaigns_in(year):
        if item.start > cutoff:
            continue
        if item.end is not None:
            if item.end[0] == year and item.end[1] <= 2:  # ended in the first weeks of the year
                continue
        elif item.start[0] != year:  # open-ended: named in the year it began
            continue
        campaigns.append(display.get(item.name, item.name))
    anniversaries = [i.name for i in era.items if i.kind == "anniversary" and i.active_in(year) and i.start <= cutoff]
    impossible = [i.name for i in era.items if i.start > cutoff]
    return EraContext(year=year, cutoff=cutoff, guiding_line=guiding, thought=thought, congress=congress,
                      campaigns=campaigns, anniversaries=anniversaries, impossible=impossible)


# ---------------------------------------------------------------------------------------------
# The plan


class SectionPlan(BaseModel):
    id: str
    title: str  # heading text without numbering
    heading: str  # numbered, as printed
    level: int
    kind: str
    template: str | None = None
    phrases: str | None = None
    parent: str | None = None
    children: list[str] = Field(default_factory=list)
    feeds: list[str] = Field(default_factory=list)
    activities: list[int] = Field(default_factory=list)  # indices into facts.activities
    takes: list[str] = Field(default_factory=list)  # section kinds whose practices and notes it writes
    markers: dict[str, str] = Field(default_factory=dict)
    missing: dict[str, str] = Field(default_factory=dict)  # required facts that are absent → marker label
    query: str = ""
    length: int = 300


class ReportPlan(BaseModel):
    report_kind: str
    title: str
    year: int
    unit: str
    org_type: str
    org_name: str
    parent_org: str | None = None
    subject: str  # how the prose names the organisation: "学校党支部"
    place: str  # "学校"
    when: str  # "2024年" / "2024年上半年"
    period: str  # "全年" / "上半年"
    next_period: str  # "新的一年" / "下半年"
    outro: str  # "现将2024年党建工作总结如下："
    opening_template: str
    closing_template: str
    era: EraContext
    sections: list[SectionPlan]
    signature_unit: str
    signature_date: dt.date | None = None
    missing: dict[str, str] = Field(default_factory=dict)  # report-level gaps (signature.date)
    seed: int = 0

    def section(self, section_id: str) -> SectionPlan:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise SectionNotFound(f"no section {section_id!r} in the plan; its sections are "
                              f"{', '.join(s.id for s in self.sections) or 'none'}")


def common_phrases(settings: Settings | None = None) -> dict[str, Any]:
    return load_data("phrases/common.yaml", settings=settings)


def subject_for(facts: Facts, settings: Settings | None = None) -> tuple[str, str]:
    """(subject, place): "学校党支部", "学校" — by the unit name's ending (学区, 幼儿园 …)."""
    common = common_phrases(settings)
    place = common.get("subject_default_place", "学校")
    for suffix, p in (common.get("subject_places") or {}).items():
        if facts.unit.endswith(suffix):
            place = p
            break
    return f"{place}{facts.org_type}", place


def _route_activities(outline: Outline, facts: Facts) -> dict[str, list[int]]:
    """Activity indices per section id: the first section taking the kind, else the catch-all."""
    routes: dict[str, list[int]] = {}
    taking: dict[str, str] = {}
    catch_all = None
    for s in outline.walk():
        for k in s.activities:
            taking.setdefault(k, s.id)
        if s.catch_all and catch_all is None:
            catch_all = s.id
    for i, a in enumerate(facts.activities):
        target = taking.get(a.kind, catch_all)
        if target is not None:
            routes.setdefault(target, []).append(i)
    return routes


def _route_kinds(outline: Outline, facts: Facts) -> dict[str, list[str]]:
    """Section kinds (of ``facts.practices`` and ``facts.notes``) per section id: the section taking
    activities of that kind, else the first section of that kind with a body, else the catch-all."""
    taking: dict[str, str] = {}
    by_kind: dict[str, str] = {}
    catch_all = None
    for s in outline.walk():
        for k in s.activities:
            taking.setdefault(k, s.id)
        if s.template and s.template != "lead":
            by_kind.setdefault(s.kind, s.id)
        if s.catch_all and catch_all is None:
            catch_all = s.id
    routes: dict[str, list[str]] = {}
    for kind in dict.fromkeys([*facts.practices, *facts.notes]):
        if not (facts.practices.get(kind) or facts.notes.get(kind)):
            continue
        target = taking.get(kind) or by_kind.get(kind) or catch_all
        if target is not None:
            routes.setdefault(target, []).append(kind)
    return routes


def _format_query(pattern: str, facts: Facts, titles: list[str]) -> str:
    text = pattern.format(titles=" ".join(titles), brand=facts.brand or "", org_type=facts.org_type,
                          unit=facts.unit, year=facts.year)
    return re.sub(r"\s+", " ", text).strip()


def plan_report(facts: Facts, seed: int = 0, settings: Settings | None = None) -> ReportPlan:
    """The ordered, numbered section plan of the report these facts describe."""
    outline = load_outline(facts.report_kind, settings)
    routes = _route_activities(outline, facts)
    kind_routes = _route_kinds(outline, facts)
    common = common_phrases(settings)

    def build(node: OutlineSection, level: int, parent: str | None) -> dict[str, Any] | None:
        kids = [k for k in (build(c, level + 1, node.id) for c in node.children) if k is not None]
        acts = routes.get(node.id, [])
        takes = kind_routes.get(node.id, [])
        fed = any(has_value(fact_value(facts, f)) for f in node.feeds) or bool(acts) or bool(kids) or bool(takes)
        if not (node.required or fed):
            return None
        entry: dict[str, Any] = {"node": node, "level": level, "parent": parent, "children": kids,
                                 "activities": acts, "takes": takes, "feeds": list(node.feeds),
                                 "markers": dict(node.markers),
                                 "template": node.template, "phrases": node.phrases or node.kind,
                                 "length": node.length}
        if len(kids) == 1 and not kids[0]["children"]:  # a lone child is folded into its parent
            only = kids[0]
            entry.update(children=[], activities=only["activities"], takes=only["takes"], feeds=only["feeds"],
                         markers=only["markers"], template=only["template"], phrases=only["phrases"],
                         length=only["length"])
        return entry

    entries = [e for e in (build(s, 1, None) for s in outline.sections) if e is not None]
    sections: list[SectionPlan] = []

    def emit(entry: dict[str, Any], n: int) -> None:
        node: OutlineSection = entry["node"]
        options = [node.heading] if isinstance(node.heading, str) else list(node.heading)
        title = options[choose_index(len(options), seed, node.id, "heading")]
        acts = entry["activities"]
        missing = {}
        for path, label in entry["markers"].items():
            if path == "activities":  # practices or notes of the section stand in for activities
                if not acts and not entry["takes"]:
                    missing[path] = label
            elif path == "activities.count":
                continue  # per activity, at render time
            elif not has_value(fact_value(facts, path)):
                missing[path] = label
        titles = [facts.activities[i].title for i in acts]
        sections.append(SectionPlan(
            id=node.id, title=title, heading=heading_label(entry["level"], n) + title, level=entry["level"],
            kind=node.kind, template=entry["template"], phrases=entry["phrases"], parent=entry["parent"],
            children=[c["node"].id for c in entry["children"]], feeds=entry["feeds"], activities=acts,
            takes=entry["takes"],
            markers=entry["markers"], missing=missing, query=_format_query(node.query, facts, titles),
            length=entry["length"],
        ))
        for i, child in enumerate(entry["children"], start=1):
            emit(child, i)

    for i, e in enumerate(entries, start=1):
        emit(e, i)

    subject, place = subject_for(facts, settings)
    fmt = {"unit": facts.unit, "year": facts.year, "org_name": facts.org_name or facts.unit}
    era = era_context(facts.year, outline.era_month, common.get("campaign_display") or {})
    missing = {}
    if facts.signature.date is None:
        missing["signature.date"] = "落款日期"
    return ReportPlan(
        report_kind=facts.report_kind, title=outline.title.format(**fmt), year=facts.year, unit=facts.unit,
        org_type=facts.org_type, org_name=facts.org_name or facts.unit, parent_org=facts.parent_org,
        subject=subject, place=place, when=outline.when.format(**fmt), period=outline.period,
        next_period=outline.next_period, outro=outline.outro.format(**fmt), opening_template=outline.opening,
        closing_template=outline.closing, era=era, sections=sections, signature_unit=facts.signature_unit,
        signature_date=facts.signature.date, missing=missing, seed=seed,
    )
