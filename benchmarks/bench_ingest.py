"""Benchmark ingestion: clean + structure + chunk throughput (loading not included).

    python benchmarks/bench_ingest.py                    # the sample corpus repeated to ≥ 5 MB
    python benchmarks/bench_ingest.py --mb 20 --runs 3   # more text, best of 3 runs
    python benchmarks/bench_ingest.py --corpus ../shared/corpus/seeds
    python benchmarks/bench_ingest.py --json out.json    # figures as JSON as well

The files are loaded once (decoding, .docx parsing), then their raw texts are processed one
document at a time, cycling through the corpus until the target size (UTF-8 bytes of the raw
text) is reached. A second measure runs the whole corpus joined into one large document, to
show that time grows linearly with size. Falls back to ../shared/corpus/seeds when
samples/corpus is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from draftkit.ingest.load import SUPPORTED_EXTENSIONS, IngestError, load_file
from draftkit.ingest.pipeline import process_text

REPO = Path(__file__).resolve().parent.parent


def _corpus_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    samples = REPO / "samples" / "corpus"
    if samples.is_dir() and any(samples.iterdir()):
        return samples
    return REPO.parent / "shared" / "corpus" / "seeds"


def load_corpus(folder: Path) -> list[dict]:
    docs = []
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.suffix.lower() not in SUPPORTED_EXTENSIONS or p.suffix.lower() == ".doc":
            continue
        try:
            lf = load_file(p)
        except IngestError as exc:
            print(f"skip {exc}", file=sys.stderr)
            continue
        docs.append({"path": str(p), "text": lf.text, "sha": lf.sha256, "format": lf.format,
                     "blocks": lf.blocks if lf.format == "docx" else None, "bytes": len(lf.text.encode("utf-8"))})
    if not docs:
        raise SystemExit(f"no documents in {folder}")
    return docs


def run_documents(docs: list[dict], target_bytes: int) -> dict:
    total_bytes = total_chars = n_docs = n_chunks = 0
    t0, c0 = time.perf_counter(), time.process_time()
    while total_bytes < target_bytes:
        for d in docs:
            out = process_text(d["text"], doc_id=d["sha"][:16], source=d["path"], sha256=d["sha"], fmt=d["format"],
                               blocks=d["blocks"], markdown=d["format"] == "md")
            total_bytes += d["bytes"]
            total_chars += len(d["text"])
            n_docs += 1
            n_chunks += len(out.chunks)
            if total_bytes >= target_bytes:
                break
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": dt, "cpu_seconds": cpu, "mb": total_bytes / 1e6, "mb_per_s": total_bytes / 1e6 / dt,
            "mb_per_cpu_s": total_bytes / 1e6 / cpu, "chars_per_s": total_chars / dt,
            "docs": n_docs, "docs_per_s": n_docs / dt, "chunks": n_chunks}


def run_one_big(docs: list[dict], target_bytes: int) -> dict:
    joined = "\n".join(d["text"] for d in docs)
    reps = max(1, -(-target_bytes // len(joined.encode("utf-8"))))
    big = "\n".join([joined] * reps)
    size = len(big.encode("utf-8"))
    t0, c0 = time.perf_counter(), time.process_time()
    out = process_text(big, doc_id="big", source="<big>", sha256="0" * 64, fmt="txt")
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": dt, "cpu_seconds": cpu, "mb": size / 1e6, "mb_per_s": size / 1e6 / dt,
            "mb_per_cpu_s": size / 1e6 / cpu, "chunks": len(out.chunks)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="folder of reports (default: samples/corpus, else the seeds)")
    ap.add_argument("--mb", type=float, default=5.0, help="text to process per run, in MB (UTF-8), default 5")
    ap.add_argument("--runs", type=int, default=3, help="runs; the best and the median are reported")
    ap.add_argument("--json", dest="json_out", help="also write the figures to this JSON file")
    args = ap.parse_args()

    folder = _corpus_dir(args.corpus)
    docs = load_corpus(folder)
    target = int(args.mb * 1e6)
    print(f"corpus: {folder} ({len(docs)} documents, {sum(d['bytes'] for d in docs) / 1e3:.0f} kB of text)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "")
    process_text(docs[0]["text"], doc_id="warm", source="warm", sha256="0" * 64, fmt="txt")  # data files, regexes

    runs = [run_documents(docs, target) for _ in range(max(1, args.runs))]
    runs.sort(key=lambda r: r["mb_per_s"], reverse=True)
    best, median = runs[0], runs[len(runs) // 2]
    print(f"documents: {best['docs']} ({best['mb']:.2f} MB), {best['chunks']} chunks per run")
    print(f"clean+structure+chunk, per document: best {best['mb_per_s']:.2f} MB/s "
          f"({best['chars_per_s'] / 1e3:.0f}k chars/s, {best['docs_per_s']:.0f} docs/s), "
          f"median {median['mb_per_s']:.2f} MB/s; per CPU second: {best['mb_per_cpu_s']:.2f} MB")
    big = run_one_big(docs, target)
    print(f"one document of {big['mb']:.2f} MB: {big['seconds']:.2f} s, {big['mb_per_s']:.2f} MB/s "
          f"({big['mb_per_cpu_s']:.2f} MB per CPU second), {big['chunks']} chunks")
    verdict = "met" if median["mb_per_s"] >= 1.0 else "NOT met"
    print(f"target >= 1 MB/s: {verdict}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"corpus": str(folder), "runs": runs, "one_document": big}, indent=2))


if __name__ == "__main__":
    main()
