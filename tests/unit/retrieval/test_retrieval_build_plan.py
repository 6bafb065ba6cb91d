"""Issue 16 item 9: a plan (files, chunks, estimated time) before any embedding, and confirmation
above a threshold unless --yes. The callback declines here, so no model is loaded."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from draftkit.cli import app
from draftkit.retrieval import build_index
from draftkit.retrieval.plan import CHUNKS_PER_SECOND, MODEL_LOAD_SECONDS, BuildPlan


def test_build_index_shows_the_plan_and_writes_nothing_when_declined(samples_dir: Path, tmp_path: Path) -> None:
    seen: list[BuildPlan] = []
    target = tmp_path / "ix"
    result = build_index([samples_dir / "corpus", tmp_path / "missing.txt"], target,
                         confirm=lambda plan: seen.append(plan) or False)
    assert result.cancelled and not result.written and not target.exists()
    (plan,) = seen
    assert plan.files == len(result.files) and plan.failed == 1
    assert plan.documents == plan.files - 1 and plan.chunks > 100
    rate = CHUNKS_PER_SECOND[plan.dtype]
    assert abs(plan.seconds - (MODEL_LOAD_SECONDS + plan.chunks / rate)) < 1e-6
    assert f"{plan.chunks:,}" in plan.describe() and "plan:" in plan.describe()


def test_cli_asks_before_a_long_build_and_needs_yes_without_a_terminal(samples_dir: Path, tmp_path: Path,
                                                                       monkeypatch) -> None:
    from draftkit.config import get_settings

    monkeypatch.setenv("DRAFTKIT_BUILD_CONFIRM_SECONDS", "1")
    get_settings.cache_clear()
    try:
        src = samples_dir / "corpus" / "A2_qinghe_erzhong_chuzhong_2014.txt"
        result = CliRunner().invoke(app, ["index", "build", str(src), "--index", str(tmp_path / "ix"), "-q"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "plan: 1 files, 1 to index" in result.output
    assert "--yes" in result.output and "left as it was" in result.output
    assert not (tmp_path / "ix").exists()
