"""Benchmark the exports and the layout checker on a 4,000-character report (target: .docx < 1 s).

    python benchmarks/bench_export.py                   # the test suite's sample report
    python benchmarks/bench_export.py --runs 50 --json out.json
    python benchmarks/bench_export.py --report r.json   # any drafted report (Report JSON)
    python benchmarks/bench_export.py --pdf             # also LibreOffice .docx → PDF, for scale

What is measured (median and worst of ``--runs`` runs, after one warm-up run that is reported
separately as "first"):
* ``export_docx(report, path)``: build the document (styles, grid, footers, runs) and write it.
* ``export_markdown`` / ``export_text``: the string exports.
* ``check_docx(path)`` on the exported file.
* ``draftkit export REPORT.json --out r.docx`` as a user runs it (a fresh process: Python start-up,
  imports, reading the JSON, exporting), median of 3.
* ``--pdf``: ``soffice --headless --convert-to pdf`` on the exported file (one run; LibreOffice
  start-up dominates) — not a target, only to show where the time goes when a PDF is wanted.

The report is ``tests/unit/export/data/report_2024.yaml``: an invented 2024 report of about 4,000
characters with 14 headings on three levels, quotes, dashes and 【待补充】 markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
REPORT_YAML = REPO / "tests" / "unit" / "export" / "data" / "report_2024.yaml"


def timed(fn, runs: int) -> dict[str, float]:
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"first_s": first, "median_s": statistics.median(times), "worst_s": max(times)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--report", type=Path, help="a Report JSON (default: the test suite's sample report)")
    ap.add_argument("--pdf", action="store_true", help="also time LibreOffice's PDF conversion")
    ap.add_argument("--json", type=Path, help="write the figures as JSON too")
    args = ap.parse_args()

    t0 = time.perf_counter()
    from draftkit.export import check_docx, export_docx, export_markdown, export_text
    from draftkit.report import Report

    import_s = time.perf_counter() - t0

    if args.report:
        report = Report.model_validate_json(args.report.read_text(encoding="utf-8"))
    else:
        report = Report.model_validate(yaml.safe_load(REPORT_YAML.read_text(encoding="utf-8")))
    chars = len(report.body_text())

    results: dict[str, object] = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs",
        "report_chars": chars,
        "sections": len(report.sections),
        "import_s": import_s,
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        out = tmpdir / "report.docx"
        results["export_docx"] = timed(lambda: export_docx(report, out), args.runs)
        results["docx_bytes"] = out.stat().st_size
        results["export_markdown"] = timed(lambda: export_markdown(report), args.runs)
        results["export_text"] = timed(lambda: export_text(report), args.runs)
        results["check_docx"] = timed(lambda: check_docx(out), args.runs)
        results["check_issues"] = len(check_docx(out))

        src = tmpdir / "report.json"
        src.write_text(report.model_dump_json(), encoding="utf-8")
        exe = shutil.which("draftkit") or str(Path(sys.executable).with_name("draftkit"))
        cli = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run(
                [exe, "export", str(src), "--out", str(tmpdir / "cli.docx"), "--force"], check=True, capture_output=True
            )
            cli.append(time.perf_counter() - t0)
        results["cli_export_s"] = statistics.median(cli)

        if args.pdf:
            soffice = shutil.which("soffice")
            if soffice:
                profile = (tmpdir / "lo-profile").as_uri()
                t0 = time.perf_counter()
                subprocess.run(
                    [
                        soffice,
                        f"-env:UserInstallation={profile}",
                        "--headless",
                        "--convert-to",
                        "pdf",
                        "--outdir",
                        str(tmpdir),
                        str(out),
                    ],
                    check=True,
                    capture_output=True,
                    timeout=300,
                )
                results["soffice_pdf_s"] = time.perf_counter() - t0
            else:
                results["soffice_pdf_s"] = None

    def row(name: str, key: str) -> str:
        r = results[key]
        return (
            f"| {name} | {r['first_s'] * 1000:.0f} | {r['median_s'] * 1000:.1f} | {r['worst_s'] * 1000:.1f} |"
        )

    print(
        f"report: {chars} characters, {len(report.sections)} headings; {results['machine']}, Python {results['python']}"
    )
    print("| step | first (ms) | median (ms) | worst (ms) |")
    print("|---|---:|---:|---:|")
    print(row("export_docx (build + write)", "export_docx"))
    print(row("export_markdown", "export_markdown"))
    print(row("export_text", "export_text"))
    print(row("check_docx", "check_docx"))
    print(
        f"import draftkit.export: {import_s * 1000:.0f} ms; .docx size {results['docx_bytes']} bytes; "
        f"issues found: {results['check_issues']}"
    )
    print(f"`draftkit export` (fresh process, median of 3): {results['cli_export_s']:.2f} s")
    if args.pdf:
        print(f"LibreOffice .docx → PDF (one run): {results['soffice_pdf_s']}")
    target = results["export_docx"]["worst_s"] < 1.0  # type: ignore[index]
    print(f"target .docx export < 1 s: {'met' if target else 'MISSED'}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
