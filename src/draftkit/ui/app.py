"""The Gradio UI: four tabs over the library (起草 检索 体检 语料库). ``python app.py`` or ``draftkit ui``.

Safe defaults: bound to 127.0.0.1; ``--auth user:password`` for a LAN; uploads limited in size; the
only files served are the ones the app itself wrote into its Gradio folder under the data directory
(no ``allowed_paths``), so nothing outside the configured directories is ever reachable.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import gradio as gr

from draftkit.config import Settings, get_settings
from draftkit.progress import TqdmBars
from draftkit.retrieval import build_index
from draftkit.ui.check_tab import build_check_tab
from draftkit.ui.context import DEFAULT_UPLOAD_LIMIT_MB, AppContext
from draftkit.ui.corpus_tab import build_corpus_tab
from draftkit.ui.draft_tab import build_draft_tab
from draftkit.ui.guard import guard_app_kwargs, require_identity
from draftkit.ui.render import CSS
from draftkit.ui.search_tab import build_search_tab

log = logging.getLogger(__name__)

LAUNCH_ATTEMPTS = 3  # Gradio's own check of the page it just started may time out on a loaded machine
WARM_UP_DELAY = 5.0  # seconds after start before the embedder loads when no page has been opened yet
HEADER = ("# draftkit · 党建工作总结起草助手\n"
          "离线运行：按本年度事实逐节起草、参考往年材料、公文格式导出；审核人员可检索往年段落、为总结做体检。")


# Gradio's Textbox reports "input" only on keypress, so typing through a Chinese IME, pasting and deleting
# would never reach the server. For the draft's editable boxes (.dk-edit), turn every DOM input event (and
# the end of an IME composition) into the keypress Gradio listens for. Saving is idempotent, so the extra
# event on ordinary typing is harmless.
EDIT_JS = """
<script>
(() => {
  // 已保存 / 未保存: a box is dirty from its first input until the server's answer carries a mark
  // (render.saved_mark) whose digest matches the box's current value; a dead server leaves it dirty.
  const dirty = new Set();
  const digest = (s) => {
    let h = 0, n = 0;
    for (const ch of s) { h = (Math.imul(h, 31) + ch.codePointAt(0)) >>> 0; n++; }
    return n + ":" + h;
  };
  const show = () => {
    const el = document.getElementById("dk-save-state");
    if (!el) return;
    const state = dirty.size ? "unsaved" : "saved";
    if (el.dataset.state !== state) {
      el.dataset.state = state;
      el.textContent = dirty.size ? "未保存" : "已保存";
    }
  };
  const poke = (e) => {
    const t = e.target;
    if (!t || !(t.tagName === "TEXTAREA" || t.tagName === "INPUT") || !t.closest(".dk-edit")) return;
    dirty.add(t.closest(".dk-edit").id);
    show();
    if (e.type === "input" && e.isComposing) return;  // wait for compositionend
    setTimeout(() => t.dispatchEvent(new KeyboardEvent("keypress", {bubbles: true, key: "Unidentified"})), 0);
  };
  document.addEventListener("input", poke);
  document.addEventListener("compositionend", poke);
  new MutationObserver(() => {
    document.querySelectorAll("#draft-status .dk-saved:not([data-seen])").forEach((m) => {
      m.dataset.seen = "1";
      if (!m.dataset.box) return;
      if (m.dataset.box === "*") { dirty.clear(); return; }
      const box = document.querySelector(`#${m.dataset.box} textarea, #${m.dataset.box} input`);
      if (box && digest(box.value) === m.dataset.digest) dirty.delete(m.dataset.box);
    });
    show();
  }).observe(document.body, {subtree: true, childList: true});
})();
</script>
"""


def _theme():
    # Local fonts only: the default theme would ask Google Fonts, and the UI must work offline.
    sans = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "sans-serif"]
    mono = ["ui-monospace", "Consolas", "monospace"]
    return gr.themes.Default(primary_hue="red", secondary_hue="orange", neutral_hue="slate", font=sans,
                             font_mono=mono, radius_size="sm")


def build_app(settings: Settings | None = None, ctx: AppContext | None = None) -> Any:
    """The whole UI as a ``gr.Blocks`` (not launched)."""
    ctx = ctx or AppContext.from_settings(settings or get_settings())
    # delete_cache: Gradio's copies of uploads and exports older than a week go, checked daily
    with gr.Blocks(title="draftkit 党建工作总结起草助手", delete_cache=(86400, 7 * 86400)) as demo:
        gr.Markdown(HEADER, elem_id="dk-title")
        # The browser keeps who it is and which draft it has open (localStorage), so a refresh or a server
        # restart reopens the same draft. The key is public (see context.browser_state_key): access rests on
        # the client id itself, never on the scrambling.
        client_id = gr.BrowserState(None, storage_key="draftkit-client", secret=ctx.browser_key)
        draft_id = gr.BrowserState(None, storage_key="draftkit-draft", secret=ctx.browser_key)
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("起草", id="draft", elem_id="tab-draft"):
                build_draft_tab(ctx, client_id, draft_id, demo)
            with gr.Tab("检索", id="search", elem_id="tab-search") as search_tab:
                search_refresh, search_outputs = build_search_tab(ctx)
            with gr.Tab("体检", id="check", elem_id="tab-check"):
                build_check_tab(ctx, client_id, draft_id)
            with gr.Tab("语料库", id="corpus", elem_id="tab-corpus") as corpus_tab:
                corpus_refresh, corpus_outputs = build_corpus_tab(ctx)
        # every callback that takes the client id first checks who is asking (guard.require_identity)
        require_identity(demo, client_id, ctx.owner)
        search_tab.select(search_refresh, outputs=search_outputs, show_progress="hidden")
        corpus_tab.select(corpus_refresh, outputs=corpus_outputs, show_progress="hidden")
    return demo


def ensure_index(ctx: AppContext) -> bool:
    """First run: when there is no index, build it from ``samples/corpus`` with progress in the console.

    Returns whether an index exists afterwards (a failed build leaves the UI usable without exemplars).
    """
    if ctx.has_index():
        return True
    corpus = Path(ctx.settings.samples_dir) / "corpus"
    if not corpus.is_dir():
        print(f"没有索引，也找不到示例语料 {corpus}：请在“语料库”页导入文件。")
        return False
    print(f"首次运行：正在用 {corpus} 建立语料库索引 → {ctx.index_dir}")
    try:
        with TqdmBars(unit="步") as bars:
            result = build_index([corpus], ctx.index_dir, settings=ctx.settings, progress=bars)
    except Exception as exc:  # the UI still opens; the corpus tab can rebuild
        print(f"建立索引失败：{exc}")
        return False
    errors = [f for f in result.files if f.status == "error"]
    for f in errors:
        print(f"  ✗ {f.path}: {f.error}")
    print(f"索引完成：{len(result.files) - len(errors)} 个文件")
    return ctx.has_index()


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ValueError("--auth 需要“用户名:密码”的形式，例如 --auth mishu:secret123")
    return user, password


def serve(host: str = "127.0.0.1", port: int = 7860, auth: str | None = None, index_dir: Path | None = None,
          settings: Settings | None = None, upload_limit_mb: int = DEFAULT_UPLOAD_LIMIT_MB, block: bool = True,
          warm_up: bool = True):
    """Build the index on first run, then launch the UI. Returns the launched ``gr.Blocks``."""
    credentials = parse_auth(auth)
    settings = settings or get_settings()
    ctx = AppContext.from_settings(settings, index_dir, upload_limit_mb=upload_limit_mb)
    os.environ["GRADIO_TEMP_DIR"] = str(ctx.gradio_dir)  # uploads and served files stay in the data folder
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    ensure_index(ctx)
    if credentials is None and ctx.users.has_users():  # accounts (`draftkit users add`) sign in
        users = ctx.users
        credentials = lambda name, password: users.authenticate(name, password) is not None  # noqa: E731
    demo = build_app(ctx=ctx)
    demo.queue(default_concurrency_limit=4)
    print(f"draftkit 界面：http://{host}:{port}" + ("（需要登录）" if credentials else ""), flush=True)
    for attempt in range(1, LAUNCH_ATTEMPTS + 1):
        try:
            demo.launch(
                server_name=host, server_port=port, auth=credentials, auth_message="请输入用户名和密码",
                max_file_size=f"{upload_limit_mb}mb", allowed_paths=[], show_error=True, prevent_thread_lock=True,
                css=CSS, head=EDIT_JS, theme=_theme(), footer_links=[], quiet=True, ssr_mode=False, mcp_server=False,
                pwa=False, enable_monitoring=False, app_kwargs=guard_app_kwargs(),
            )
            break
        except ValueError as exc:
            # After starting its server Gradio requests the page once, with a 3 s timeout, and gives up with
            # "When localhost is not accessible…" when that is slow (a loaded server); the server is fine.
            demo.close()  # the server it started, if any, is stopped before trying again or giving up
            if "localhost is not accessible" not in str(exc) or attempt == LAUNCH_ATTEMPTS:
                raise
            log.warning("Gradio's check of its own page at port %s timed out; starting again (%d/%d)",
                        port, attempt + 1, LAUNCH_ATTEMPTS)
    if warm_up:  # load the embedder once the first page is served (or after a few idle seconds)
        ctx.warm_up_later(WARM_UP_DELAY)
    else:
        ctx.skip_warm_up()
    if block:
        demo.block_thread()
    return demo
