"""The import contracts in pyproject.toml hold on the source, and they do check: a copy of the
source with deliberately wrong imports breaks the contracts those imports cross."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter", reason="import-linter is in the dev extra")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code, "--config", str(root / "pyproject.toml"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory, repo_root: Path) -> Path:
    """A copy of src/draftkit and pyproject.toml that a test may spoil."""
    root = tmp_path_factory.mktemp("house")
    shutil.copytree(repo_root / "src" / "draftkit", root / "src" / "draftkit",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(repo_root / "pyproject.toml", root / "pyproject.toml")
    return root


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # deliberately wrong\n", encoding="utf-8")


def test_contracts_hold_and_break_on_wrong_imports(source_copy: Path):
    clean = _lint(source_copy)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "0 broken" in clean.stdout and "KEPT" in clean.stdout

    pkg = source_copy / "src" / "draftkit"
    _append(pkg / "ingest" / "models.py", "import draftkit.retrieval.index")  # ingest sits below retrieval
    _append(pkg / "export" / "markdown.py", "import draftkit.checks.runner")  # export and checks are independent
    broken = _lint(source_copy)
    out = broken.stdout
    assert broken.returncode != 0, out
    assert "draftkit.ingest.models -> draftkit.retrieval.index" in out.replace("\n", " ") or \
        "draftkit.ingest is not allowed to import draftkit.retrieval" in out, out
    assert "Export, the draft store and the checks know nothing of one another BROKEN" in out.replace("\n", " "), out
