"""Issue 16, items 6–8: hostile or broken input files end as one line each, in bounded time and memory.

The bad-input corpus is built at test time (a FIFO, an undecodable file name, an element-bomb and an
entity-bomb .docx, a 10,000-entry zip, a 30 MB text, a 1-million-line .md, a 1,001-page PDF, symbolic
link loops) beside one good report; ``draftkit ingest --json`` and ``draftkit index build`` run over it
in a child process whose time and peak memory are bounded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_corpus import _docx_package, _plain_document, build_bad_corpus
from ingest_helpers import SAMPLE_REPORT

from draftkit.ingest import ingest_paths
from draftkit.ingest.load import IngestError, LoadLimits, display_path, load_file

REPO = Path(__file__).resolve().parents[3]
TIME_LIMIT = 120  # seconds for a whole CLI run over the corpus
MEMORY_LIMIT_MB = 1500  # peak resident memory of that run


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bad_corpus(tmp_path_factory.mktemp("hostile"))


EXPECTED_ERRORS = {
    "element_bomb.docx": "element",
    "entity_bomb.docx": "entit",
    "many_entries.docx": "entries",
    "huge.pdf": "pages",
    "big.txt": "limit",
    "million.md": "limit",
    "loop.txt": "symbolic links",
}


def test_each_bad_file_is_one_result_naming_its_limit(bad_corpus: Path) -> None:
    results = ingest_paths([bad_corpus])
    by_name = {Path(r.path).name: r for r in results}
    assert len(results) == len(by_name) == 10  # the folder loop is not followed
    for name, phrase in EXPECTED_ERRORS.items():
        r = by_name[name]
        assert r.status == "error" and name in r.error and phrase in r.error, (name, r.error)
    assert by_name["pipe.txt"].status == "skipped" and "FIFO" in by_name["pipe.txt"].error
    assert by_name["good.txt"].status == "ok"
    odd = by_name["\\xff\\xfe报.txt"]  # indexed under an escaped, valid-Unicode name
    assert odd.status == "ok" and odd.document.path.endswith("\\xff\\xfe报.txt")
    assert all(c.source == odd.document.path for c in odd.document.chunks)
    json.dumps([r.model_dump() for r in results], ensure_ascii=False).encode("utf-8")  # no lone surrogates


def test_load_file_refuses_a_fifo_without_opening_it(bad_corpus: Path) -> None:
    with pytest.raises(IngestError, match="not a regular file"):
        load_file(bad_corpus / "pipe.txt")


def test_limits_are_configurable(tmp_path: Path) -> None:
    p = tmp_path / "report.txt"
    p.write_text(SAMPLE_REPORT, encoding="utf-8")
    with pytest.raises(IngestError, match="limit of 1 KB for text files"):
        load_file(p, LoadLimits(max_chars=256))
    with pytest.raises(IngestError, match="limit"):
        load_file(p, LoadLimits(max_bytes=200))
    p.write_bytes(_docx_package(_plain_document()))
    p = p.rename(tmp_path / "report.docx")
    assert load_file(p).text == "正文。"
    with pytest.raises(IngestError, match="paragraphs"):
        load_file(p, LoadLimits(max_paragraphs=0))


def test_display_path_escapes_undecodable_bytes() -> None:
    name = os.fsdecode(b"/tmp/\xff\xfe.txt")
    assert display_path(name) == "/tmp/\\xff\\xfe.txt"
    assert display_path("/tmp/总结.txt") == "/tmp/总结.txt"


def _run_cli(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[bytes], float]:
    """Run the CLI in a child process; returns the result and that child's own peak memory in MB.

    The child reports its VmHWM (/proc/self/status) at exit. getrusage's ru_maxrss would not do: Linux
    carries the forking parent's high-water mark into the child across exec, so under a large pytest
    process every child would look as large as the parent.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HF_HUB_OFFLINE": "1", "LC_ALL": "C"}
    peak_file = cwd / "peak_kb"
    code = (f"import atexit, resource; resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT_MB * 4} << 20, "
            f"{MEMORY_LIMIT_MB * 4} << 20)); "
            f"atexit.register(lambda: open({str(peak_file)!r}, 'w').write([l.split()[1] for l in "
            f"open('/proc/self/status') if l.startswith('VmHWM:')][0])); "
            f"from draftkit.cli import main; main()")
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True,
                          timeout=TIME_LIMIT)
    return proc, int(peak_file.read_text()) / 1024


def test_cli_ingest_json_over_the_bad_corpus(bad_corpus: Path, tmp_path: Path) -> None:
    proc, peak_mb = _run_cli(["ingest", str(bad_corpus), "--json"], tmp_path)
    assert peak_mb < MEMORY_LIMIT_MB
    out = proc.stdout.decode("utf-8")  # valid UTF-8 even under the C locale
    data = json.loads(out)
    files = data["files"]
    assert len(files) == 10  # one line per file
    assert {Path(f["path"]).name for f in files if f["status"] == "ok"} == {"good.txt", "\\xff\\xfe报.txt"}
    assert proc.returncode == 1  # some files failed


def test_cli_index_build_over_the_bad_files(bad_corpus: Path, tmp_path: Path) -> None:
    bad_only = [str(bad_corpus / n) for n in [*EXPECTED_ERRORS, "pipe.txt"]]
    proc, peak_mb = _run_cli(["index", "build", *bad_only, "--index", str(tmp_path / "ix"), "-q"], tmp_path)
    assert peak_mb < MEMORY_LIMIT_MB
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 1 and "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith(("  ✗", "  -"))]
    assert len(lines) == len(bad_only)
    assert not (tmp_path / "ix").exists()
