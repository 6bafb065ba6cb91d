"""The 体检 tab: check an uploaded report or the current draft; findings grouped by section."""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

import gradio as gr

from draftkit.ui.context import AppContext

CHECK_LABELS = {"reuse": "复用往年文字", "era": "时代用语", "facts": "事实核对", "residue": "模板残留"}


def findings_html(result) -> str:
    if not result.findings:
        return "<div class='dk-card'>✅ 没有发现问题。</div>"
    by_section: dict[str, list] = defaultdict(list)
    for f in result.findings:
        by_section[f.section or "（全文）"].append(f)
    out = []
    for section, items in by_section.items():
        out.append(f"<h4>{html.escape(section)}</h4>")
        for f in items:
            where = f"第{f.paragraph + 1}段" if f.paragraph is not None else ""
            sugg = f"<div class='dk-meta'>建议：{html.escape(f.suggestion)}</div>" if f.suggestion else ""
            out.append(f"<div class='dk-card'><span class='dk-sev-{f.severity}'>[{f.severity}]</span> "
                       f"{CHECK_LABELS.get(f.check, f.check)} · {where}<div class='dk-text'>{html.escape(f.message)}</div>"
                       f"{sugg}</div>")
    return "\n".join(out)


def summary_md(result) -> str:
    counts = result.summary
    parts = [f"年度：{result.year or '未识别'}"]
    for check, label in CHECK_LABELS.items():
        by_sev = counts.get(check, {}) if isinstance(counts, dict) else {}
        if by_sev:
            parts.append(f"{label}：" + "，".join(f"{k} {v}" for k, v in sorted(by_sev.items())))
    return " ｜ ".join(parts)


def build_check_tab(ctx: AppContext, draft_id: gr.BrowserState) -> None:
    gr.Markdown("上传一份总结（.docx / .txt / .md），或直接体检当前草稿：复用往年文字、事实核对、时代用语、模板残留。")
    with gr.Row():
        upload = gr.File(label="上传总结", file_types=[".docx", ".txt", ".md", ".json"], elem_id="check-upload")
        facts_file = gr.File(label="事实文件（可选）", file_types=[".yaml", ".yml", ".json", ".xlsx"])
        year = gr.Number(label="年度（可选）", precision=0)
    with gr.Row():
        run_file = gr.Button("体检上传的文件", variant="primary")
        run_draft = gr.Button("体检当前草稿")
    summary = gr.Markdown("", elem_id="check-summary")
    findings = gr.HTML("", elem_id="check-findings")

    def _facts(path):
        from draftkit.facts import load_facts

        return load_facts(Path(path)) if path else None

    def check_file(path, facts_path, y):
        from draftkit.checks import check_file as run

        if not path:
            return "请先上传文件。", ""
        try:
            result = run(Path(path), facts=_facts(facts_path), year=int(y) if y else None, index=ctx.index())
        except Exception as exc:
            return f"❌ {exc}", ""
        return summary_md(result), findings_html(result)

    def check_draft(did, facts_path, y):
        from draftkit.checks import check_report

        if not did or not ctx.store.exists(did):
            return "还没有草稿：请先在“起草”页生成。", ""
        facts, report = ctx.store.load(did)
        facts = _facts(facts_path) or facts
        result = check_report(report, facts=facts, year=int(y) if y else None, index=ctx.index())
        return summary_md(result), findings_html(result)

    run_file.click(check_file, inputs=[upload, facts_file, year], outputs=[summary, findings])
    run_draft.click(check_draft, inputs=[draft_id, facts_file, year], outputs=[summary, findings])
