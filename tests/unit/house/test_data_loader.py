"""The one loader for data files under prompts/: parsed once, reread when the file changes, a
missing file named in the error; what is built from a file (models, patterns) built once per version."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from draftkit.config import Settings, load_data, load_data_as
from draftkit.era import load_era
from draftkit.export.layout import load_layout
from draftkit.ingest.kinds import kind_table
from draftkit.practices import load_catalogue


def test_a_data_file_is_cached_until_it_changes(tmp_path: Path):
    settings = Settings(prompts_dir=tmp_path)
    f = tmp_path / "words.yaml"
    f.write_text("words: [主题党日]\n", encoding="utf-8")
    first = load_data("words.yaml", settings=settings)
    assert first == {"words": ["主题党日"]} and load_data("words.yaml", settings=settings) is first
    f.write_text("words: [主题党日, 三会一课]\n", encoding="utf-8")
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 1_000_000))
    assert load_data(f) == {"words": ["主题党日", "三会一课"]}
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    assert load_data("empty.yaml", settings=settings) == {}


def test_a_missing_data_file_is_named(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="nothing.yaml.*DRAFTKIT_PROMPTS_DIR"):
        load_data("nothing.yaml", settings=Settings(prompts_dir=tmp_path))


def test_the_shipped_data_files_load():
    for name in ("checks.yaml", "cleaning.yaml", "section_kinds.yaml", "facts_schema.yaml", "guard.yaml"):
        assert isinstance(load_data(name), dict) and load_data(name)


def test_what_is_built_from_a_data_file_is_built_once_per_version(tmp_path: Path):
    settings = Settings(prompts_dir=tmp_path)
    f = tmp_path / "rules.yaml"
    f.write_text("patterns: ['主题党日', '三会一课']\n", encoding="utf-8")
    calls: list[Path] = []

    def build(data, path):
        calls.append(path)
        return [re.compile(p) for p in data["patterns"]]

    first = load_data_as("rules.yaml", build, settings=settings)
    assert load_data_as("rules.yaml", build, settings=settings) is first and calls == [f]
    f.write_text("patterns: ['组织生活会']\n", encoding="utf-8")
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 1_000_000))
    again = load_data_as("rules.yaml", build, settings=settings)
    assert [p.pattern for p in again] == ["组织生活会"] and len(calls) == 2


def test_a_failed_build_names_the_file_and_is_tried_again(tmp_path: Path):
    settings = Settings(prompts_dir=tmp_path)
    f = tmp_path / "rules.yaml"
    f.write_text("patterns: ['(']\n", encoding="utf-8")

    def build(data, path):
        try:
            return [re.compile(p) for p in data["patterns"]]
        except re.error as exc:
            raise ValueError(f"{path}: {exc}") from exc

    for _ in range(2):  # a broken build is not cached: each call says what is wrong
        with pytest.raises(ValueError, match="rules.yaml"):
            load_data_as("rules.yaml", build, settings=settings)
    f.write_text("patterns: ['()']\n", encoding="utf-8")
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 1_000_000))
    assert load_data_as("rules.yaml", build, settings=settings)[0].pattern == "()"


def test_a_missing_file_outside_prompts_is_named_without_the_prompts_hint(tmp_path: Path):
    with pytest.raises(FileNotFoundError) as caught:
        load_data(tmp_path / "eval.yaml")
    assert "eval.yaml" in str(caught.value) and "DRAFTKIT_PROMPTS_DIR" not in str(caught.value)


def test_the_shipped_tables_build():
    assert load_era() is load_era() and load_era().congresses
    assert load_catalogue() is load_catalogue() and load_catalogue().entries
    assert load_layout() is load_layout() and kind_table() is kind_table()


def test_the_guards_allowed_quotes_follow_the_jieba_dictionary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               request: pytest.FixtureRequest):
    """A set phrase the secretary adds to prompts/jieba_userdict.txt may be quoted in a model's text
    at once, without restarting the app (the allowed terms are read again when the file changes)."""
    import shutil

    from draftkit.config import get_settings, prompts_path
    from draftkit.draft.guard import invented_quotes

    prompts = tmp_path / "prompts"
    shutil.copytree(prompts_path(), prompts)
    monkeypatch.setenv("DRAFTKIT_PROMPTS_DIR", str(prompts))
    get_settings.cache_clear()  # the process-wide settings are read once
    request.addfinalizer(get_settings.cache_clear)  # and again after monkeypatch restores the variable
    sentence = "学校党支部打造“青禾先锋”品牌。"
    assert [rule for rule, _ in invented_quotes(sentence, "")] == ["guard.invented_quote"]
    userdict = prompts / "jieba_userdict.txt"
    userdict.write_text(userdict.read_text(encoding="utf-8") + "\n青禾先锋 10 n\n", encoding="utf-8")
    os.utime(userdict, ns=(userdict.stat().st_atime_ns, userdict.stat().st_mtime_ns + 1_000_000))
    assert invented_quotes(sentence, "") == []
