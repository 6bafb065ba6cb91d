"""Atomic replacement of an index directory, and the writer lock.

A write never touches the published directory. It builds the new version in
``<parent>/.<name>.tmp-<random>`` and then swaps: ``<name>`` → ``.<name>.old-<random>``,
the new version → ``<name>``, then the old one is deleted. Killed at any point:

- before the swap: the old index is untouched; the stale temporary directory is removed by
  the next writer;
- between the two renames (microseconds): ``<name>`` is missing and the old version sits in
  ``.<name>.old-*``; the next reader or writer renames it back.

Writers serialise on ``<parent>/.<name>.lock`` (an OS file lock, released by the kernel
when the process dies). The swap itself holds ``<parent>/.<name>.swap`` exclusively, and a reader
opening the index holds it shared (``pinned``) while it reads the version's files, so a reader never
mixes the manifest of one version with the files of the next; the swap waits for it (milliseconds,
or the time to hash a changed file once), and readers never wait for a build.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

MANIFEST_FILE = "manifest.json"


def _siblings(index_dir: Path, kind: str) -> list[Path]:
    parent = index_dir.parent
    if not parent.is_dir():
        return []
    prefix = f".{index_dir.name}.{kind}-"
    return sorted(p for p in parent.iterdir() if p.name.startswith(prefix) and p.is_dir())


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout: float = 600.0) -> Iterator[None]:
    """Hold the index's writer lock (waits up to ``timeout`` seconds for another writer)."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = index_dir.parent / f".{index_dir.name}.lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise TimeoutError(f"another process has been writing the index {index_dir} for {timeout:.0f} s")
            time.sleep(0.1)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int, shared: bool = False) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: no shared locks, readers take it exclusively (they hold it briefly)
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


def _swap_lock_path(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.swap"


@contextlib.contextmanager
def _swap_lock(index_dir: Path, shared: bool, timeout: float) -> Iterator[bool]:
    """Hold the swap lock (shared for readers, exclusive for the swap); yields False when the lock file
    cannot be opened (a read-only folder: no writer can swap there either)."""
    path = _swap_lock_path(index_dir)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            yield False
            return
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd, shared):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the index {index_dir} stayed locked for {timeout:.0f} s")
            time.sleep(0.005)
        try:
            yield True
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def pinned(index_dir: Path, timeout: float = 60.0) -> Iterator[bool]:
    """For readers: no swap happens at ``index_dir`` while inside (yields whether the pin holds)."""
    with _swap_lock(index_dir, shared=True, timeout=timeout) as held:
        yield held


def version_key(index_dir: Path) -> tuple[int, ...] | None:
    """What identifies the published version (the directory's and the manifest's inode and times):
    it changes with every swap. None when nothing is published."""
    try:
        d = index_dir.stat()
        m = (index_dir / MANIFEST_FILE).stat()
    except OSError:
        return None
    return (d.st_dev, d.st_ino, d.st_ctime_ns, m.st_ino, m.st_mtime_ns)


def is_published(index_dir: Path) -> bool:
    return (index_dir / MANIFEST_FILE).is_file()


def recover(index_dir: Path) -> bool:
    """Undo an interrupted swap and remove leftovers. Call with the writer lock held.

    Returns True when an old version was put back.
    """
    restored = False
    if not index_dir.exists():
        olds = [p for p in _siblings(index_dir, "old") if is_published(p)]
        if olds:
            newest = max(olds, key=lambda p: (p / MANIFEST_FILE).stat().st_mtime)
            os.replace(newest, index_dir)
            restored = True
    for stale in _siblings(index_dir, "tmp") + _siblings(index_dir, "old"):
        shutil.rmtree(stale, ignore_errors=True)
    return restored


def new_staging_dir(index_dir: Path) -> Path:
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))


def _fsync_tree(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                fd = os.open(os.path.join(root, name), os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def publish(staging: Path, index_dir: Path) -> None:
    """Swap a complete staging directory in as ``index_dir`` (the writer lock must be held)."""
    if not is_published(staging):
        raise RuntimeError(f"{staging} has no {MANIFEST_FILE}; refusing to publish an incomplete index")
    _fsync_tree(staging)
    old: Path | None = None
    with _swap_lock(index_dir, shared=False, timeout=600.0):  # readers opening the old version finish first
        if index_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.old-", dir=index_dir.parent))
            os.rmdir(old)
            os.replace(index_dir, old)
        try:
            os.replace(staging, index_dir)
        except BaseException:
            if old is not None and not index_dir.exists():
                os.replace(old, index_dir)
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def wait_for_published(index_dir: Path, timeout: float = 2.0) -> bool:
    """For readers: True once ``index_dir`` is a published index, recovering an interrupted swap.

    A writer swapping right now leaves ``index_dir`` missing for microseconds: wait a little.
    If it stays missing while an old version exists, put that back (under the writer lock).
    """
    deadline = time.monotonic() + timeout
    while True:
        if is_published(index_dir):
            return True
        if not _siblings(index_dir, "old"):
            return False
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    with writer_lock(index_dir, timeout=timeout):
        recover(index_dir)
    return is_published(index_dir)
