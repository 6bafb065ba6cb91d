"""Drafting a report, section by section: plan → exemplars → prompt → backend (streaming) → guard.

``draft_report`` writes every section; ``draft_section`` rewrites one and leaves the others as
they are. Both never raise for a backend failure: the section keeps its skeleton (the facts,
rendered by the templates) and carries a warning the user sees.

``on_event`` gets each step as a :class:`~draftkit.draft.events.WriterEvent` (plan, section_start,
token, section_done; see ``draft/events.py`` for the order).

``progress`` gets a :class:`~draftkit.progress.Progress` (stage ``draft``, sections done of the
total, item = the heading) after each section.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from draftkit.config import Settings, get_settings
from draftkit.draft.backends import Backend, get_backend
from draftkit.draft.events import WriterEvent, WriterListener
from draftkit.draft.guard import audit_text
from draftkit.draft.model_prompt import unit_section_lengths
from draftkit.draft.model_section import ModelRun, write_with_model
from draftkit.draft.plan import MARKER_RE, ReportPlan, SectionPlan, plan_report
from draftkit.draft.prompts import render_part, render_skeleton
from draftkit.facts import Facts, impossible_counts, same_unit
from draftkit.progress import ProgressCallback, call_listener, notify
from draftkit.report import Exemplar, Report, SectionDraft, SectionNotFound, Signature
from draftkit.zh import ngrams, normalize

log = logging.getLogger(__name__)



#: exemplars per section, and how many hits to fetch before the year rerank
EXEMPLARS_PER_SECTION = 3
FETCH_PER_SECTION = 12
MMR = 0.5
#: the year rerank: a hit from the report's year or just before gains up to this share of its score;
#: a hit from a later year (which may speak of things that had not happened yet) loses FUTURE_PENALTY
YEAR_BONUS = 0.15
YEAR_SPAN = 10
FUTURE_PENALTY = 0.3
#: two passages sharing more than this share of their SHINGLE-character n-grams are one passage
DUPLICATE_SHARE = 0.5
SHINGLE = 6


# ---------------------------------------------------------------------------------------------
# Exemplars


def _same_report(unit: str | None, year: int | None, facts: Facts) -> bool:
    if year != facts.year:
        return False
    return any(same_unit(unit, u) for u in (facts.unit, facts.org_name))


def excluded_documents(index: Any, facts: Facts) -> list[str]:
    """Ids of indexed documents of the same unit and year as the report (never used as exemplars)."""
    return [d.doc_id for d in index.documents() if _same_report(getattr(d, "unit", None), getattr(d, "year", None), facts)]


def year_weight(hit_year: int | None, report_year: int) -> float:
    """Multiplier of a hit's score: recent years (up to the report's) first, later years last."""
    if hit_year is None:
        return 1.0
    if hit_year > report_year:
        return 1.0 - FUTURE_PENALTY
    return 1.0 + YEAR_BONUS * max(0.0, 1.0 - (report_year - hit_year) / YEAR_SPAN)


def _own_units(index: Any, facts: Facts) -> list[str]:
    """The index's unit names that denote the report's own unit (none when the index cannot list them)."""
    try:
        units = index.units()
    except Exception:
        return []
    return [u for u in units if any(same_unit(u, x) for x in (facts.unit, facts.org_name))]


def _excluded(index: Any, facts: Facts, warnings: list[str]) -> list[str]:
    """``excluded_documents`` when there is an index; a failure is a warning, never an error."""
    if index is None:
        return []
    try:
        return excluded_documents(index, facts)
    except Exception as exc:  # retrieval is help, not a requirement
        warnings.append(f"读取范文库文档列表失败（{type(exc).__name__}: {exc}）。")
        return []


def find_exemplars(index: Any, section: SectionPlan, facts: Facts, exclude_docs: list[str],
                   k: int = EXEMPLARS_PER_SECTION) -> list[Exemplar]:
    """Past passages of the section's kind (not from the same unit and year): the unit's own earlier
    reports first (the secretary's style), then the rest, recent years first."""
    query = section.query or section.title
    hits = index.search(query, k=FETCH_PER_SECTION, kinds=[section.kind], exclude_docs=exclude_docs or None,
                        mode="hybrid", mmr=MMR)
    own_units = _own_units(index, facts)
    if own_units:  # the unit's own earlier reports: the secretary's style, searched for on their own
        seen_ids = {h.chunk.id for h in hits}
        hits += [h for h in index.search(query, k=2, kinds=[section.kind], units=own_units,
                                         exclude_docs=exclude_docs or None, mode="hybrid")
                 if h.chunk.id not in seen_ids]
    excluded = set(exclude_docs)
    scored = []
    for h in hits:
        c = h.chunk
        if c.kind != section.kind or c.doc_id in excluded or _same_report(c.unit, c.year, facts):
            continue
        scored.append((h.score * year_weight(c.year, facts.year), h))
    # the same unit's passages first, then by score
    scored.sort(key=lambda x: (not any(same_unit(x[1].chunk.unit, u) for u in (facts.unit, facts.org_name)), -x[0]))
    kept: list[tuple[float, Any]] = []
    seen: list[set[str]] = []
    for score, h in scored:  # a web copy of a report is the same passage twice: keep one
        grams = ngrams(normalize(h.chunk.text), SHINGLE)
        if any(len(grams & other) > DUPLICATE_SHARE * min(len(grams), len(other)) for other in seen):
            continue
        seen.append(grams)
        kept.append((score, h))
    return [
        Exemplar(chunk_id=h.chunk.id, doc_id=h.chunk.doc_id, source=h.chunk.source, title=h.chunk.title,
                 unit=h.chunk.unit, year=h.chunk.year, heading_path=list(h.chunk.heading_path), kind=h.chunk.kind,
                 text=h.chunk.text, score=round(float(score), 6))
        for score, h in kept[:k]
    ]


# ---------------------------------------------------------------------------------------------
# One section


def paragraph_pieces(text: str) -> list[str]:
    """A text streamed as the template backend streams it: paragraph by paragraph."""
    lines = text.split("\n")
    return [line + ("\n" if i < len(lines) - 1 else "") for i, line in enumerate(lines)]


def _marker_warning(skeleton: str) -> list[str]:
    labels = MARKER_RE.findall(skeleton)
    return [f"待补充：{'、'.join(dict.fromkeys(labels))}（请在事实中补上，或在文中填写）"] if labels else []


def _write(plan: ReportPlan, sp: SectionPlan, facts: Facts, skeleton: str, exemplars: list[Exemplar],
           backend: Backend, emit: WriterListener, settings: Settings, heading: str | None = None,
           level: int | None = None, extra_warnings: list[str] | None = None,
           run: ModelRun | None = None, seed: int = 0) -> SectionDraft:
    """Generate and guard one section; never raises for a backend failure."""
    started = time.perf_counter()
    emit(WriterEvent.start(sp.id))
    warnings: list[str] = list(extra_warnings or [])
    name = backend.name or type(backend).__name__
    model_error: str | None = None
    if not sp.template:
        text = ""
    elif backend.uses_skeleton:
        pieces = []
        for piece in backend.generate(skeleton, stream=True):
            pieces.append(piece)
            emit(WriterEvent.token(sp.id, piece))
        text = "".join(pieces)
        for f in audit_text(text, facts, plan.era, sp.heading):  # a template bug, never expected
            warnings.append(f"模板稿核对：{f.message}")
    elif sp.children:  # a parent's one-sentence lead into its subsections: no facts, nothing to write
        text = skeleton
        for piece in paragraph_pieces(skeleton):
            emit(WriterEvent.token(sp.id, piece))
    else:
        text, more, result = write_with_model(plan, sp, facts, skeleton, exemplars, backend, emit, settings,
                                              run or ModelRun(settings), seed=seed)
        warnings.extend(more)
        if result is None:  # the model was not used: its reason is the last warning
            model_error = more[-1] if more else "模型未能生成本节"
    warnings.extend(_marker_warning(text if text else skeleton))
    draft = SectionDraft(id=sp.id, heading=heading or sp.heading, level=level or sp.level, kind=sp.kind, text=text,
                         skeleton=skeleton, warnings=warnings, exemplars=exemplars, backend=name,
                         seconds=round(time.perf_counter() - started, 4), seed=seed, model_error=model_error)
    emit(WriterEvent.done(draft.model_copy(deep=True)))  # a listener must not change the report
    return draft


def _resolve_backend(backend: Backend | str | None, settings: Settings) -> Backend:
    if backend is None or isinstance(backend, str):
        return get_backend(backend, settings)
    return backend


def _emitter(on_event: WriterListener | None) -> WriterListener:
    def emit(event: WriterEvent) -> None:
        if on_event is not None:  # a broken listener must not stop drafting
            call_listener(on_event, event, f"on_event listener on {event.kind}")

    return emit


def _exemplars_for(index: Any, sp: SectionPlan, facts: Facts, exclude: list[str],
                   warnings: list[str]) -> list[Exemplar]:
    if index is None or not sp.template or sp.children:
        return []  # a heading-only section, or a parent's one-sentence lead: nothing to imitate
    try:
        return find_exemplars(index, sp, facts, exclude)
    except Exception as exc:  # retrieval is help, not a requirement
        log.warning("exemplar search failed for %s: %s", sp.id, exc)
        warnings.append(f"“{sp.title}”检索范文失败（{type(exc).__name__}: {exc}），本节没有参考范文。")
        return []


# ---------------------------------------------------------------------------------------------
# The report


def render_skeletons(plan: ReportPlan, facts: Facts, settings: Settings | None = None,
                     ) -> tuple[dict[str, str], list[str]]:
    """Every section's skeleton in report order, each lead chosen not to open like an earlier section;
    also the 【待核实】 labels (carried-over numbers) in order."""
    skeletons: dict[str, str] = {}
    confirms: list[str] = []
    for sp in plan.sections:
        sk = render_skeleton(plan, sp, facts, settings, avoid=[t for t in skeletons.values() if t])
        skeletons[sp.id] = sk.text
        confirms += sk.confirms
    return skeletons, confirms


def _closing_avoid(plan: ReportPlan, skeletons: dict[str, str]) -> list[str]:
    """The paragraphs the closing must not open like: the plans section's and the last section's."""
    texts = [skeletons[sp.id] for sp in plan.sections if sp.kind == "plans" and skeletons.get(sp.id)]
    if plan.sections and skeletons.get(plan.sections[-1].id):
        texts.append(skeletons[plan.sections[-1].id])
    return [p for t in texts for p in t.split("\n")[:1]]


def draft_report(facts: Facts, index: Any = None, backend: Backend | str | None = None, seed: int = 0,
                 progress: ProgressCallback | None = None, on_event: WriterListener | None = None,
                 settings: Settings | None = None) -> Report:
    """Draft the whole report. ``index``: an open retrieval ``Index`` (None: no exemplars)."""
    t0 = time.perf_counter()
    settings = settings or get_settings()
    backend = _resolve_backend(backend, settings)
    emit = _emitter(on_event)
    plan = plan_report(facts, seed=seed, settings=settings)
    opening = render_part(plan.opening_template, plan, facts, settings).text
    skeletons, confirms = render_skeletons(plan, facts, settings)
    closing = render_part(plan.closing_template, plan, facts, settings, avoid=_closing_avoid(plan, skeletons)).text
    warnings: list[str] = [f"事实中的数字互相矛盾，草稿照写，请先核对：{note}。" for note in impossible_counts(facts)]
    if confirms:
        warnings.append(f"有{len(confirms)}个数字沿用往年总结、尚待核实：{'、'.join(dict.fromkeys(confirms))}"
                        "（核实后从事实的 confirm 中删去，草稿中的【待核实】标记随之消失）。")
    if index is None:
        warnings.append("没有打开范文库（index），本次起草没有参考范文。")
    if "signature.date" in plan.missing:
        warnings.append("事实中没有落款日期，落款处留有【待补充：落款日期】。")
    if index is not None and hasattr(index, "encode_queries"):
        try:  # one model pass for every section's query instead of one per section
            index.encode_queries([sp.query or sp.title for sp in plan.sections if sp.template and not sp.children])
        except Exception as exc:  # searching still works, query by query
            log.warning("batch query embedding failed: %s", exc)
    gaps = [m for sk in skeletons.values() for m in MARKER_RE.findall(sk)]
    if gaps:
        warnings.append(f"有{len(gaps)}处事实待补充：{'、'.join(dict.fromkeys(gaps))}。")
    name = backend.name or type(backend).__name__
    report = Report(
        title=plan.title, year=plan.year, unit=plan.unit, report_kind=plan.report_kind, backend=name,
        opening=opening, closing=closing, warnings=warnings,
        signature=Signature(unit=plan.signature_unit, date=plan.signature_date),
        sections=[SectionDraft(id=sp.id, heading=sp.heading, level=sp.level, kind=sp.kind, skeleton=skeletons[sp.id],
                               backend=name) for sp in plan.sections],
    )
    t_plan = time.perf_counter()
    emit(WriterEvent.plan(report.model_copy(deep=True)))

    exclude = _excluded(index, facts, warnings)
    section_warnings: dict[str, list[str]] = {sp.id: [] for sp in plan.sections}
    exemplars = {sp.id: _exemplars_for(index, sp, facts, exclude, section_warnings[sp.id]) for sp in plan.sections}
    t_retrieval = time.perf_counter()

    total = len(plan.sections)
    done = 0

    model_run = ModelRun(settings)
    if index is not None and not backend.uses_skeleton:
        model_run.unit_lengths = unit_section_lengths(index, facts)

    def run(sp: SectionPlan) -> SectionDraft:
        return _write(plan, sp, facts, skeletons[sp.id], exemplars[sp.id], backend, emit, settings,
                      extra_warnings=section_warnings[sp.id], run=model_run, seed=seed)

    def advance(d: SectionDraft) -> None:
        nonlocal done
        done += 1
        notify(progress, "draft", done, total, d.heading)

    workers = 1 if backend.uses_skeleton else max(1, backend.concurrency)
    drafts: dict[str, SectionDraft] = {}
    if workers == 1:
        for sp in plan.sections:
            drafts[sp.id] = run(sp)
            advance(drafts[sp.id])
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="draft") as pool:
            futures = {sp.id: pool.submit(run, sp) for sp in plan.sections}
            for sp in plan.sections:
                drafts[sp.id] = futures[sp.id].result()
                advance(drafts[sp.id])
    report.sections = [drafts[sp.id] for sp in plan.sections]
    t_end = time.perf_counter()
    report.timings = {"plan": round(t_plan - t0, 4), "retrieval": round(t_retrieval - t_plan, 4),
                      "generation": round(t_end - t_retrieval, 4), "total": round(t_end - t0, 4)}
    fallbacks = [s.heading for s in report.sections if any("已改用模板稿" in w for w in s.warnings)]
    if model_run.health.failures and fallbacks and all(s.text == s.skeleton for s in report.sections):
        # the model was asked for and never wrote: say so first, in one line, with why
        report.warnings.insert(0, f"模型没有用上（{model_run.health.reason}），整份报告都是模板稿（只含事实的版本）。"
                                  "请检查模型服务或模型文件后重新生成。")
    if fallbacks:
        report.warnings.append(f"{len(fallbacks)}节改用了模板稿：{'、'.join(fallbacks)}（见各节提示）。")
    return report


def draft_section(report: Report, section_id: str, facts: Facts, index: Any = None,
                  backend: Backend | str | None = None, seed: int = 0, on_event: WriterListener | None = None,
                  settings: Settings | None = None) -> SectionDraft:
    """Rewrite one section of ``report`` (which is not changed); returns the new SectionDraft.

    The heading and level stay as they are in the report. Raises SectionNotFound (a KeyError) when the report has no
    such section, or when the facts no longer give the section anything to say.
    """
    settings = settings or get_settings()
    backend = _resolve_backend(backend, settings)
    emit = _emitter(on_event)
    old = report.section(section_id)
    plan = plan_report(facts, seed=seed, settings=settings)
    try:
        sp = plan.section(section_id)
    except SectionNotFound:
        raise SectionNotFound(f"section {section_id!r} ({old.heading}) has no facts to draw on any more") from None
    others = [s.text or s.skeleton for s in report.sections if s.id != section_id]
    skeleton = render_skeleton(plan, sp, facts, settings, avoid=others).text
    warnings: list[str] = []
    exclude = _excluded(index, facts, warnings)
    exemplars = _exemplars_for(index, sp, facts, exclude, warnings)
    model_run = ModelRun(settings)
    if index is not None and not backend.uses_skeleton:
        model_run.unit_lengths = unit_section_lengths(index, facts)
    return _write(plan, sp, facts, skeleton, exemplars, backend, emit, settings, heading=old.heading,
                  level=old.level, extra_warnings=warnings, run=model_run, seed=seed)


def report_to_json_dict(report: Report) -> dict[str, Any]:
    """The ``draftkit draft --json`` shape: title, year, unit, backend, sections (id, heading, kind,
    text, warnings, exemplars with chunk_id/source/title/year/text), closing, signature, warnings —
    plus the rest of the Report, so ``Report.model_validate`` reads the file back."""
    return report.model_dump(mode="json")
