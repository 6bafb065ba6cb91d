"""The 检索 tab (for reviewers): a query or a pasted passage, filters, result cards with shared text marked."""

from __future__ import annotations

import gradio as gr

from draftkit.ingest.models import SECTION_KINDS
from draftkit.ui.context import AppContext
from draftkit.ui.render import hit_cards

MODES = {"混合（推荐）": "hybrid", "语义": "dense", "关键词": "lexical"}
ANY_KIND = "全部"


def build_search_tab(ctx: AppContext) -> None:
    with gr.Row():
        with gr.Column(scale=3):
            query = gr.Textbox(label="检索内容（关键词、一句话，或粘贴整段文字查重）", lines=4, elem_id="search-query")
        with gr.Column(scale=2):
            kind = gr.Dropdown([ANY_KIND, *[f"{v}（{k}）" for k, v in SECTION_KINDS.items()]], value=ANY_KIND,
                               label="章节类别")
            with gr.Row():
                year_from = gr.Number(label="起始年份", precision=0)
                year_to = gr.Number(label="截止年份", precision=0)
            unit = gr.Textbox(label="单位（包含此文字）")
            with gr.Row():
                mode = gr.Radio(list(MODES), value="混合（推荐）", label="检索方式")
                k = gr.Slider(1, 30, value=10, step=1, label="结果数")
    run = gr.Button("检索", variant="primary", elem_id="search-run")
    summary = gr.Markdown("", elem_id="search-summary")
    results = gr.HTML("", elem_id="search-results")

    def do_search(q, kind_label, y1, y2, unit_text, mode_label, topk):
        q = (q or "").strip()
        if not q:
            return "请输入检索内容。", ""
        index = ctx.index()
        if index is None:
            return "⚠️ 还没有语料库索引：请到“语料库”页导入文件。", ""
        kinds = None if kind_label == ANY_KIND else [kind_label.rsplit("（", 1)[1].rstrip("）")]
        years = None
        if y1 or y2:
            years = range(int(y1 or 1990), int(y2 or 2100) + 1)
        units = None
        if (unit_text or "").strip():
            units = [d.unit for d in index.documents() if d.unit and unit_text.strip() in d.unit] or [unit_text.strip()]
        hits = index.search(q, k=int(topk), kinds=kinds, years=years, units=units, mode=MODES[mode_label])
        return f"找到 {len(hits)} 条结果。", hit_cards(hits, q)

    gr.on([run.click, query.submit], do_search, inputs=[query, kind, year_from, year_to, unit, mode, k],
          outputs=[summary, results])
