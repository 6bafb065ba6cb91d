"""Small file-system helpers shared by the modules that write user-visible files."""

from __future__ import annotations

import os
import threading
from pathlib import Path

__all__ = ["honour_umask"]

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask (e.g. 0o022). Read from /proc where there is one (no change of state);
    elsewhere set and restored under a lock, since ``os.umask`` is the only portable way to read it."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0)
        os.umask(mask)
    return mask


def honour_umask(path: str | os.PathLike[str]) -> None:
    """Give ``path`` the mode a newly created file gets (0o666 less the umask: 0o644 under umask 022).

    ``tempfile.mkstemp`` creates files 0o600; a file written through one and renamed into place
    (an export, a model, an overlay) is not secret and should read like any other the user makes."""
    os.chmod(path, 0o666 & ~current_umask())
