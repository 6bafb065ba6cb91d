"""Time and peak memory of `draftkit ingest --json` and `draftkit index build` over the bad-input
corpus of issue 16 (FIFO, undecodable name, element and entity bombs, a 10,000-entry zip, a 30 MB text,
a 1-million-line .md, a 1,001-page PDF, link loops, one good report).

    python benchmarks/bench_hostile.py

Each command runs in a child process; the figures are its wall time and peak resident memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "unit" / "ingest"))

from hostile_corpus import build_bad_corpus  # noqa: E402 - the corpus builder lives with the tests


def run(args: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """(seconds, peak MB, exit code, last stderr line) of one CLI run in a child process."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    code = "from draftkit.cli import main; main()"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, timeout=600)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    tail = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or [""])[-1]
    return seconds, peak, proc.returncode, tail


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = build_bad_corpus(Path(tmp) / "bad")
        bad = [str(p) for p in sorted(root.iterdir()) if p.name not in ("good.txt", "sub") and "\udcff" not in str(p)]
        for label, args in [("ingest --json (10 files)", ["ingest", str(root), "--json"]),
                            ("index build (the bad files only)", ["index", "build", *bad, "--index", str(Path(tmp) / "ix"),
                                                                 "-q"])]:
            seconds, peak, rc, tail = run(args, Path(tmp))
            print(f"{label}: {seconds:.1f} s, peak RSS {peak:.0f} MB (max over runs so far), exit {rc}; {tail[:90]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
