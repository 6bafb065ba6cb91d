"""Quality of template drafts (issue 11 §4), for every sample facts file and for facts imported from past reports.

    python benchmarks/draft_quality.py                  # samples/facts/*.yaml, seeds 0..2, and from-report imports
    python benchmarks/draft_quality.py --json out.json

Per facts file (template backend, no index, the median over ``--runs`` warm runs for the time):
* body: characters of section body (headings, opening and closing aside; punctuation included, as the
  issue counts) and, beside it, Chinese characters only;
* facts used: the share of the facts the draft uses (1 − the facts check's "fact unused" notes / facts);
* invented: numbers, dates, names the facts lack (facts check P0/P1 findings);
* era: era findings (P0/P1) for the report's year;
* rep8: 8-grams of Chinese characters that occur more than once in the section bodies (distinct ones);
* quotes: nested-quote errors (“ inside “…”);
* confirm: 【待核实】 markers (carried-over numbers, from-report imports only);
* seconds: wall time of ``draft_report`` (warm: imports and data files loaded once before).
Targets: >= 3,000 characters for complete files, 100 % facts used, 0 invented, 0 era, 0 nested quotes, < 2 s.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from draftkit.checks.document import ReportText  # noqa: E402
from draftkit.checks.era import check_era  # noqa: E402
from draftkit.checks.fidelity import unsupported_facts, unused_facts  # noqa: E402
from draftkit.draft.from_report import facts_from_report  # noqa: E402
from draftkit.draft.plan import era_context  # noqa: E402
from draftkit.draft.prose import nested_quote_errors  # noqa: E402
from draftkit.draft.writer import draft_report  # noqa: E402
from draftkit.facts import Facts, load_facts  # noqa: E402

COMPLETE = {"qinghe_erzhong_2016", "qinghe_yizhong_2021", "qinghe_sanshi_2024"}
IMPORTS = [("samples/corpus/B5_qinghe_sanshi_xiaoxue_2021.txt", 2022),
           ("samples/past/liuxi_shiqiao_2024_half_year.txt", 2025),
           ("samples/past/qinghe_qiming_2023_shuzhi.txt", 2024)]


def fact_count(f: Facts) -> int:
    """How many facts unused_facts can report on (the denominator of "facts used")."""
    m, s = f.members, f.structure
    n = sum(1 for k in ("total", "probationary", "retired", "activists", "applicants", "developed", "staff")
            if getattr(m, k))
    n += sum(1 for k in ("branches", "groups") if getattr(s, k) and not (k == "branches" and s.branches == 1))
    n += len(s.committee) + len(f.activities) + len(f.honours) + bool(f.brand)
    n += len(f.highlights) + len(f.problems) + len(f.plans)
    n += sum(len(v) for v in f.practices.values()) + sum(len(v) for v in f.notes.values())
    return n


def repeated_8grams(text: str) -> int:
    counts: Counter[str] = Counter()
    for para in text.split("\n"):
        han = "".join(re.findall(r"[\u4e00-\u9fff]", para))
        counts.update(han[i:i + 8] for i in range(len(han) - 7))
    return sum(1 for c in counts.values() if c > 1)


def measure(name: str, facts: Facts, seed: int, runs: int) -> dict:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        report = draft_report(facts, backend="template", seed=seed)
        times.append(time.perf_counter() - t)
    body = "\n".join(s.text for s in report.sections if s.text)
    full = report.body_text()
    total = fact_count(facts)
    unused = [f for f in unused_facts(full, facts)]
    month = 6 if facts.report_kind == "half_year_summary" else 12
    era = era_context(facts.year, month)
    allowed = [era.guiding_line, era.thought, era.congress, *era.campaigns, *era.anniversaries, str(facts.year)]
    invented = [f for f in unsupported_facts(full, facts, allowed_extra=allowed) if f.severity in ("P0", "P1")]
    era_findings = [f for f in check_era(ReportText.from_report(report), facts.year, facts.report_kind)
                    if f.severity in ("P0", "P1")]
    return {
        "file": name, "seed": seed, "complete": name in COMPLETE,
        "body": len(body), "hanzi": len(re.findall(r"[\u4e00-\u9fff]", body)),
        "facts_used": round(1 - len(unused) / total, 3) if total else 1.0, "unused": [f.text for f in unused],
        "invented": len(invented), "invented_texts": [f.text for f in invented],
        "era": len(era_findings), "rep8": repeated_8grams(body), "quotes": nested_quote_errors(full),
        "confirm": full.count("【待核实："), "seconds": round(statistics.median(times), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    draft_report(load_facts(REPO / "samples/facts/qinghe_sanshi_2024.yaml"), backend="template")  # warm-up
    rows = []
    for path in sorted((REPO / "samples/facts").glob("*.yaml")):
        facts = load_facts(path)
        for seed in range(args.seeds):
            rows.append(measure(path.stem, facts, seed, args.runs))
    for rel, year in IMPORTS:
        facts = facts_from_report(REPO / rel, year).facts
        rows.append(measure(f"from-report:{Path(rel).stem}→{year}", facts, 0, args.runs))
    head = f"{'file':58} {'seed':>4} {'body':>5} {'hanzi':>5} {'used':>5} {'inv':>3} {'era':>3} {'rep8':>4} " \
           f"{'quot':>4} {'conf':>4} {'sec':>6}"
    print(head)
    for r in rows:
        print(f"{r['file']:58} {r['seed']:>4} {r['body']:>5} {r['hanzi']:>5} {r['facts_used']:>5.0%} {r['invented']:>3} "
              f"{r['era']:>3} {r['rep8']:>4} {r['quotes']:>4} {r['confirm']:>4} {r['seconds']:>6.3f}")
    complete = [r for r in rows if r["complete"]]
    print(f"\ncomplete files: min body {min(r['body'] for r in complete)} characters "
          f"(min {min(r['hanzi'] for r in complete)} Chinese); all files: facts used min "
          f"{min(r['facts_used'] for r in rows):.0%}, invented {sum(r['invented'] for r in rows)}, "
          f"era {sum(r['era'] for r in rows)}, nested quotes {sum(r['quotes'] for r in rows)}, "
          f"max {max(r['seconds'] for r in rows):.3f} s per report")
    for r in rows:
        if r["unused"] or r["invented_texts"]:
            print(f"  {r['file']} seed {r['seed']}: unused {r['unused']} invented {r['invented_texts']}")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
