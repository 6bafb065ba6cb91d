"""How well the model path writes: a whole report per sample facts file through a real local model.

    python benchmarks/bench_model_path.py                                  # qwen2.5-1.5b via llama_cpp.server
    python benchmarks/bench_model_path.py --model qwen2.5-0.5b --threads 1
    python benchmarks/bench_model_path.py --backend llamacpp               # in process, no server
    python benchmarks/bench_model_path.py --facts samples/facts/qinghe_sanshi_2024.yaml --index DIR
    python benchmarks/bench_model_path.py --json out.json

For each facts file it drafts the template report (the baseline) and the model report, and prints:

- sections: how many sections a model writes (a parent's one-line lead stays with the template);
- kept: the share of those that keep the model's text (did not fall back to the template);
- removed: sentences the guard removed (invented numbers, names, quotations, honours, era errors, copies);
- repaired: facts the guard put back from the skeleton (in how many appended sentences);
- invented: P0/P1 facts findings left in the final report (numbers, dates, names, units, honours that
  the facts do not support) — the guard's goal is 0;
- body / template: characters of section body, and the ratio to the template's;
- seconds: the model report's wall time.

Goals (issue "A model path that really writes", §1): kept ≥ 80 %, invented 0, body ≥ 1.3 × template.
The server runs as ``python -m llama_cpp.server --n_ctx 4096 --n_threads T`` on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from draftkit.checks.fidelity import unsupported_facts  # noqa: E402
from draftkit.config import Settings  # noqa: E402
from draftkit.draft.guard import era_allowed  # noqa: E402
from draftkit.draft.plan import plan_report  # noqa: E402
from draftkit.draft.writer import draft_report  # noqa: E402
from draftkit.facts import load_facts  # noqa: E402
from draftkit.model_store import locate_model  # noqa: E402
from draftkit.report import Report  # noqa: E402

FALLBACK = "已改用模板稿"


def model_sections(report: Report) -> list:
    """Sections a model writes: with text, and not a parent's lead into its subsections."""
    secs = report.sections
    return [s for i, s in enumerate(secs) if s.skeleton and not (i + 1 < len(secs) and secs[i + 1].level > s.level)]


def _split_top(text: str) -> list[str]:
    """Split on 、 outside “…” quotes (a repair warning lists its facts so)."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "“"
        depth -= ch == "”"
        if ch == "、" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p for p in [*parts, cur] if p]


def measure(report: Report, template: Report, facts: Any, seconds: float) -> dict[str, Any]:
    era = plan_report(facts).era
    written = model_sections(report)
    fell = [s for s in written if any(FALLBACK in w for w in s.warnings)]
    removed = [w for s in written for w in s.warnings if w.startswith("已删去一句")]
    repairs = [w for s in written for w in s.warnings if w.startswith("模型稿漏了")]
    repaired_facts = sum(len(_split_top(re.sub(r"^模型稿漏了(?:待补充标记)?", "", w).split("，已补上", 1)[0]))
                         for w in repairs)
    invented = []
    for s in report.sections:
        if s.text:
            for f in unsupported_facts(s.text, facts, allowed_extra=[s.skeleton, *era_allowed(era)]):
                if f.severity in ("P0", "P1"):
                    invented.append({"section": s.id, "rule": f.rule, "text": f.text})
    body = sum(len(s.text) for s in report.sections)
    base = sum(len(s.text) for s in template.sections)
    return {
        "sections": len(written), "kept": len(written) - len(fell),
        "kept_share": round((len(written) - len(fell)) / len(written), 3) if written else None,
        "fell_back": [s.id for s in fell], "removed": len(removed), "repair_sentences": len(repairs),
        "repaired_facts": repaired_facts, "invented": invented, "body_chars": body, "template_chars": base,
        "ratio": round(body / base, 2) if base else None, "seconds": round(seconds, 1),
        "cut": sum(1 for s in written for w in s.warnings if "截断" in w or "字数上限" in w),
        "per_section": [{"id": s.id, "seconds": s.seconds, "chars": len(s.text), "template": len(s.skeleton),
                         "warnings": s.warnings} for s in written],
    }


def start_server(model_path: Path, threads: int, n_ctx: int) -> tuple[subprocess.Popen, str]:
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", str(threads)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    t0 = time.monotonic()
    while True:
        try:
            if httpx.get(f"{base}/models", timeout=2, trust_env=False).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.3)
        if proc.poll() is not None or time.monotonic() - t0 > 300:
            proc.kill()
            raise RuntimeError("llama_cpp.server did not start")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="qwen2.5-1.5b")
    ap.add_argument("--backend", choices=["openai", "llamacpp"], default="openai")
    ap.add_argument("--facts", nargs="*", type=Path)
    ap.add_argument("--index", type=Path, help="an index directory: exemplars from it")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    facts_files = args.facts or sorted((ROOT / "samples" / "facts").glob("*.yaml"))
    settings = Settings(llm_model=str(locate_model(args.model, Settings())), llm_timeout=600.0, llm_deadline=3600.0,
                        llm_threads=args.threads, llm_retries=0)
    index = None
    if args.index:
        from draftkit.retrieval import Index

        index = Index.open(args.index, settings)
        index.search("热身", k=1)
    proc = None
    if args.backend == "openai":
        from draftkit.draft.backends.openai import OpenAIBackend

        proc, base = start_server(Path(settings.llm_model), args.threads, settings.llm_context)
        backend = OpenAIBackend(settings, base_url=base, model="")
    else:
        from draftkit.draft.backends.llamacpp import LlamaCppBackend

        backend = LlamaCppBackend(settings)
        backend.load()
    results = []
    try:
        for path in facts_files:
            facts = load_facts(path)
            template = draft_report(facts, index=index, backend="template", settings=settings)
            t0 = time.perf_counter()
            report = draft_report(facts, index=index, backend=backend, settings=settings)
            row = {"facts": path.name, "model": args.model, "backend": args.backend, "index": bool(index),
                   "load": os.getloadavg()[0], **measure(report, template, facts, time.perf_counter() - t0)}
            results.append(row)
            print(f"{path.stem:32} kept {row['kept']}/{row['sections']}  removed {row['removed']:2}  "
                  f"repaired {row['repaired_facts']:2} ({row['repair_sentences']} sentences)  "
                  f"invented {len(row['invented'])}  body {row['body_chars']} / {row['template_chars']} "
                  f"= {row['ratio']}  {row['seconds']} s", flush=True)
            if args.json:  # after every file, so a long run that is stopped keeps what it measured
                args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    if results:
        secs = sum(r["sections"] for r in results)
        kept = sum(r["kept"] for r in results)
        body = sum(r["body_chars"] for r in results)
        base = sum(r["template_chars"] for r in results)
        print(f"{'all':32} kept {kept}/{secs} = {kept / secs:.0%}  removed {sum(r['removed'] for r in results)}  "
              f"repaired {sum(r['repaired_facts'] for r in results)}  invented {sum(len(r['invented']) for r in results)}  "
              f"body {body / base:.2f} x  {sum(r['seconds'] for r in results):.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
