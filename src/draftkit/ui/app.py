"""The Gradio UI: four tabs over the library (起草 检索 体检 语料库). ``python app.py`` or ``draftkit ui``."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import gradio as gr

from draftkit.config import Settings, get_settings
from draftkit.ui.check_tab import build_check_tab
from draftkit.ui.context import AppContext
from draftkit.ui.corpus_tab import build_corpus_tab
from draftkit.ui.draft_tab import build_draft_tab
from draftkit.ui.render import CSS
from draftkit.ui.search_tab import build_search_tab

log = logging.getLogger(__name__)
UPLOAD_LIMIT = "20mb"


def build_app(ctx: AppContext) -> gr.Blocks:
    with gr.Blocks(title="draftkit 党建工作总结起草") as demo:
        gr.Markdown("# draftkit · 党建工作总结起草助手\n离线运行：往年材料检索、逐节起草、公文格式导出、总结体检。")
        # The draft this browser works on survives a refresh and a server restart (localStorage + SQLite).
        draft_id = gr.BrowserState(None, storage_key="draftkit-draft-id")
        with gr.Tabs():
            with gr.Tab("起草", id="draft"):
                build_draft_tab(ctx, draft_id, demo)
            with gr.Tab("检索", id="search"):
                build_search_tab(ctx)
            with gr.Tab("体检", id="check"):
                build_check_tab(ctx, draft_id)
            with gr.Tab("语料库", id="corpus") as corpus_tab:
                refresh, outputs = build_corpus_tab(ctx)
        corpus_tab.select(refresh, outputs=outputs)
    return demo


def ensure_index(ctx: AppContext) -> None:
    """First run: build the index from the sample corpus when there is none, with progress in the console."""
    if (ctx.index_dir / "manifest.json").exists():
        return
    from tqdm import tqdm

    from draftkit.retrieval import build_index

    corpus = Path(ctx.settings.samples_dir) / "corpus"
    print(f"首次运行：正在用 {corpus} 建立语料库索引 → {ctx.index_dir}")
    with tqdm(desc="建立索引", unit="步") as bar:
        result = build_index([corpus], ctx.index_dir, settings=ctx.settings, progress=bar)
    errors = [f for f in result.files if f.status == "error"]
    for f in errors:
        print(f"  ✗ {f.path}: {f.error}")
    print(f"索引完成：{len(result.files) - len(errors)} 个文件")


def _warm_up(ctx: AppContext) -> None:
    try:
        index = ctx.index()
        if index is not None:
            index.search("主题党日", k=1)  # loads the embedder now, not on the first user query
    except Exception as exc:  # the UI still opens; the corpus tab can rebuild
        log.warning("index warm-up failed: %s", exc)


def serve(host: str = "127.0.0.1", port: int = 7860, auth: str | None = None, index_dir: Path | None = None,
          settings: Settings | None = None, block: bool = True):
    settings = settings or get_settings()
    ctx = AppContext.from_settings(settings, index_dir)
    os.environ.setdefault("GRADIO_TEMP_DIR", str(Path(settings.data_dir).resolve() / "gradio"))
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    ensure_index(ctx)
    threading.Thread(target=_warm_up, args=(ctx,), daemon=True).start()
    demo = build_app(ctx)
    credentials = None
    if auth:
        user, _, password = auth.partition(":")
        if not user or not password:
            raise ValueError("--auth 需要 用户名:密码 的形式")
        credentials = (user, password)
    demo.queue(default_concurrency_limit=4)
    print(f"draftkit 界面：http://{host}:{port}")
    return demo.launch(
        server_name=host, server_port=port, auth=credentials, max_file_size=UPLOAD_LIMIT,
        allowed_paths=[str(ctx.export_dir)], show_error=True, prevent_thread_lock=not block,
        css=CSS, footer_links=[], quiet=True,
    ), demo
