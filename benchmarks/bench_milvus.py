"""The index on Milvus Lite against the index directory (issue 15 §1). Prints a table and a JSON line.

    python benchmarks/bench_milvus.py eval    --index DIR --milvus OUT.db   # Recall@k / MRR on both stores
    python benchmarks/bench_milvus.py migrate --index DIR --milvus OUT.db   # copy DIR into Milvus Lite, timed

``DIR`` is an index directory (``draftkit index build samples/corpus ../shared/corpus/seeds --index DIR``
for ``eval``; ``bench_retrieval.py synth`` for big synthetic ones). ``eval`` copies it into Milvus Lite
(``migrate_index``: the same chunks, vectors, dictionary and stop words, nothing re-embedded) and runs
``benchmarks/retrieval_eval.yaml`` on both: our ranking (convex and RRF fusion over each store's candidate
lists) and, on Milvus only, Milvus's own ``hybrid_search`` with ``WeightedRanker`` (normalised scores,
α = 0.8) and ``RRFRanker(60)``, which see chunk vectors and BM25 only (no sentence re-scoring, no passage
boost). Query latency on either store: ``bench_retrieval.py query --index DIR|OUT.db``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _migrate(index: str, milvus: str) -> tuple[float, dict]:
    from draftkit.retrieval.milvus import migrate_index

    shutil.rmtree(milvus, ignore_errors=True)
    t0 = time.perf_counter()
    result = migrate_index(index, milvus)
    return time.perf_counter() - t0, {"documents": result.documents, "chunks": result.chunks}


def cmd_migrate(args: argparse.Namespace) -> dict:
    seconds, counts = _migrate(args.index, args.milvus)
    out = {"bench": "milvus-migrate", "machine": f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}",
           **counts, "seconds": round(seconds, 1), "chunks_per_s": round(counts["chunks"] / seconds, 1)}
    print(f"{counts['chunks']} chunks copied into Milvus Lite in {seconds:.1f} s ({out['chunks_per_s']} chunks/s)")
    return out


def cmd_eval(args: argparse.Namespace) -> dict:
    from draftkit.retrieval import Index
    from draftkit.retrieval.eval import evaluate, is_relevant, load_eval_set

    seconds, counts = _migrate(args.index, args.milvus)
    queries = load_eval_set()
    rows: dict[str, dict] = {}
    with Index.open(args.index) as faiss_ix, Index.open(args.milvus) as milvus_ix:
        for store, ix in (("directory", faiss_ix), ("milvus-lite", milvus_ix)):
            report = evaluate(ix, queries, fusion="convex", other_fusions=True)
            for mode, r in report.modes.items():
                rows[f"{store} {mode}"] = {"R@1": r.recall[1], "R@5": r.recall[5], "R@10": r.recall[10], "MRR": r.mrr}
        usable = {Path(d.path).name for d in milvus_ix.documents()}
        usable_q = [q for q in queries if any(d in usable for d in q.docs)]
        for ranker in ("weighted", "rrf"):
            ranks = []
            for q in usable_q:
                hits = milvus_ix.search_native(q.query, k=10, ranker=ranker)
                ranks.append(next((h.rank for h in hits if is_relevant(h, q)), None))
            n = len(ranks)
            rows[f"milvus-lite hybrid_search {ranker}"] = {
                **{f"R@{k}": sum(1 for r in ranks if r is not None and r <= k) / n for k in (1, 5, 10)},
                "MRR": sum(1 / r for r in ranks if r is not None) / n}
    print(f"{counts['chunks']} chunks, {len(usable_q)} queries; copied into Milvus Lite in {seconds:.1f} s")
    print(f"  {'store / ranking':<38} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR':>6}")
    for name, r in rows.items():
        print(f"  {name:<38} {r['R@1']:>6.3f} {r['R@5']:>6.3f} {r['R@10']:>6.3f} {r['MRR']:>6.3f}")
    gap = rows["milvus-lite hybrid"]["R@5"] - rows["directory hybrid"]["R@5"]
    print(f"Recall@5 hybrid: Milvus Lite − directory = {gap:+.3f}")
    return {"bench": "milvus-eval", "queries": len(usable_q), **counts,
            "rows": {k: {m: round(v, 3) for m, v in r.items()} for k, r in rows.items()}, "r5_gap": round(gap, 3)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("eval", "migrate"):
        s = sub.add_parser(name)
        s.add_argument("--index", required=True, help="an index directory")
        s.add_argument("--milvus", required=True, help="the Milvus Lite folder to write (*.db; replaced)")
    args = p.parse_args()
    out = {"eval": cmd_eval, "migrate": cmd_migrate}[args.cmd](args)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    main()
