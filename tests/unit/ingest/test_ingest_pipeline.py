"""The pipeline: batches with bad files, pasted text, exports and the `draftkit ingest` command."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from ingest_helpers import SAMPLE_REPORT, minimal_pdf
from typer.testing import CliRunner

import draftkit.ingest as ingest
from draftkit.cli import app
from draftkit.ingest import IngestError, ingest_file, ingest_paths, ingest_text
from draftkit.ingest.load import LoadLimits


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory: pytest.TempPathFactory, docx_file: Path) -> Path:
    """A folder of inputs from issue 2's "bad inputs" list, plus a subfolder and an unknown type."""
    root = tmp_path_factory.mktemp("batch")
    (root / "zero.txt").write_bytes(b"")
    (root / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(4096))
    data = docx_file.read_bytes()
    (root / "truncated.docx").write_bytes(data[: len(data) // 3])
    (root / "corrupt.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(3000))
    (root / "gbk.txt").write_bytes(SAMPLE_REPORT.encode("gbk"))
    sub = root / "sub"
    sub.mkdir()
    (sub / "notes.xlsx").write_bytes(b"PK\x03\x04")
    (sub / "good.docx").write_bytes(data)
    (sub / "~$good.docx").write_bytes(b"lock")  # a Word lock file: not listed
    (sub / "text.pdf").write_bytes(minimal_pdf(["Party building report 2021.", "Members: 23."]))
    # a 10 MB text: the sample report repeated
    big = (SAMPLE_REPORT + "\n") * (10 * 1024 * 1024 // len((SAMPLE_REPORT + "\n").encode()) + 1)
    (root / "big.txt").write_text(big, encoding="utf-8")
    return root


def test_bad_inputs_end_as_results_or_errors(bad_batch: Path) -> None:
    calls: list[tuple[int, int]] = []
    results = ingest_paths([bad_batch, bad_batch / "missing.txt"], progress=lambda p: calls.append((p.done, p.total)))
    by_name = {Path(r.path).name: r for r in results}
    assert "~$good.docx" not in by_name
    assert calls[-1] == (len(results), len(results))
    assert calls == [(i, len(results)) for i in range(1, len(results) + 1)]
    for name, phrase in [("zero.txt", "empty file"), ("binary.txt", "binary data"),
                         ("truncated.docx", "not a valid .docx"), ("missing.txt", "no such file")]:
        r = by_name[name]
        assert r.status == "error" and r.document is None
        assert name in r.error and phrase in r.error
    r = by_name["corrupt.pdf"]
    assert r.status == "error" and "corrupt.pdf" in r.error
    assert by_name["notes.xlsx"].status == "skipped" and ".xlsx" in by_name["notes.xlsx"].error
    gbk = by_name["gbk.txt"]
    assert gbk.status == "ok" and gbk.document.title == "柳溪县第九小学党支部2022年度党建工作总结"
    assert gbk.document.doc_id == hashlib.sha256((bad_batch / "gbk.txt").read_bytes()).hexdigest()[:16]
    good = by_name["good.docx"]
    assert good.status == "ok" and good.document.format == "docx" and good.document.year == 2022
    assert by_name["text.pdf"].status == "ok"
    big = by_name["big.txt"]  # over the default per-file limit (issue 16): an error naming the limit
    assert big.status == "error" and "big.txt" in big.error and "limit" in big.error
    doc = ingest_file(bad_batch / "big.txt", LoadLimits(max_bytes=64 << 20, max_chars=10_000_000))
    assert len(doc.text) > 3_000_000 and len(doc.chunks) > 3000


def test_ingest_file_raises_ingest_error(tmp_path: Path) -> None:
    p = tmp_path / "zero.txt"
    p.write_bytes(b"")
    with pytest.raises(IngestError):
        ingest_file(p)
    only_furniture = tmp_path / "furniture.txt"
    only_furniture.write_text("收藏 分享(赏)\n展开阅读全文\n相关搜索", encoding="utf-8")
    with pytest.raises(IngestError, match="no report text left after cleaning"):
        ingest_file(only_furniture)


def test_ingest_text_clean_and_raw() -> None:
    raw = "收藏 分享(赏)\n" + SAMPLE_REPORT
    doc = ingest_text(raw, source="粘贴")
    assert doc.path == "粘贴" and doc.format == "text"
    assert doc.doc_id == hashlib.sha256(raw.encode()).hexdigest()[:16]
    assert "收藏" not in doc.text and doc.removed == {"furniture": len("收藏 分享(赏)")}
    assert doc.year == 2022 and doc.chunks
    plain = ingest_text(raw, clean=False)
    assert plain.text == raw and plain.removals == []
    assert plain.doc_id == doc.doc_id


def test_public_exports() -> None:
    for name in ("ingest_file", "ingest_text", "ingest_paths", "IngestError", "Document", "Chunk", "CHUNKER_VERSION"):
        assert hasattr(ingest, name)


def test_samples_corpus_if_present(samples_dir: Path) -> None:
    corpus = samples_dir / "corpus"
    if not corpus.is_dir() or not any(corpus.iterdir()):
        pytest.skip(f"no sample corpus at {corpus}")
    results = ingest_paths([corpus])
    assert results and all(r.status in ("ok", "skipped") for r in results), [r.error for r in results]
    docs = [r.document for r in results if r.document]
    assert all(d.year and d.title and d.chunks for d in docs)
    # the messy web copies clean to the same text as their originals
    by_name = {Path(d.path).name: d for d in docs}
    for name, d in by_name.items():
        if name.startswith("messy_") and name[len("messy_"):] in by_name:
            assert d.text == by_name[name[len("messy_"):]].text
            assert sum(d.removed.values()) > 0


# --------------------------------------------------------------------------- CLI

def test_cli_json(tmp_path: Path) -> None:
    p = tmp_path / "report.txt"
    p.write_text(SAMPLE_REPORT, encoding="utf-8")
    bad = tmp_path / "zero.txt"
    bad.write_bytes(b"")
    out = tmp_path / "chunks.jsonl"
    result = CliRunner().invoke(app, ["ingest", str(p), str(bad), "--json", "--out", str(out)])
    assert result.exit_code == 1  # one file failed
    payload = json.loads(result.stdout)
    files = {Path(f["path"]).name: f for f in payload["files"]}
    ok = files["report.txt"]
    assert set(ok) == {"path", "status", "error", "title", "year", "unit", "org_type", "report_kind", "headings",
                       "chunks", "removed"}
    assert ok["status"] == "ok" and ok["year"] == 2022 and ok["chunks"] == len(payload["chunks"])
    assert files["zero.txt"]["status"] == "error" and "empty file" in files["zero.txt"]["error"]
    chunk = payload["chunks"][0]
    assert set(chunk) == {"id", "doc_id", "source", "title", "year", "unit", "heading_path", "kind", "text",
                          "placeholders"}
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["id"] for x in lines] == [c["id"] for c in payload["chunks"]]


def test_cli_table(tmp_path: Path) -> None:
    p = tmp_path / "report.txt"
    p.write_text(SAMPLE_REPORT, encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "report.txt" in result.output and "2022" in result.output
    assert "1 of 1 file(s) ingested" in result.output
