"""How hybrid fusion was chosen: a grid of convex weights and RRF settings over the eval set.

    python benchmarks/fusion_grid.py --index DIR [--set benchmarks/retrieval_eval.yaml] [--json]

``DIR`` is the samples + seeds index (``draftkit index build samples/corpus ../shared/corpus/seeds``).
For every query the script takes the same candidate pool ``Index.search`` uses (the top 50 of
each side, dense scores re-scored with sentences) and ranks it with each fusion in the grid, using
the library's own ``convex`` and ``rrf``. It prints R@1/5/10 and MRR per setting, then a 2-fold
check of how far the choice can be trusted: pick the best setting of each family on the odd-numbered
queries, score it on the even ones, and the other way round.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from draftkit.retrieval import Index
from draftkit.retrieval.eval import DEFAULT_EVAL_SET, load_eval_set
from draftkit.retrieval.ranking import CANDIDATES_MIN, convex, rrf
from draftkit.zh import normalize

GRID = ([("convex", (a,)) for a in (0.5, 0.6, 0.7, 0.8, 0.9)]
        + [("rrf", (k, w)) for k in (5, 10, 20, 60) for w in (0.5, 0.6, 0.7)])


def pools(ix: Index, queries):
    """Per query: pool chunk ids, their dense and BM25 scores, and which are relevant."""
    cids = ix._cids
    chunks = ix._store.chunks_by_cid([int(c) for c in cids])
    vectors = ix.encode_queries([q.query for q in queries])
    out = []
    for q, qv in zip(queries, vectors, strict=True):
        dense_all = ix._dense_scores(qv, cids)
        lex_all = ix._lexical.scores(ix.tokenizer.tokenize(q.query))
        top_dense = np.argsort(-dense_all, kind="stable")[:CANDIDATES_MIN]
        top_lex = [i for i in np.argsort(-lex_all, kind="stable")[:CANDIDATES_MIN] if lex_all[i] > 0]
        rows = np.union1d(top_dense, np.asarray(top_lex, dtype=np.int64))
        relevant = np.array([Path(chunks[int(cids[r])].source).name in q.docs
                             and normalize(q.phrase) in normalize(chunks[int(cids[r])].text)
                             for r in rows])
        out.append((rows, dense_all[rows], lex_all[rows], relevant, list(top_dense), top_lex))
    return out


def first_relevant(pool, family: str, params: tuple) -> int | None:
    rows, dense, lex, relevant, top_dense, top_lex = pool
    if family == "convex":
        score = convex(dense, lex, params[0])
    else:
        k, w = params
        fused = rrf([top_dense, top_lex], k=k, weights=[2 * w, 2 * (1 - w)])
        score = np.array([fused.get(int(r), 0.0) for r in rows])
    order = np.argsort(-score, kind="stable")[:10]
    hits = np.nonzero(relevant[order])[0]
    return int(hits[0]) + 1 if len(hits) else None


def measures(ranks: list[int | None]) -> dict[str, float]:
    n = max(1, len(ranks))
    out = {f"R@{k}": sum(1 for r in ranks if r is not None and r <= k) / n for k in (1, 5, 10)}
    out["MRR"] = sum(1 / r for r in ranks if r is not None) / n
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", required=True, type=Path)
    ap.add_argument("--set", type=Path, default=DEFAULT_EVAL_SET)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    queries = load_eval_set(args.set)
    with Index.open(args.index) as ix:
        data = pools(ix, queries)
    ranks = {(f, p): [first_relevant(d, f, p) for d in data] for f, p in GRID}
    table = [{"fusion": f, "params": p, **measures(r)} for (f, p), r in ranks.items()]
    halves = [list(range(0, len(data), 2)), list(range(1, len(data), 2))]
    folds = []
    for family in ("convex", "rrf"):
        for pick, test in ((0, 1), (1, 0)):
            def on(idx, key):
                return measures([ranks[key][i] for i in idx])
            cands = [key for key in ranks if key[0] == family]
            best = max(cands, key=lambda key: (on(halves[pick], key)["R@5"], on(halves[pick], key)["MRR"]))
            folds.append({"fusion": family, "chosen": best[1], "test_R@5": on(halves[test], best)["R@5"]})
    if args.json:
        print(json.dumps({"grid": table, "folds": folds}, ensure_ascii=False))
        return
    print(f"{'fusion':<8}{'params':<14}{'R@1':>7}{'R@5':>7}{'R@10':>7}{'MRR':>7}")
    for row in table:
        print(f"{row['fusion']:<8}{str(row['params']):<14}" + "".join(f"{row[m]:>7.3f}" for m in ("R@1", "R@5", "R@10", "MRR")))
    print("2-fold choice (pick on one half, score on the other):")
    for f in folds:
        print(f"  {f['fusion']:<8} chose {f['chosen']} → R@5 {f['test_R@5']:.3f} on the other half")


if __name__ == "__main__":
    main()
