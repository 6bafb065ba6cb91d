"""The 语料库 tab: add files to the index (progress, per-file errors), list documents, remove one, rebuild."""

from __future__ import annotations

import shutil
from pathlib import Path

import gradio as gr
import pandas as pd

from draftkit.ui.context import AppContext

DOC_COLUMNS = ["编号", "标题", "年份", "单位", "段落数", "来源"]


def _uploads_dir(ctx: AppContext) -> Path:
    d = Path(ctx.settings.data_dir).resolve() / "corpus"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _documents_frame(ctx: AppContext) -> pd.DataFrame:
    index = ctx.index()
    docs = index.documents() if index else []
    return pd.DataFrame([[d.doc_id, d.title or "", d.year or "", d.unit or "", d.chunks, Path(d.path).name]
                         for d in docs], columns=DOC_COLUMNS)


def _results_frame(files) -> pd.DataFrame:
    status = {"ok": "✅ 已导入", "error": "❌ 出错", "skipped": "跳过", "unchanged": "未变化"}
    rows = []
    for r in files:
        doc = r.document
        rows.append([Path(r.path).name, status.get(r.status, r.status), r.error or "",
                     (doc.title or "") if doc else "", (doc.year or "") if doc else "", len(doc.chunks) if doc else ""])
    return pd.DataFrame(rows, columns=["文件", "状态", "说明", "标题", "年份", "段落数"])


def build_corpus_tab(ctx: AppContext) -> None:
    gr.Markdown("把往年的总结、范文加入语料库（.docx .txt .md .pdf，装有 LibreOffice 时也支持 .doc）。"
                "单个文件出错不影响其他文件。")
    files = gr.File(label="选择文件", file_count="multiple", elem_id="corpus-upload")
    add = gr.Button("加入语料库", variant="primary")
    results = gr.Dataframe(label="导入结果", interactive=False, wrap=True)
    gr.Markdown("### 已收录的文档")
    docs = gr.Dataframe(label="文档", interactive=False, wrap=True, elem_id="corpus-docs")
    with gr.Row():
        remove_id = gr.Dropdown(label="选择要移除的文档", choices=[], interactive=True)
        remove = gr.Button("移除", variant="stop", size="sm")
        rebuild = gr.Button("重建索引", size="sm")
    status = gr.Markdown("")

    def doc_choices():
        frame = _documents_frame(ctx)
        return frame, gr.update(choices=[(f"{r['标题'] or r['来源']}（{r['年份']}）", r["编号"]) for _, r in frame.iterrows()])

    def do_add(paths, progress=gr.Progress(track_tqdm=True)):
        from draftkit.retrieval import add_paths

        if not paths:
            return gr.update(), *doc_choices(), "请先选择文件。"
        dest = _uploads_dir(ctx)
        stored = []
        for p in paths:
            target = dest / Path(p).name
            shutil.copyfile(p, target)
            stored.append(target)
        result = add_paths(ctx.index_dir, stored, settings=ctx.settings)
        ctx.reload_index()
        ok = sum(1 for f in result.files if f.status == "ok")
        return _results_frame(result.files), *doc_choices(), f"已处理 {len(stored)} 个文件，成功 {ok} 个。"

    def do_remove(doc_id):
        from draftkit.retrieval import remove_document

        if not doc_id:
            return *doc_choices(), "请选择文档。"
        remove_document(ctx.index_dir, doc_id, settings=ctx.settings)
        ctx.reload_index()
        return *doc_choices(), f"已移除 {doc_id}。"

    def do_rebuild(progress=gr.Progress(track_tqdm=True)):
        from draftkit.retrieval import build_index

        sources = [p for p in (Path(ctx.settings.samples_dir) / "corpus", _uploads_dir(ctx)) if p.is_dir()]
        result = build_index(sources, ctx.index_dir, settings=ctx.settings)
        ctx.reload_index()
        errors = [f for f in result.files if f.status == "error"]
        return _results_frame(result.files), *doc_choices(), f"索引已重建（{len(result.files)} 个文件，{len(errors)} 个出错）。"

    add.click(do_add, inputs=[files], outputs=[results, docs, remove_id, status])
    remove.click(do_remove, inputs=[remove_id], outputs=[docs, remove_id, status])
    rebuild.click(do_rebuild, outputs=[results, docs, remove_id, status])
    return doc_choices, [docs, remove_id]
