"""The 起草 tab: facts form → generate (streaming, section by section) → edit → regenerate → export.

Callbacks only translate between components and library calls (draftkit.facts, draftkit.draft,
draftkit.store.drafts, draftkit.export). Every edit is saved at once in the drafts store; the browser
keeps the open draft's id (BrowserState), so a refresh or a server restart reopens it.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from draftkit.draft.backends import get_backend
from draftkit.draft.borrow import borrowed_spans, insert_borrowed, prune_borrowed, sentences_to_borrow
from draftkit.draft.from_report import facts_from_report
from draftkit.draft.plan import load_outline
from draftkit.draft.writer import draft_report
from draftkit.errors import DraftkitError
from draftkit.export import export_report
from draftkit.facts import Facts, facts_schema, load_facts, save_facts
from draftkit.report import Report, SectionDraft
from draftkit.sessions import keep_facts, regenerate_section
from draftkit.store.drafts import DraftConflict, DraftNotFound, DraftReadOnly
from draftkit.store.users import Access
from draftkit.ui import render
from draftkit.ui.context import AppContext
from draftkit.ui.facts_form import FactsForm, build_facts_form
from draftkit.ui.guard import issues_client_id
from draftkit.ui.streaming import LiveReport, Outcome, events_of


def _slot_count(settings=None, spare: int = 2) -> int:
    """Section boxes to lay out: the longest outline (prompts/outlines/*.yaml) and a spare or two."""
    longest = 0
    for kind in facts_schema()["report_kinds"]:
        try:
            longest = max(longest, sum(1 for _ in load_outline(kind, settings).walk()))
        except ValueError:  # a broken outline is reported when drafting
            continue
    return max(longest, 12) + spare


MAX_SECTIONS = _slot_count()
BACKENDS = [("模板（无需模型）", "template"), ("本地模型", "llamacpp"), ("在线接口", "openai")]
YIELD_EVERY = 0.2  # seconds between page updates while text streams in
NO_DRAFT = "还没有草稿：请先填写事实并点击“生成全文”。"
OUT_OF_STEP = "⚠ 页面与服务器失去同步（服务器可能已重启），这次修改未保存：请先复制修改的文字，再刷新页面。"
READY = "新草稿：填写或导入事实后点击“生成全文”。"
CURRENT = 0  # the version dropdowns' value for the draft's current text


def _now() -> str:
    return time.strftime("%H:%M:%S")


def _safe_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_")[:80] or "draft"


# -- the report view: title, opening, sections (one slot each), closing, signature -----------------
@dataclass
class Slot:
    group: gr.Column
    heading: gr.HTML
    body: gr.Row
    text: gr.Textbox
    warnings: gr.HTML
    exemplars: gr.HTML
    regen: gr.Button
    borrow_pick: gr.Dropdown  # 插入: an exemplar sentence to insert (choices filled on focus)
    borrow: gr.Button
    borrowed: gr.HTML  # the inserted sentences still unedited, highlighted, source in a tooltip

    @property
    def outputs(self) -> list:
        return [self.group, self.heading, self.body, self.text, self.warnings, self.exemplars]


@dataclass
class ReportView:
    empty: gr.HTML
    head: gr.Group
    title: gr.Textbox
    notes: gr.HTML
    opening: gr.Textbox
    slots: list[Slot]
    tail: gr.Group
    closing: gr.Textbox
    signature: gr.HTML
    section_ids: gr.State

    @property
    def outputs(self) -> list:
        return [self.empty, self.head, self.title, self.notes, self.opening, self.tail, self.closing, self.signature,
                self.section_ids, *[c for s in self.slots for c in s.outputs]]

    @staticmethod
    def values(report: Report | None, live: dict[str, str] | None = None, active: str | None = None,
               only: set[str] | None = None, preview: bool = False) -> list:
        """Values for ``outputs``. While streaming, ``live`` holds partial texts, ``active`` the section
        being written, ``only`` limits the section updates to the ones that changed, and ``preview``
        shows a section not written yet as its skeleton (the facts through the templates, which the
        plan carries), so the draft is readable before the exemplars are found."""
        if report is None:
            out: list = [gr.update(visible=True), gr.update(visible=False), "", gr.update(value="", visible=False), "",
                         gr.update(visible=False), "",
                         "", []]
            for _ in range(MAX_SECTIONS):
                out += [gr.update(visible=False), "", gr.update(), gr.update(value=""), "", ""]
            return out
        sections = report.sections[:MAX_SECTIONS]
        warnings = list(report.warnings)
        if len(report.sections) > MAX_SECTIONS:
            warnings.append(f"本稿有 {len(report.sections)} 节，页面只显示前 {MAX_SECTIONS} 节；导出的文件包含全部各节。")
        notes = "".join(f"<div class='dk-report-warn'>⚠ {render.esc(w)}</div>" for w in warnings)
        head = [gr.update(visible=False), gr.update(visible=True), report.title,
                gr.update(value=notes, visible=bool(notes)), report.opening,
                gr.update(visible=True), report.closing, render.signature_html(report.signature.unit, report.signature.date_text),
                [s.id for s in sections]]
        out = head if only is None else [gr.update() for _ in head]
        for i in range(MAX_SECTIONS):
            if i >= len(sections):
                out += [gr.update(visible=False), "", gr.update(), gr.update(value=""), "", ""] if only is None else \
                    [gr.update() for _ in range(6)]
                continue
            s = sections[i]
            if only is not None and s.id not in only:
                out += [gr.update() for _ in range(6)]
                continue
            text = (live or {}).get(s.id, s.text or (s.skeleton if preview else ""))
            # A parent heading ("二、主要做法和成效") has no body of its own unless someone wrote one.
            has_body = bool(text or s.skeleton or s.warnings or s.exemplars or s.id == active)
            out += [gr.update(visible=True), render.heading_html(s.heading, s.level, writing=s.id == active),
                    gr.update(visible=has_body), gr.update(value=text), render.warnings_html(s.warnings),
                    render.exemplar_cards(s.exemplars)]
        return out


def build_report_view() -> ReportView:
    empty = gr.HTML("<div class='dk-empty'>尚未生成。填写左侧事实（或导入事实文件）后点击“生成全文”。</div>",
                    elem_id="report-empty")
    with gr.Group(visible=False) as head:
        title = gr.Textbox(label="标题", elem_id="report-title", max_lines=2, elem_classes=["dk-edit"])
        notes = gr.HTML("", elem_id="report-notes", padding=True, visible=False)
        opening = gr.Textbox(label="开头", lines=3, max_lines=20, elem_id="report-opening", elem_classes=["dk-section", "dk-edit"])
    slots = []
    for i in range(MAX_SECTIONS):
        with gr.Column(visible=False, variant="panel", elem_id=f"sec-{i}", elem_classes=["dk-sec"]) as group:
            heading = gr.HTML("", elem_id=f"sec-{i}-heading", padding=False)
            with gr.Row(equal_height=False) as body:
                with gr.Column(scale=3, min_width=320):
                    text = gr.Textbox(show_label=False, lines=3, max_lines=40, interactive=True,
                                      elem_id=f"sec-{i}-text", elem_classes=["dk-section", "dk-edit"])
                    with gr.Row(equal_height=False):
                        warn = gr.HTML("", elem_id=f"sec-{i}-warnings", elem_classes=["dk-warn"], padding=False)
                        regen = gr.Button("↻ 重新生成本节", size="sm", elem_id=f"sec-{i}-regen", variant="secondary",
                                          scale=0, min_width=130)
                with gr.Column(scale=2, min_width=240):
                    ex = gr.HTML("", elem_id=f"sec-{i}-exemplars", padding=False)
                    with gr.Row(equal_height=True):
                        pick = gr.Dropdown(label="范文中的句子（插入后标为借用）", choices=[], scale=4, min_width=160,
                                           elem_id=f"sec-{i}-borrow-pick")
                        borrow = gr.Button("插入", size="sm", scale=0, min_width=64, elem_id=f"sec-{i}-borrow")
                    borrowed = gr.HTML("", elem_id=f"sec-{i}-borrowed", padding=False)
        slots.append(Slot(group, heading, body, text, warn, ex, regen, pick, borrow, borrowed))
    with gr.Group(visible=False) as tail:
        closing = gr.Textbox(label="结尾", lines=2, max_lines=12, elem_id="report-closing", elem_classes=["dk-section", "dk-edit"])
        signature = gr.HTML("", elem_id="report-signature")
    return ReportView(empty, head, title, notes, opening, slots, tail, closing, signature, gr.State([]))


# -- the tab ---------------------------------------------------------------------------------------
def build_draft_tab(ctx: AppContext, client_id: gr.BrowserState, draft_id: gr.BrowserState,
                    demo: gr.Blocks) -> None:
    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=380):
            gr.Markdown("#### ① 本年度事实")
            facts_file = gr.File(label="导入事实文件（YAML / JSON / XLSX）", file_types=[".yaml", ".yml", ".json", ".xlsx"],
                                 elem_id="facts-upload", height=110)
            past_import = gr.UploadButton("从往年总结导入", file_types=[".docx", ".txt", ".md", ".pdf", ".doc"],
                                          size="sm", elem_id="past-import")
            form = build_facts_form()
            with gr.Row():
                export_yaml = gr.Button("导出事实 YAML", size="sm", elem_id="facts-export-yaml")
                export_xlsx = gr.Button("导出事实 XLSX", size="sm", elem_id="facts-export-xlsx")
            facts_download = gr.File(label="事实文件下载", visible=False, interactive=False, elem_id="facts-download")

            gr.Markdown("#### ② 生成方式")
            backend = gr.Radio(BACKENDS, value=ctx.settings.backend if ctx.settings.backend in dict(BACKENDS).values()
                               else "template", label="生成后端", elem_id="backend")
            with gr.Group(visible=False) as model_box:
                model = gr.Textbox(label="模型名称或 GGUF 路径", value=ctx.settings.llm_model)
                base_url = gr.Textbox(label="接口地址（base URL）", value=ctx.settings.openai_base_url, visible=False)
                api_key = gr.Textbox(label="API Key", type="password", visible=False)
            seed = gr.Number(label="措辞种子（换一个数字，换一种说法）", value=0, precision=0)
            generate = gr.Button("生成全文", variant="primary", elem_id="generate", size="lg")

        with gr.Column(scale=9, min_width=560):
            with gr.Row(equal_height=False, elem_classes=["dk-drafts-row"]):
                drafts = gr.Dropdown(label="我的草稿", choices=[], interactive=True, elem_id="drafts", scale=5)
                new_draft = gr.Button("＋ 新建草稿", size="md", scale=1, min_width=120, elem_id="new-draft")
            status = gr.HTML("", elem_id="draft-status", padding=False)
            # Someone else saved this draft since this page loaded it (optimistic revisions, store/drafts.py):
            # her edit is held back until she chooses.
            with gr.Row(visible=False, elem_id="dk-conflict") as conflict_row:
                gr.HTML("<div class='dk-report-warn'>⚠ 已被他人修改：这份草稿在您打开后已由他人保存。"
                        "您刚才的修改尚未保存，请选择：</div>", padding=False)
                load_theirs = gr.Button("载入最新内容（放弃我这处修改）", size="sm", elem_id="conflict-load")
                keep_mine = gr.Button("保留我的修改（覆盖这一处）", size="sm", elem_id="conflict-keep")
            revision = gr.State(None)  # the revision of the draft this page shows
            pending = gr.State(None)  # (target, text) of the edit held back by a conflict
            # 已保存 / 未保存: set by EDIT_JS (app.py) from the marks save_edit returns; a crash leaves 未保存
            gr.HTML("<span id='dk-save-state' data-state='saved'>已保存</span>", elem_id="dk-save-box", padding=False)
            ready = gr.HTML("", elem_id="dk-ready", elem_classes=["dk-hidden"], padding=False)
            view = build_report_view()
            with gr.Row():
                export_docx = gr.Button("导出 DOCX", variant="primary", elem_id="export-docx")
                export_md = gr.Button("导出 Markdown", elem_id="export-md")
            download = gr.File(label="下载", interactive=False, elem_id="download", visible=False)
            with gr.Accordion("版本历史", open=False, elem_id="history"):
                with gr.Row():
                    ver_a = gr.Dropdown(label="版本 A", choices=[], elem_id="ver-a")
                    ver_b = gr.Dropdown(label="版本 B", choices=[], elem_id="ver-b")
                with gr.Row():
                    diff_btn = gr.Button("比较 A 与 B", size="sm", elem_id="diff")
                    restore_btn = gr.Button("恢复为版本 A", size="sm", elem_id="restore")
                diff_out = gr.HTML("", elem_id="diff-out")

    fields = form.components
    view_out = view.outputs

    # -- helpers (translation only) ----------------------------------------------------------------
    def owner_of(request: gr.Request | None, client: str | None) -> str | None:
        return ctx.owner(request, client)

    def draft_choices(owner: str | None) -> list[tuple[str, str]]:
        if owner is None:
            return []
        return [(f"{d.title}（{d.updated_at.replace('T', ' ')}）", d.id) for d in ctx.store.list(owner=owner)]

    def version_updates(owner: str | None, did: str | None) -> list:
        if not did or not ctx.store.exists(did, owner):
            return [gr.update(choices=[], value=None), gr.update(choices=[], value=None)]
        versions = ctx.store.versions(did, owner)
        choices = [(f"版本{v.number} · {v.note} · {v.created_at.replace('T', ' ')}", v.number) for v in versions]
        choices.append(("当前内容", CURRENT))
        a = versions[-2].number if len(versions) > 1 else (versions[-1].number if versions else None)
        return [gr.update(choices=choices, value=a), gr.update(choices=choices, value=CURRENT)]

    def facts_or_error(values: list[Any]) -> tuple[Facts | None, str]:
        try:
            return FactsForm.to_facts(values), ""
        except ValueError as exc:  # FactsError: Chinese messages naming the fields
            return None, f"✖ 事实有误：<pre>{render.esc(exc)}</pre>"

    def make_backend(name: str, url: str, mdl: str, key: str):
        def clean(v: str | None) -> str | None:
            return (v or "").strip() or None

        if name == "openai":
            return get_backend(name, ctx.settings, base_url=clean(url), model=clean(mdl), api_key=clean(key))
        if name == "llamacpp":
            return get_backend(name, ctx.settings, model=clean(mdl))
        return get_backend(name, ctx.settings)

    # -- opening a draft (page load, the drafts list, 新建草稿) ------------------------------------
    def open_outputs(owner: str | None, did: str | None, note: str = "") -> list:
        try:
            stored = ctx.store.get(did, owner) if did and owner else None
        except DraftNotFound:
            stored = None
        if stored is None:
            if did and not note:  # say so, rather than leave the page blank
                note = "✖ 没有找到这份草稿，或您无权查看。"
            return [None, gr.update(choices=draft_choices(owner), value=None), note,
                    *FactsForm.values(None), *ReportView.values(None), *version_updates(owner, None), None,
                    gr.update(visible=False)]
        form_values = FactsForm.values(stored.facts) if stored.facts else [gr.update() for _ in fields]
        return [stored.id, gr.update(choices=draft_choices(owner), value=stored.id),
                (note or f"已打开草稿：{render.esc(stored.title)}") + render.saved_mark("*"), *form_values,
                *ReportView.values(stored.report), *version_updates(owner, stored.id), stored.revision,
                gr.update(visible=False)]

    opened = [draft_id, drafts, status, *fields, *view_out, ver_a, ver_b, revision, conflict_row]

    @issues_client_id
    def on_load(request: gr.Request, client, did):
        ctx.warm_up()  # the first page is served: now load the embedder, while she fills in the facts
        client = client if ctx.is_client_id(client) else uuid.uuid4().hex
        # ``ready`` tells a test or a benchmark that the page-load callback has answered
        owner = owner_of(request, client)
        return [client, *open_outputs(owner, did, "" if did and ctx.store.exists(did, owner) else READY),
                "<span data-ready='1'></span>"]

    demo.load(on_load, inputs=[client_id, draft_id], outputs=[client_id, *opened, ready], show_progress="hidden")

    def pick_draft(request: gr.Request, client, did):
        return open_outputs(owner_of(request, client), did)

    def blank_draft(request: gr.Request, client):
        return open_outputs(owner_of(request, client), None, "已新建空白草稿。")

    drafts.input(pick_draft, inputs=[client_id, drafts], outputs=opened, show_progress="minimal")
    new_draft.click(blank_draft, inputs=[client_id], outputs=opened, show_progress="minimal")

    # -- facts import / export ---------------------------------------------------------------------
    def import_facts(request: gr.Request, client, did, path):
        """Fill the form from a facts file and keep the facts in a draft (so a refresh keeps them too):
        the open draft when it is about the same unit and year, else a new draft."""
        owner = owner_of(request, client)
        keep = [gr.update() for _ in opened]
        if not path:
            return keep
        try:
            facts = load_facts(Path(path))
        except ValueError as exc:  # FactsError names the file and every problem
            keep[2] = f"✖ 导入失败：<pre>{render.esc(exc)}</pre>"
            return keep
        did, created = keep_facts(ctx.store, did, facts, owner)
        return open_outputs(owner, did, f"✔ 已导入事实：{render.esc(facts.unit)} {facts.year}年"
                            + ("（新草稿）" if created else ""))

    facts_file.upload(import_facts, inputs=[client_id, draft_id, facts_file], outputs=opened, show_progress="hidden")

    def import_past(request: gr.Request, client, path, year_value):
        """从往年总结导入: a past report → this year's facts (numbers to confirm) in a new draft."""
        owner = owner_of(request, client)
        keep = [gr.update() for _ in opened]
        if not path:
            return keep
        try:
            result = facts_from_report(Path(path), int(year_value) if year_value else None)
        except (DraftkitError, ValueError) as exc:  # a file ingest cannot read names the file and the problem
            keep[2] = f"✖ 从往年总结导入失败：<pre>{render.esc(exc)}</pre>"
            return keep
        facts = result.facts
        did = ctx.store.create(facts=facts, owner=owner)
        skipped = "".join(f"<div>注意：{render.esc(x)}</div>" for x in result.skipped)
        return open_outputs(owner, did, f"✔ 已从往年总结导入：{render.esc(facts.unit)} → {facts.year}年，"
                            f"{len(facts.confirm)}项沿用的数字待核实（新草稿）{skipped}")

    past_import.upload(import_past, inputs=[client_id, past_import, form.year], outputs=opened, show_progress="hidden")

    def facts_exporter(suffix: str):
        def export_facts(request: gr.Request, client, *values):
            owner = owner_of(request, client)
            facts, error = facts_or_error(list(values))
            if facts is None:
                return gr.update(visible=False), error
            folder = ctx.owner_folder(owner, "facts")
            path = save_facts(facts, folder / f"{_safe_name(f'{facts.unit}{facts.year}年事实')}{suffix}")
            return gr.update(value=str(path), visible=True), f"✔ 已导出事实文件 {render.esc(path.name)}"

        return export_facts

    export_yaml.click(facts_exporter(".yaml"), inputs=[client_id, *fields], outputs=[facts_download, status],
                      show_progress="hidden")
    export_xlsx.click(facts_exporter(".xlsx"), inputs=[client_id, *fields], outputs=[facts_download, status],
                      show_progress="hidden")

    def backend_changed(name):
        return (gr.update(visible=name != "template"), gr.update(visible=name == "openai"),
                gr.update(visible=name == "openai"))

    backend.change(backend_changed, inputs=[backend], outputs=[model_box, base_url, api_key])

    # -- generation (streams section by section) -----------------------------------------------------
    def run_generation(request: gr.Request, client, did, backend_name, url, mdl, key, seed_value, *values):
        owner = owner_of(request, client)
        facts, error = facts_or_error(list(values))
        if facts is None:
            yield [did, error, *[gr.update() for _ in view_out]]
            return
        try:
            backend_obj = make_backend(backend_name, url, mdl, key)
        except Exception as exc:  # a missing model or package: say so, keep the page as it is
            yield [did, f"✖ 无法使用所选后端：{render.esc(exc)}", *[gr.update() for _ in view_out]]
            return
        if not did or not ctx.store.exists(did, owner):
            did = ctx.store.create(facts=facts, owner=owner)
        else:
            ctx.store.save(did, facts=facts, owner=owner)
        yield [did, render.progress_html(0, 1, "正在准备提纲和检索范文……"), *[gr.update() for _ in view_out]]
        index, index_note = ctx.index_for_drafting()  # without one the writer drafts anyway and says so

        state = LiveReport()
        last = 0.0
        outcome = Outcome()
        for event in events_of(draft_report, facts, index=index, backend=backend_obj,
                               seed=int(seed_value or 0), settings=ctx.settings):
            if isinstance(event, Outcome):
                outcome = event
                break
            first = state.apply(event) == "plan"
            now = time.monotonic()
            if state.report is None or (not first and now - last < YIELD_EVERY):
                continue
            last = now
            changed = state.take_dirty()
            yield [did, render.progress_html(state.done, state.total, state.label()),
                   *ReportView.values(state.report, state.live, state.active, only=None if first else changed,
                                      preview=True)]
        if outcome.error is not None or outcome.value is None:
            yield [did, f"✖ 生成失败：{render.esc(outcome.error)}（已生成的内容未保存，原草稿不变）",
                   *ReportView.values(ctx.store.get(did, owner).report)]
            return
        report: Report = outcome.value
        ctx.store.save(did, facts=facts, report=report, version_note="生成全文", owner=owner)
        secs = report.timings.get("total")
        msg = (f"✔ 已生成 {len(report.sections)} 节" + (f"，用时 {secs:.1f} 秒" if secs else "")
               + "。可直接修改各节，修改会自动保存。"
               + (f"<br>⚠ {render.esc(index_note)}" if index is None and ctx.has_index() else ""))
        yield [did, msg + render.saved_mark("*"), *ReportView.values(report)]

    def after_change(request: gr.Request, client, did):
        """After this page's own write (generation, regeneration, restore): the list, the versions and the
        revision it now shows."""
        owner = owner_of(request, client)
        rev = ctx.store.revision(did, owner) if did and ctx.store.exists(did, owner) else None
        return [gr.update(choices=draft_choices(owner), value=did if did else None), *version_updates(owner, did), rev]

    generate.click(run_generation, inputs=[client_id, draft_id, backend, base_url, model, api_key, seed, *fields],
                   outputs=[draft_id, status, *view_out], show_progress="hidden", concurrency_limit=4,
                   concurrency_id="generate").then(
        after_change, inputs=[client_id, draft_id], outputs=[drafts, ver_a, ver_b, revision], show_progress="hidden")

    # -- editing: every change is saved; leaving a box keeps a version --------------------------------
    def save_edit(request: gr.Request | None, client, did, target, value, rev=None, box: str = "") -> list:
        """Save one box: [status, revision, conflict row, pending edit]. With ``rev`` (the revision this page
        shows) a save that someone else's save overtook is held back and the conflict row offered. The status
        carries a mark of what was stored for ``box`` (``render.saved_mark``): the page shows 已保存 only when the
        box still holds exactly that text."""
        owner = owner_of(request, client)
        if not did or not ctx.store.exists(did, owner):
            return [NO_DRAFT, rev, gr.update(), gr.update()]
        try:
            if target in ("title", "opening", "closing"):
                ctx.store.update_part(did, target, value or "", owner=owner, expected_revision=rev)
            else:
                ctx.store.update_section_text(did, target, value or "", owner=owner, expected_revision=rev)
        except DraftConflict:
            return ["⚠ 已被他人修改，您的这处修改尚未保存。", rev, gr.update(visible=True), (target, value or "")]
        except DraftReadOnly:
            return ["⚠ 您的账号只能查看这份草稿，修改未保存。", rev, gr.update(), gr.update()]
        except KeyError:
            return ["⚠ 这一节已不在当前草稿中，未保存。", rev, gr.update(), gr.update()]
        # the row was locked and matched ``rev``, so this save made it rev + 1
        new_rev = rev + 1 if rev is not None else ctx.store.revision(did, owner)
        return [f"已自动保存（{_now()}）{render.saved_mark(box, value or '')}", new_rev, gr.update(visible=False), None]

    def keep_my_edit(request: gr.Request, client, did, held):
        """The conflict's "keep mine": save the held-back edit over the other's (theirs stays in the versions)."""
        owner = owner_of(request, client)
        if not held or not did or not ctx.store.exists(did, owner):
            return [gr.update(), gr.update(), gr.update(visible=False), None]
        target, value = held
        ctx.store.add_version(did, "他人修改（被覆盖前）", owner=owner)
        out = save_edit(request, client, did, target, value)
        return [out[0], ctx.store.revision(did, owner), gr.update(visible=False), None]

    def load_latest(request: gr.Request, client, did):
        return open_outputs(owner_of(request, client), did, "已载入他人修改后的最新内容。")

    keep_mine.click(keep_my_edit, inputs=[client_id, draft_id, pending], outputs=[status, revision, conflict_row, pending],
                    show_progress="hidden")
    load_theirs.click(load_latest, inputs=[client_id, draft_id], outputs=opened, show_progress="minimal")

    def leave_box(request: gr.Request | None, client, did, target, value, rev=None, box: str = "") -> list:
        """Leaving a box: save its text (in case a keystroke was missed) and keep a version.
        Returns [status, version A, version B, revision, conflict row, pending edit]."""
        owner = owner_of(request, client)
        keep = [gr.update(), gr.update(), gr.update()]
        if not did or not ctx.store.exists(did, owner):
            return [gr.update(), *version_updates(owner, did), *keep]
        stored = ctx.store.get(did, owner)
        report = stored.report
        if report is None:
            return [gr.update(), *version_updates(owner, did), *keep]
        try:
            current = getattr(report, target) if target in ("title", "opening", "closing") else \
                report.section(target).text
            label = {"title": "标题", "opening": "开头", "closing": "结尾"}.get(target) or report.section(target).heading
        except KeyError:
            return [gr.update(), *version_updates(owner, did), *keep]
        saved = [gr.update(), rev, gr.update(), gr.update()]
        if (value or "") != current:
            saved = save_edit(request, client, did, target, value, rev, box)
            if isinstance(saved[3], tuple):  # held back by a conflict: no version of a text not saved
                return [saved[0], *version_updates(owner, did), *saved[1:]]
        if isinstance(owner, Access) and not owner.can_write(stored.unit, stored.owner):
            return [saved[0], *version_updates(owner, did), *saved[1:]]
        ctx.store.add_version(did, f"编辑：{label}", owner=owner)
        return [saved[0], *version_updates(owner, did), *saved[1:]]

    def part_handlers(part: str):
        box = f"report-{part}"

        def on_edit(request: gr.Request, client, did, value, rev):
            return save_edit(request, client, did, part, value, rev, box)

        def on_blur(request: gr.Request, client, did, value, rev):
            return leave_box(request, client, did, part, value, rev, box)

        return on_edit, on_blur

    saved_out = [status, revision, conflict_row, pending]
    left_out = [status, ver_a, ver_b, revision, conflict_row, pending]
    for part, box in (("title", view.title), ("opening", view.opening), ("closing", view.closing)):
        on_edit, on_blur = part_handlers(part)
        box.input(on_edit, inputs=[client_id, draft_id, box, revision], outputs=saved_out, trigger_mode="always_last",
                  show_progress="hidden")
        box.blur(on_blur, inputs=[client_id, draft_id, box, revision], outputs=left_out, show_progress="hidden")

    def wire_slot(i: int, slot: Slot) -> None:
        def on_edit(request: gr.Request, client, did, ids, value, rev):
            if i >= len(ids or []):  # the page's section list lives in the server's session: gone after a restart
                return [OUT_OF_STEP, gr.update(), gr.update(), gr.update()]
            return save_edit(request, client, did, ids[i], value, rev, f"sec-{i}-text")

        def on_blur(request: gr.Request, client, did, ids, value, rev):
            if i >= len(ids or []):
                return [gr.update()] * 6
            return leave_box(request, client, did, ids[i], value, rev, f"sec-{i}-text")

        # Gradio's Textbox fires "input" on keypress only; EDIT_JS (app.py) makes IME input, paste and
        # deletions fire it too, and leaving the box saves again, so no edit is lost.
        slot.text.input(on_edit, inputs=[client_id, draft_id, view.section_ids, slot.text, revision],
                        outputs=saved_out, trigger_mode="always_last", show_progress="hidden")
        slot.text.blur(on_blur, inputs=[client_id, draft_id, view.section_ids, slot.text, revision],
                       outputs=left_out, show_progress="hidden")

        # -- one section again ---------------------------------------------------------------------
        def on_regen(request: gr.Request, client, did, ids, backend_name, url, mdl, key, seed_value, *values):
            owner = owner_of(request, client)
            keep = [gr.update()] * 4
            if not did or i >= len(ids or []) or not ctx.store.exists(did, owner):
                yield [*keep, NO_DRAFT]
                return
            stored = ctx.store.get(did, owner)
            report = stored.report
            facts, _error = facts_or_error(list(values))
            facts = facts or stored.facts
            if report is None or facts is None:
                yield [*keep, NO_DRAFT]
                return
            old = report.section(ids[i])
            try:
                backend_obj = make_backend(backend_name, url, mdl, key)
            except Exception as exc:
                yield [*keep, f"✖ 无法使用所选后端：{render.esc(exc)}"]
                return
            buf, last, outcome = "", 0.0, Outcome()
            yield [render.heading_html(old.heading, old.level, writing=True), gr.update(), gr.update(), gr.update(),
                   f"正在重新生成：{render.esc(old.heading)}"]
            for event in events_of(regenerate_section, ctx.store, did, old.id, facts, owner=owner,
                                   backend=backend_obj, index=ctx.index_for_drafting()[0],
                                   base_seed=int(seed_value or 0)):
                if isinstance(event, Outcome):
                    outcome = event
                    break
                if event.kind == "token":
                    buf += event.text
                    if time.monotonic() - last > YIELD_EVERY:
                        last = time.monotonic()
                        yield [gr.update(), gr.update(value=buf), gr.update(), gr.update(), gr.update()]
            result = outcome.value
            if outcome.error is not None or result is None or not result.ok:  # her text stays, in the box too
                why = result.message if result is not None else f"重新生成失败，原文已保留：{outcome.error}"
                current = ctx.store.get(did, owner).report.section(old.id)
                yield [render.heading_html(current.heading, current.level), gr.update(value=current.text),
                       gr.update(), gr.update(), f"✖ {render.esc(why)}{render.saved_mark(f'sec-{i}-text', current.text)}"]
                return
            new: SectionDraft = result.section
            yield [render.heading_html(new.heading, new.level), gr.update(value=new.text),
                   render.warnings_html(new.warnings), render.exemplar_cards(new.exemplars),
                   f"✔ {render.esc(result.message)}{render.saved_mark(f'sec-{i}-text', new.text)}"]

        slot.regen.click(on_regen, inputs=[client_id, draft_id, view.section_ids, backend, base_url, model, api_key,
                                           seed, *fields],
                         outputs=[slot.heading, slot.text, slot.warnings, slot.exemplars, status],
                         show_progress="hidden", concurrency_limit=4, concurrency_id="generate").then(
            after_change, inputs=[client_id, draft_id], outputs=[drafts, ver_a, ver_b, revision], show_progress="hidden")

    # -- 插入: one exemplar sentence, verbatim, marked as borrowed until edited ------------------------
    def stored_section(request, client, did, ids, i: int):
        owner = owner_of(request, client)
        if not did or i >= len(ids or []) or not ctx.store.exists(did, owner):
            return owner, None, None, None
        stored = ctx.store.get(did, owner)
        if stored.report is None:
            return owner, stored, None, None
        try:
            return owner, stored, stored.report, stored.report.section(ids[i])
        except KeyError:
            return owner, stored, stored.report, None

    def wire_borrow(i: int, slot: Slot) -> None:
        def offer(request: gr.Request, client, did, ids):
            _, stored, _, section = stored_section(request, client, did, ids, i)
            if section is None or stored.facts is None:
                return gr.update(choices=[])
            return gr.update(choices=sentences_to_borrow(section, stored.facts))

        def insert(request: gr.Request, client, did, ids, text, sentence):
            owner, _, report, section = stored_section(request, client, did, ids, i)
            if section is None or not sentence:
                return gr.update(), gr.update(), "请先在下拉框中选一句范文。" if section is not None else NO_DRAFT
            ex = next((e for e in section.exemplars if sentence in e.text), None)
            if ex is None:
                return gr.update(), gr.update(), "⚠ 这句话不在本节的参考范文中。"
            new = insert_borrowed(section.model_copy(update={"text": text or ""}), sentence, ex)
            report.sections = [new if s.id == new.id else s for s in report.sections]
            ctx.store.save(did, report=report, version_note=f"插入范文句子：{new.heading}", owner=owner)
            return new.text, render.borrowed_html(borrowed_spans(new)), f"✔ 已插入范文句子（标为借用）：{render.esc(new.heading)}"

        def refresh(request: gr.Request, client, did, ids, text):
            owner, _, report, section = stored_section(request, client, did, ids, i)
            if section is None:
                return ""
            current = prune_borrowed(section.model_copy(update={"text": text or ""}))
            if current.borrowed != section.borrowed:  # she edited a borrowed sentence: it is hers now
                report.sections = [current if s.id == current.id else s for s in report.sections]
                ctx.store.save(did, report=report, owner=owner)
            return render.borrowed_html(borrowed_spans(current))

        slot.borrow_pick.focus(offer, inputs=[client_id, draft_id, view.section_ids], outputs=[slot.borrow_pick],
                               show_progress="hidden")
        slot.borrow.click(insert, inputs=[client_id, draft_id, view.section_ids, slot.text, slot.borrow_pick],
                          outputs=[slot.text, slot.borrowed, status], show_progress="hidden")
        slot.text.blur(refresh, inputs=[client_id, draft_id, view.section_ids, slot.text], outputs=[slot.borrowed],
                       show_progress="hidden")

    for i, slot in enumerate(view.slots):
        wire_slot(i, slot)
        wire_borrow(i, slot)

    # -- export and versions -------------------------------------------------------------------------
    def do_export(fmt: str, request: gr.Request | None, client, did):
        owner = owner_of(request, client)
        if not did or not ctx.store.exists(did, owner) or ctx.store.get(did, owner).report is None:
            return gr.update(), "⚠ 还没有可导出的草稿。"
        report = ctx.store.get(did, owner).report
        folder = ctx.owner_folder(owner, did)
        name = _safe_name(report.title)
        path = export_report(report, folder / f"{name}.{fmt}")
        return gr.update(value=str(path), visible=True), f"✔ 已导出 {render.esc(path.name)}，请点击下方文件名下载。"

    def export_as_docx(request: gr.Request, client, did):
        return do_export("docx", request, client, did)

    def export_as_md(request: gr.Request, client, did):
        return do_export("md", request, client, did)

    export_docx.click(export_as_docx, inputs=[client_id, draft_id], outputs=[download, status], show_progress="hidden",
                      queue=False)
    export_md.click(export_as_md, inputs=[client_id, draft_id], outputs=[download, status], show_progress="hidden")

    def show_diff(request: gr.Request, client, did, a, b):
        owner = owner_of(request, client)
        if not did or not ctx.store.exists(did, owner):
            return f"<div class='dk-empty'>{NO_DRAFT}</div>"
        if a is None or b is None:
            return "<div class='dk-empty'>请选择两个版本。</div>"
        lines = ctx.store.diff_lines(did, int(a) or None, int(b) or None, owner=owner)
        return render.diff_html(lines)

    diff_btn.click(show_diff, inputs=[client_id, draft_id, ver_a, ver_b], outputs=[diff_out])

    def restore(request: gr.Request, client, did, a):
        owner = owner_of(request, client)
        if not did or not ctx.store.exists(did, owner) or not a:
            return ["请选择要恢复的版本 A。", *[gr.update() for _ in view_out]]
        report = ctx.store.version(did, int(a), owner)
        ctx.store.save(did, report=report, version_note=f"恢复为版本{int(a)}", owner=owner)
        return [f"✔ 已恢复为版本{int(a)}{render.saved_mark('*')}", *ReportView.values(report)]

    restore_btn.click(restore, inputs=[client_id, draft_id, ver_a], outputs=[status, *view_out],
                      show_progress="minimal").then(
        after_change, inputs=[client_id, draft_id], outputs=[drafts, ver_a, ver_b, revision], show_progress="hidden")
