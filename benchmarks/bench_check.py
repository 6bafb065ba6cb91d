"""Benchmark the review checks (`draftkit check`): a 4,000-character report with the sample index open.

    python benchmarks/bench_check.py                      # builds the sample index in a temp dir
    python benchmarks/bench_check.py --index index/       # an index already built
    python benchmarks/bench_check.py --runs 10 --big      # also the 10 MB robustness timings
    python benchmarks/bench_check.py --json out.json      # figures as JSON as well

What is measured:
* ``run_checks`` (library, index open and the embedder warm): all checks, median and worst of
  ``--runs`` runs, with the time of each check; target < 2 s.
* ``draftkit check FILE --index DIR`` as a user runs it (a fresh process: Python start-up,
  imports, opening the index, loading the embedder, all checks).
* ``--big``: each check on a 10 MB text (reuse capped at its default number of searches).

The report is made from the sample corpus's own texts (two reports of other schools, cut to
4,000 characters), so the reuse check has real work: most paragraphs are found in the index.
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
SRC = REPO / "samples" / "src"


def make_report(chars: int = 4000) -> str:
    """A 2024 report for a school not in the corpus, built from two sample reports' paragraphs."""
    lines = ["桃源县育才小学党支部2024年党建工作总结"]
    for name in ("B6_liuxi_shiqiao_jiunian_2023.txt", "A6_liuxi_chengguan_xuequ_2022.txt"):
        body = (SRC / name).read_text(encoding="utf-8").split("\n")[1:]
        lines += [ln for ln in body if ln.strip()]
    out: list[str] = []
    total = 0
    for ln in lines:
        if total + len(ln) > chars:
            ln = ln[: chars - total]
        out.append(ln)
        total += len(ln) + 1
        if total >= chars:
            break
    return "\n".join(out)


def build_sample_index(target: Path) -> float:
    from draftkit.retrieval import build_index

    files = sorted(p for p in CORPUS.glob("*") if p.suffix in (".txt", ".docx") and not p.name.startswith("messy_"))
    t0 = time.perf_counter()
    build_index(files, target)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, help="an index directory (default: build the sample index in a temp dir)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--big", action="store_true", help="also time each check on a 10 MB text")
    ap.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = ap.parse_args()

    from draftkit.checks import ReportText, run_checks
    from draftkit.checks.era import check_era
    from draftkit.checks.fidelity import unsupported_facts, unused_facts
    from draftkit.checks.residue import check_residue
    from draftkit.checks.reuse import check_reuse
    from draftkit.facts import load_facts
    from draftkit.retrieval import Index

    figures: dict = {"python": platform.python_version(), "machine": platform.machine(),
                     "cpus": os.cpu_count(), "runs": args.runs}
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index
        if index_dir is None:
            index_dir = Path(tmp) / "index"
            figures["index_build_s"] = round(build_sample_index(index_dir), 2)
        report_path = Path(tmp) / "report_4000.txt"
        text = make_report()
        report_path.write_text(text, encoding="utf-8")
        figures["report_chars"] = len(text)
        facts = load_facts(REPO / "samples" / "facts" / "qinghe_sanshi_2024.yaml")

        t0 = time.perf_counter()
        idx = Index.open(index_dir)
        figures["index_open_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        first = run_checks(ReportText.from_file(report_path), facts=facts, index=idx)
        figures["first_run_s"] = round(time.perf_counter() - t0, 3)  # includes loading the embedder

        times, per_check = [], {}
        for _ in range(args.runs):
            t0 = time.perf_counter()
            r = run_checks(ReportText.from_file(report_path), facts=facts, index=idx)
            times.append(time.perf_counter() - t0)
            for k, v in r.summary.seconds.items():
                per_check.setdefault(k, []).append(v)
        figures["warm_median_s"] = round(statistics.median(times), 3)
        figures["warm_max_s"] = round(max(times), 3)
        figures["per_check_median_s"] = {k: round(statistics.median(v), 4) for k, v in per_check.items()}
        figures["paragraphs_searched"] = first.summary.reuse_paragraphs_searched
        # the reuse check alone, lexical candidates (the default) vs hybrid (a query embedding per paragraph)
        rt = ReportText.from_file(report_path)
        for mode in ("lexical", "hybrid"):
            check_reuse(rt, idx, year=2024, mode=mode)  # warm-up
            t_mode = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                check_reuse(rt, idx, year=2024, mode=mode)
                t_mode.append(time.perf_counter() - t0)
            figures[f"reuse_{mode}_median_s"] = round(statistics.median(t_mode), 3)
        figures["reuse_share"] = first.summary.reuse_share
        figures["findings"] = first.summary.by_check

        exe = Path(sys.executable).parent / "draftkit"
        entry = [str(exe)] if exe.exists() else [sys.executable, "-c", "from draftkit.cli import main; main()"]
        cmd = [*entry, "check", str(report_path), "--index", str(index_dir), "--json"]
        cli = []
        for _ in range(2):
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
            cli.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                raise SystemExit(f"draftkit check failed: {proc.stderr[-2000:]}")
        figures["cli_cold_s"] = round(min(cli), 2)

        if args.big:
            para = "学校党支部坚持把党建工作与教育教学深度融合，扎实推进各项工作，共有25名党员。" * 40 + "\n"
            big = para * 3000 + "无标点的长文字" * 200_000
            figures["big_mb"] = round(len(big.encode("utf-8")) / 1e6, 1)
            rt = ReportText.from_text(big, detect=False)
            big_times = {}
            for name, fn in (("era", lambda: check_era(rt, 2024)), ("residue", lambda: check_residue(rt)),
                             ("facts", lambda: unsupported_facts(rt, facts) + unused_facts(rt, facts)),
                             ("reuse", lambda: check_reuse(rt, idx, year=2024))):
                t0 = time.perf_counter()
                res = fn()
                big_times[name] = round(time.perf_counter() - t0, 2)
                if name == "reuse":
                    big_times["reuse_queries"] = res.queries
            t0 = time.perf_counter()
            run_checks(rt, facts=facts, index=idx)
            big_times["all"] = round(time.perf_counter() - t0, 2)
            figures["big_s"] = big_times

    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
