"""The 检索 tab (for reviewers): a query or a pasted passage, filters, result cards with shared text marked."""

from __future__ import annotations

import gradio as gr

from draftkit.section_kinds import SECTION_KINDS
from draftkit.ui import render
from draftkit.ui.context import AppContext
from draftkit.ui.facts_form import parse_year

MODES = [("混合（推荐）", "hybrid"), ("语义", "dense"), ("关键词", "lexical")]
ANY = ""


def build_search_tab(ctx: AppContext):
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=400):
            query = gr.Textbox(label="检索内容", lines=5, max_lines=20, elem_id="search-query",
                               placeholder="输入关键词或一句话，如“带领少先队员参观纪念馆”；也可以粘贴整段文字，查找相似的往年段落。")
            with gr.Row():
                run = gr.Button("检索", variant="primary", elem_id="search-run", scale=3)
                clear = gr.Button("清空", scale=1)
        with gr.Column(scale=2, min_width=320):
            kind = gr.Dropdown([("全部", ANY), *[(label, key) for key, label in SECTION_KINDS.items()]], value=ANY,
                               label="章节类别", elem_id="search-kind")
            with gr.Row():
                year_from = gr.Textbox(label="起始年份", placeholder="如 2019", min_width=100, max_lines=1)
                year_to = gr.Textbox(label="截止年份", placeholder="如 2024", min_width=100, max_lines=1)
            unit = gr.Dropdown([("全部单位", ANY)], value=ANY, label="单位", elem_id="search-unit",
                               allow_custom_value=True)
            with gr.Row():
                mode = gr.Radio(MODES, value="hybrid", label="检索方式", elem_id="search-mode")
                k = gr.Slider(1, 30, value=10, step=1, label="结果数")
    summary = gr.Markdown("", elem_id="search-summary")
    results = gr.HTML("", elem_id="search-results")

    def do_search(q, kind_key, y1, y2, unit_name, mode_key, topk):
        q = (q or "").strip()
        if not q:
            return "请输入检索内容。", ""
        try:
            index = ctx.index()
        except Exception as exc:  # a stale or broken index: the message says how to rebuild it
            return f"✖ 索引无法打开：{exc}", ""
        if index is None:
            return "⚠ 还没有语料库索引：请到“语料库”页导入文件或重建索引。", ""
        try:
            lo, hi = parse_year(y1), parse_year(y2)
        except ValueError as exc:
            return f"✖ {exc}", ""
        years = None
        if lo or hi:
            lo, hi = lo or 1990, hi or 2100
            years = range(min(lo, hi), max(lo, hi) + 1)
        hits = index.search(q, k=int(topk), kinds=[kind_key] if kind_key else None, years=years,
                            units=[unit_name] if unit_name else None, mode=mode_key)
        return f"找到 {len(hits)} 条结果。", render.hit_cards(hits, q)

    gr.on([run.click, query.submit], do_search, inputs=[query, kind, year_from, year_to, unit, mode, k],
          outputs=[summary, results], concurrency_limit=4, concurrency_id="search")
    clear.click(lambda: ("", "", ""), outputs=[query, summary, results], show_progress="hidden")

    def refresh_units():
        try:
            index = ctx.index()
        except Exception:
            return gr.update()
        units = sorted(index.units) if index else []
        return gr.update(choices=[("全部单位", ANY), *[(u, u) for u in units]])

    return refresh_units, [unit]
