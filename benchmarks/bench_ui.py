"""UI benchmarks in a real browser: cold start, template draft visible, DOCX export.

    python benchmarks/bench_ui.py --index index --runs 5 [--json out.json]

* cold start: spawn ``python app.py`` on the given index (fresh data folder) → the page answers →
  the 起草 tab is usable in Chromium (its page-load callback has run). Each run is a new process.
* template draft: in the page, a new draft from the sample facts, click 生成全文 (template backend,
  the index open) → the sections' text is in the page (the plan carries it, before the exemplar
  search), and → the draft is complete (every section with its exemplar cards). The first draft
  after a start is reported apart (it may wait for the embedder the server is still loading in
  the background); then ``--runs`` more on the last server.
* DOCX export: click 导出 DOCX → the download link is in the page; also the file's size.

Chromium is Debian's (/usr/bin/chromium), never downloaded. Targets (issue 5): cold start < 10 s,
template draft visible < 3 s, DOCX export < 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
FACTS = REPO / "samples" / "facts" / "qinghe_sanshi_2024.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(index: Path, data: Path, port: int, log) -> tuple[subprocess.Popen, float]:
    env = dict(os.environ, DRAFTKIT_DATA_DIR=str(data), DRAFTKIT_INDEX_DIR=str(index), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=REPO, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"app.py exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return proc, t0
        except httpx.HTTPError:
            pass
        if time.perf_counter() - t0 > 300:
            proc.kill()
            raise SystemExit("app.py did not answer within 300 s")
        time.sleep(0.05)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def page_ready(page, url: str) -> None:
    page.goto(url)
    page.locator("#dk-ready [data-ready]").wait_for(state="attached", timeout=120_000)


WRITER_TIME = re.compile(r"用时 ([0-9.]+) 秒")


def draft_once(page, url: str) -> tuple[float, float, float]:
    """A new draft from the sample facts: 新建草稿, import, then click 生成全文 and time it.

    Returns seconds from the click until (a) the first section's text is in the page, (b) the whole
    draft is done (every section with its exemplar cards, status 已生成), and (c) the writer's own time."""
    from playwright.sync_api import expect

    page_ready(page, url)
    page.locator("#new-draft").click()
    expect(page.locator("#draft-status")).to_contain_text("已新建")
    page.locator("#facts-upload input[type=file]").set_input_files(str(FACTS))
    expect(page.locator("#draft-status")).to_contain_text("已导入事实")
    box = page.locator("#sec-0-text textarea")
    t0 = time.perf_counter()
    page.locator("#generate").click()
    expect(box).not_to_have_value("", timeout=120_000)
    visible = time.perf_counter() - t0
    expect(page.locator("#draft-status")).to_contain_text("已生成", timeout=120_000)
    done = time.perf_counter() - t0
    m = WRITER_TIME.search(page.locator("#draft-status").inner_text())
    return visible, done, float(m.group(1)) if m else float("nan")


def export_once(page, url: str) -> float:
    from playwright.sync_api import expect

    page_ready(page, url)
    t0 = time.perf_counter()
    page.locator("#export-docx").click()
    expect(page.locator("#download a").first).to_be_visible(timeout=60_000)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=REPO / "index", help="a built sample index (draftkit index build)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--starts", type=int, default=3, help="cold starts to time")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not (args.index / "manifest.json").is_file():
        raise SystemExit(f"no index at {args.index}: build one with `draftkit index build samples/corpus --index {args.index}`")

    from playwright.sync_api import sync_playwright

    results: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
                     "load_average": os.getloadavg()[0], "index": str(args.index)}
    tmp = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    log = (tmp / "app.log").open("w")
    procs: list[subprocess.Popen] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
            starts, http_ready = [], []
            first_drafts, visible, drafts, writer, exports = [], [], [], [], []
            for n in range(args.starts):
                port = free_port()
                proc, t0 = start_app(args.index, tmp / f"var{n}", port, log)
                procs.append(proc)
                http_ready.append(time.perf_counter() - t0)
                context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
                page = context.new_page()
                url = f"http://127.0.0.1:{port}/"
                page_ready(page, url)
                starts.append(time.perf_counter() - t0)
                page.locator("#facts-upload input[type=file]").set_input_files(str(FACTS))
                page.locator("#draft-status").filter(has_text="已导入事实").wait_for(timeout=60_000)
                t1 = time.perf_counter()
                page.locator("#generate").click()
                page.locator("#draft-status").filter(has_text="已生成").wait_for(timeout=120_000)
                first_drafts.append(time.perf_counter() - t1)
                if n == args.starts - 1:  # the warm runs, on the last server
                    timed = [draft_once(page, url) for _ in range(args.runs)]
                    visible = [t[0] for t in timed]
                    drafts, writer = [t[1] for t in timed], [t[2] for t in timed]
                    exports = [export_once(page, url) for _ in range(args.runs)]
                context.close()
                stop(proc)
            browser.close()
    finally:  # never leave a server behind, even when a step failed
        for proc in procs:
            if proc.poll() is None:
                stop(proc)
        log.close()
    size = max((p.stat().st_size for p in tmp.rglob("*.docx")), default=0)
    results.update({
        "cold_start_s": {"http": [round(x, 2) for x in http_ready], "page_usable": [round(x, 2) for x in starts]},
        "first_draft_after_start_s": [round(x, 2) for x in first_drafts],
        "draft_text_visible_s": [round(x, 3) for x in visible],
        "draft_complete_s": [round(x, 3) for x in drafts],
        "draft_writer_s": writer,
        "docx_export_s": [round(x, 3) for x in exports],
        "docx_bytes": size,
    })
    shutil.rmtree(tmp, ignore_errors=True)

    def row(name, xs, target):
        return f"| {name} | {min(xs):.2f} | {statistics.median(xs):.2f} | {max(xs):.2f} | {target} |"

    print(f"machine: {results['machine']}, load average {results['load_average']:.1f}")
    print("| step | best s | median s | worst s | target |\n|---|---:|---:|---:|---|")
    print(row("cold start: process → page answers", http_ready, ""))
    print(row("cold start: process → 起草 tab usable", starts, "< 10 s"))
    print(row("first template draft after a start", first_drafts, ""))
    print(row("template draft: text of every section visible (warm)", visible, "< 3 s"))
    print(row("template draft: complete, exemplar cards included (warm)", drafts, "< 3 s"))
    print(row("— of which the writer itself (plan, retrieval, templates, guard)", writer, ""))
    print(row("DOCX export → download offered", exports, "< 1 s"))
    print(f"DOCX size: {size / 1024:.0f} KB")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
