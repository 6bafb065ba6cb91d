"""Atomic publishing of index versions, recovery after a crash between the renames, the writer lock."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from draftkit.retrieval import atomic
from draftkit.retrieval.manifest import (
    FORMAT_VERSION,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    read_manifest,
    rebuild_command,
)


def version(index_dir: Path, label: str) -> Path:
    staging = atomic.new_staging_dir(index_dir)
    (staging / "data.txt").write_text(label, encoding="utf-8")
    (staging / atomic.MANIFEST_FILE).write_text("{}", encoding="utf-8")
    return staging


def test_publish_swaps_versions_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "index"
    with atomic.writer_lock(target):
        atomic.publish(version(target, "one"), target)
        atomic.publish(version(target, "two"), target)
    assert (target / "data.txt").read_text(encoding="utf-8") == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".index.lock", ".index.swap", "index"]


def test_an_incomplete_version_is_never_published(tmp_path: Path) -> None:
    target = tmp_path / "index"
    staging = atomic.new_staging_dir(target)
    with pytest.raises(RuntimeError, match="incomplete"):
        atomic.publish(staging, target)
    assert not target.exists()


def test_a_crash_between_the_renames_is_undone_by_the_next_reader(tmp_path: Path) -> None:
    target = tmp_path / "index"
    with atomic.writer_lock(target):
        atomic.publish(version(target, "old"), target)
    # what a kill -9 after the first rename leaves: the old version aside, a finished new one unpublished
    os.replace(target, tmp_path / ".index.old-abc123")
    version(target, "new")
    assert atomic.wait_for_published(target, timeout=0.2)
    assert (target / "data.txt").read_text(encoding="utf-8") == "old"
    assert not [p for p in tmp_path.iterdir() if ".old-" in p.name or ".tmp-" in p.name]


def test_stale_staging_directories_are_removed_by_the_next_writer(tmp_path: Path) -> None:
    target = tmp_path / "index"
    with atomic.writer_lock(target):
        atomic.publish(version(target, "one"), target)
    stale = atomic.new_staging_dir(target)
    (stale / "half.bin").write_bytes(b"x" * 10)
    with atomic.writer_lock(target):
        atomic.recover(target)
    assert not stale.exists() and (target / "data.txt").exists()


def _hold_lock(index_dir: str, ready: multiprocessing.Event, release: multiprocessing.Event) -> None:
    with atomic.writer_lock(Path(index_dir)):
        ready.set()
        release.wait(10)


def test_the_writer_lock_is_exclusive_across_processes(tmp_path: Path) -> None:
    target = tmp_path / "index"
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(target), ready, release))
    proc.start()
    try:
        assert ready.wait(30)
        t0 = time.monotonic()
        with pytest.raises(TimeoutError, match="another process"):
            with atomic.writer_lock(target, timeout=0.3):
                pass
        assert time.monotonic() - t0 >= 0.3
    finally:
        release.set()
        proc.join(10)
    with atomic.writer_lock(target, timeout=5):
        pass


def test_manifest_errors_name_the_problem_and_the_rebuild_command(tmp_path: Path) -> None:
    target = tmp_path / "index"
    with pytest.raises(IndexMissing, match=r"Build one with: draftkit index build samples/corpus --index .*index"):
        read_manifest(target)
    target.mkdir()
    (target / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="unreadable"):
        read_manifest(target)
    (target / "manifest.json").write_text(
        '{"format": "draftkit-index", "format_version": 999, "sources": ["my docs", "b"]}', encoding="utf-8")
    with pytest.raises(IndexMismatch, match=rf"version 999.*reads version {FORMAT_VERSION}.*build 'my docs' b --index"):
        read_manifest(target)


def test_rebuild_command_quotes_paths() -> None:
    assert rebuild_command("/x/my index", ["a b.docx", "c"]) == "draftkit index build 'a b.docx' c --index '/x/my index'"
    assert rebuild_command("idx", []) == "draftkit index build samples/corpus --index idx"
