"""The one loader for data files under prompts/: parsed once, reread when the file changes, a
missing file named in the error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from draftkit.config import Settings, load_data


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
