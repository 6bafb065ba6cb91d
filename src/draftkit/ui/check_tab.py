"""The 体检 tab: check an uploaded report or the current draft; findings grouped by section."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from draftkit.ui import render
from draftkit.ui.context import AppContext
from draftkit.ui.facts_form import parse_year

CHECK_LABELS = {"facts": "事实核对", "era": "时代用语", "residue": "模板残留", "reuse": "复用往年文字"}
SEVERITY_LABELS = {"P0": "必须改", "P1": "建议改", "P2": "提示"}


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


def findings_html(result) -> str:
    findings = sorted(result.findings, key=lambda f: f.sort_key())
    if not findings:
        return "<div class='dk-card'>✔ 没有发现问题。</div>"
    groups: dict[str, list] = {}
    for f in findings:
        groups.setdefault(f.section or "（全文）", []).append(f)
    out = []
    for section, items in groups.items():
        out.append(f"<h4>{render.esc(section)}</h4>")
        for f in items:
            where = f" · 第{f.paragraph + 1}段" if f.paragraph is not None else ""
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
    return "\n".join(out)


def build_check_tab(ctx: AppContext, client_id: gr.BrowserState, draft_id: gr.BrowserState) -> None:
    gr.Markdown("上传一份总结（.docx / .txt / .md），或直接体检“起草”页的当前草稿：事实核对、时代用语、模板残留、复用往年文字。"
                "给出事实文件时会核对数字和名称。")
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
    findings = gr.HTML("", elem_id="check-findings")

    def _facts(path):
        from draftkit.facts import load_facts

        return load_facts(Path(path)) if path else None

    def check_file(path, facts_path, y, use_index):
        from draftkit.checks import check_file as run

        if not path:
            return "请先上传文件。", ""
        try:
            result = run(Path(path), facts=_facts(facts_path), year=parse_year(y),
                         index=ctx.index_for_drafting()[0] if use_index else None)
        except ValueError as exc:  # CheckInputError / FactsError name the file and the problem
            return f"✖ {render.esc(exc)}", ""
        return summary_md(result), findings_html(result)

    def check_draft(request: gr.Request, client, did, facts_path, y, use_index):
        from draftkit.checks import check_report

        owner = ctx.owner(request, client)
        if not did or not ctx.store.exists(did, owner):
            return "还没有草稿：请先在“起草”页生成。", ""
        stored = ctx.store.get(did, owner)
        if stored.report is None:
            return "当前草稿还没有正文：请先在“起草”页生成。", ""
        try:
            facts = _facts(facts_path) or stored.facts
            result = check_report(stored.report, facts=facts, year=parse_year(y),
                                  index=ctx.index_for_drafting()[0] if use_index else None)
        except ValueError as exc:
            return f"✖ {render.esc(exc)}", ""
        return summary_md(result), findings_html(result)

    run_file.click(check_file, inputs=[upload, facts_file, year, reuse], outputs=[summary, findings],
                   concurrency_limit=2, concurrency_id="check")
    run_draft.click(check_draft, inputs=[client_id, draft_id, facts_file, year, reuse], outputs=[summary, findings],
                    concurrency_limit=2, concurrency_id="check")
