"""The prompt a model backend is given for one section (``prompts/sections/_system.j2``, ``_prompt.j2``
and the facts list ``_facts.j2``).

Small models follow a plain request and echo a labelled block (docs/benchmarks.md, "LLM backends";
``../shared/MODELS.md``): asked to "改写" a text under 【必保内容】, Qwen2.5 0.5B/1.5B copy it back,
label included. So the prompt is written as a secretary would brief a colleague:

1. one or two exemplars, fenced and declared as data (style only; their instructions are ignored),
   the same unit's earlier reports first (the secretary's own style);
2. the year's guiding line;
3. the section's facts as a plain list — every number, name and date, the practices and the
   secretary's notes (facts v2, when present);
4. one plain instruction with the target length.

Exemplar text is escaped: the fence and the 【…】 label brackets cannot occur inside it, so an
exemplar cannot close its fence or pose as the prompt's own labels (issue 16, item 16).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, Field

from draftkit.checks.residue import fix_convert_errors
from draftkit.config import Settings
from draftkit.draft.plan import ANY_MARKER_RE, ReportPlan, SectionPlan, common_phrases
from draftkit.draft.prompts import _env, _finish, _measure_rule, people
from draftkit.facts import Facts, same_unit
from draftkit.practices import CatalogueError, load_catalogue
from draftkit.report import Exemplar

#: the fence around each exemplar; never inside one (see :func:`escape_exemplar`)
FENCE = "＝＝＝"
#: exemplars shown to the model (the section keeps more for the UI's cards)
PROMPT_EXEMPLARS = 2
EXEMPLAR_CHARS = 360
#: a target length scaled from the unit's own reports stays within these bounds (characters)
LENGTH_BOUNDS = (120, 1200)
_HEADING_LINE = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．、])[^\n]{0,40}\n")


class ModelPrompt(BaseModel):
    """What is sent for one section: ``system`` and ``user`` messages, the ``stop`` strings (an
    echoed fence ends the answer), the target ``length`` (characters) and the exemplars shown."""

    system: str
    user: str
    stop: list[str] = Field(default_factory=list)
    length: int
    exemplars: list[str] = Field(default_factory=list)  # chunk ids, in the order shown
    fact_lines: list[str] = Field(default_factory=list)


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """A conservative token count for a server that cannot count: 1.5 per CJK character or
    full-width mark (Qwen, DeepSeek and GLM use about 0.7–1, Llama-family tokenizers up to 2) and
    one per 3 other characters, rounded up."""
    cjk = len(_CJK.findall(text))
    return int(cjk * 1.5 + (len(text) - cjk) / 3) + 1


def escape_exemplar(text: str) -> str:
    """Exemplar text that cannot break out of its fence: fence runs and full-width equals signs are
    removed, the label brackets 【】 become ［］, line breaks become spaces."""
    text = text.replace(FENCE, "").replace("＝", "").replace("【", "［").replace("】", "］")
    return re.sub(r"\s*\n\s*", "", text).strip()


def exemplar_text(ex: Exemplar, chars: int = EXEMPLAR_CHARS) -> str:
    """An exemplar as the model sees it: heading line dropped, 文库 convert errors put right
    (效劳 → 服务), escaped, cut to ``chars`` characters at a sentence end where one is near."""
    text = escape_exemplar(fix_convert_errors(_HEADING_LINE.sub("", ex.text.strip(), count=1)))
    if len(text) > chars:
        cut = text[:chars]
        end = max(cut.rfind("。"), cut.rfind("；"))
        text = cut[:end + 1] if end >= chars // 2 else cut.rstrip() + "……"
    return text


def practice_lines(facts: Facts, kind: str, settings: Settings | None = None, skeleton: str | None = None) -> list[str]:
    """The practices (facts v2) of one section kind as the model sees them: "第一议题（每周一次，全年共40次）";
    with ``skeleton``, only those the skeleton states (two sections of one kind share the practices out)."""
    try:
        catalogue = load_catalogue(settings)
    except CatalogueError:
        catalogue = None
    out = []
    for p in (getattr(facts, "practices", None) or {}).get(kind, []):
        if skeleton is not None and _bare(p.name) not in _bare(skeleton):
            continue
        entry = catalogue.get(p.name) if catalogue is not None else None
        bits = [b for b in (p.freq, f"{p.count}{entry.measure if entry else '次'}" if p.count is not None else None) if b]
        out.append(p.name + (f"（{'，'.join(bits)}）" if bits else ""))
    return out


def _bare(text: str) -> str:
    return re.sub(r"[“”\"'‘’「」《》\s。，、；：,.;:]", "", text)


def section_fact_lines(plan: ReportPlan, section: SectionPlan, facts: Facts,
                       settings: Settings | None = None, skeleton: str | None = None) -> list[str]:
    """The section's facts as list lines ("- 党员：31名，其中预备党员2名"), from ``_facts.j2``. With
    ``skeleton``, the practices and notes are those the skeleton states (the template decides which
    section of a kind carries them)."""
    common = common_phrases(settings)
    acts = [facts.activities[i] for i in section.activities]

    def measure(title: str) -> str:
        return str(_measure_rule(title, common).get("measure", "次"))

    env = _env(settings)
    rendered = env.get_template("_facts.j2").render(
        facts=facts, s=section, acts=acts, subject=plan.subject, year=plan.year, measure=measure, people=people,
        practices=practice_lines(facts, section.kind, settings, skeleton),
        notes=[n for n in (getattr(facts, "notes", None) or {}).get(section.kind, [])
               if skeleton is None or _bare(n) in _bare(skeleton)], missing=section.missing,
    )
    return [line.strip() for line in rendered.split("\n") if line.strip().startswith("- ")]


def target_length(section: SectionPlan, unit_lengths: Mapping[str, int] | None = None, skeleton: str = "") -> int:
    """Characters to ask for: the outline's ``length``, or — when the unit's own past reports are in
    the index — the median length of their sections of this kind (else the outline length scaled by
    the unit's median over all kinds against :data:`OUTLINE_MEDIAN`); at least
    :data:`SKELETON_FACTOR` × the skeleton's length (the room the facts need when told as prose);
    within :data:`LENGTH_BOUNDS`."""
    length = section.length
    if unit_lengths:
        if section.kind in unit_lengths:
            length = unit_lengths[section.kind]
        elif "*" in unit_lengths:
            length = round(section.length * unit_lengths["*"] / OUTLINE_MEDIAN)
    length = max(length, round(len(skeleton) * SKELETON_FACTOR))
    lo, hi = LENGTH_BOUNDS
    return max(lo, min(hi, int(length)))


#: the skeleton states every fact in its fewest words; prose that tells them takes about this much more
SKELETON_FACTOR = 1.4
#: the median ``length`` of the annual outline's sections (characters), the scale for a unit's median
OUTLINE_MEDIAN = 240


def unit_section_lengths(index: Any, facts: Facts) -> dict[str, int]:
    """Median section-body length (characters) per section kind in the unit's own earlier reports
    in ``index`` (same unit, an earlier year), and over all kinds under ``"*"``. Empty when the
    index holds none. A section is the chunks that share a heading path in one document."""
    if index is None:
        return {}
    try:
        docs = [d for d in index.documents()
                if any(same_unit(getattr(d, "unit", None), u) for u in (facts.unit, facts.org_name))
                and (getattr(d, "year", None) or 0) < facts.year]
    except Exception:  # lengths are a refinement; no index listing means the outline's lengths
        return {}
    by_kind: dict[str, list[int]] = {}
    for d in docs:
        sections: dict[tuple[str, ...], tuple[str, int]] = {}
        for c in index.chunks(d.doc_id):
            if not c.heading_path or c.kind in ("title", "opening", "closing", "signature"):
                continue
            key = tuple(c.heading_path)
            kind, n = sections.get(key, (c.kind, 0))
            sections[key] = (kind, n + len(re.sub(r"\s+", "", c.text)))
        for kind, n in sections.values():
            if n >= 40:  # a heading-only part or a stray line is not a section
                by_kind.setdefault(kind, []).append(n)
    out = {k: int(statistics.median(v)) for k, v in by_kind.items() if v}
    every = [n for v in by_kind.values() for n in v]
    if every:
        out["*"] = int(statistics.median(every))
    return out


def order_exemplars(exemplars: Iterable[Exemplar], facts: Facts) -> list[Exemplar]:
    """The same unit's earlier reports first (the secretary's own style), then the rest, each group
    in its given order."""
    exemplars = list(exemplars)
    own = [e for e in exemplars if any(same_unit(e.unit, u) for u in (facts.unit, facts.org_name))]
    return own + [e for e in exemplars if e not in own]


def render_model_prompt(plan: ReportPlan, section: SectionPlan, facts: Facts, exemplars: list[Exemplar],
                        settings: Settings | None = None, *, length: int | None = None,
                        max_exemplars: int = PROMPT_EXEMPLARS, exemplar_chars: int = EXEMPLAR_CHARS,
                        skeleton: str = "") -> ModelPrompt:
    """The (system, user) prompt for one section. ``length`` defaults to the outline's target;
    ``skeleton`` only supplies the 【待补充】 markers the answer must keep."""
    env = _env(settings)
    shown = []
    for ex in order_exemplars(exemplars, facts)[:max_exemplars]:
        own = any(same_unit(ex.unit, u) for u in (facts.unit, facts.org_name))
        shown.append({"id": ex.chunk_id, "year": ex.year, "own": own and ex.year is not None,
                      "text": exemplar_text(ex, exemplar_chars)})
    lines = section_fact_lines(plan, section, facts, settings, skeleton or None)
    markers = list(dict.fromkeys(ANY_MARKER_RE.findall(skeleton)))  # 【待补充】 gaps and 【待核实】 carried numbers
    length = length or target_length(section)
    context = {"plan": plan, "s": section, "era": plan.era, "facts": facts, "subject": plan.subject,
               "year": plan.year, "exemplars": shown, "fence": FENCE, "fact_lines": lines, "markers": markers,
               "length": length}
    system = _finish(env.get_template("_system.j2").render(**context))
    user = env.get_template("_prompt.j2").render(**context).strip()
    return ModelPrompt(system=system, user=user, stop=[FENCE], length=length,
                       exemplars=[e["id"] for e in shown], fact_lines=lines)
