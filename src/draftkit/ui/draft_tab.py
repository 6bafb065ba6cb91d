"""The 起草 tab: facts form → generate (streaming, section by section) → edit → regenerate → export.

Callbacks only translate between components and library calls (draftkit.facts, draftkit.draft,
draftkit.drafts, draftkit.export); drafts are saved on every edit.
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import gradio as gr

from draftkit.draft.models import Report
from draftkit.facts import Facts
from draftkit.ui import facts_form as ff
from draftkit.ui.context import AppContext
from draftkit.ui.render import exemplar_cards, warnings_md

MAX_SECTIONS = 30
BACKENDS = {"模板（无需模型）": "template", "本地模型": "llamacpp", "在线接口": "openai"}
SLOT_FIELDS = 5  # group, heading, text, warnings, exemplars


def _validate(data: dict) -> Facts:
    from draftkit.facts import validate_facts

    return validate_facts(data, source="表单")


def _backend(ctx: AppContext, label: str, base_url: str, model: str, api_key: str):
    from draftkit.draft.backends import get_backend

    name = BACKENDS.get(label, "template")
    overrides = {}
    if name == "openai":
        overrides = {"base_url": base_url or None, "model": model or None, "api_key": api_key or None}
    elif name == "llamacpp":
        overrides = {"model": model or None}
    return get_backend(name, ctx.settings, **{k: v for k, v in overrides.items() if v})


def _slot_updates(report: Report | None, live: dict[str, str] | None = None) -> list:
    """Updates for every section slot: visible ones filled from the report, the rest hidden."""
    out: list = []
    sections = report.sections if report else []
    for i in range(MAX_SECTIONS):
        if i < len(sections):
            s = sections[i]
            text = (live or {}).get(s.id, s.text)
            out += [gr.update(visible=True), f"{'#' * min(s.level + 2, 5)} {s.heading}",
                    gr.update(value=text, label=s.heading), warnings_md(s.warnings), exemplar_cards(s.exemplars)]
        else:
            out += [gr.update(visible=False), "", gr.update(value=""), "", ""]
    return out


def _header_md(report: Report | None) -> str:
    if report is None:
        return "尚未生成。填写左侧事实后点击“生成全文”。"
    lines = [f"## {report.title}", "", report.opening]
    if report.warnings:
        lines += ["", *[f"- ⚠️ {w}" for w in report.warnings]]
    return "\n".join(lines)


def _tail_md(report: Report | None) -> str:
    if report is None:
        return ""
    sig = report.signature
    date = f"{sig.date.year}年{sig.date.month}月{sig.date.day}日" if sig.date else "【待补充：落款日期】"
    return f"{report.closing}\n\n<div style='text-align:right'>{sig.unit or ''}<br>{date}</div>"


def build_draft_tab(ctx: AppContext, draft_id: gr.BrowserState, demo: gr.Blocks) -> dict:
    with gr.Row():
        with gr.Column(scale=2, min_width=360):
            gr.Markdown("### 一、本年度事实")
            with gr.Row():
                facts_file = gr.File(label="导入事实（YAML / JSON / XLSX）", file_types=[".yaml", ".yml", ".json", ".xlsx"],
                                     elem_id="facts-upload", height=90)
            unit = gr.Textbox(label="单位名称", placeholder="如：青禾市第三实验小学", elem_id="f-unit")
            with gr.Row():
                org_type = gr.Dropdown(ff.ORG_TYPES, value="党支部", label="组织类型")
                year = gr.Number(label="年度", value=time.localtime().tm_year, precision=0, elem_id="f-year")
                report_kind = gr.Dropdown(list(ff.REPORT_KINDS), value="年度总结", label="报告类型")
            parent_org = gr.Textbox(label="上级党组织")
            with gr.Accordion("党员与组织", open=False):
                with gr.Row():
                    members = [gr.Number(label=label, precision=0, minimum=0) for _, label in ff.MEMBER_FIELDS[:4]]
                with gr.Row():
                    members += [gr.Number(label=label, precision=0, minimum=0) for _, label in ff.MEMBER_FIELDS[4:]]
                with gr.Row():
                    branches = gr.Number(label="支部数", precision=0, minimum=0)
                    groups = gr.Number(label="党小组数", precision=0, minimum=0)
                committee = gr.Textbox(label="支委成员（每行一人，如“书记 李明华”）", lines=3)
            with gr.Accordion("活动、荣誉、亮点", open=False):
                activities = gr.Dataframe(value=ff.empty_activities(), label="活动（类别填 theory / organization / conduct 等）",
                                          interactive=True, wrap=True, row_limits=(1, None))
                honours = gr.Dataframe(value=ff.empty_honours(), label="荣誉", interactive=True, wrap=True,
                                       row_limits=(1, None))
                brand = gr.Textbox(label="党建品牌")
                highlights = gr.Textbox(label="工作亮点（每行一条）", lines=3)
            problems = gr.Textbox(label="存在的问题（每行一条）", lines=3)
            plans = gr.Textbox(label="下一步打算（每行一条）", lines=3)
            with gr.Row():
                sign_unit = gr.Textbox(label="落款单位")
                sign_date = gr.Textbox(label="落款日期（如 2024-12-20）")
            with gr.Row():
                export_yaml = gr.Button("导出事实 YAML", size="sm")
                export_xlsx = gr.Button("导出事实 XLSX", size="sm")
            facts_download = gr.File(label="事实文件", visible=False, interactive=False)

            gr.Markdown("### 二、生成方式")
            backend = gr.Radio(list(BACKENDS), value="模板（无需模型）", label="生成后端", elem_id="backend")
            with gr.Accordion("模型设置", open=False):
                base_url = gr.Textbox(label="接口地址 base URL", value=ctx.settings.openai_base_url)
                model = gr.Textbox(label="模型名称或路径", value=ctx.settings.llm_model)
                api_key = gr.Textbox(label="API Key", type="password")
            seed = gr.Number(label="措辞种子（换一个数字换一种说法）", value=0, precision=0)
            generate = gr.Button("生成全文", variant="primary", elem_id="generate")

        with gr.Column(scale=3, min_width=480):
            with gr.Row():
                drafts = gr.Dropdown(label="我的草稿", choices=[], interactive=True, elem_id="drafts", scale=3)
                new_draft = gr.Button("新建草稿", size="sm", scale=1)
            status = gr.Markdown("", elem_id="draft-status")
            header = gr.Markdown(_header_md(None), elem_id="report-header")
            slots: list[tuple] = []
            for i in range(MAX_SECTIONS):
                with gr.Group(visible=False) as group:
                    heading = gr.Markdown("", elem_id=f"sec-{i}-heading")
                    with gr.Row():
                        with gr.Column(scale=3):
                            text = gr.Textbox(show_label=False, lines=4, max_lines=30, interactive=True,
                                              elem_id=f"sec-{i}-text", elem_classes=["dk-section"])
                            warn = gr.Markdown("", elem_id=f"sec-{i}-warnings", elem_classes=["dk-warn"])
                            regen = gr.Button("重新生成本节", size="sm", elem_id=f"sec-{i}-regen")
                        with gr.Column(scale=2):
                            with gr.Accordion("参考的往年段落", open=False):
                                ex = gr.HTML("", elem_id=f"sec-{i}-exemplars")
                slots.append((group, heading, text, warn, ex, regen))
            tail = gr.Markdown("", elem_id="report-tail")
            with gr.Row():
                export_docx = gr.Button("导出 DOCX", variant="primary", elem_id="export-docx")
                export_md = gr.Button("导出 Markdown", size="sm")
            download = gr.File(label="下载", interactive=False, elem_id="download")
            with gr.Accordion("版本历史", open=False):
                with gr.Row():
                    ver_a = gr.Dropdown(label="版本 A", choices=[])
                    ver_b = gr.Dropdown(label="版本 B", choices=[])
                    diff_btn = gr.Button("比较", size="sm")
                diff_out = gr.Code(label="差异", language=None)

    form = [unit, org_type, year, report_kind, parent_org, *members, branches, groups, committee,
            brand, highlights, problems, plans, activities, honours, sign_unit, sign_date]
    slot_outputs = [c for s in slots for c in s[:5]]
    n_members = len(members)

    def facts_from_form(values: list) -> Facts:
        u, ot, y, rk, po = values[:5]
        mem = values[5:5 + n_members]
        br, gp, com, bd, hl, pb, pl, acts, hons, su, sd = values[5 + n_members:]
        return _validate(ff.facts_dict_from_form(u, ot, y, rk, po, mem, br, gp, com, bd, hl, pb, pl, acts, hons, su, sd))

    # -- drafts list and reopening -------------------------------------------------------------
    def draft_choices():
        return [(f"{d.title}（{d.updated_at.replace('T', ' ')}）", d.id) for d in ctx.store.list()]

    def version_choices(did):
        if not did or not ctx.store.exists(did):
            return []
        return [(f"版本{v.number} · {v.note} · {v.created_at.replace('T', ' ')}", v.number)
                for v in ctx.store.versions(did)]

    def open_draft(did):
        if not did or not ctx.store.exists(did):
            return [None, gr.update(choices=draft_choices(), value=None), "", _header_md(None), "",
                    gr.update(), gr.update(), *[gr.update() for _ in form], *_slot_updates(None)]
        facts, report = ctx.store.load(did)
        vc = version_choices(did)
        form_values = ff.form_from_facts(facts) if facts else [gr.update() for _ in form]
        return [did, gr.update(choices=draft_choices(), value=did), "已打开草稿。", _header_md(report), _tail_md(report),
                gr.update(choices=vc, value=vc[0][1] if vc else None), gr.update(choices=vc, value=vc[-1][1] if vc else None),
                *form_values, *_slot_updates(report)]

    open_outputs = [draft_id, drafts, status, header, tail, ver_a, ver_b, *form, *slot_outputs]
    demo.load(open_draft, inputs=[draft_id], outputs=open_outputs)
    drafts.input(open_draft, inputs=[drafts], outputs=open_outputs)
    new_draft.click(lambda: open_draft(None), outputs=open_outputs)

    # -- facts import / export -----------------------------------------------------------------
    def import_facts(path):
        from draftkit.facts import load_facts

        if not path:
            return [gr.update() for _ in form] + [""]
        try:
            facts = load_facts(Path(path))
        except Exception as exc:  # a FactsError names the file and the fields
            return [gr.update() for _ in form] + [f"❌ 导入失败：{exc}"]
        return ff.form_from_facts(facts) + [f"已导入事实：{facts.unit} {facts.year}年"]

    facts_file.upload(import_facts, inputs=[facts_file], outputs=[*form, status])

    def save_facts_file(suffix, *values):
        from draftkit.facts import save_facts

        try:
            facts = facts_from_form(list(values))
        except Exception as exc:
            return gr.update(visible=False), f"❌ {exc}"
        out = ctx.export_dir / f"{facts.unit}{facts.year}年事实{suffix}"
        save_facts(facts, out)
        return gr.update(value=str(out), visible=True), f"已导出 {out.name}"

    export_yaml.click(lambda *v: save_facts_file(".yaml", *v), inputs=form, outputs=[facts_download, status])
    export_xlsx.click(lambda *v: save_facts_file(".xlsx", *v), inputs=form, outputs=[facts_download, status])

    # -- generation (streams section by section) ----------------------------------------------
    def run_generation(did, backend_label, url, mdl, key, seed_value, *values, progress=gr.Progress()):
        from draftkit.draft.writer import draft_report

        try:
            facts = facts_from_form(list(values))
        except Exception as exc:
            yield [did, f"❌ 事实有误：{exc}", gr.update(), gr.update(), *_slot_updates(None)]
            return
        backend_obj = _backend(ctx, backend_label, url, mdl, key)
        events: queue.Queue = queue.Queue()
        result: dict = {}

        def work():
            try:
                result["report"] = draft_report(facts, index=ctx.index(), backend=backend_obj,
                                                seed=int(seed_value or 0), settings=ctx.settings,
                                                on_event=lambda *e: events.put(e))
            except Exception as exc:  # the writer keeps text; anything else is shown, not lost
                result["error"] = exc
            finally:
                events.put(("end",))

        threading.Thread(target=work, daemon=True).start()
        live: dict[str, str] = {}
        partial: Report | None = None
        done = 0
        last_yield = 0.0
        while True:
            event = events.get()
            kind = event[0]
            if kind == "end":
                break
            if kind == "plan":  # ("plan", Report skeleton with headings)
                partial = event[1]
            elif kind == "section_start":
                live.setdefault(event[1], "")
            elif kind == "token":
                live[event[1]] = live.get(event[1], "") + event[2]
            elif kind == "section_done":
                sd = event[2]
                done += 1
                if partial is not None:
                    partial.sections = [sd if s.id == sd.id else s for s in partial.sections]
                live[sd.id] = sd.text
                total = len(partial.sections) if partial else 0
                progress((done, total or None), desc=f"已完成 {done}/{total} 节：{sd.heading}")
            now = time.monotonic()
            if partial is not None and (kind != "token" or now - last_yield > 0.15):
                last_yield = now
                yield [did, f"正在生成……（{done}/{len(partial.sections)} 节）", _header_md(partial), gr.update(),
                       *_slot_updates(partial, live)]
        if "error" in result:
            yield [did, f"❌ 生成失败：{result['error']}", gr.update(), gr.update(), *_slot_updates(partial, live)]
            return
        report: Report = result["report"]
        if did and ctx.store.exists(did):
            ctx.store.save(did, facts=facts, report=report, version_note="生成全文")
        else:
            did = ctx.store.create(facts=facts, report=report)
        secs = report.timings.get("total")
        msg = f"✅ 已生成 {len(report.sections)} 节" + (f"，用时 {secs:.1f} 秒" if secs else "") + "；修改会自动保存。"
        yield [did, msg, _header_md(report), _tail_md(report), *_slot_updates(report)]

    generate.click(
        run_generation,
        inputs=[draft_id, backend, base_url, model, api_key, seed, *form],
        outputs=[draft_id, status, header, tail, *slot_outputs],
        concurrency_limit=4,
    ).then(lambda did: (gr.update(choices=draft_choices(), value=did),
                        gr.update(choices=version_choices(did)), gr.update(choices=version_choices(did))),
           inputs=[draft_id], outputs=[drafts, ver_a, ver_b])

    # -- editing, regenerating one section ------------------------------------------------------
    for i, (_group, _heading, text, warn, ex, regen) in enumerate(slots):
        def on_edit(did, value, i=i):
            if not did or not ctx.store.exists(did):
                return "⚠️ 还没有草稿：请先生成全文。"
            _, report = ctx.store.load(did)
            if report is None or i >= len(report.sections):
                return gr.update()
            ctx.store.save_section_text(did, report.sections[i].id, value)
            return f"已自动保存（{time.strftime('%H:%M:%S')}）"

        def on_blur(did, i=i):
            if did and ctx.store.exists(did):
                _, report = ctx.store.load(did)
                if report is not None and i < len(report.sections):
                    ctx.store.add_version(did, report, f"编辑：{report.sections[i].heading}")
            vc = version_choices(did)
            return gr.update(choices=vc), gr.update(choices=vc)

        text.input(on_edit, inputs=[draft_id, text], outputs=[status], trigger_mode="always_last",
                   show_progress="hidden")
        text.blur(on_blur, inputs=[draft_id], outputs=[ver_a, ver_b], show_progress="hidden")

        def on_regen(did, backend_label, url, mdl, key, seed_value, *values, i=i):
            from draftkit.draft.writer import draft_section

            if not did or not ctx.store.exists(did):
                yield gr.update(), gr.update(), gr.update(), "⚠️ 请先生成全文。"
                return
            stored_facts, report = ctx.store.load(did)
            try:
                facts = facts_from_form(list(values))
            except Exception:
                facts = stored_facts
            section = report.sections[i]
            backend_obj = _backend(ctx, backend_label, url, mdl, key)
            events: queue.Queue = queue.Queue()
            result: dict = {}

            def work():
                try:
                    result["section"] = draft_section(report, section.id, facts, index=ctx.index(),
                                                      backend=backend_obj, seed=int(seed_value or 0) + 1,
                                                      on_event=lambda *e: events.put(e))
                except Exception as exc:
                    result["error"] = exc
                finally:
                    events.put(("end",))

            threading.Thread(target=work, daemon=True).start()
            buf = ""
            while True:
                event = events.get()
                if event[0] == "end":
                    break
                if event[0] == "token":
                    buf += event[2]
                    yield gr.update(value=buf), gr.update(), gr.update(), f"正在重新生成：{section.heading}"
            if "error" in result:  # the old text stays
                yield gr.update(value=section.text), gr.update(), gr.update(), f"❌ 重新生成失败，原文已保留：{result['error']}"
                return
            new = result["section"]
            report.sections[i] = new
            ctx.store.save(did, report=report, version_note=f"重新生成：{new.heading}")
            yield gr.update(value=new.text), warnings_md(new.warnings), exemplar_cards(new.exemplars), \
                f"✅ 已重新生成：{new.heading}"

        regen.click(on_regen, inputs=[draft_id, backend, base_url, model, api_key, seed, *form],
                    outputs=[text, warn, ex, status], concurrency_limit=4)

    # -- export and versions ----------------------------------------------------------------------
    def do_export(did, fmt):
        if not did or not ctx.store.exists(did):
            return gr.update(), "⚠️ 还没有可导出的草稿。"
        _, report = ctx.store.load(did)
        folder = ctx.export_dir / did
        folder.mkdir(parents=True, exist_ok=True)
        if fmt == "docx":
            from draftkit.export.docx import export_docx

            path = export_docx(report, folder / f"{report.title}.docx")
        else:
            from draftkit.export.markdown import export_markdown

            path = folder / f"{report.title}.md"
            path.write_text(export_markdown(report), encoding="utf-8")
        return gr.update(value=str(path)), f"已导出 {Path(path).name}"

    export_docx.click(lambda did: do_export(did, "docx"), inputs=[draft_id], outputs=[download, status])
    export_md.click(lambda did: do_export(did, "md"), inputs=[draft_id], outputs=[download, status])

    def show_diff(did, a, b):
        if not did or a is None or b is None:
            return "请选择两个版本。"
        return ctx.store.diff(did, int(a), int(b)) or "两个版本内容相同。"

    diff_btn.click(show_diff, inputs=[draft_id, ver_a, ver_b], outputs=[diff_out])
    return {"status": status, "draft_id": draft_id}
