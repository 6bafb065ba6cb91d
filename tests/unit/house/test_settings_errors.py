"""A bad DRAFTKIT_* value is a SettingsError naming the variable and its value; the CLI prints one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import draftkit
from draftkit.cli import app
from draftkit.config import Settings, SettingsError

BAD = [
    ("DRAFTKIT_LLM_TIMEOUT", "abc"),
    ("DRAFTKIT_FUSION", "bogus"),
    ("DRAFTKIT_LLM_THREADS", "0"),
    ("DRAFTKIT_DENSE_WEIGHT", "1.5"),
    ("DRAFTKIT_LLM_STREAM", "perhaps"),
    ("DRAFTKIT_EMBED_DTYPE", "fp8"),
]


@pytest.mark.parametrize(("var", "value"), BAD)
def test_bad_environment_value_names_the_variable(monkeypatch, var: str, value: str):
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as err:
        Settings()
    assert isinstance(err.value, draftkit.DraftkitError)
    assert f"{var}={value!r}" in str(err.value)


def test_workspace_raises_settings_error(monkeypatch, tmp_path):
    monkeypatch.setenv("DRAFTKIT_LLM_TIMEOUT", "abc")
    with pytest.raises(draftkit.SettingsError, match="DRAFTKIT_LLM_TIMEOUT='abc'"):
        draftkit.Workspace(tmp_path / "index", settings=Settings())


def test_every_bad_variable_is_named_at_once(monkeypatch):
    monkeypatch.setenv("DRAFTKIT_LLM_TIMEOUT", "abc")
    monkeypatch.setenv("draftkit_fusion", "bogus")
    with pytest.raises(SettingsError) as err:
        Settings()
    assert len(err.value.problems) == 2
    assert "DRAFTKIT_FUSION='bogus'" in str(err.value)


def test_a_bad_value_passed_in_code_names_the_field(monkeypatch):
    monkeypatch.setenv("DRAFTKIT_LLM_TIMEOUT", "30")
    with pytest.raises(SettingsError, match="llm_timeout='soon'"):
        Settings(llm_timeout="soon")


SAMPLE_FACTS = sorted((Path(__file__).resolve().parents[3] / "samples" / "facts").glob("*.yaml"))[0]


@pytest.mark.parametrize("args", [["search", "主题党日"], ["draft", str(SAMPLE_FACTS), "-o", "d.txt"]])
def test_cli_prints_one_line_and_exits_2(monkeypatch, tmp_path, args):
    from draftkit.config import get_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DRAFTKIT_LLM_TIMEOUT", "abc")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, args)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "d.txt").exists()
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == ["error: bad setting: DRAFTKIT_LLM_TIMEOUT='abc': Input should be a valid number, "
                     "unable to parse string as a number"]
