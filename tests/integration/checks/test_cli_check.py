"""`draftkit check` on files and folders (the CLI is a thin shell: the shapes and the errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftkit.cli import app

runner = CliRunner()


def test_check_file_json(seed_paths):
    res = runner.invoke(app, ["check", str(seed_paths["001"]), "--year", "2023", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["year"] == 2023
    assert data["summary"]["by_check"]["era"]["P0"] >= 1
    keys = {"check", "severity", "section", "paragraph", "span", "message", "suggestion", "source"}
    assert all(keys <= set(f) for f in data["findings"])


def test_check_file_text(seed_paths):
    res = runner.invoke(app, ["check", str(seed_paths["000"]), "--year", "2021"])
    assert res.exit_code == 0, res.output
    assert "年度 2021" in res.stdout and "residue.placeholder" in res.stdout


def test_check_folder_one_line_per_file(tmp_path: Path, seed_paths):
    for k in ("000", "002"):
        (tmp_path / seed_paths[k].name).write_bytes(seed_paths[k].read_bytes())
    (tmp_path / "clean.txt").write_text("某小学2024年党建工作总结\n一、基本情况\n学校党支部扎实开展工作。", encoding="utf-8")
    res = runner.invoke(app, ["check", str(tmp_path)])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert lines[0].split("\t") == ["reuse", "P0", "P1", "P2", "year", "file"]
    rows = [ln.split("\t") for ln in lines[1:]]
    assert len(rows) == 3
    assert rows[-1][5].endswith("clean.txt") and rows[-1][1] == "0"  # most P0 first, the clean file last
    assert int(rows[0][1]) >= int(rows[1][1]) > 0


def test_bad_file_in_folder_does_not_stop_the_batch(tmp_path: Path):
    (tmp_path / "good.txt").write_text("某小学2024年党建工作总结\n正文。", encoding="utf-8")
    (tmp_path / "bad.json").write_text("{broken", encoding="utf-8")
    res = runner.invoke(app, ["check", str(tmp_path)])
    assert res.exit_code == 1
    assert "ERROR" in res.stdout and "bad.json" in res.stdout and "good.txt" in res.stdout


def test_errors_name_the_file(tmp_path: Path):
    res = runner.invoke(app, ["check", str(tmp_path / "none.txt")])
    assert res.exit_code == 1 and "none.txt" in res.output
    bad_facts = tmp_path / "facts.yaml"
    bad_facts.write_text("unit: x\nyear: abc\n", encoding="utf-8")
    doc = tmp_path / "r.txt"
    doc.write_text("正文。", encoding="utf-8")
    res = runner.invoke(app, ["check", str(doc), "--facts", str(bad_facts)])
    assert res.exit_code == 1 and "facts.yaml" in res.output


def test_facts_file(samples_dir: Path, tmp_path: Path):
    facts = samples_dir / "facts" / "qinghe_sanshi_2024.yaml"
    if not facts.is_file():
        pytest.skip(f"{facts} missing")
    doc = tmp_path / "r.txt"
    doc.write_text("青禾市第三实验小学党支部2024年党建工作总结\n一、基本情况\n学校党支部现有党员33名。", encoding="utf-8")
    res = runner.invoke(app, ["check", str(doc), "--facts", str(facts), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    p0 = [f for f in data["findings"] if f["severity"] == "P0" and f["check"] == "facts"]
    assert p0 and "31" in p0[0]["message"]
