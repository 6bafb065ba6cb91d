"""Measure section-kind accuracy on the hand-labelled chunks of the samples and the seeds.

    python benchmarks/bench_kinds.py              # accuracy, per-kind recall, confusions
    python benchmarks/bench_kinds.py --errors     # also list every wrong chunk (file, position, path)

Labels: ``benchmarks/data/section_kind_labels.yaml`` (one kind per chunk, with a fingerprint of the
chunk so that a changed chunker shows up as "unmatched" instead of as wrong labels). The chunks come
from ingesting ``samples/corpus`` (the messy copies left out: they repeat their originals) and
``../shared/corpus/seeds`` when it is there.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "benchmarks" / "data" / "section_kind_labels.yaml"
SEEDS = REPO.parent / "shared" / "corpus" / "seeds"


def fingerprint(text: str) -> str:
    """The first 10 hex digits of sha1 of a chunk's first 40 characters."""
    return hashlib.sha1(text[:40].encode("utf-8")).hexdigest()[:10]


@dataclass
class KindScore:
    """Accuracy of the classifier on the labelled chunks that still match their fingerprints."""

    total: int
    correct: int
    unmatched: int
    confusions: Counter  # (expected, got) -> count
    per_kind: dict[str, tuple[int, int]]  # kind -> (correct, labelled)
    errors: list[tuple[str, int, str, str, str]]  # file, position, heading path, expected, got

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def score(labels_path: Path = LABELS, seeds: Path = SEEDS) -> KindScore:
    """Ingest the labelled documents and compare each chunk's kind with its label."""
    from draftkit.ingest import ingest_paths

    labels = yaml.safe_load(labels_path.read_text(encoding="utf-8"))["documents"]
    paths = [REPO / "samples" / "corpus"] + ([seeds] if seeds.is_dir() else [])
    docs = {Path(r.path).name: r.document for r in ingest_paths(paths) if r.document is not None}
    total = correct = unmatched = 0
    confusions: Counter = Counter()
    per_kind: dict[str, list[int]] = {}
    errors = []
    for name, entries in labels.items():
        doc = docs.get(name)
        if doc is None:
            continue
        by_fp = {fingerprint(c.text): c for c in doc.chunks}
        for position, (kind, fp) in enumerate(entries):
            chunk = by_fp.get(str(fp))
            if chunk is None:
                unmatched += 1
                continue
            total += 1
            stats = per_kind.setdefault(kind, [0, 0])
            stats[1] += 1
            if chunk.kind == kind:
                correct += 1
                stats[0] += 1
            else:
                confusions[(kind, chunk.kind)] += 1
                errors.append((name, position, " > ".join(chunk.heading_path), kind, chunk.kind))
    return KindScore(total, correct, unmatched, confusions, {k: (v[0], v[1]) for k, v in per_kind.items()}, errors)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--errors", action="store_true", help="list every wrongly classified chunk")
    args = ap.parse_args(argv)
    s = score()
    print(f"labelled chunks matched: {s.total} (unmatched: {s.unmatched})")
    print(f"accuracy: {s.accuracy:.3f} ({s.correct}/{s.total})")
    print("per kind (recall): " + ", ".join(f"{k} {c}/{n}" for k, (c, n) in sorted(s.per_kind.items())))
    if s.confusions:
        print("confusions (label -> got): " + ", ".join(f"{a}->{b} {n}" for (a, b), n in s.confusions.most_common()))
    if args.errors:
        for name, pos, path, want, got in s.errors:
            print(f"  {name} #{pos}: {want} -> {got}  [{path[:60]}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
