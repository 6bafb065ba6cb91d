"""The era check: what a report of year Y says that is stale or impossible for Y.

Rules (the ``rule`` of each finding), with data from ``prompts/era.yaml`` (the congresses,
thoughts and items, and ``check_rules`` for the words that tell uses apart):

* ``era.impossible_congress`` (P0): a congress or plenum held after Y ("二十大" in 2020);
  looking forward to the next congress ("喜迎二十大" within a year of it) is only
  ``era.anticipated_congress`` (P2).
* ``era.stale_guiding`` (P0; P1 when the newer congress met during Y): the guiding line or what
  is studied names an older congress than Y's ("以党的十九大精神为指导" in 2024).
* ``era.stale_mention`` (P2): an older congress named in another way (not history).
  History ("十九大以来", "自十九大召开以来") is no finding.
* ``era.missing_plenum`` (P2): the guiding line names Y's congress but not the latest plenum
  held by December of Y (2021: 十九届六中全会).
* ``era.impossible_item`` (P0; P1 for an anniversary; P2 ``era.anticipated_item`` when looked
  forward to): a campaign or term that began after Y ("党纪学习教育" in 2020).
* ``era.ended_campaign`` (P1 spoken of as running; P2 ``era.ended_campaign_note`` otherwise):
  a campaign that ended before Y; keeping its results ("巩固……成果") is no finding.
* ``era.stale_thought`` (P0; P1 in the first year of the new thought): a guiding thought of an
  earlier era without the current one ("贯彻落实科学发展观" in 2023); ``era.stale_term`` (P2):
  the same wording outside a guiding sentence.

Every rule looks at the sentence around a mention, clipped to a window, so the check is linear
in the text's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from draftkit.checks.data import checks_data
from draftkit.checks.document import Paragraph, ReportText
from draftkit.checks.models import Finding
from draftkit.config import load_data_as
from draftkit.era import Congress, Era, EraItem, YearMonth, load_era

CHECK = "era"
WINDOW = 160  # characters either side of a mention that its sentence is clipped to

_SENTENCE_END = re.compile(r"[。！？；!?;\n]")
_CLAUSE_END = re.compile(r"[，,。！？；!?;\n]")
_CN_ORDINALS = "一二三四五六七八九"


def _msg(rule: str, **kw: Any) -> str:
    return checks_data()["messages"][rule].format(**kw)


def _ym(d: YearMonth) -> str:
    return f"{d[0]}年{d[1]}月"


@dataclass(frozen=True)
class _Rules:
    era: Era
    rules: dict[str, list[str]]
    congress_re: re.Pattern[str]
    plenum_re: re.Pattern[str]
    items_re: re.Pattern[str] | None
    alias_to_item: dict[str, EraItem]
    thought_markers: list[tuple[str, int]]  # (marker, index of its thought)


def _compile(raw: Any, path: Path) -> _Rules:
    era = load_era()  # the same file, parsed once: built from this very version
    rules = raw.get("check_rules", {})
    ords = "|".join(re.escape(c.ordinal) for c in sorted(era.congresses, key=lambda c: len(c.ordinal), reverse=True))
    congress_re = re.compile(rf"(?:党的)?(?:第)?({ords})(?:次全国代表)?大(?!学|队|会堂|门)")
    plenum_re = re.compile(
        rf"(?:党的)?({ords})届((?:[{_CN_ORDINALS}]中(?:全会)?\s*(?:[、，,和及与至到]\s*)?)+)(?:全会|全体会议)?"
    )
    alias_to_item: dict[str, EraItem] = {}
    for item in era.items:
        for a in item.aliases or [item.name]:
            alias_to_item.setdefault(a, item)
    aliases = sorted(alias_to_item, key=len, reverse=True)
    items_re = re.compile("|".join(re.escape(a) for a in aliases)) if aliases else None
    markers = [(m, i) for i, t in enumerate(era.thoughts) for m in t.markers]
    markers.sort(key=lambda x: len(x[0]), reverse=True)
    return _Rules(era, rules, congress_re, plenum_re, items_re, alias_to_item, markers)


def _rules() -> _Rules:
    return load_data_as("era.yaml", _compile)


def _window(text: str, s: int, e: int, ends: re.Pattern[str] = _SENTENCE_END) -> tuple[int, int]:
    """The sentence (or clause) around [s, e), clipped to WINDOW characters either side."""
    lo = max(0, s - WINDOW)
    start = lo
    for m in ends.finditer(text, lo, s):
        start = m.end()
    m = ends.search(text, e, min(len(text), e + WINDOW))
    end = m.start() if m else min(len(text), e + WINDOW)
    return start, end


def _has(text: str, words: list[str]) -> bool:
    return any(w in text for w in words)


def _starts(text: str, words: list[str]) -> bool:
    return any(text.startswith(w) for w in words)


def _ends(text: str, words: list[str]) -> bool:
    return any(text.endswith(w) for w in words)


# --------------------------------------------------------------------------- the check
def check_era(doc: ReportText | str | Any, year: int | None, report_kind: str | None = None) -> list[Finding]:
    """Stale or impossible wording for a report of ``year`` (no findings when ``year`` is None:
    the caller notes that the era check was skipped). ``report_kind`` (the facts' kind, or the
    title's) decides which year the plans part should look at: the next, or for a half-year
    summary the same one."""
    if year is None:
        return []
    rt = ReportText.coerce(doc) if not isinstance(doc, str) else ReportText.from_text(doc, detect=False)
    r = _rules()
    findings: list[Finding] = []
    state = {"latest_plenum_named": False, "first_guiding_current": None}
    same_year = report_kind in r.rules.get("same_year_plan_kinds", []) if report_kind else "半年" in (rt.title or "")
    plan_year = year if same_year else year + 1
    first = rt.paragraphs[0].text if rt.paragraphs else ""
    month = period_end_month(rt.title or (first if len(first) <= 60 else None), report_kind)
    for para in rt.paragraphs:
        findings.extend(_check_paragraph(para, year, r, state, month))
        findings.extend(_check_plan_year(para, year, plan_year, r))
    findings.extend(_missing_plenum(year, r, state, month))
    findings.sort(key=lambda f: (f.paragraph if f.paragraph is not None else -1, f.span))
    return findings


def period_end_month(title: str | None, report_kind: str | None = None) -> int:
    """The last month of the period a report covers: 6 for "2024年上半年……总结", 3 for a first-quarter
    report, 12 for a year (``period_end_months`` / ``period_kinds`` in ``prompts/era.yaml``). The era
    check judges a report at the end of that month."""
    rules = _rules().rules
    text = title or ""
    for entry in rules.get("period_end_months", []):
        if any(w in text for w in entry.get("words", [])):
            return int(entry["month"])
    return int((rules.get("period_kinds") or {}).get(report_kind or "", 12))


def _finding(para: Paragraph, rule: str, severity: str, s: int, e: int, message: str,
             suggestion: str | None = None) -> Finding:
    return Finding(check=CHECK, severity=severity, rule=rule, section=para.section, paragraph=para.index,
                   span=(s, e), text=para.text[s:e], message=message, suggestion=suggestion)


def _check_paragraph(para: Paragraph, year: int, r: _Rules, state: dict, month: int = 12) -> list[Finding]:
    text = para.text
    era, rules = r.era, r.rules
    cutoff = era.cutoff(year, month)
    current = era.congress_for(year, month)
    out: list[Finding] = []
    guiding_line = era.guiding_line(year, month)
    expected = era.congress_phrase(year, month) or ""

    def classify(s: int, e: int) -> str:
        """historical | anticipatory | guiding | other, from the words around a mention."""
        ws, we = _window(text, s, e)
        before, after = text[ws:s], text[e:we]
        if _starts(after, rules.get("historical_after", [])):
            return "historical"
        if (_ends(before[-8:], rules.get("anticipatory_before", []))
                or _starts(after, rules.get("anticipatory_after", []))):
            return "anticipatory"
        if _starts(after, rules.get("guiding_after", [])) or _has(text[ws:we], rules.get("guiding_markers", [])):
            return "guiding"
        return "other"

    # congresses and plenums, as (start, end, congress, plenum names)
    mentions: list[tuple[int, int, Congress, list[str]]] = []
    by_ord = {c.ordinal: c for c in era.congresses}
    taken: list[tuple[int, int]] = []
    for m in r.plenum_re.finditer(text):
        c = by_ord[m.group(1)]
        names = _plenum_names(m.group(2), c)
        mentions.append((m.start(), m.end(), c, names))
        taken.append((m.start(), m.end()))
    for m in r.congress_re.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        mentions.append((m.start(), m.end(), by_ord[m.group(1)], []))
    mentions.sort(key=lambda x: x[0])

    covered: tuple[int, str] = (-1, "")  # a stale phrase already reported ("十九大和十九届四中全会精神")
    for s, e, c, plenums in mentions:
        mention = text[s:e]
        if s < covered[0] and c.name == covered[1]:
            continue
        kind = classify(s, e)
        future = [p for p in plenums if next(pl.date for pl in c.plenums if pl.name == p) > cutoff]
        if c.date > cutoff or future:
            what = c.name if c.date > cutoff else f"{c.ordinal}届{future[0]}全会"
            date = c.date if c.date > cutoff else next(pl.date for pl in c.plenums if pl.name == future[0])
            if kind == "anticipatory" and date[0] <= year + 1:
                out.append(_finding(para, "era.anticipated_congress", "P2", s, e,
                                    _msg("era.anticipated_congress", year=year, mention=mention, date=_ym(date))))
            else:
                out.append(_finding(para, "era.impossible_congress", "P0", s, e,
                                    _msg("era.impossible_congress", year=year, mention=mention, what=what,
                                         date=_ym(date)),
                                    _msg("era.suggest_guiding", line=guiding_line)))
            continue
        if current is not None and c.name == current.name:
            if kind == "guiding":
                latest = current.plenums_by(cutoff)
                if latest and latest[-1].name in plenums:
                    state["latest_plenum_named"] = True
                elif state["first_guiding_current"] is None:
                    state["first_guiding_current"] = (para, s, e)
            continue
        if current is None or c.date >= current.date:
            continue
        # an older congress
        if kind == "historical":
            continue
        if kind == "guiding":
            severity = "P0" if current.date[0] < year else "P1"
            phrase = _mention_phrase(text, s, e)
            covered = (s + len(phrase), c.name)
            out.append(_finding(para, "era.stale_guiding", severity, s, e,
                                _msg("era.stale_guiding", year=year, mention=phrase, expected=expected),
                                _msg("era.suggest_guiding", line=guiding_line)))
        elif kind == "other":
            out.append(_finding(para, "era.stale_mention", "P2", s, e,
                                _msg("era.stale_mention", year=year, mention=mention, current=current.name)))
    # a text naming the latest plenum anywhere (also "三中全会精神" after a guiding line)
    latest = current.plenums_by(cutoff) if current else []
    if latest and f"{current.ordinal}届{latest[-1].name}" in text:
        state["latest_plenum_named"] = True

    out.extend(_check_thoughts(para, year, r, classify, month))
    out.extend(_check_items(para, year, r, month))
    return out


def _is_plans_heading(text: str, r: _Rules) -> bool:
    return _has(text, r.rules.get("plan_section_words", []))


def _check_plan_year(para: Paragraph, year: int, plan_year: int, r: _Rules) -> list[Finding]:
    """``era.plan_year`` (P1): plans put in a year before the one they are for."""
    rules = r.rules
    text = para.text
    if para.heading_label is not None:
        start = text.find(para.heading_label)
        body = start + len(para.heading_label) if start >= 0 else 0
        m = _compiled_re(rules.get("plan_heading_re"))
        hit = m.match(text[body:]) if m is not None else None
        if hit is None or int(hit.group(1)) >= plan_year:
            return []
        return [_finding(para, "era.plan_year", "P1", body + hit.start(1), body + hit.end(0),
                         _msg("era.plan_year", year=year, mention=f"“{hit.group(0).strip()}”", expected=plan_year),
                         _msg("era.suggest_plan_year", expected=plan_year))]
    if not any(_is_plans_heading(h, r) for h in [*(para.path or []), para.section or ""]):
        return []
    m = _compiled_re(rules.get("plan_sentence_re"))
    hit = m.match(text) if m is not None else None
    if hit is None or int(hit.group(1)) >= plan_year:
        return []
    _, we = _window(text, hit.start(), hit.end())
    if not _has(text[hit.end():we], rules.get("plan_future_words", [])):
        return []
    return [_finding(para, "era.plan_year", "P1", hit.start(1), hit.end(0),
                     _msg("era.plan_year", year=year, mention=f"“{text[hit.start():we].strip()[:20]}……”",
                          expected=plan_year),
                     _msg("era.suggest_plan_year", expected=plan_year))]


@lru_cache(maxsize=16)
def _compiled_re(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _plenum_names(listing: str, c: Congress) -> list[str]:
    """"二中、三中、四中、五中" → [二中, 三中, 四中, 五中]; "二中至五中" expands the range."""
    names = re.findall(rf"([{_CN_ORDINALS}])中", listing)
    out: list[str] = []
    rng = re.search(rf"([{_CN_ORDINALS}])中(?:全会)?\s*[至到]\s*([{_CN_ORDINALS}])中", listing)
    if rng:
        a, b = _CN_ORDINALS.index(rng.group(1)), _CN_ORDINALS.index(rng.group(2))
        names = names + [_CN_ORDINALS[i] for i in range(a, b + 1)]
    for n in names:
        name = f"{n}中"
        if name not in out:
            out.append(name)
    known = {p.name for p in c.plenums}
    return [n for n in out if n in known]


def _mention_phrase(text: str, s: int, e: int) -> str:
    """The mention with what it qualifies: "党的十九大精神", "十九届四中全会精神"."""
    tail = re.match(r"(?:和[^，。；]{0,30}?全会)?(?:会议)?(?:精神|报告)?", text[e : e + 40])
    return text[s : e + (tail.end() if tail else 0)]


def _check_thoughts(para: Paragraph, year: int, r: _Rules, classify, month: int = 12) -> list[Finding]:
    era, text = r.era, para.text
    current = era.thought_for(year, month)
    if current is None:
        return []
    cur_idx = era.thoughts.index(current)
    current_words = current.markers + [current.text]
    out: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for marker, idx in r.thought_markers:
        if idx >= cur_idx:
            continue
        if any(marker in w for w in current_words):  # still part of the current wording
            continue
        start = 0
        while True:
            s = text.find(marker, start)
            if s < 0:
                break
            e = s + len(marker)
            start = e
            if any(a < e and s < b for a, b in taken):
                continue
            taken.append((s, e))
            ws, we = _window(text, s, e)
            if any(m in text[ws:we] for m in current.markers):
                continue  # the full list ("……科学发展观、习近平新时代中国特色社会主义思想为指导")
            old = era.thoughts[idx]
            until = _ym(old.end) if old.end else ""
            if _has(text[ws:we], r.rules.get("guiding_markers", [])):
                severity = "P0" if current.start[0] < year else "P1"
                out.append(_finding(para, "era.stale_thought", severity, s, e,
                                    _msg("era.stale_thought", year=year, mention=marker, expected=current.text),
                                    _msg("era.suggest_guiding", line=era.guiding_line(year, month))))
            else:
                out.append(_finding(para, "era.stale_term", "P2", s, e,
                                    _msg("era.stale_term", mention=marker, until=until, year=year)))
    return out


def _check_items(para: Paragraph, year: int, r: _Rules, month: int = 12) -> list[Finding]:
    if r.items_re is None:
        return []
    text, rules = para.text, r.rules
    cutoff = r.era.cutoff(year, month)
    out: list[Finding] = []
    for m in r.items_re.finditer(text):
        item = r.alias_to_item[m.group(0)]
        s, e = m.start(), m.end()
        ws, we = _window(text, s, e, _CLAUSE_END)
        around = text[ws:we]
        mention = m.group(0)
        if item.start > cutoff:
            anticipated = _has(text[max(ws, s - 8) : s], rules.get("anticipatory_before", [])) and item.start[0] <= year + 1
            if anticipated:
                out.append(_finding(para, "era.anticipated_item", "P2", s, e,
                                    _msg("era.anticipated_item", year=year, mention=mention, date=_ym(item.start))))
            else:
                severity = "P1" if item.kind == "anniversary" else "P0"
                out.append(_finding(para, "era.impossible_item", severity, s, e,
                                    _msg("era.impossible_item", year=year, mention=mention, what=item.name,
                                         date=_ym(item.start)),
                                    _msg("era.suggest_remove", year=year)))
            continue
        if item.kind in ("campaign", "anniversary") and item.end is not None and item.end < (year, 1):
            if _has(around, rules.get("consolidation_markers", [])):
                continue
            near_before = text[max(ws, s - 12) : s]
            current_use = _has(near_before, rules.get("current_markers", []))
            rule = "era.ended_campaign" if current_use else "era.ended_campaign_note"
            out.append(_finding(para, rule, "P1" if current_use else "P2", s, e,
                                _msg(rule, year=year, mention=mention, what=item.name, end=_ym(item.end)),
                                _msg("era.suggest_remove", year=year)))
    return out


def _missing_plenum(year: int, r: _Rules, state: dict, month: int = 12) -> list[Finding]:
    if state["latest_plenum_named"] or state["first_guiding_current"] is None:
        return []
    era = r.era
    current = era.congress_for(year, month)
    plenums = current.plenums_by(era.cutoff(year, month)) if current else []
    if not plenums:
        return []
    latest = plenums[-1]
    para, s, e = state["first_guiding_current"]
    return [_finding(para, "era.missing_plenum", "P2", s, e,
                     _msg("era.missing_plenum", mention=_mention_phrase(para.text, s, e), year=latest.date[0],
                          month=latest.date[1], plenum=f"{current.ordinal}届{latest.name}",
                          expected=era.congress_phrase(year, month)),
                     _msg("era.suggest_guiding", line=era.guiding_line(year, month)))]
