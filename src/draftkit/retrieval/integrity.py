"""Checksums of an index version's files.

A write records the sha256 of every file of the new version in its manifest (``Manifest.checksums``).
Opening verifies them, cheaply: a file is hashed again only when it changed since it was last found
good (its inode, size, modification and change times differ from the stamp kept in
``<parent>/.<name>.verified.json``), so a search opens a large index without reading it whole, yet
a file overwritten in place, even with the same size, is caught at the next open. A write that copies
a version forward (``add``, ``remove``) always hashes every file first, whatever the stamps say.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

from draftkit.retrieval.atomic import MANIFEST_FILE
from draftkit.retrieval.manifest import IndexCorrupt, Manifest

_BLOCK = 1 << 20  # bytes read at a time while hashing


def sha256_file(path: Path) -> str:
    """The sha256 (hex) of a file's bytes, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def describe_files(folder: Path) -> tuple[dict[str, int], dict[str, str]]:
    """(size in bytes, sha256) of every file under ``folder`` but the manifest, keyed by POSIX relative path."""
    sizes: dict[str, int] = {}
    sums: dict[str, str] = {}
    for root, _dirs, names in os.walk(folder):
        for name in sorted(names):
            p = Path(root) / name
            rel = p.relative_to(folder).as_posix()
            if rel == MANIFEST_FILE:
                continue
            sizes[rel] = p.stat().st_size
            sums[rel] = sha256_file(p)
    return sizes, sums


def stamp_path(index_dir: Path) -> Path:
    """Where the stamps of files found good are kept: beside the index, never inside a published version."""
    return index_dir.parent / f".{index_dir.name}.verified.json"


def _stamp(st: os.stat_result, digest: str) -> list[int | str]:
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, digest]


def _read_stamps(path: Path) -> dict[str, list]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_stamps(path: Path, stamps: dict[str, list]) -> None:
    """Replace the stamp file atomically; a read-only folder just means hashing again next time."""
    with contextlib.suppress(OSError):
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(stamps, f)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def verify_checksums(index_dir: Path, manifest: Manifest, *, always: bool = False) -> int:
    """Check every file listed in ``manifest.checksums`` against its recorded sha256.

    Files unchanged since they were last found good are skipped unless ``always`` (a write copying the
    version forward). Returns how many files were hashed. Raises ``IndexCorrupt`` naming the first file
    that is missing or whose bytes differ, with the rebuild command. An index written before checksums
    were recorded has none to verify.
    """
    if not manifest.checksums:
        return 0
    where = stamp_path(index_dir)
    stamps = {} if always else _read_stamps(where)
    fresh: dict[str, list] = {}
    hashed = 0
    for rel, expected in sorted(manifest.checksums.items()):
        path = index_dir / rel
        try:
            st = path.stat()
        except OSError:
            raise IndexCorrupt(index_dir, f"{rel} is missing", manifest.sources) from None
        if not always and stamps.get(rel) == _stamp(st, expected):
            fresh[rel] = stamps[rel]
            continue
        try:
            actual = sha256_file(path)
        except OSError as exc:
            raise IndexCorrupt(index_dir, f"{rel} cannot be read ({exc})", manifest.sources) from exc
        hashed += 1
        if actual != expected:
            raise IndexCorrupt(index_dir, f"{rel} does not match the checksum in the manifest (sha256 {actual[:12]}…, "
                                          f"recorded {expected[:12]}…): the file was changed or damaged",
                               manifest.sources)
        fresh[rel] = _stamp(st, expected)
    if hashed:
        _write_stamps(where, fresh)
    return hashed
