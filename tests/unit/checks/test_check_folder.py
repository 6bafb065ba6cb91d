"""The folder check (``draftkit check FOLDER``) as a library call, and the gaps list of a facts file."""

from __future__ import annotations

from pathlib import Path

from draftkit.checks.runner import check_folder, files_to_check
from draftkit.draft.prompts import fact_gaps
from draftkit.facts import load_facts
from draftkit.progress import Progress


def test_a_folder_is_checked_file_by_file_and_a_bad_file_never_stops_it(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "clean.txt").write_text("2024年党建工作总结\n一、基本情况\n学校党支部现有党员20名。\n", encoding="utf-8")
    (tmp_path / "sub" / "stale.txt").write_text(
        "2024年党建工作总结\n一、基本情况\n学校党支部深入学习贯彻党的十九大精神，现有党员XX名。\n三、下一步打算\n继续努力。\n",
        encoding="utf-8")
    (tmp_path / "broken.docx").write_bytes(b"not a zip at all")
    (tmp_path / "~$lock.docx").write_bytes(b"")
    (tmp_path / "notes.csv").write_text("a,b\n", encoding="utf-8")
    assert [p.name for p in files_to_check(tmp_path)] == ["broken.docx", "clean.txt", "stale.txt"]

    seen: list[Progress] = []
    rows = check_folder(tmp_path, year=2024, progress=seen.append)
    assert sorted(Path(p.item).name for p in seen) == ["broken.docx", "clean.txt", "stale.txt"]
    assert [(p.stage, p.done, p.total) for p in seen] == [("check", i, 3) for i in (1, 2, 3)]
    assert [Path(r.path).name for r in rows][-1] == "broken.docx"
    assert rows[-1].result is None and "broken.docx" in rows[-1].error
    by_name = {Path(r.path).name: r.result for r in rows if r.result}
    assert by_name["stale.txt"].summary.by_severity.get("P0", 0) > by_name["clean.txt"].summary.by_severity.get("P0", 0)
    assert Path(rows[0].path).name == "stale.txt"  # most P0 first when nothing is reused


def test_the_gaps_list_names_each_missing_fact_and_the_signature_date(samples_dir: Path):
    gaps, confirms = fact_gaps(load_facts(samples_dir / "facts" / "liuxi_chengguan_2025_gaps.yaml"))
    assert "落款：落款日期" in gaps and len(gaps) >= 3
    assert all("：" in g for g in gaps) and confirms == []
    complete, _ = fact_gaps(load_facts(samples_dir / "facts" / "qinghe_sanshi_2024.yaml"))
    assert complete == []
