"""`draftkit users add|list|passwd|remove` on the default database (SQLite under DRAFTKIT_DATA_DIR)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftkit.cli import app
from draftkit.config import get_settings
from draftkit.store.users import UserStore


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DRAFTKIT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DRAFTKIT_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def test_users_are_managed_from_the_command_line(data_dir: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "li", "--role", "secretary", "--unit", "青禾市第三实验小学",
                                "--password-stdin"], input="qinghe-2024\n")
    assert added.exit_code == 0, added.output
    assert "added li (secretary, 青禾市第三实验小学)" in added.output
    no_unit = runner.invoke(app, ["users", "add", "wang", "--role", "secretary", "--password-stdin"],
                            input="liuxi-2024!\n")
    assert no_unit.exit_code == 1 and "必须指定所属单位" in no_unit.output
    assert runner.invoke(app, ["users", "add", "zhao", "--role", "reviewer", "--password-stdin"],
                         input="reviewer-2024\n").exit_code == 0
    listed = runner.invoke(app, ["users", "list"])
    assert "li" in listed.output and "reviewer" in listed.output
    store = UserStore(data_dir / "drafts.sqlite3")
    assert store.authenticate("li", "qinghe-2024") is not None
    assert runner.invoke(app, ["users", "passwd", "li", "--password-stdin"], input="new-pass-2025\n").exit_code == 0
    assert store.authenticate("li", "qinghe-2024") is None and store.authenticate("li", "new-pass-2025") is not None
    assert runner.invoke(app, ["users", "remove", "zhao"]).exit_code == 0
    assert runner.invoke(app, ["users", "remove", "zhao"]).exit_code == 1
    assert [u.name for u in store.list()] == ["li"]
