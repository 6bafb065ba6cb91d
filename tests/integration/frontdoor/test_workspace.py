"""The front door end to end: the issue's seven-line script on samples/corpus and a sample facts
file (build, search, draft, check, export), with a real index, the real embedder and the
template backend; the .docx it writes passes docx-check (the CLI command, run as a user would)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import draftkit
from draftkit.cli import app
from draftkit.retrieval import DocumentNotFound, IndexMissing

pytestmark = pytest.mark.slow


def test_the_seven_line_script(tmp_path: Path, samples_dir: Path):
    corpus, facts_file = samples_dir / "corpus", samples_dir / "facts" / "qinghe_sanshi_2024.yaml"

    ws = draftkit.Workspace(tmp_path / "index")
    index = ws.build([corpus])
    hits = ws.search("主题党日", k=5, kinds=["organization", "theory"], years=range(2015, 2025))
    report = ws.draft(facts_file)
    result = ws.check(report, facts=facts_file)
    out = ws.export(report, tmp_path / "总结.docx")

    assert isinstance(index, draftkit.Index) and index is ws.index
    ok = [f for f in ws.last_build.files if f.status == "ok"]
    assert len(ws.documents()) == ws.last_build.documents == len({f.document.doc_id for f in ok}) >= 10
    assert hits and all(h.chunk.kind in ("organization", "theory") and 2015 <= h.chunk.year < 2025 for h in hits)
    assert isinstance(report, draftkit.Report) and report.unit and report.year == 2024
    assert any(s.exemplars for s in report.sections), "exemplars come from the workspace's index"
    assert isinstance(result, draftkit.CheckResult) and result.year == 2024
    assert not [f for f in result.findings if f.severity == "P0"], [f.message for f in result.findings]
    assert result.summary.reuse_share is not None  # the reuse check ran against the index
    run = CliRunner().invoke(app, ["docx-check", str(out)])
    assert run.exit_code == 0, run.output

    # the same file read back: a path is checked like the report it came from
    again = ws.check(out, facts=draftkit.load_facts(facts_file))
    assert not [f for f in again.findings if f.severity == "P0"]

    # corpus operations on the same workspace: remove a document, add it back
    doc = ws.documents()[0]
    removed = ws.remove(doc.doc_id)
    assert removed.doc_id == doc.doc_id and doc.doc_id not in {d.doc_id for d in ws.documents()}
    with pytest.raises(DocumentNotFound):
        ws.remove(doc.doc_id)
    added = ws.add([doc.path])
    assert doc.doc_id in added.added and doc.doc_id in {d.doc_id for d in ws.documents()}
    ws.close()


def test_a_workspace_without_an_index_drafts_and_says_what_to_build(tmp_path: Path, samples_dir: Path):
    ws = draftkit.Workspace(tmp_path / "none")
    assert ws.index is None and ws.documents() == []
    with pytest.raises(IndexMissing, match="index build"):
        ws.search("主题党日")
    report = ws.draft(draftkit.load_facts(samples_dir / "facts" / "qinghe_yizhong_2021.yaml"))
    assert report.sections and not any(s.exemplars for s in report.sections)
    assert any("没有打开范文库" in w for w in report.warnings)
    text = ws.export(report, tmp_path / "总结.md").read_text(encoding="utf-8")
    assert report.title in text
    assert isinstance(draftkit.DraftkitError, type) and issubclass(draftkit.WorkspaceError, draftkit.DraftkitError)
