"""Benchmark the local model backends: load time, time to first token, tokens/s, whole-report time.

    python benchmarks/bench_llm.py                          # every installed model, 3 runs each
    python benchmarks/bench_llm.py --model qwen2.5-0.5b --runs 5 --max-tokens 192
    python benchmarks/bench_llm.py --server                 # also through llama_cpp.server (openai backend)
    python benchmarks/bench_llm.py --report samples/facts/qinghe_sanshi_2024.yaml --index DIR  # whole report
    python benchmarks/bench_llm.py --json out.json          # figures as JSON as well

Two prompts per model: a short question and a section-sized prompt (~380 tokens: rules, a
skeleton and two exemplar paragraphs, as the writer sends), so prompt evaluation shows too.
The load average is recorded before and after: on a shared machine it changes the figures a lot.
Tokens are counted with the model's own tokenizer on the generated text.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from draftkit.config import Settings
from draftkit.draft.backends.llamacpp import LlamaCppBackend, clear_llama_cache
from draftkit.draft.backends.openai import OpenAIBackend
from draftkit.model_store import MODELS, ModelError, locate_model

SYSTEM = "你是学校党组织的文字秘书。只用简体中文，语气庄重平实，不编造任何数字、人名和日期。"
SHORT = "请用三句话概括学校党支部开展“主题党日”活动的意义。"

# A section-sized prompt written for this benchmark (fictional school, fictional figures).
SECTION = """请把下面的“要点”改写成党建工作总结中“思想政治建设”一节的正文，两段，约300字。
要求：
1. 要点中的每个数字、名称都要保留，且不得增加要点中没有的数字、人名、日期。
2. 参考“范文”的语气和句式，但不得照抄范文的句子。
3. 只输出正文，不要标题，不要解释。

要点：
本年度支部共组织主题党日12次，每月一次，内容包括学习党的二十届三中全会精神、观看专题片和开展志愿服务。
举办党纪学习教育读书班4期，31名党员全部参加，撰写心得体会62篇。
支部书记讲专题党课2次，班子成员讲党课6次。
依托“禾苗红”党建品牌，组织党员教师结对帮扶学困生40名。

范文一：
一年来，支部坚持把政治建设摆在首位，以“三会一课”为抓手，认真落实第一议题制度，
组织党员系统学习党的创新理论，做到学习有计划、有记录、有检查。通过集中学习、专题研讨、
个人自学相结合的方式，推动理论学习往深里走、往实里走，党员教师的政治判断力、政治领悟力、
政治执行力不断提高。

范文二：
支部注重把理论学习成果转化为推动学校高质量发展的实际成效，组织党员围绕立德树人根本任务
开展岗位练兵，引导党员在课堂教学、班级管理和家校共育中当先锋、作表率，做到学思用贯通、
知信行统一，党员队伍的凝聚力和战斗力进一步增强。
"""


def count_tokens(backend: LlamaCppBackend, text: str) -> int:
    return len(backend.load().tokenize(text.encode("utf-8"), add_bos=False, special=False))


def time_stream(backend, prompt: str, max_tokens: int, seed: int) -> dict:
    start = time.perf_counter()
    first = None
    pieces = []
    for piece in backend.generate(prompt, system=SYSTEM, max_tokens=max_tokens, seed=seed):
        if first is None:
            first = time.perf_counter() - start
        pieces.append(piece)
    total = time.perf_counter() - start
    return {"text": "".join(pieces), "first": first or total, "total": total}


def bench_model(name: str, runs: int, max_tokens: int, threads: int) -> dict:
    settings = Settings(llm_timeout=600, llm_temperature=0.3)
    path = locate_model(name, settings)
    clear_llama_cache()
    backend = LlamaCppBackend(settings, path, n_threads=threads)
    t0 = time.perf_counter()
    backend.load()
    load_s = time.perf_counter() - t0
    out: dict = {"model": name, "file": str(path), "size_mb": round(path.stat().st_size / 1e6), "load_s": round(load_s, 2)}
    for label, prompt in (("short", SHORT), ("section", SECTION)):
        prompt_tokens = count_tokens(backend, SYSTEM + prompt)
        firsts, rates, gens = [], [], []
        sample = ""
        for run in range(runs):
            # A different seed per run, and a changed first character, so no run reuses the KV cache.
            r = time_stream(backend, f"{run}. {prompt}", max_tokens, seed=run)
            n = count_tokens(backend, r["text"])
            firsts.append(r["first"])
            gens.append(n)
            if n > 1 and r["total"] > r["first"]:
                rates.append((n - 1) / (r["total"] - r["first"]))
            sample = r["text"]
        out[label] = {
            "prompt_tokens": prompt_tokens,
            "first_token_s": round(statistics.median(firsts), 2),
            "tokens_per_s": round(statistics.median(rates), 1) if rates else None,
            "generated_tokens": int(statistics.median(gens)),
            "sample": sample[:120],
        }
    return out


def bench_server(name: str, runs: int, max_tokens: int, threads: int) -> dict:
    """The same section prompt through `python -m llama_cpp.server` and the openai backend."""
    import socket

    import httpx

    path = locate_model(name, Settings())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "4096", "--n_threads", str(threads)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        t0 = time.perf_counter()
        while True:
            try:
                if httpx.get(f"{base}/models", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
            if proc.poll() is not None or time.perf_counter() - t0 > 180:
                raise RuntimeError("llama_cpp.server did not start")
        ready_s = time.perf_counter() - t0
        backend = OpenAIBackend(Settings(llm_timeout=600, llm_model=""), base_url=base)
        firsts, totals, chars = [], [], []
        for run in range(runs):
            r = time_stream(backend, f"{run}. {SECTION}", max_tokens, seed=run)
            firsts.append(r["first"])
            totals.append(r["total"])
            chars.append(len(r["text"]))
        backend.close()
        return {"model": name, "server_ready_s": round(ready_s, 1), "first_token_s": round(statistics.median(firsts), 2),
                "total_s": round(statistics.median(totals), 1), "chars": int(statistics.median(chars))}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def bench_report(name: str, facts_path: Path, threads: int, index_dir: Path | None) -> dict:
    """A whole report drafted with the llamacpp backend through the writer (exemplars when an index is given)."""
    from draftkit.draft.writer import draft_report
    from draftkit.facts import load_facts

    facts = load_facts(facts_path)
    settings = Settings(llm_timeout=600, llm_model=name, backend="llamacpp")
    index = None
    if index_dir is not None:
        from draftkit.retrieval import Index

        index = Index.open(index_dir, settings)
        index.search("热身", k=1)  # load the embedder before timing
    backend = LlamaCppBackend(settings, name, n_threads=threads)
    backend.load()
    t0 = time.perf_counter()
    report = draft_report(facts, index=index, backend=backend, settings=settings)
    total = time.perf_counter() - t0
    written = [s for s in report.sections if s.skeleton]
    fell_back = [s.id for s in written if any("已改用模板稿" in w for w in s.warnings)]
    removed = sum(1 for s in written for w in s.warnings if w.startswith("已删去一句"))
    same = sum(1 for s in written if s.text == s.skeleton and s.id not in fell_back)
    return {"model": name, "facts": str(facts_path), "index": str(index_dir) if index_dir else None,
            "report_s": round(total, 1), "sections": len(written), "chars": len(report.body_text()),
            "fell_back": fell_back, "sentences_removed": removed, "copied_skeleton": same,
            "timings": report.timings,
            "per_section": [{"id": s.id, "seconds": s.seconds, "chars": len(s.text),
                             "warnings": s.warnings} for s in written]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", help="a model name (repeatable); default: every installed model")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--server", action="store_true", help="also measure through llama_cpp.server + openai backend")
    ap.add_argument("--report", type=Path, help="a facts file: also time a whole report with the writer")
    ap.add_argument("--index", type=Path, help="with --report: an index for exemplars (draftkit index build ...)")
    ap.add_argument("--json", type=Path, help="write the figures here too")
    args = ap.parse_args(argv)

    names = args.model or [n for n in MODELS if (Settings().model_dir / MODELS[n].filename).is_file()]
    if not names:
        print("no model installed: draftkit models install qwen2.5-0.5b", file=sys.stderr)
        return 2
    env = {"python": platform.python_version(), "cpus": os.cpu_count(), "threads": args.threads,
           "max_tokens": args.max_tokens, "runs": args.runs, "load_before": round(os.getloadavg()[0], 1)}
    import llama_cpp

    env["llama_cpp_python"] = llama_cpp.__version__
    results: dict = {"env": env, "models": [], "server": [], "report": []}
    print(json.dumps(env, ensure_ascii=False))
    for name in names:
        try:
            r = bench_model(name, args.runs, args.max_tokens, args.threads)
        except ModelError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            continue
        results["models"].append(r)
        print(f"\n{name}: load {r['load_s']} s")
        for label in ("short", "section"):
            m = r[label]
            print(f"  {label:8} prompt {m['prompt_tokens']:4d} tok | first token {m['first_token_s']:5.2f} s | "
                  f"{m['tokens_per_s']} tok/s | {m['generated_tokens']} tok generated")
            print(f"           {m['sample']!r}")
        if args.server:
            s = bench_server(name, args.runs, args.max_tokens, args.threads)
            results["server"].append(s)
            print(f"  server   ready {s['server_ready_s']} s | first token {s['first_token_s']} s | "
                  f"total {s['total_s']} s for {s['chars']} chars")
        if args.report:
            rep = bench_report(name, args.report, args.threads, args.index)
            results["report"].append(rep)
            print(f"  report   {rep['report_s']} s for {rep['sections']} sections, {rep['chars']} chars; "
                  f"fell back: {rep['fell_back'] or 'none'}; {rep['sentences_removed']} sentences removed; "
                  f"{rep['copied_skeleton']} sections kept the skeleton word for word")
        clear_llama_cache()
    env["load_after"] = round(os.getloadavg()[0], 1)
    print(f"\nload average before {env['load_before']}, after {env['load_after']}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
