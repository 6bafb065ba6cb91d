"""Index integrity: checksums of every file (verified on open once per change, always before a write
copies a version forward), one-line errors from every command, advice that works when the manifest is
lost, and readers that never see a half-published version."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftkit.cli import app
from draftkit.config import Settings
from draftkit.retrieval import (
    Index,
    IndexCorrupt,
    IndexUnavailable,
    add_paths,
    atomic,
    integrity,
    remove_document,
)
from draftkit.retrieval.dense import SentenceVectors
from draftkit.retrieval.manifest import LAYOUT, read_manifest

A4 = "A4_liuxi_shiqiao_jiunian_2018.txt"
runner = CliRunner()


def spoil(path: Path, fill: bytes = b"\xff" * 256) -> bytes:
    """Overwrite bytes in the middle of a file, keeping its size (0xFF words are NaN as float32).
    Returns the original bytes."""
    data = path.read_bytes()
    at = max(0, len(data) // 2 - len(fill) // 2)
    fill = fill[: len(data) - at]
    path.write_bytes(data[:at] + fill + data[at + len(fill):])
    assert path.stat().st_size == len(data)
    return data


def strip_checksums(index_dir: Path) -> None:
    """Make the index look like one written before checksums were recorded."""
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("checksums", None)
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


# -- checksums (issue 16, item 10) ---------------------------------------------------------------------
def test_the_manifest_records_a_checksum_of_every_file(built_index_dir: Path) -> None:
    manifest = read_manifest(built_index_dir)
    assert set(manifest.checksums) == set(manifest.files) and "dense.faiss" in manifest.checksums
    for rel, digest in manifest.checksums.items():
        assert integrity.sha256_file(built_index_dir / rel) == digest
    assert {p.name for p in built_index_dir.iterdir()} <= LAYOUT


def test_a_file_changed_in_place_with_the_same_size_is_caught_on_open(index_copy: Path,
                                                                     retrieval_settings: Settings) -> None:
    manifest = read_manifest(index_copy)
    for rel in sorted(manifest.checksums):
        original = spoil(index_copy / rel)
        with pytest.raises(IndexCorrupt, match=rf"{rel} does not match the checksum.*Rebuild it with: draftkit"):
            Index.open(index_copy, settings=retrieval_settings)
        (index_copy / rel).write_bytes(original)
    with Index.open(index_copy, settings=retrieval_settings) as ix:
        hits = ix.search("三会一课", k=3)
        assert hits and all(h.score == h.score for h in hits)  # no NaN


def test_files_are_hashed_once_per_change(index_copy: Path) -> None:
    manifest = read_manifest(index_copy)
    integrity.verify_checksums(index_copy, manifest)
    assert integrity.verify_checksums(index_copy, manifest) == 0  # nothing changed: nothing read
    dense = index_copy / "dense.faiss"
    os.utime(dense, ns=(time.time_ns(), time.time_ns()))
    assert integrity.verify_checksums(index_copy, manifest) == 1  # only the touched file
    assert integrity.verify_checksums(index_copy, manifest) == 0
    assert integrity.verify_checksums(index_copy, manifest, always=True) == len(manifest.checksums)


def test_a_damaged_version_is_never_copied_forward(index_copy: Path, samples_dir: Path,
                                                   retrieval_settings: Settings) -> None:
    """Damage the stamps cannot see (bytes changed behind a stamp that still matches): opening trusts the
    stamp, but add and remove hash every file before copying the version forward."""
    with Index.open(index_copy, settings=retrieval_settings) as ix:
        a4 = next(d for d in ix.documents() if Path(d.path).name == A4)
    remove_document(index_copy, a4.doc_id)
    Index.open(index_copy, settings=retrieval_settings).close()  # stamps the new version's files
    dense = index_copy / "dense.faiss"
    st = dense.stat()
    spoil(dense)
    stamps = json.loads(integrity.stamp_path(index_copy).read_text(encoding="utf-8"))
    stamps["dense.faiss"] = [*integrity._stamp(dense.stat(), stamps["dense.faiss"][-1])]
    integrity.stamp_path(index_copy).write_text(json.dumps(stamps), encoding="utf-8")
    assert dense.stat().st_size == st.st_size
    before = (index_copy / "manifest.json").read_bytes()
    with pytest.raises(IndexCorrupt, match="dense.faiss does not match the checksum"):
        add_paths(index_copy, [samples_dir / "corpus" / A4], settings=retrieval_settings)
    with pytest.raises(IndexCorrupt, match="dense.faiss does not match the checksum"):
        remove_document(index_copy, "B7_qinghe_qiming_tejiao_2025.txt")
    assert (index_copy / "manifest.json").read_bytes() == before


def test_an_index_without_checksums_still_refuses_vectors_that_are_not_numbers(
        index_copy: Path, samples_dir: Path, retrieval_settings: Settings) -> None:
    strip_checksums(index_copy)
    with Index.open(index_copy, settings=retrieval_settings) as ix:  # an old index opens as before
        assert ix.search("三会一课", k=1)
    spoil(index_copy / "dense.faiss")
    with pytest.raises(IndexCorrupt, match="not numbers"):
        Index.open(index_copy, settings=retrieval_settings)
    with pytest.raises(IndexCorrupt, match="not numbers"):
        add_paths(index_copy, [samples_dir / "corpus" / A4], settings=retrieval_settings)


# -- one line from every command (item 11) ---------------------------------------------------------------
ONE_LINE = r"^error: index .+: .+\. Rebuild it with: draftkit index build .+ --index \S+( --force)?$"


def commands(index_dir: Path, repo: Path, tmp: Path) -> list[list[str]]:
    a4 = str(repo / "samples" / "corpus" / A4)
    ix = ["--index", str(index_dir)]
    return [
        ["index", "add", a4, *ix, "-q"],
        ["index", "remove", a4, *ix],
        ["index", "info", *ix],
        ["search", "三会一课", *ix],
        ["eval", "retrieval", *ix],
        ["check", a4, *ix],
        ["draft", str(repo / "samples" / "facts" / "qinghe_sanshi_2024.yaml"), *ix, "--out", str(tmp / "out.md")],
    ]


def assert_one_line(result, what: str) -> None:  # noqa: ANN001 - click's Result
    assert result.exit_code == 1, f"{what}: exit {result.exit_code}\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), f"{what}: {result.exception!r}"
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"{what}: {result.stderr}"
    assert re.match(ONE_LINE, lines[0]), f"{what}: {lines[0]}"


@pytest.mark.parametrize("damage", ["store.sqlite", "dense.faiss", "lexical/lexical_ids.npy", "sentences.npy"])
def test_every_command_turns_an_index_fault_into_one_line(damage: str, index_copy: Path, repo_root: Path,
                                                          tmp_path: Path) -> None:
    spoil(index_copy / damage, b"\x00\x13" * 512)
    before = (index_copy / "manifest.json").read_bytes()
    for argv in commands(index_copy, repo_root, tmp_path):
        assert_one_line(runner.invoke(app, argv), " ".join(argv[:2]))
    assert (index_copy / "manifest.json").read_bytes() == before


def test_writes_to_an_old_index_with_a_damaged_store_fail_in_one_line(index_copy: Path, repo_root: Path,
                                                                      tmp_path: Path) -> None:
    """An index written before checksums: the store is checked page by page before it is copied forward."""
    strip_checksums(index_copy)
    spoil(index_copy / "store.sqlite", b"\x00\x13" * 512)
    before = (index_copy / "manifest.json").read_bytes()
    for argv in commands(index_copy, repo_root, tmp_path)[:2]:  # add, remove
        assert_one_line(runner.invoke(app, argv), " ".join(argv[:2]))
    assert (index_copy / "manifest.json").read_bytes() == before


# -- a lost manifest (item 12) ------------------------------------------------------------------------
def test_the_advice_for_a_lost_manifest_works_when_followed(tmp_path: Path, samples_dir: Path,
                                                            retrieval_settings: Settings) -> None:
    source = samples_dir / "corpus" / A4
    index_dir = tmp_path / "index"
    built = runner.invoke(app, ["index", "build", str(source), "--index", str(index_dir), "-q"])
    assert built.exit_code == 0, built.output
    (index_dir / "manifest.json").unlink()

    failed = runner.invoke(app, ["search", "三会一课", "--index", str(index_dir)])
    assert_one_line(failed, "search")
    advice = failed.stderr.strip().split("Rebuild it with: ", 1)[1]
    argv = shlex.split(advice)
    assert argv[:3] == ["draftkit", "index", "build"] and "--force" in argv and str(source) in argv

    followed = runner.invoke(app, [*argv[1:], "-q"])
    assert followed.exit_code == 0, followed.output
    with Index.open(index_dir, settings=retrieval_settings) as ix:
        assert [Path(d.path).name for d in ix.documents()] == [A4]
        assert ix.search("石桥夜学", k=1)


def test_force_never_replaces_a_folder_holding_other_files(tmp_path: Path, samples_dir: Path) -> None:
    precious = tmp_path / "my-docs"
    precious.mkdir()
    (precious / "store.sqlite").write_bytes(b"not mine to delete")
    (precious / "notes.txt").write_text("keep me", encoding="utf-8")
    failed = runner.invoke(app, ["search", "三会一课", "--index", str(precious)])
    assert failed.exit_code == 1 and "holds other files (notes.txt)" in failed.stderr and "--force" not in failed.stderr
    forced = runner.invoke(app, ["index", "build", str(samples_dir / "corpus" / A4), "--index", str(precious),
                                 "--force", "-q"])
    assert forced.exit_code == 1 and "not a draftkit index (it holds notes.txt)" in forced.stderr
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert (precious / "store.sqlite").read_bytes() == b"not mine to delete"


# -- readers and publishes (item 13) ------------------------------------------------------------------
def test_opens_during_publishes_always_read_one_version(index_copy: Path, tmp_path: Path,
                                                        retrieval_settings: Settings,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer publishes two versions in turn as fast as it can while the reader opens the index again
    and again; each open must see one whole version. Reading the sentence vectors is slowed down by a
    few milliseconds so that nearly every open overlaps a swap (in the field 2 opens in 28,756 did)."""
    full = tmp_path / "full"
    shutil.copytree(index_copy, full)
    smaller = tmp_path / "smaller"
    shutil.copytree(index_copy, smaller)
    with Index.open(smaller, settings=retrieval_settings) as ix:
        a4 = next(d for d in ix.documents() if Path(d.path).name == A4)
        expected = {ix.info()["chunks"]: ix.info()["documents"]}
    remove_document(smaller, a4.doc_id)
    with Index.open(smaller, settings=retrieval_settings) as ix:
        expected[ix.info()["chunks"]] = ix.info()["documents"]

    real_load = SentenceVectors.load.__func__

    def slow_load(cls, folder, dim):  # noqa: ANN001
        time.sleep(0.004)
        return real_load(cls, folder, dim)

    monkeypatch.setattr(SentenceVectors, "load", classmethod(slow_load))
    stop = threading.Event()
    published = [0]
    writer_error: list[BaseException] = []

    def publish_forever() -> None:
        try:
            while not stop.is_set():
                for version in (smaller, full):
                    staging = atomic.new_staging_dir(index_copy)
                    shutil.copytree(version, staging, dirs_exist_ok=True)
                    with atomic.writer_lock(index_copy):
                        atomic.publish(staging, index_copy)
                    published[0] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            writer_error.append(exc)

    writer = threading.Thread(target=publish_forever, daemon=True)
    writer.start()
    opens, failures = 0, []
    deadline = time.monotonic() + 6.0
    try:
        while time.monotonic() < deadline:
            try:
                with Index.open(index_copy, settings=retrieval_settings) as ix:
                    docs = ix.documents()
                    chunks = sum(d.chunks for d in docs)
                    assert expected.get(chunks) == len(docs) == ix.manifest.counts.documents, "a mixed version"
                    assert chunks == ix.manifest.counts.chunks, "a mixed version"
            except (IndexUnavailable, AssertionError) as exc:
                failures.append(str(exc))
            opens += 1
    finally:
        stop.set()
        writer.join(30)
    assert not writer_error, writer_error
    assert published[0] >= 4 and opens >= 20
    assert not failures, f"{len(failures)} of {opens} opens failed during {published[0]} publishes: {failures[:3]}"
