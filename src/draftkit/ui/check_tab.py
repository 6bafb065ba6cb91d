"""The 体检 tab: check an uploaded report or the current draft; findings grouped by section."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from draftkit.checks import ReportText, run_checks
from draftkit.checks.annotate import annotate_docx
from draftkit.checks.models import CHECK_LABELS, SEVERITY_LABELS
from draftkit.checks.proofread import load_overlay, not_an_error
from draftkit.facts import load_facts
from draftkit.ui import render
from draftkit.ui.context import AppContext
from draftkit.ui.facts_form import parse_year


def summary_md(result) -> str:
    s = result.summary
    head = f"**年度：{result.year or '未识别'}** ｜ 共 {s.total} 条：" + "，".join(
        f"{SEVERITY_LABELS[k]}（{k}）{s.by_severity.get(k, 0)}" for k in SEVERITY_LABELS)
    lines = [head]
    per_check = [f"{label} {sum(s.by_check.get(c, {}).values())}" for c, label in CHECK_LABELS.items()]
    lines.append("分项：" + "，".join(per_check))
    if s.reuse_share is not None:
        lines.append(f"与往年材料重合的文字约占 {s.reuse_share:.0%}（检索了 {s.reuse_paragraphs_searched} 段）")
    lines += [f"- {n}" for n in s.notes]
    return "\n\n".join(lines)


#: The marked-up text under the findings stops after this many characters (a 10 MB paste stays usable).
DOC_VIEW_MAX_CHARS = 200_000


def _anchor(raw: bool, paragraph: int) -> str:
    return f"dk-chk-{'r' if raw else 'p'}-{paragraph}"


def findings_html(result, rt=None) -> str:
    """Findings grouped by section; with the checked text ``rt``, each "第N段" links to its paragraph in
    a marked-up copy of the text below the list (findings on the uncleaned file to a copy of that)."""
    findings = sorted(result.findings, key=lambda f: f.sort_key())
    if not findings:
        return "<div class='dk-card'>✔ 没有发现问题。</div>"
    views: list[str] = []
    shown: set[tuple[bool, int]] = set()  # (raw, paragraph index) that a view shows
    if rt is not None:
        views.append(_doc_view(rt.paragraphs, [f for f in findings if not f.raw], False, shown))
        raw = [f for f in findings if f.raw]
        if raw and rt.raw_paragraphs is not None:
            views.append(_doc_view(rt.raw_paragraphs, raw, True, shown))
    groups: dict[str, list] = {}
    for f in findings:
        groups.setdefault(f.section or "（全文）", []).append(f)
    out = []
    for section, items in groups.items():
        out.append(f"<h4>{render.esc(section)}</h4>")
        for f in items:
            where = ""
            if f.paragraph is not None:
                label = f"{'原文' if f.raw else ''}第{f.paragraph + 1}段"
                linked = (f.raw, f.paragraph) in shown
                where = f" · <a href='#{_anchor(f.raw, f.paragraph)}' class='dk-jump'>{label}</a>" if linked else f" · {label}"
            quote = f"<div class='dk-text'>“<mark>{render.esc(render.short(f.text, 120))}</mark>”</div>" if f.text else ""
            extra = f"<div class='dk-meta'>建议：{render.esc(f.suggestion)}</div>" if f.suggestion else ""
            if f.source is not None:
                src = f.source
                extra += (f"<div class='dk-meta'>出处：《{render.esc(src.title or src.path or src.chunk_id)}》"
                          f"{f' {src.year}年' if src.year else ''} {render.esc(src.unit or '')}"
                          f"（重合 {src.ratio:.0%}）</div>")
            out.append(f"<div class='dk-card'><span class='dk-sev-{f.severity}'>[{f.severity} "
                       f"{SEVERITY_LABELS.get(f.severity, '')}]</span> {CHECK_LABELS.get(f.check, f.check)}{where}"
                       f"{quote}<div class='dk-text'>{render.esc(f.message)}</div>{extra}</div>")
    return "\n".join(out + views)


_VIEW_TITLES = {False: "全文（标出问题的位置）", True: "原文（清理网页残留之前，标出残留的位置）"}


def _doc_view(paragraphs, findings, raw: bool, shown: set[tuple[bool, int]]) -> str:
    """The paragraphs with the findings' spans marked, up to DOC_VIEW_MAX_CHARS; adds what it shows to ``shown``."""
    spans: dict[int, list] = {}
    for f in findings:
        if f.paragraph is not None and f.span[1] > f.span[0]:
            spans.setdefault(f.paragraph, []).append(f)
    rows = []
    total = 0
    for p in paragraphs:
        if total > DOC_VIEW_MAX_CHARS:
            rows.append(f"<p class='dk-empty'>全文过长，以下 {len(paragraphs) - len(rows)} 段未显示。</p>")
            break
        total += len(p.text)
        shown.add((raw, p.index))
        rows.append(f"<p id='{_anchor(raw, p.index)}' class='dk-para'><span class='dk-pno'>{p.index + 1}</span>"
                    f"{_marked(p.text, spans.get(p.index, []))}</p>")
    return f"<details class='dk-doc' open><summary>{render.esc(_VIEW_TITLES[raw])}</summary>{''.join(rows)}</details>"


def _marked(text: str, findings) -> str:
    """``text`` escaped, each finding's span in a <mark> whose tooltip is the finding's message."""
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: (f.span[0], -f.span[1])):
        s, e = max(f.span[0], pos), min(f.span[1], len(text))
        if e <= s:
            continue
        out.append(render.esc(text[pos:s]))
        out.append(f"<mark class='dk-mark-{f.severity}' title='{render.esc(f.message)}'>{render.esc(text[s:e])}</mark>")
        pos = e
    out.append(render.esc(text[pos:]))
    return "".join(out)


def proofread_choices(result) -> list[tuple[str, int]]:
    """The proofreading findings a user may mark "这不是错误": (label, index into ``result.findings``)."""
    out = []
    for i, f in enumerate(result.findings):
        if f.check == "proofread" and f.paragraph is not None:
            where = f"{'原文' if f.raw else ''}第{f.paragraph + 1}段"
            out.append((f"{where} “{render.short(f.text, 20)}”：{render.short(f.message, 40)}", i))
    return out


def build_check_tab(ctx: AppContext, client_id: gr.BrowserState, draft_id: gr.BrowserState) -> None:
    gr.Markdown("上传一份总结（.docx / .txt / .md），或直接体检“起草”页的当前草稿：事实核对、时代用语、模板残留、校对、"
                "复用往年文字。给出事实文件时会核对数字和名称。上传的是 .docx 时，可下载批注版：问题写成 Word 批注，"
                "原文件不变。")
    with gr.Row():
        upload = gr.File(label="上传总结", file_types=[".docx", ".txt", ".md"], elem_id="check-upload", height=110)
        facts_file = gr.File(label="事实文件（可选）", file_types=[".yaml", ".yml", ".json", ".xlsx"],
                             elem_id="check-facts", height=110)
        with gr.Column(min_width=160):
            year = gr.Textbox(label="年度（可选，默认从文中识别）", placeholder="如 2024", max_lines=1, elem_id="check-year")
            reuse = gr.Checkbox(value=True, label="检查复用往年文字（需要语料库）")
    with gr.Row():
        run_file = gr.Button("体检上传的文件", variant="primary", elem_id="check-run-file")
        run_draft = gr.Button("体检当前草稿", elem_id="check-run-draft")
    summary = gr.Markdown("", elem_id="check-summary")
    with gr.Row():
        annotate_btn = gr.Button("下载批注版", elem_id="check-annotate", size="sm")
        tracked = gr.Checkbox(value=False, label="同时把能确定的改正写成修订（在 Word / WPS 中逐条接受或拒绝）",
                              elem_id="check-tracked")
        annotated = gr.File(label="批注版", interactive=False, visible=False, elem_id="check-annotated")
    with gr.Row():
        pick = gr.Dropdown(label="校对提示", choices=[], value=None, elem_id="check-proofread-pick", scale=3)
        not_error = gr.Button("这不是错误", elem_id="check-not-error", size="sm", scale=1)
    check_status = gr.Markdown("", elem_id="check-status")
    findings = gr.HTML("", elem_id="check-findings")
    last = gr.State(None)  # {"path", "result", "rt"} of the last check in this browser tab

    def _facts(path):
        return load_facts(Path(path)) if path else None

    def _overlay():
        return load_overlay(settings=ctx.settings)

    def _done(result, rt, path):
        choices = proofread_choices(result)
        return (summary_md(result), findings_html(result, rt), {"path": path, "result": result, "rt": rt},
                gr.update(choices=choices, value=None), "", gr.update(value=None, visible=False))

    def _failed(message):
        return message, "", None, gr.update(choices=[], value=None), "", gr.update(value=None, visible=False)

    def check_file(path, facts_path, y, use_index):
        if not path:
            return _failed("请先上传文件。")
        try:
            rt = ReportText.from_file(Path(path))
            result = run_checks(rt, facts=_facts(facts_path), year=parse_year(y), overlay=_overlay(),
                                index=ctx.index_for_drafting()[0] if use_index else None)
        except ValueError as exc:  # CheckInputError / FactsError / ProofreadConfigError name the file and the problem
            return _failed(f"✖ {render.esc(exc)}")
        return _done(result, rt, path)

    def check_draft(request: gr.Request, client, did, facts_path, y, use_index):
        owner = ctx.owner(request, client)
        if not did or not ctx.store.exists(did, owner):
            return _failed("还没有草稿：请先在“起草”页生成。")
        stored = ctx.store.get(did, owner)
        if stored.report is None:
            return _failed("当前草稿还没有正文：请先在“起草”页生成。")
        try:
            facts = _facts(facts_path) or stored.facts
            rt = ReportText.from_report(stored.report)
            result = run_checks(rt, facts=facts, year=parse_year(y), overlay=_overlay(),
                                index=ctx.index_for_drafting()[0] if use_index else None)
        except ValueError as exc:
            return _failed(f"✖ {render.esc(exc)}")
        return _done(result, rt, None)

    def annotate(request: gr.Request, client, state, with_tracked):
        if not state or not state.get("path") or Path(state["path"]).suffix.lower() != ".docx":
            return gr.update(), "批注版需要先体检一份上传的 .docx 文件（草稿请在“起草”页导出后再上传）。"
        src = Path(state["path"])
        folder = ctx.owner_folder(ctx.owner(request, client), "annotated")
        out = folder / f"{src.stem}-批注{'修订' if with_tracked else ''}.docx"
        try:
            done = annotate_docx(src, out, state["result"], report_text=state["rt"],
                                 fix="tracked" if with_tracked else None)
        except (ValueError, OSError) as exc:  # AnnotateError names the file
            return gr.update(), f"✖ {render.esc(exc)}"
        msg = (f"✔ 批注版已生成：批注 {done.comments} 条（{done.paragraph_level} 条标在段落上）"
               + (f"，修订 {done.tracked} 处" if with_tracked else "") + "。请点击下方文件名下载；原文件未改动。")
        return gr.update(value=str(out), visible=True), msg

    def mark_not_error(state, choice):
        if not state or choice is None:
            return gr.update(), "请先选择一条校对提示。"
        f = state["result"].findings[int(choice)]
        paragraphs = state["rt"].raw_paragraphs if f.raw and state["rt"].raw_paragraphs is not None else state["rt"].paragraphs
        try:
            _, added = not_an_error(f, paragraphs[f.paragraph].text, settings=ctx.settings)
        except (ValueError, OSError) as exc:
            return gr.update(), f"✖ {render.esc(exc)}"
        left = [c for c in proofread_choices(state["result"]) if c[1] != int(choice)]
        return gr.update(choices=left, value=None), f"✔ 已记入本机校对设置（{added}），下次体检不再提示。"

    outputs = [summary, findings, last, pick, check_status, annotated]
    run_file.click(check_file, inputs=[upload, facts_file, year, reuse], outputs=outputs,
                   concurrency_limit=2, concurrency_id="check")
    run_draft.click(check_draft, inputs=[client_id, draft_id, facts_file, year, reuse], outputs=outputs,
                    concurrency_limit=2, concurrency_id="check")
    annotate_btn.click(annotate, inputs=[client_id, last, tracked], outputs=[annotated, check_status],
                       concurrency_limit=2, concurrency_id="check")
    not_error.click(mark_not_error, inputs=[last, pick], outputs=[pick, check_status])
