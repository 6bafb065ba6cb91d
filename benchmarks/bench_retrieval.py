"""Retrieval benchmarks (issue 3 §6). Each subcommand prints a small table and a JSON line.

    python benchmarks/bench_retrieval.py embed  --index DIR                 # embedding throughput
    python benchmarks/bench_retrieval.py synth  --index DIR --chunks 100000 --out OUT   # synthetic index: build time, size, peak RSS
    python benchmarks/bench_retrieval.py query  --index OUT [--runs 200]    # p50/p95 per mode, model warm
    python benchmarks/bench_retrieval.py faiss  --n 1000000 --kind flat|hnsw  # FAISS alone, random 384-d

``DIR`` is a real index (samples + seeds) built with ``draftkit index build``. ``synth``
perturbs its chunks into a bigger corpus without re-embedding: texts get other unit names and
years and shuffled sentences; vectors are mixed with another chunk's (0.85/0.15) plus a little
noise, which keeps them inside e5's narrow cone the way real vectors are.
Timings are wall-clock on whatever machine runs them: note its load when you record them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def dir_size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def load_machine() -> str:
    return f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"


# --------------------------------------------------------------------------- embed


def cmd_embed(args: argparse.Namespace) -> dict:
    from draftkit.retrieval import Index, get_embedder
    from draftkit.retrieval.dense import sentence_units

    t0 = time.perf_counter()
    embedder = get_embedder()
    load_s = time.perf_counter() - t0
    with Index.open(args.index) as ix:
        chunks = [c.text for d in ix.documents() for c in ix.chunks(d.doc_id)]
    texts = (chunks * (args.chunks // len(chunks) + 1))[: args.chunks]
    sentences = [s for t in texts for s in sentence_units(t)]
    embedder.encode_passages(texts[:32])  # warm-up
    t0 = time.perf_counter()
    embedder.encode_passages(texts)
    chunk_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    embedder.encode_passages(sentences)
    sent_s = time.perf_counter() - t0
    out = {
        "bench": "embed", "machine": load_machine(), "model_load_s": round(load_s, 1), "chunks": len(texts),
        "mean_chunk_chars": round(sum(map(len, texts)) / len(texts)), "chunks_per_s": round(len(texts) / chunk_s, 1),
        "sentences": len(sentences), "sentences_per_s": round(len(sentences) / sent_s, 1),
        "indexing_chunks_per_s": round(len(texts) / (chunk_s + sent_s), 1), "batch_size": embedder.batch_size,
    }
    print(f"model load {out['model_load_s']} s; {out['chunks']} chunks (mean {out['mean_chunk_chars']} chars): "
          f"{out['chunks_per_s']} chunks/s; {out['sentences']} sentences: {out['sentences_per_s']} /s; "
          f"chunks + their sentences: {out['indexing_chunks_per_s']} chunks/s")
    return out


# --------------------------------------------------------------------------- synthetic corpus


def synthetic_corpus(index_dir: Path, n_chunks: int, seed: int = 0):
    """Documents and vectors made by perturbing a real index's chunks (no embedding)."""
    from draftkit.ingest.models import Chunk, Document
    from draftkit.retrieval import Index

    rng = np.random.default_rng(seed)
    with Index.open(index_dir) as ix:
        docs = ix.documents()
        src = [(d, ix.chunks(d.doc_id)) for d in docs]
        cids = ix._cids
        chunk_vecs = ix._dense.vectors(cids)
        owners, sent_vecs = ix._sentences.owners, np.asarray(ix._sentences.vectors)
        chunk_ids = [c.id for _, cs in src for c in cs]
        by_id = {c.id: c for _, cs in src for c in cs}
        store_chunks = ix._store.chunks_by_cid(list(cids))
    vec_of = {store_chunks[int(cid)].id: chunk_vecs[i] for i, cid in enumerate(cids)}
    sents_of: dict[str, np.ndarray] = {}
    for cid in cids:
        lo, hi = np.searchsorted(owners, cid, "left"), np.searchsorted(owners, cid, "right")
        sents_of[store_chunks[int(cid)].id] = sent_vecs[lo:hi]
    all_vecs = np.stack([vec_of[c] for c in chunk_ids])
    places = ["青禾市", "柳溪县", "禾川区", "溪南镇", "东山乡"]
    kinds_of_school = ["实验小学", "第一中学", "第二初级中学", "中心小学", "九年一贯制学校", "特殊教育学校"]

    def mix(v: np.ndarray) -> np.ndarray:
        other = all_vecs[rng.integers(len(all_vecs))]
        w = 0.85 * v.astype(np.float32) + 0.15 * other + rng.normal(0, 0.01, size=v.shape)
        return (w / np.linalg.norm(w)).astype(np.float32)

    out_docs: list[Document] = []
    out_vecs: list[np.ndarray] = []
    out_sents: list[np.ndarray] = []
    total = 0
    copy = 0
    while total < n_chunks:
        for d, chunks in src:
            if total >= n_chunks:
                break
            unit = f"{places[copy % len(places)]}第{copy}{kinds_of_school[copy % len(kinds_of_school)]}"
            year = int(rng.integers(2012, 2026))
            doc_id = hashlib.sha256(f"{d.doc_id}-{copy}".encode()).hexdigest()[:16]
            new_chunks = []
            for c in chunks[: n_chunks - total]:
                body = c.text
                if d.unit:
                    body = body.replace(d.unit, unit)
                parts = [p for p in body.replace("。", "。\n").split("\n") if p.strip()]
                head, rest = parts[:1], parts[1:]
                rng.shuffle(rest)
                if len(rest) > 2:
                    rest = rest[: len(rest) - 1]
                text = "\n".join(head + rest)
                new_chunks.append(Chunk(id=f"{doc_id}-{c.position}", doc_id=doc_id, source=f"synthetic/{doc_id}.txt",
                                        title=f"{unit}{year}年党建工作总结", unit=unit, year=year,
                                        heading_path=c.heading_path, kind=c.kind, position=c.position, text=text))
                out_vecs.append(mix(vec_of[c.id]))
                sv = sents_of[c.id].astype(np.float32)
                out_sents.append(np.stack([mix(s) for s in sv]).astype(np.float16) if len(sv) else sv.astype(np.float16))
            total += len(new_chunks)
            out_docs.append(Document(doc_id=doc_id, path=f"synthetic/{doc_id}.txt", sha256=doc_id * 4, format="txt",
                                     title=f"{unit}{year}年党建工作总结", unit=unit, year=year,
                                     text="\n".join(c.text for c in new_chunks), chunks=new_chunks))
        copy += 1
    del by_id
    return out_docs, (np.stack(out_vecs), out_sents)


def cmd_synth(args: argparse.Namespace) -> dict:
    from draftkit.retrieval import build_documents, get_embedder

    get_embedder()  # the manifest records it; loading is not timed
    t0 = time.perf_counter()
    docs, vectors = synthetic_corpus(Path(args.index), args.chunks)
    gen_s = time.perf_counter() - t0
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    manifest = build_documents(docs, args.out, sources=[f"synthetic:{args.chunks}"], vectors=vectors)
    build_s = time.perf_counter() - t0
    out = {
        "bench": "synth", "machine": load_machine(), "chunks": manifest.counts.chunks,
        "documents": manifest.counts.documents, "sentences": manifest.counts.sentences, "dense": manifest.dense.type,
        "generate_s": round(gen_s, 1), "build_s": round(build_s, 1), "size_mb": round(dir_size_mb(Path(args.out)), 1),
        "files_mb": {k: round(v / 2**20, 1) for k, v in sorted(manifest.files.items(), key=lambda kv: -kv[1])[:5]},
        "peak_rss_mb_before_build": round(rss_before), "peak_rss_mb": round(peak_rss_mb()),
    }
    print(f"{out['chunks']} chunks, {out['documents']} documents, {out['sentences']} sentences, dense {out['dense']}: "
          f"built in {out['build_s']} s (vectors given), {out['size_mb']} MB on disk, peak RSS {out['peak_rss_mb']} MB")
    return out


# --------------------------------------------------------------------------- query latency


def cmd_query(args: argparse.Namespace) -> dict:
    """Latency per mode, k = 10: end to end, and with the query vectors computed beforehand
    (what the index itself costs; on a busy machine the model's share is the noisy part)."""
    from draftkit.retrieval import Index
    from draftkit.retrieval.eval import load_eval_set

    t0 = time.perf_counter()
    ix = Index.open(args.index)
    open_s = time.perf_counter() - t0
    queries = [q.query for q in load_eval_set() if q.type != "passage"]
    passages = [q.query for q in load_eval_set() if q.type == "passage"]
    ix.search(queries[0], k=10)  # loads the model and the tokenizer
    embedder = ix.embedder
    encode_ms: list[float] = []
    for q in queries + passages:
        t0 = time.perf_counter()
        embedder.encode_queries([q])
        encode_ms.append((time.perf_counter() - t0) * 1000)
    cases = [("hybrid", queries, {}), ("dense", queries, {}), ("lexical", queries, {}),
             ("hybrid+filter", queries, {"years": range(2019, 2025), "kinds": ["theory", "organization"]}),
             ("hybrid+mmr", queries, {"mmr": 0.5}), ("hybrid passage", passages, {})]
    results: dict[str, dict] = {}
    for cached in (False, True):
        ix.clear_query_cache()
        if cached:  # the index's own query cache (what drafting uses: all section queries embedded at once)
            ix.encode_queries(queries + passages)
        for name, qs, kw in cases:
            mode = name.split("+")[0].split()[0]
            times: list[float] = []
            for i in range(args.runs):
                q = qs[i % len(qs)]
                if not cached:
                    ix.clear_query_cache()
                t0 = time.perf_counter()
                ix.search(q, k=10, mode=mode, **kw)
                times.append((time.perf_counter() - t0) * 1000)
            row = results.setdefault(name, {})
            key = "index_" if cached else ""
            row[key + "p50_ms"] = round(statistics.median(times), 1)
            row[key + "p95_ms"] = round(percentile(times, 95), 1)
            # as it goes: a slow store (Milvus Lite at 100k) may be stopped before the table
            print(f"  {name} ({'index only' if cached else 'end to end'}): p50 {row[key + 'p50_ms']} ms, "
                  f"p95 {row[key + 'p95_ms']} ms, {load_machine()}", file=sys.stderr, flush=True)
    info = ix.info()
    hnsw_recall = None
    if info["dense_type"] == "hnsw":  # the graph's top 10 against exact search, on real query vectors
        overlaps = []
        for q in queries:
            qv = ix.encode_queries([q])[0]
            approx, _ = ix._dense.search(qv, 10)
            exact, _ = ix._dense._exact(qv.reshape(1, -1), 10, ix._cids)
            overlaps.append(len(set(approx) & set(exact)) / 10)
        hnsw_recall = round(float(np.mean(overlaps)), 3)
    out = {"bench": "query", "machine": load_machine(), "chunks": info["chunks"], "dense": info["dense_type"],
           "hnsw_recall_at_10": hnsw_recall,
           "open_s": round(open_s, 2), "runs": args.runs, "k": 10, "modes": results,
           "encode_p50_ms": round(statistics.median(encode_ms), 1), "encode_p95_ms": round(percentile(encode_ms, 95), 1),
           "rss_mb": round(current_rss_mb()), "peak_rss_mb": round(peak_rss_mb())}
    print(f"{info['chunks']} chunks ({info['dense_type']}), opened in {out['open_s']} s, RSS {out['rss_mb']} MB; "
          f"query embedding p50 {out['encode_p50_ms']} ms, p95 {out['encode_p95_ms']} ms"
          + (f"; HNSW recall@10 vs exact {hnsw_recall}" if hnsw_recall is not None else ""))
    print(f"  {'mode':<15} {'p50':>8} {'p95':>8}   index only: {'p50':>6} {'p95':>6}  (ms)")
    for name, r in results.items():
        print(f"  {name:<15} {r['p50_ms']:>8} {r['p95_ms']:>8}               {r['index_p50_ms']:>6} {r['index_p95_ms']:>6}")
    return out


# --------------------------------------------------------------------------- FAISS alone


def cmd_faiss(args: argparse.Namespace) -> dict:
    import faiss

    from draftkit.retrieval.dense import HNSW_EF_SEARCH

    rng = np.random.default_rng(0)
    base_rss = current_rss_mb()
    xb = np.empty((args.n, args.dim), np.float32)
    for lo in range(0, args.n, 100_000):
        part = rng.standard_normal((min(100_000, args.n - lo), args.dim), dtype=np.float32)
        xb[lo : lo + len(part)] = part / np.linalg.norm(part, axis=1, keepdims=True)
    xq = rng.standard_normal((args.queries, args.dim), dtype=np.float32)
    xq /= np.linalg.norm(xq, axis=1, keepdims=True)
    data_rss = current_rss_mb()
    t0 = time.perf_counter()
    if args.kind == "flat":
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(args.dim))
    else:
        inner = faiss.IndexHNSWFlat(args.dim, args.m, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = args.ef_construction
        inner.hnsw.efSearch = args.ef_search or HNSW_EF_SEARCH
        index = faiss.IndexIDMap2(inner)
    index.add_with_ids(xb, np.arange(args.n, dtype=np.int64))
    build_s = time.perf_counter() - t0
    index_rss = current_rss_mb()
    times = []
    found = []
    for q in xq:
        t0 = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), 10)
        times.append((time.perf_counter() - t0) * 1000)
        found.append(ids[0])
    recall = None
    if args.kind == "hnsw" and args.recall:
        exact = faiss.IndexFlatIP(args.dim)
        exact.add(xb)
        _, truth = exact.search(xq[:100], 10)
        recall = float(np.mean([len(set(found[i]) & set(truth[i])) / 10 for i in range(100)]))
    out = {"bench": "faiss", "machine": load_machine(), "kind": args.kind, "n": args.n, "dim": args.dim,
           "m": args.m if args.kind == "hnsw" else None, "ef_construction": args.ef_construction if args.kind == "hnsw" else None,
           "ef_search": (args.ef_search or HNSW_EF_SEARCH) if args.kind == "hnsw" else None, "build_s": round(build_s, 1),
           "p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 95), 2),
           "vectors_mb": round(data_rss - base_rss), "index_mb": round(index_rss - data_rss),
           "recall_at_10": recall, "peak_rss_mb": round(peak_rss_mb())}
    print(f"{args.kind} over {args.n:,} × {args.dim}: built in {out['build_s']} s, p50 {out['p50_ms']} ms, "
          f"p95 {out['p95_ms']} ms, index memory {out['index_mb']} MB (+{out['vectors_mb']} MB of input vectors)"
          + (f", recall@10 {recall:.3f}" if recall is not None else ""))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("embed")
    e.add_argument("--index", required=True)
    e.add_argument("--chunks", type=int, default=500)
    s = sub.add_parser("synth")
    s.add_argument("--index", required=True)
    s.add_argument("--chunks", type=int, default=100_000)
    s.add_argument("--out", required=True)
    q = sub.add_parser("query")
    q.add_argument("--index", required=True)
    q.add_argument("--runs", type=int, default=200)
    f = sub.add_parser("faiss")
    f.add_argument("--n", type=int, default=1_000_000)
    f.add_argument("--dim", type=int, default=384)
    f.add_argument("--kind", choices=["flat", "hnsw"], default="flat")
    f.add_argument("--m", type=int, default=32)
    f.add_argument("--ef-construction", type=int, default=80)
    f.add_argument("--ef-search", type=int, default=None, help="HNSW beam (default: draftkit's HNSW_EF_SEARCH)")
    f.add_argument("--queries", type=int, default=200)
    f.add_argument("--recall", action="store_true", help="HNSW: recall@10 against exact search on 100 queries")
    args = ap.parse_args(argv)
    out = {"embed": cmd_embed, "synth": cmd_synth, "query": cmd_query, "faiss": cmd_faiss}[args.cmd](args)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    main()
