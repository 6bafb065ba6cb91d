"""The 语料库 tab: add files to the index (progress, per-file errors), list documents, remove one, rebuild."""

from __future__ import annotations

import shutil
from pathlib import Path

import gradio as gr
import pandas as pd

from draftkit.progress import STAGE_LABELS, Progress, ProgressCallback
from draftkit.ui.context import AppContext

DOC_COLUMNS = ["编号", "标题", "年份", "单位", "段落数", "文件"]
RESULT_COLUMNS = ["文件", "状态", "说明"]
CORPUS_TYPES = [".docx", ".doc", ".txt", ".md", ".pdf"]
STATUS = {"ok": "✔ 已导入", "error": "✖ 出错", "skipped": "跳过", "unchanged": "未变化", "removed": "已移除"}


def documents_frame(ctx: AppContext) -> pd.DataFrame:
    index = ctx.index()
    docs = index.documents() if index else []
    rows = [[d.doc_id, d.title or "", d.year or "", d.unit or "", getattr(d, "chunks", ""),
             Path(getattr(d, "path", "") or getattr(d, "source", "") or "").name] for d in docs]
    return pd.DataFrame(rows, columns=DOC_COLUMNS)


def results_frame(files) -> pd.DataFrame:
    rows = []
    for r in files or []:
        note = (getattr(r, "error", None) or "").removeprefix(f"{r.path}: ")  # the file is named in the first column
        doc = getattr(r, "document", None)
        if not note and doc is not None:
            note = f"{doc.title or ''} {doc.year or ''}，{len(doc.chunks)} 段".strip()
        rows.append([Path(r.path).name, STATUS.get(r.status, r.status), note])
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def progress_adapter(progress) -> ProgressCallback:
    """The library's Progress → a ``gr.Progress`` bar."""

    def report(p: Progress) -> None:
        progress((p.done, p.total or None), desc=STAGE_LABELS.get(p.stage, p.stage), unit="步")

    return report


def build_corpus_tab(ctx: AppContext):
    gr.Markdown("把往年的总结、范文加入语料库（.docx .txt .md .pdf；装有 LibreOffice 时也支持 .doc）。"
                f"单个文件出错不影响其他文件；每个文件不超过 {ctx.upload_limit_mb} MB。")
    files = gr.File(label="选择文件", file_count="multiple", file_types=CORPUS_TYPES, elem_id="corpus-upload",
                    height=120)
    add = gr.Button("加入语料库", variant="primary", elem_id="corpus-add")
    status = gr.Markdown("", elem_id="corpus-status")
    results = gr.Dataframe(headers=RESULT_COLUMNS, label="导入结果", interactive=False, wrap=True,
                           elem_id="corpus-results")
    gr.Markdown("#### 已收录的文档")
    docs = gr.Dataframe(headers=DOC_COLUMNS, label="文档", interactive=False, wrap=True, elem_id="corpus-docs",
                        max_height=420)
    with gr.Row():
        remove_id = gr.Dropdown(label="选择要移除的文档", choices=[], interactive=True, scale=3, elem_id="corpus-remove-id")
        remove = gr.Button("移除", variant="stop", size="sm", scale=1, elem_id="corpus-remove")
        rebuild = gr.Button("重建索引", size="sm", scale=1, elem_id="corpus-rebuild")

    def listing():
        try:
            frame = documents_frame(ctx)
        except Exception as exc:
            return gr.update(), gr.update(choices=[]), f"✖ 索引无法打开：{exc}"
        choices = [(f"{r['标题'] or r['文件']}（{r['年份']}）", r["编号"]) for _, r in frame.iterrows()]
        return frame, gr.update(choices=choices, value=None), f"共 {len(frame)} 篇文档。"

    def do_add(paths, progress=gr.Progress()):  # noqa: B008 (how Gradio asks for a progress bar)
        if not paths:
            return gr.update(), *listing()[:2], "请先选择文件。"
        stored = []
        for p in paths:
            target = ctx.upload_dir / Path(p).name
            shutil.copyfile(p, target)
            stored.append(target)
        try:  # a first run builds the index
            result = ctx.workspace.add(stored, progress=progress_adapter(progress))
        except Exception as exc:  # WorkspaceError (no file could be indexed), IndexUnavailable …
            return gr.update(), *listing()[:2], f"✖ 添加失败：{exc}"
        ok = sum(1 for f in result.files if f.status == "ok")
        frame, choices, _ = listing()
        return results_frame(result.files), frame, choices, f"已处理 {len(stored)} 个文件，成功 {ok} 个。"

    def do_remove(doc_id):
        if not doc_id:
            return *listing()[:2], "请选择要移除的文档。"
        try:
            info = ctx.workspace.remove(doc_id)
        except Exception as exc:  # DocumentNotFound and friends say what is wrong
            return *listing()[:2], f"✖ 移除失败：{exc}"
        uploaded = Path(info.path)
        if uploaded.is_file() and uploaded.resolve().parent == ctx.upload_dir.resolve():
            uploaded.unlink()  # or a rebuild would bring it back
        frame, choices, _ = listing()
        return frame, choices, f"已移除《{info.title or Path(info.path).name}》。"

    def do_rebuild(progress=gr.Progress()):  # noqa: B008
        sources = [p for p in (Path(ctx.settings.samples_dir) / "corpus", ctx.upload_dir)
                   if p.is_dir() and any(p.iterdir())]
        if not sources:
            return gr.update(), *listing()[:2], "没有可用的语料文件。"
        try:
            ctx.workspace.build(sources, progress=progress_adapter(progress))
        except Exception as exc:  # WorkspaceError: no file could be indexed; the old index stays
            return gr.update(), *listing()[:2], f"✖ 重建失败：{exc}"
        result = ctx.workspace.last_build
        errors = sum(1 for f in result.files if f.status == "error")
        frame, choices, _ = listing()
        return results_frame(result.files), frame, choices, f"索引已重建：{len(result.files)} 个文件，{errors} 个出错。"

    add.click(do_add, inputs=[files], outputs=[results, docs, remove_id, status], concurrency_limit=1,
              concurrency_id="index-write")
    remove.click(do_remove, inputs=[remove_id], outputs=[docs, remove_id, status], concurrency_limit=1,
                 concurrency_id="index-write")
    rebuild.click(do_rebuild, outputs=[results, docs, remove_id, status], concurrency_limit=1,
                  concurrency_id="index-write")
    return listing, [docs, remove_id, status]
