"""Measure the proofreading check (校对) on the planted-error set and on real reports.

    python benchmarks/bench_proofread.py                 # the planted set: recall/precision per family
    python benchmarks/bench_proofread.py --corpus        # also count findings on the seeds and samples
    python benchmarks/bench_proofread.py --show-misses   # list the planted errors that were missed
    python benchmarks/bench_proofread.py --annotate      # each seed as a plain .docx, annotated with --fix tracked

The set (``benchmarks/data/proofread_set.txt``) has one planted error per sentence, written
``{wrong|right}``; each error sentence has its corrected twin. A planted error counts as found when a
finding of its family overlaps the planted span; every other finding on an error sentence is a false
one for its family's precision. Findings on the twins are all false, listed by severity
(the target is none at P0/P1). The built-in lexicons only (no user overlay).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SET_PATH = REPO / "benchmarks" / "data" / "proofread_set.txt"
SEEDS = REPO.parent / "shared" / "corpus" / "seeds"
_MARK = re.compile(r"\{([^|{}]*)\|([^{}]*)\}")


@dataclass
class Planted:
    family: str
    wrong: str  # the error sentence (paragraphs separated by "\n")
    right: str  # its corrected twin
    paragraph: int  # where the planted error is: paragraph index and span in it (characters)
    span: tuple[int, int]


def load_set(path: Path = SET_PATH) -> list[Planted]:
    """The planted-error set; raises ValueError naming the line when a line has no or two errors."""
    out: list[Planted] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        family, sentence = line.split("\t", 1)
        sentence = sentence.replace("\\n", "\n")
        wrong, right, spans = [], [], []
        pos = 0
        for m in _MARK.finditer(sentence):
            plain = sentence[pos:m.start()]
            wrong.append(plain)
            right.append(plain)
            a, b = m.group(1), m.group(2)
            if a != b:
                start = sum(len(w) for w in wrong)
                spans.append((start, start + max(len(a), 1)))
            wrong.append(a)
            right.append(b)
            pos = m.end()
        wrong.append(sentence[pos:])
        right.append(sentence[pos:])
        if len(spans) != 1:
            raise ValueError(f"{path}:{n}: expected one planted error, found {len(spans)}")
        w = "".join(wrong)
        s, e = spans[0]
        para = w.count("\n", 0, s)
        offset = (w.rfind("\n", 0, s) + 1) if para else 0
        out.append(Planted(family, w, "".join(right), para, (s - offset, min(e, len(w)) - offset)))
    return out


def measure(items: list[Planted]) -> dict:
    """Per family: planted, found, findings (all, true), twins' findings by severity; and misses."""
    from draftkit.checks.proofread import Overlay, check_proofread

    overlay = Overlay()
    fams = sorted({i.family for i in items})
    stats = {f: Counter() for f in fams}
    misses: list[tuple[Planted, list]] = []
    false: list[tuple[str, object]] = []
    twin_findings: list[tuple[str, object]] = []
    for it in items:
        found = check_proofread(it.wrong, overlay=overlay)
        stats[it.family]["planted"] += 1
        hit = False
        for f in found:
            fam = f.rule.split(".", 1)[1]
            stats.setdefault(fam, Counter())
            stats[fam]["findings"] += 1
            true = (fam == it.family and f.paragraph == it.paragraph
                    and f.span[0] < it.span[1] and it.span[0] < max(f.span[1], f.span[0] + 1))
            if true and not hit:
                hit = True
                stats[fam]["true"] += 1
            elif not true:
                false.append((it.wrong, f))
        if hit:
            stats[it.family]["found"] += 1
        else:
            misses.append((it, found))
        for f in check_proofread(it.right, overlay=overlay):
            fam = f.rule.split(".", 1)[1]
            stats.setdefault(fam, Counter())
            stats[fam][f"twin_{f.severity}"] += 1
            twin_findings.append((it.right, f))
    return {"stats": stats, "misses": misses, "false": false, "twins": twin_findings}


def corpus_counts() -> list[tuple[str, Counter]]:
    """Findings per (family, severity) in each seed report and sample (the file as a reviewer gives it)."""
    from draftkit.checks import run_checks
    from draftkit.checks.document import ReportText
    from draftkit.checks.proofread import Overlay

    files = sorted(SEEDS.glob("*.txt")) + sorted((REPO / "samples" / "corpus").glob("*"))
    out = []
    for p in files:
        r = run_checks(ReportText.from_file(p), overlay=Overlay())
        out.append((p.name, Counter((f.rule.split(".", 1)[1], f.severity) for f in r.findings if f.check == "proofread")))
    return out


def annotate_seeds() -> list[tuple[str, object, float, bool]]:
    """Each seed written line by line into a python-docx default .docx (in a temp dir, not kept) and
    annotated with tracked fixes: (name, AnnotateResult, seconds, docx-check issue kinds unchanged or fewer)."""
    import tempfile

    from docx import Document

    from draftkit.checks.annotate import annotate_docx
    from draftkit.checks.proofread import Overlay
    from draftkit.export import check_docx

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for p in sorted(SEEDS.glob("*.txt")):
            doc = Document()
            for line in p.read_text(encoding="utf-8").splitlines():
                doc.add_paragraph(line)
            src = Path(tmp) / f"{p.stem}.docx"
            doc.save(str(src))
            t0 = time.perf_counter()
            res = annotate_docx(src, Path(tmp) / f"{p.stem}-annotated.docx", fix="tracked", overlay=Overlay())
            dt = time.perf_counter() - t0
            same = {i.code for i in check_docx(Path(res.path))} <= {i.code for i in check_docx(src)}
            out.append((p.name, res, dt, same))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", action="store_true", help="also count findings on the seeds and samples")
    ap.add_argument("--show-misses", action="store_true", help="list missed planted errors and false findings")
    ap.add_argument("--annotate", action="store_true", help="annotate each seed as a .docx (tracked fixes)")
    args = ap.parse_args(argv)
    items = load_set()
    t0 = time.perf_counter()
    res = measure(items)
    dt = time.perf_counter() - t0
    print(f"{len(items)} planted errors + {len(items)} twins, {dt:.1f} s (jieba load included)")
    print("| family | planted | found | recall | findings on error sentences | precision | twins P0/P1 | twins P2 |")
    print("|---|---|---|---|---|---|---|---|")
    total = Counter()
    for fam, c in res["stats"].items():
        total.update(c)
        recall = c["found"] / c["planted"] if c["planted"] else float("nan")
        prec = c["true"] / c["findings"] if c["findings"] else float("nan")
        print(f"| {fam} | {c['planted']} | {c['found']} | {recall:.2f} | {c['findings']} | {prec:.2f} | "
              f"{c['twin_P0'] + c['twin_P1']} | {c['twin_P2']} |")
    print(f"| **all** | {total['planted']} | {total['found']} | {total['found'] / total['planted']:.2f} | "
          f"{total['findings']} | {total['true'] / max(1, total['findings']):.2f} | "
          f"{total['twin_P0'] + total['twin_P1']} | {total['twin_P2']} |")
    if args.show_misses:
        print("\nmissed:")
        for it, found in res["misses"]:
            print(f"  [{it.family}] {it.wrong!r} found={[(f.rule, f.text) for f in found]}")
        print("false findings on error sentences:")
        for s, f in res["false"]:
            print(f"  {s!r}: {f.severity} {f.rule} {f.text!r}")
        print("findings on twins:")
        for s, f in res["twins"]:
            print(f"  {s!r}: {f.severity} {f.rule} {f.text!r} {f.message}")
    if args.corpus:
        print("\n| file | proofreading findings (family severity: count) |\n|---|---|")
        for name, c in corpus_counts():
            shown = ", ".join(f"{fam} {sev}: {n}" for (fam, sev), n in sorted(c.items())) or "none"
            print(f"| {name} | {shown} |")
    if args.annotate:
        print("\n| seed as .docx | findings | comments at the words | at a paragraph | tracked changes | seconds | docx-check kinds not more |")
        print("|---|---|---|---|---|---|---|")
        for name, res, dt, same in annotate_seeds():
            print(f"| {name} | {res.findings} | {res.exact} | {res.paragraph_level} | {res.tracked} | {dt:.1f} | {same} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
