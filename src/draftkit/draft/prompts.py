"""Rendering: the template backend's skeleton (facts → official prose) and the model prompt.

Templates are ``prompts/sections/<name>.j2`` (Jinja2); wording alternatives are phrase banks
``prompts/phrases/<bank>.yaml`` (a section's own bank first, then ``common.yaml``). A template
writes ``¶`` between paragraphs; other line breaks in a template are layout only.

The skeleton states every fact fed to a section exactly once and nothing else that could be
checked: phrase banks carry no numbers, so every number in a skeleton comes from the facts, the
year or a date. A required fact that is missing is written as 【待补充：…】 where it belongs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from typing import Any

import jinja2
from pydantic import BaseModel, Field

from draftkit.config import Settings, load_data, prompts_path
from draftkit.draft.plan import (
    ReportPlan,
    SectionPlan,
    choose_index,
    common_phrases,
    confirm_marker,
    fact_value,
    marker,
    plan_report,
)
from draftkit.draft.prose import level_is_doubled, opens_alike, polish, secretary_counts
from draftkit.facts import Activity, Facts, Honour, Practice, field_label
from draftkit.practices import Catalogue, load_catalogue
from draftkit.zh import HEADING_START_RE

PARAGRAPH = "¶"
_TRAILING = "。；;，,、 \u3000"
#: an exemplar's own heading line (numbered, up to 40 characters), cut before the model sees it
_HEADING_LINE = re.compile(HEADING_START_RE.pattern + r"[^\n]{0,40}\n")


class Skeleton(BaseModel):
    """A section rendered by the templates: its text, the gaps it marks and the carried-over numbers
    it marks 【待核实】."""

    text: str
    markers: list[str] = Field(default_factory=list)  # marker labels in order of appearance
    confirms: list[str] = Field(default_factory=list)  # 【待核实】 labels in order of appearance


# ---------------------------------------------------------------------------------------------
# Phrase banks


def phrase_bank(name: str, settings: Settings | None = None) -> dict[str, Any]:
    """``prompts/phrases/<name>.yaml`` (empty when there is none)."""
    p = prompts_path("phrases", f"{name}.yaml", settings=settings)
    if not p.is_file():
        return {}
    return load_data(p)


def phrase_options(bank: str, slot: str, year: int, settings: Settings | None = None) -> list[str]:
    """The wordings of ``slot`` usable in a report of ``year`` (section bank first, then common)."""
    raw = phrase_bank(bank, settings).get(slot)
    if raw is None:
        raw = common_phrases(settings).get(slot)
    if raw is None:
        raise KeyError(f"phrase slot {slot!r} is in neither phrases/{bank}.yaml nor phrases/common.yaml")
    if isinstance(raw, str):
        raw = [raw]
    out = []
    for item in raw:
        if isinstance(item, dict):
            if year < int(item.get("from", 0)) or year > int(item.get("to", 9999)):
                continue
            out.append(str(item["text"]))
        else:
            out.append(str(item))
    return out or [""]


class _Values(dict):
    def __missing__(self, key: str) -> str:
        raise KeyError(f"phrase placeholder {{{key}}} has no value")


class Phraser:
    """Picks wordings for one section, deterministically in (seed, section id, slot, use count)."""

    def __init__(self, bank: str, seed: int, section_id: str, year: int, base: dict[str, Any],
                 settings: Settings | None = None):
        self.bank, self.seed, self.section_id, self.year = bank, seed, section_id, year
        self.base = base
        self.settings = settings
        self._uses: dict[str, int] = defaultdict(int)

    def pick(self, slot: str, options: list[str] | None = None) -> str:
        opts = options if options is not None else phrase_options(self.bank, slot, self.year, self.settings)
        n = self._uses[slot]
        self._uses[slot] += 1
        return opts[choose_index(len(opts), self.seed, self.section_id, slot, n)]

    def say(self, slot: str, **values: Any) -> str:
        text = self.pick(slot)
        return text.format_map(_Values({**self.base, **values}))

    def say_unlike(self, slot: str, avoid: list[str], **values: Any) -> str:
        """Like :meth:`say`, but skips wordings that open like any text in ``avoid`` (the openings of
        other sections, the plans before the closing); the seed's choice first, then the next ones."""
        opts = phrase_options(self.bank, slot, self.year, self.settings)
        start = choose_index(len(opts), self.seed, self.section_id, slot, self._uses[slot])
        self._uses[slot] += 1
        texts = [opts[(start + i) % len(opts)].format_map(_Values({**self.base, **values})) for i in range(len(opts))]
        for text in texts:
            if not any(opens_alike(text, other) for other in avoid):
                return text
        return texts[0]


# ---------------------------------------------------------------------------------------------
# Small text helpers


def clean_end(text: str | None) -> str:
    """A fact sentence without its closing punctuation (so templates can punctuate)."""
    return (text or "").strip().rstrip(_TRAILING)


def date_zh(value: str | None) -> str:
    """"2024-05" → "2024年5月"; "2024-05-12" → "2024年5月12日"."""
    if not value:
        return ""
    parts = value.split("-")
    out = f"{int(parts[0])}年"
    if len(parts) > 1:
        out += f"{int(parts[1])}月"
    if len(parts) > 2:
        out += f"{int(parts[2])}日"
    return out


def people(entries: list[str]) -> str:
    """["书记 李明华", "组织委员 王芳"] → "书记李明华、组织委员王芳"."""
    return "、".join(re.sub(r"[\s\u3000]+", "", e) for e in entries if e.strip())


def enumerate_items(items: list[str], ordinals: list[str]) -> str:
    """One item: "A。"; several: "一是A；二是B。" (ordinals are enumeration words, not counts)."""
    cleaned = [clean_end(i) for i in items if clean_end(i)]
    if not cleaned:
        return ""
    if len(cleaned) == 1:
        return cleaned[0] + "。"
    parts = [f"{ordinals[i] if i < len(ordinals) else ''}{t}" for i, t in enumerate(cleaned)]
    return "；".join(parts) + "。"


def _measure_rule(title: str, common: dict[str, Any]) -> dict[str, Any]:
    bare = title.rstrip("”\"")
    for rule in common.get("measures") or []:
        if any(bare.endswith(s) for s in rule["suffixes"]):
            return rule
    return {"measure": common.get("default_measure", "次"), "verbs": common.get("default_verbs", ["开展"])}


def _is_collective(name: str, common: dict[str, Any]) -> bool:
    return any(name.endswith(s) for s in common.get("collective_suffixes") or []) or len(name) > 4


# ---------------------------------------------------------------------------------------------
# The skeleton


class _Render:
    """The per-section state templates call into: phrases, markers, activity and honour sentences."""

    def __init__(self, plan: ReportPlan, section: SectionPlan | None, facts: Facts, bank: str, section_id: str,
                 settings: Settings | None = None, avoid: list[str] | None = None):
        self.plan, self.section, self.facts, self.settings = plan, section, facts, settings
        self.section_id = section_id
        self.avoid = list(avoid or [])
        self.catalogue: Catalogue = load_catalogue(settings)
        self.confirms: list[str] = []
        self.common = common_phrases(settings)
        base = {"subject": plan.subject, "place": plan.place, "period": plan.period,
                "next_period": plan.next_period, "when": plan.when, "year": plan.year,
                "org_type": plan.org_type, "org": plan.org_name, "brand": (facts.brand or "").strip("“”\"'")}
        self.ph = Phraser(bank, plan.seed, section_id, plan.year, base, settings)
        self.markers: list[str] = []

    # -- gaps
    def gap(self, label: str) -> str:
        self.markers.append(label)
        return marker(label)

    def num(self, path: str, label: str | None = None) -> str:
        """The fact at ``path`` as written, or its marker."""
        value = fact_value(self.facts, path)
        if value is None:
            return self.gap(label or (self.section.markers.get(path) if self.section else None) or path)
        return str(value) + self.confirm(path, field_label(path))

    # -- sentences
    def confirm(self, path: str, label: str) -> str:
        """【待核实：label】 after a number carried over from last year, until the user confirms it."""
        if not self.facts.needs_confirm(path):
            return ""
        self.confirms.append(label)
        return confirm_marker(label)

    def activity(self, a: Activity, first: bool) -> str:
        common = self.common
        rule = _measure_rule(a.title, common)
        measure = rule.get("measure", "次")
        count_label = self.section.markers.get("activities.count") if self.section else None
        index = next((i for i, x in enumerate(self.facts.activities) if x is a), None)
        path = f"activities[{index + 1}]" if index is not None else ""
        if a.count is not None:
            count = str(a.count)
        elif count_label:
            count = self.gap(count_label)
        else:
            count, measure = "", ""
        date = date_zh(a.date) if a.date else ""
        values = {"title": a.title, "count": count, "measure": measure, "date": date}
        if any(a.title.startswith(v) for v in common.get("verb_starts") or []):
            slot = "act_self_dated" if date else "act_self_undated"
        elif rule.get("type") == "entity":
            slot = "entity_dated" if date else "entity_undated"
            values["verb"] = self.ph.pick("verb", list(rule["verbs"]))
        else:
            slot = "act_dated" if date else "act_undated"
            values["verb"] = self.ph.pick("verb", list(rule.get("verbs") or common.get("default_verbs")))
        if not count:  # no count and no marker wanted: keep the sentence count-free
            text = (f"{date}，" if date else "") + values.get("verb", "") + a.title
        else:
            text = self.ph.say(slot, **values)
            if a.count is not None:
                text += self.confirm(f"{path}.count", f"{a.title}{field_label('activities.count')}")
        if a.participants is not None:
            who = self.ph.pick("participants_who")
            text += self.ph.say("participants", n=a.participants, who=who)
            text += self.confirm(f"{path}.participants", f"{a.title}{field_label('activities.participants')}")
        text = secretary_counts(text)
        if a.detail and clean_end(a.detail):
            text += self.ph.say("detail", detail=clean_end(a.detail))
        connector = "" if first else self.ph.say("act_connector")
        return connector + text + "。"

    # -- the parts of a full section: lead, practices, notes, the closing result sentence
    def lead(self, slot: str = "lead", **values: Any) -> str:
        """The section's lead sentence, never opening like an earlier section (``avoid``)."""
        return self.ph.say_unlike(slot, self.avoid, **values)

    def _practices(self) -> list[tuple[str, Practice]]:
        kinds = self.section.takes if self.section else []
        return [(k, p) for k in kinds for p in self.facts.practices.get(k, [])]

    def _clause(self, kind: str, p: Practice) -> str:
        entry = self.catalogue.get(p.name)
        period = self.plan.period
        forms = self.catalogue.slot_forms
        measure = entry.measure if entry else "次"
        freq = forms["freq"].format(value=p.freq) if p.freq else ""
        count = ""
        if p.count is not None:
            form = forms["count_one"] if p.count == 1 else forms["count"]
            count = form.format(value=p.count, measure=measure, period=period)
        if entry is None:
            options = self.catalogue.generic
            text = options[choose_index(len(options), self.plan.seed, self.section_id, "practice", p.name)]
            text = text.format(name=p.name, freq=freq, count=count)
        else:
            options = entry.phrasings_for(self.plan.year)
            text = options[choose_index(len(options), self.plan.seed, self.section_id, "practice", p.name)]
            tail = ""
            if freq and "{freq}" not in text:
                tail += freq
            if count and "{count}" not in text:
                tail += count
            text = text.format(freq=freq, count=count) + tail
        return clean_end(text)

    def practices(self) -> str:
        """The section's practices: three or more as 一是……二是……三是……, fewer after a connector."""
        items = self._practices()
        if not items:
            return ""
        clauses = [self._clause(k, p) for k, p in items]
        kind = items[0][0]
        if len(clauses) >= 3:
            leads = self.catalogue.group_lead.get(kind) or self.catalogue.group_lead.get("other") or [""]
            lead = leads[choose_index(len(leads), self.plan.seed, self.section_id, "group_lead")]
            return lead.format(subject=self.plan.subject) + self.enum(clauses)
        leads = self.catalogue.pair_lead
        lead = leads[choose_index(len(leads), self.plan.seed, self.section_id, "pair_lead")]
        return lead + "；".join(clauses) + "。"

    def notes(self) -> str:
        """The secretary's own points for this section, as she wrote them (a sentence end added)."""
        kinds = self.section.takes if self.section else []
        out = []
        for k in kinds:
            for note in self.facts.notes.get(k, []):
                text = note.strip()
                if text and text[-1] not in "。！？!?":
                    text = clean_end(text) + "。"
                out.append(text)
        return "".join(out)

    def result(self) -> str:
        """The closing 成效 sentence, tied to a fact of this section (its first activity, else practice)."""
        fact = ""
        acts = [self.facts.activities[i] for i in self.section.activities] if self.section else []
        if acts:
            fact = acts[0].title
        elif self._practices():
            name = self._practices()[0][1].name
            entry = self.catalogue.get(name)
            quoted = entry is not None and any(f"“{name}”" in p.text for p in entry.phrasings)
            fact = f"“{name}”" if quoted else name
        if not fact:
            return ""
        return self.ph.say("result", fact=fact)

    def campaigns(self) -> str:
        """A sentence per campaign of the report's year (era table), in sections whose bank has a
        ``campaign`` slot (theory): the campaign is the year's, never carried over from the facts."""
        if "campaign" not in phrase_bank(self.ph.bank, self.settings):
            return ""
        return "".join(self.ph.say("campaign", name=c) for c in self.plan.era.campaigns)

    def last_year_problems(self) -> str:
        """"针对去年查找的……等问题，……整改：【待补充：…】" when facts carry last year's problems."""
        ly = self.facts.last_year
        if ly is None or not ly.problems:
            return ""
        items = "、".join(f"“{clean_end(p)}”" for p in ly.problems[:2])
        return self.ph.say("last_year_problems", items=items) + self.gap(self.common["last_year_fix_label"]) + "。"

    def honour(self, h: Honour) -> str:
        common = self.common
        who = h.recipient or self.plan.subject
        if not _is_collective(who, common):
            who += common.get("person_suffix", "")
        hints = (common.get("honour_level_hints") or {}).get(h.level or "", [])
        level = h.level if h.level and not any(x in h.title for x in hints) and h.level not in h.title else ""
        if level and level_is_doubled(level, h.title):
            level = ""
        slot = "honour_award" if any(h.title.endswith(s) for s in common.get("honour_award_suffixes") or []) \
            else "honour_title"
        text = self.ph.say(slot, who=who, title=h.title, level=level)
        if h.year is not None and h.year != self.plan.year:
            text += common.get("honour_other_year", "（{year}年）").format(year=h.year)
        return text

    def enum(self, items: list[str]) -> str:
        return enumerate_items(items, list(self.common.get("ordinals") or []))


def _env(settings: Settings | None) -> jinja2.Environment:
    root = str(prompts_path("sections", settings=settings))
    return _env_cached(root)


@lru_cache(maxsize=4)
def _env_cached(root: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root), undefined=jinja2.StrictUndefined, autoescape=False,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False, auto_reload=True,
    )
    env.filters["clean_end"] = clean_end
    env.filters["date_zh"] = date_zh
    env.globals["people"] = people
    return env


_FIXES = [(re.compile(r"。{2,}"), "。"), (re.compile(r"，{2,}"), "，"), (re.compile(r"[，、]。"), "。"),
          (re.compile(r"：。"), "：")]


def _finish(rendered: str) -> str:
    """Template output → paragraphs: line breaks and indentation are layout, ¶ starts a paragraph."""
    text = "".join(line.strip() for line in rendered.replace("\r", "").split("\n"))
    paras = []
    for p in text.split(PARAGRAPH):
        for rx, rep in _FIXES:
            p = rx.sub(rep, p)
        p = p.strip()
        if p:
            paras.append(p)
    return "\n".join(paras)


def _context(r: _Render, plan: ReportPlan, facts: Facts, section: SectionPlan | None) -> dict[str, Any]:
    acts = [facts.activities[i] for i in section.activities] if section else []
    return {
        "facts": facts, "plan": plan, "s": section, "acts": acts, "era": plan.era,
        "subject": plan.subject, "place": plan.place, "period": plan.period, "next_period": plan.next_period,
        "year": plan.year, "org_name": plan.org_name, "P": PARAGRAPH, "say": r.ph.say, "pick": r.ph.pick,
        "gap": r.gap, "num": r.num, "activity": r.activity, "honour": r.honour, "enum": r.enum,
        "missing": section.missing if section else plan.missing, "common": r.common,
        "lead": r.lead, "practices": r.practices, "campaigns": r.campaigns, "notes": r.notes, "result": r.result,
        "last_year_problems": r.last_year_problems,
    }


def render_skeleton(plan: ReportPlan, section: SectionPlan, facts: Facts,
                    settings: Settings | None = None, avoid: list[str] | None = None) -> Skeleton:
    """The template text of one section ("" for a heading-only section).

    ``avoid``: texts of the report's other sections; the lead sentence is chosen not to open like any
    of them (the seed's choice first). The text passes :func:`draftkit.draft.prose.polish`."""
    if not section.template:
        return Skeleton(text="")
    r = _Render(plan, section, facts, section.phrases or section.kind, section.id, settings, avoid)
    template = _env(settings).get_template(f"{section.template}.j2")
    text = polish(_finish(template.render(**_context(r, plan, facts, section))))
    return Skeleton(text=text, markers=r.markers, confirms=r.confirms)


def render_part(name: str, plan: ReportPlan, facts: Facts, settings: Settings | None = None,
                avoid: list[str] | None = None) -> Skeleton:
    """The opening or closing paragraph (``prompts/sections/<name>.j2``); ``avoid`` as in render_skeleton
    (the closing is chosen not to open like the plans section before it)."""
    r = _Render(plan, None, facts, "common", f"__{name}", settings, avoid)
    template = _env(settings).get_template(f"{name}.j2")
    text = polish(_finish(template.render(**_context(r, plan, facts, None))))
    return Skeleton(text=text, markers=r.markers, confirms=r.confirms)


def fact_gaps(facts: Facts, settings: Settings | None = None) -> tuple[list[str], list[str]]:
    """What a draft from ``facts`` will leave open, as "heading：label" lines: the gaps it marks
    【待补充】 (signature included) and the carried-over numbers it marks 【待核实】."""
    plan = plan_report(facts, settings=settings)
    skeletons = [(sp, render_skeleton(plan, sp, facts, settings)) for sp in plan.sections]
    gaps = [f"{sp.heading}：{label}" for sp, sk in skeletons for label in sk.markers]
    gaps += [f"落款：{label}" for label in plan.missing.values()]
    confirms = [f"{sp.heading}：{label}" for sp, sk in skeletons for label in sk.confirms]
    return gaps, confirms
