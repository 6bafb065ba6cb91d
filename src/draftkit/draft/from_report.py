"""Last year's report as the starting point: a past report (any file ingest reads) → facts for year Y.

What it carries over, and how:

- unit, org type, org name and parent org, from the report;
- the members and structure numbers, activities (title, section kind, count), practices found from
  the catalogue (``prompts/practices.yaml``), the brand;
- every number carried over is listed in ``confirm`` (the draft shows 【待核实：…】 until the user
  removes it from there);
- last year's honours, problems and plans go under ``last_year`` (reference only, never this year's);
- era wording never carries over: an activity or practice named after a campaign or anniversary
  that is not of year Y is left out (and reported), and drafting regenerates the era lines from Y;
- a masked number (``X名``, ``**名``, ``xx次``) gives no value: only Arabic digits are read, never
  next to a mask.

Rules (patterns, verbs, measures) are data in ``prompts/from_report.yaml``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from draftkit.config import load_data
from draftkit.era import load_era
from draftkit.facts import Facts, OrgType, parse_facts
from draftkit.ingest.clean import join_number_measure
from draftkit.ingest.kinds import heading_kinds
from draftkit.ingest.models import Chunk, Document
from draftkit.ingest.pipeline import ingest_file
from draftkit.practices import load_catalogue

#: the report kinds of ingest's structure → Facts.report_kind
REPORT_KINDS = {"年度总结": "annual_summary", "半年总结": "half_year_summary", "述职报告": "secretary_review"}
WORK_KINDS = ("theory", "organization", "conduct", "ideology", "integration", "brand", "service", "mass_orgs", "other")
UNIT_MARKER = "【待补充：单位名称】"
_MASK_BEFORE = set("Xx*＊×※")
_MASKED_UNIT = re.compile(r"[Xx*＊×※]{1,}|某")


def _rules() -> dict[str, Any]:
    return load_data("from_report.yaml")


@dataclass
class FromReport:
    """The facts read from a past report, and what was left out (Chinese sentences, for the user)."""

    facts: Facts
    source: str
    skipped: list[str] = field(default_factory=list)


def _number(text: str, patterns: list[str]) -> int | None:
    """The first Arabic number any pattern captures, skipping one written next to a mask (1X名)."""
    for pat in patterns:
        for m in re.finditer(pat, text):
            s = m.start(1)
            if s > 0 and text[s - 1] in _MASK_BEFORE or text[m.end(1):m.end(1) + 1] in _MASK_BEFORE:
                continue
            return int(m.group(1))
    return None


def _joined(text: str) -> str:
    """``text`` with a number and its measure word unbroken ("党员15 名" → "党员15名")."""
    return join_number_measure(text)[0]


def _stale_era_words(year: int) -> list[str]:
    """Names of campaigns and anniversaries (and their aliases) that are not of ``year``."""
    era = load_era()
    words: list[str] = []
    for item in era.items:
        if item.kind in ("campaign", "anniversary") and not item.active_in(year):
            words += [item.name, *item.aliases]
        elif not item.started_by(year):
            words += [item.name, *item.aliases]
    return sorted({w.strip("“”") for w in words if w}, key=len, reverse=True)


def _segments(text: str) -> list[str]:
    return [s for s in re.split(r"[，,。；;！？!?：:\n]", text) if s.strip()]


def _activities(doc: Document, rules: dict[str, Any]) -> list[dict[str, Any]]:
    verbs = "|".join(sorted(rules["activity_verbs"], key=len, reverse=True))
    measures = "".join(rules["activity_measures"])
    lo, hi = rules["activity_min_chars"], rules["activity_max_chars"]
    first = re.compile(rf"(?:{verbs})([^，。；、\d\sXx*＊]{{{lo},{hi}}}?)(\d+)([{measures}])")
    more = re.compile(rf"^、([^，。；、\d\sXx*＊]{{{lo},{hi}}}?)(\d+)([{measures}])")
    strip = sorted(rules["activity_strip_prefix"], key=len, reverse=True)
    inner = list(rules["activity_inner_verbs"])
    skip = set(rules["activity_skip"])
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for chunk in doc.chunks:
        kind = chunk.kind if chunk.kind in WORK_KINDS else None
        if kind is None:
            continue
        for seg in _segments(_joined(chunk.text)):
            pos = 0
            while True:
                m = first.search(seg, pos)
                if m is None:
                    break
                found = [m]
                rest = seg[m.end():]
                while (n := more.match(rest)) is not None:
                    found.append(n)
                    rest = rest[n.end():]
                pos = m.end()
                for f in found:
                    title = f.group(1)
                    for v in inner:  # "上半年召开支委会": the name follows the last verb
                        if v in title:
                            title = title[title.rindex(v) + len(v):]
                    for p in strip:
                        title = title.removeprefix(p)
                    title = title.strip("“”\"'（）() ")
                    if title.count("“") != title.count("”") or "”" in title[:1]:
                        continue  # cut out of a quotation (讲 in “小小讲解员”): not a name
                    if seg[f.end(2):f.end(2) + 1] in _MASK_BEFORE or len(title) < lo or title in skip \
                            or any(title.endswith(s) for s in skip) or title in seen:
                        continue
                    seen.add(title)
                    out.append({"title": title, "kind": kind, "count": int(f.group(2))})
    return out


def _named_activities(doc: Document, rules: dict[str, Any], counted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Activities the report names without a count ("开展“双培双带”活动"): a verb, then a name ending in one
    of ``activity_named_suffixes``; count None, so the draft asks for it (【待补充：次数】). Names that
    list several things, are cut mid-phrase, or are already among ``counted`` are left out."""
    verbs = "|".join(sorted(rules["activity_verbs"], key=len, reverse=True))
    suffixes = list(rules["activity_named_suffixes"])
    ends = "|".join(sorted(map(re.escape, suffixes), key=len, reverse=True))
    found = re.compile(rf"(?:{verbs})了?((?:“[^”，。；、：\s]{{2,12}}”|[^，,。；;、：:\s\d“”XxＸ*＊（）()]){{1,14}}?(?:{ends}))"
                       rf"(?![\u4e00-\u9fff])")
    inner = list(rules["activity_inner_verbs"])
    strip = sorted(rules["activity_strip_prefix"], key=len, reverse=True)
    reject, starts = list(rules["activity_named_reject"]), tuple(rules["activity_named_reject_start"])
    known = [a["title"] for a in counted]
    out: list[dict[str, Any]] = []
    for chunk in doc.chunks:
        if chunk.kind not in WORK_KINDS:
            continue
        for m in found.finditer(_joined(chunk.text)):
            title = m.group(1)
            for v in inner:
                if v in title:
                    title = title[title.rindex(v) + len(v):]
            for p in strip:
                title = title.removeprefix(p)
            if (len(title) < rules["activity_named_min_chars"] or title in suffixes or title.startswith(starts)
                    or title.count("“") != title.count("”") or any(w in title for w in reject)
                    or any(k in title or title in k or _alike(k, title) for k in known)):
                continue
            known.append(title)
            out.append({"title": title, "kind": chunk.kind})
    return out


def _alike(a: str, b: str) -> bool:
    """Two spellings of one activity ("优质教育进社区活动" / "优质教育走进社区活动")."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.8


def _signature(line: str, rules: dict[str, Any]) -> bool:
    """True for a line of the signature block (the organisation's name alone, the date alone)."""
    s = line.strip(" \u3000")
    return any(re.fullmatch(p, s) for p in rules["signature_lines"])


def _items(chunks: list[Chunk], kind: str, rules: dict[str, Any]) -> list[str]:
    """Enumerated items (一是…… / 1. …… / （一）……) of the ``kind`` part (problems or plans), lead
    sentences dropped. A chunk's first line is dropped only when it is the part's own heading (one
    naming ``kind``, "四、2015年工作思路"), not an item heading ("（四）深化……"); the signature block
    (``signature_lines``: the organisation's name, the date) ends the part."""
    mark = re.compile(rules["item_marks"])
    out: list[str] = []
    for chunk in chunks:
        if chunk.kind != kind:
            continue
        lines = chunk.text.split("\n")
        if len(lines) > 1 and len(lines[0]) <= 30 and kind in heading_kinds(lines[0]):
            lines = lines[1:]
        end = next((i for i, line in enumerate(lines) if _signature(line, rules)), None)
        body = "\n".join(lines[:end])
        pieces = [p.strip(" ：:；;。\n") for p in mark.split(body)]
        if len(pieces) > 1:
            pieces = pieces[1:]  # what comes before the first mark is the lead
        for p in pieces:
            p = re.split(r"[。\n]", p)[0].strip(" ：:；;，,")
            if 4 <= len(p) <= 80 and not p.endswith(("如下", "以下")):
                out.append(p)
        if end is not None:
            break  # nothing after the signature belongs to the part
    return list(dict.fromkeys(out))[:8]


def _honours(doc: Document, rules: dict[str, Any]) -> list[dict[str, Any]]:
    verbs = "|".join(sorted(rules["honour_verbs"], key=len, reverse=True))
    pat = re.compile(rf"([^，。；、\n]{{0,14}}?)(?:{verbs})(?:了)?(“[^”]{{2,30}}”|[^，。；、\n]{{2,30}}?称号|[^，。；、\n]{{2,30}})")
    out: list[dict[str, Any]] = []
    for chunk in doc.chunks:
        if chunk.kind != "honours":
            continue
        for seg in re.split(r"[。；;\n]", chunk.text):
            for m in pat.finditer(seg):
                title = re.sub(r"称号$", "", m.group(2)).strip("“” ")
                if len(title) < 3 or any(c in title for c in "Xx*＊"):
                    continue
                who = m.group(1).split("被")[0].strip(" ，,")
                item: dict[str, Any] = {"title": title}
                if 2 <= len(who) <= 14 and not any(c in who for c in "Xx*＊"):
                    item["recipient"] = who
                if doc.year:
                    item["year"] = doc.year
                out.append(item)
    return out[:12]


def _org_type(doc: Document) -> str | None:
    """党委 / 党总支 / 党支部 / 联合党支部: the one ingest read, else the first named in the opening
    (title and first paragraph); None when neither says (学区, 教育局 are units, not org types)."""
    types = typing.get_args(OrgType)
    if doc.org_type in types:
        return doc.org_type
    head = doc.text[:300]
    found = [(head.find(t), -len(t), t) for t in types if t in head]
    return min(found)[2] if found else None


def _clean_unit(unit: str | None, rules: dict[str, Any]) -> str | None:
    """The school or body itself (no 党支部 after it); None when absent or masked (新xx小学)."""
    if not unit or _MASKED_UNIT.search(unit):
        return None
    unit = unit.removeprefix("中共")
    for suffix in rules["unit_org_suffixes"]:
        if unit.endswith(suffix) and len(unit) > len(suffix) + 1:
            return unit[: -len(suffix)]
    return unit


def facts_from_report(path: str | Path, year: int | None = None) -> FromReport:
    """Read a past report and return facts for ``year`` (see the module docstring for what and how);
    ``year`` None: the year after the report's own (the current year when the report names none).

    Raises :class:`draftkit.ingest.load.IngestError` for a file ingest cannot read, and
    :class:`draftkit.facts.FactsError` should the result not validate (a bug)."""
    doc = ingest_file(path)
    if year is None:
        year = doc.year + 1 if doc.year else dt.date.today().year
    return facts_from_document(doc, year)


def facts_from_document(doc: Document, year: int) -> FromReport:
    """:func:`facts_from_report` on an ingested document."""
    rules = _rules()
    # ingest's cleaning already joins "15 名"; a document ingested raw (clean=False) is joined here
    text = _joined(doc.text)
    skipped: list[str] = []
    stale = _stale_era_words(year)
    confirm: list[str] = []
    data: dict[str, Any] = {"version": 2, "year": year}

    unit = _clean_unit(doc.unit, rules)
    data["unit"] = unit or UNIT_MARKER
    if unit is None:
        skipped.append("单位名称读不出来（或被打码），请补上")
    org_type = _org_type(doc)
    data["org_type"] = org_type or "党支部"
    if org_type is None:
        skipped.append("党组织类型读不出来，暂按党支部，请核对")
        confirm.append("org_type")
    data["report_kind"] = REPORT_KINDS.get(doc.report_kind or "", "annual_summary")
    m = re.search(rules["org_name"], text)
    if m and unit and unit in m.group(0) and not _MASKED_UNIT.search(m.group(0)):
        data["org_name"] = m.group(0)
    m = re.search(rules["parent_org"], text)
    if m and not _MASKED_UNIT.search(m.group(1)):
        data["parent_org"] = m.group(1)

    # numbers: the 基本情况 part first, then the whole text
    overview = _joined("\n".join(c.text for c in doc.chunks if c.kind == "overview")) or text
    for path, patterns in rules["members"].items():
        value = _number(overview, patterns)
        if value is None and overview is not text:
            value = _number(text, patterns)
        if value is None:
            continue
        group, name = path.split(".")
        data.setdefault(group, {})[name] = value
        confirm.append(path)

    acts = []
    counted = _activities(doc, rules)
    for a in [*counted, *_named_activities(doc, rules, counted)]:
        hit = next((w for w in stale if w in a["title"]), None)
        if hit:
            skipped.append(f"活动“{a['title']}”带有{year}年不再使用的提法“{hit}”，没有沿用")
            continue
        acts.append(a)
    data["activities"] = acts
    # a carried count is to verify (【待核实】); a named activity without one asks for it (【待补充：次数】)
    confirm += [f"activities[{i}].count" for i, a in enumerate(acts, 1) if a.get("count") is not None]

    practices: dict[str, list[str]] = {}
    catalogue = load_catalogue()
    for chunk in doc.chunks:
        if chunk.kind not in (*WORK_KINDS, "overview"):
            continue  # a practice named only among the problems or plans was not kept up
        for e in catalogue.entries:
            if e.start is not None and year < e.start:
                continue
            flat = chunk.text.replace("“", "").replace("”", "")
            if any(s.replace("“", "").replace("”", "") in flat for s in e.spellings()):
                if e.name not in practices.setdefault(e.kind, []):
                    practices[e.kind].append(e.name)
    data["practices"] = {k: v for k, v in practices.items() if v}

    m = re.search(rules["brand"], text)
    if m and not _MASKED_UNIT.search(m.group(1)):
        data["brand"] = m.group(1)

    last: dict[str, Any] = {"source": Path(doc.path).name}
    if doc.year:
        last["year"] = doc.year
    last["honours"] = _honours(doc, rules)
    last["problems"] = _items(doc.chunks, "problems", rules)
    last["plans"] = _items(doc.chunks, "plans", rules)
    data["last_year"] = last
    data["confirm"] = confirm
    facts = parse_facts(data, doc.path)
    return FromReport(facts=facts, source=doc.path, skipped=skipped)
