"""A throw-away PostgreSQL cluster for tests: initdb into a temporary folder, pg_ctl start on a free
localhost port (and a private socket folder), trust authentication, removed afterwards.

The binaries come from the distribution's package (Debian ``postgresql``, installed by
``scripts/setup.sh --test``): ``/usr/lib/postgresql/<version>/bin``, or whatever ``initdb`` is on PATH.
PostgreSQL refuses to run as root, so under root the cluster runs as the ``postgres`` user the
package creates (``runuser``), else as ``nobody``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class ClusterUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or the cluster would not start (the message says why)."""


def server_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise ClusterUnavailable("no initdb: install the PostgreSQL server (Debian: apt-get install postgresql; "
                             "scripts/setup.sh --test does)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """``with Cluster() as c: c.url("dbname")``; ``c.create_database(name)`` for a fresh database."""

    def __init__(self) -> None:
        self.bin = server_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="draftkit-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.user = "draftkit"
        self._as: list[str] = []
        if os.geteuid() == 0:
            name = "postgres"
            try:
                pwd.getpwnam(name)
            except KeyError:
                name = "nobody"
            self._as = ["runuser", "-u", name, "--"]
            shutil.chown(self.root, name)
        self.sockets.mkdir()
        if self._as:
            shutil.chown(self.sockets, self._as[2])

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [*self._as, *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.root)
        if done.returncode != 0:
            raise ClusterUnavailable(f"{' '.join(cmd)} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done

    def start(self) -> Cluster:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        opts = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "server.log"),
                  "-w", "-t", "60", "start")
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
