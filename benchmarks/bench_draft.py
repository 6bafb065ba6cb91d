"""Benchmark drafting with the template backend: a full report, index already open (target < 2 s).

    python benchmarks/bench_draft.py                    # builds the sample index in a temp dir
    python benchmarks/bench_draft.py --index index/     # an index already built
    python benchmarks/bench_draft.py --no-index         # drafting alone, no exemplars
    python benchmarks/bench_draft.py --runs 20 --json out.json

What is measured, for each sample facts file (samples/facts/*.yaml):
* ``draft_report(facts, index, backend="template")`` with the index open and the embedder warm
  (one warm-up report first; the query-embedding cache is cleared before each run, as for a new
  facts file whose section queries the index has not seen): median and worst wall time of ``--runs`` runs, and the median of
  each stage the writer records (plan and templates, retrieval of exemplars, generation + guard).
* ``draftkit draft FACTS --index DIR --out r.md`` as a user runs it (a fresh process: Python
  start-up, imports, opening the index, loading the embedder, drafting, writing the file).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "samples" / "corpus"
FACTS = sorted((REPO / "samples" / "facts").glob("*.yaml"))


def build_sample_index(target: Path) -> float:
    from draftkit.retrieval import build_index

    files = sorted(p for p in CORPUS.glob("*") if p.suffix in (".txt", ".docx") and not p.name.startswith("messy_"))
    t0 = time.perf_counter()
    build_index(files, target)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, help="an index directory already built (default: build the samples)")
    ap.add_argument("--no-index", action="store_true", help="draft without an index (no exemplars)")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    ap.add_argument("--no-cli", action="store_true", help="skip the fresh-process CLI timing")
    args = ap.parse_args()

    from draftkit.draft.writer import draft_report
    from draftkit.facts import load_facts

    tmp = None
    index = None
    index_dir = None
    build_s = None
    if not args.no_index:
        from draftkit.retrieval import Index

        index_dir = args.index
        if index_dir is None:
            tmp = tempfile.TemporaryDirectory(prefix="bench_draft_")
            index_dir = Path(tmp.name) / "index"
            build_s = build_sample_index(index_dir)
        t0 = time.perf_counter()
        index = Index.open(index_dir)
        open_s = time.perf_counter() - t0
    rows = []
    for path in FACTS:
        facts = load_facts(path)
        draft_report(facts, index=index, backend="template")  # warm-up: embedder loaded, caches filled
        walls, stages = [], {"plan": [], "retrieval": [], "generation": []}
        for seed in range(args.runs):
            if index is not None:
                index.clear_query_cache()
            t0 = time.perf_counter()
            report = draft_report(facts, index=index, backend="template", seed=seed)
            walls.append(time.perf_counter() - t0)
            for k in stages:
                stages[k].append(report.timings[k])
        chars = len(report.body_text())
        exemplars = sum(len(s.exemplars) for s in report.sections)
        rows.append({
            "facts": path.name, "sections": len(report.sections), "chars": chars, "exemplars": exemplars,
            "median_s": statistics.median(walls), "max_s": max(walls),
            **{f"{k}_s": statistics.median(v) for k, v in stages.items()},
        })
    cli = None
    if not args.no_cli:
        out = Path(tempfile.mkdtemp(prefix="bench_draft_cli_")) / "r.md"
        cmd = [sys.executable, "-c", "from draftkit.cli import main; main()", "draft", str(FACTS[0]), "--out", str(out)]
        cmd += ["--no-index"] if index_dir is None else ["--index", str(index_dir)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        cli = {"cmd": " ".join(cmd[3:]), "seconds": time.perf_counter() - t0, "rc": proc.returncode}
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)

    print(f"# draft benchmark: template backend, index {'none' if index is None else index_dir}, "
          f"{args.runs} runs, {platform.processor() or platform.machine()}, {os.cpu_count()} cpus")
    if build_s is not None:
        print(f"sample index built in {build_s:.1f} s")
    if index is not None:
        print(f"index opened in {open_s:.2f} s")
    print("| facts | sections | chars | exemplars | median s | max s | plan+templates | retrieval | generation+guard |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['facts']} | {r['sections']} | {r['chars']} | {r['exemplars']} | {r['median_s']:.3f} | "
              f"{r['max_s']:.3f} | {r['plan_s']:.3f} | {r['retrieval_s']:.3f} | {r['generation_s']:.3f} |")
    if cli:
        print(f"fresh process `draftkit {cli['cmd']}`: {cli['seconds']:.2f} s (exit {cli['rc']})")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "cli": cli, "build_s": build_s}, ensure_ascii=False, indent=2),
                             encoding="utf-8")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
