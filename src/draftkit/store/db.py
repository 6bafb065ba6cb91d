"""The database behind drafts, versions and users: SQLite (one file, the default) or PostgreSQL.

``open_database(location)``: a path → SQLite; ``postgresql://user@host:5432/db`` (or ``postgres://``)
→ PostgreSQL through psycopg 3 (``pip install 'draftkit[server]'``). ``DRAFTKIT_DATABASE_URL`` picks
PostgreSQL for the app; empty, the drafts live in ``DRAFTKIT_DATA_DIR/drafts.sqlite3``.

Schema: plain SQL files applied in order, ``migrations/<dialect>/NNNN_name.sql``, one transaction
each; the applied ones are recorded in ``schema_migrations`` (version, name, applied_at), so opening
an older database brings it up to date and opening a current one changes nothing. On PostgreSQL an
advisory lock makes concurrent app processes apply them once.

Both dialects take the same SQL with ``?`` placeholders (rewritten to ``%s`` for psycopg); the
few differences (the insertion-order column) are attributes of the ``Database``.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from draftkit.errors import DraftkitError

#: A lock id for PostgreSQL's advisory lock while migrating ("draftkit" in ASCII, truncated).
_MIGRATION_LOCK = 0x647261667474


class DatabaseError(DraftkitError, RuntimeError):
    """The database cannot be opened, migrated or reached; the message names it (password hidden)."""


def is_postgres_url(location: str | Path | None) -> bool:
    return isinstance(location, str) and location.split("://", 1)[0].lower() in ("postgresql", "postgres")


def redact(url: str) -> str:
    """The URL with its password replaced by ***, for messages and logs."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def migrations(dialect: str) -> list[tuple[int, str, str]]:
    """(version, name, SQL) of the migration files of a dialect, in order."""
    folder = resources.files("draftkit.store").joinpath("migrations", dialect)
    out = []
    for entry in folder.iterdir():
        m = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if m:
            out.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    return sorted(out)


def _split_sql(script: str) -> list[str]:
    """Statements of a migration file (split at ';' ending a line; comments dropped)."""
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in re.split(r";\s*$", "\n".join(lines), flags=re.MULTILINE) if s.strip()]


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


class Database(ABC):
    """A connection factory with the dialect's few differences. ``transaction(write=True)`` yields a
    connection whose ``execute(sql, params)`` returns a cursor (``fetchone`` / ``fetchall``)."""

    dialect: str
    #: The column that orders rows by insertion (ties of ``updated_at``).
    insertion_order: str
    location: str

    @abstractmethod
    def transaction(self, write: bool = False) -> Any:
        """A context manager: a connection in one transaction, committed on success, rolled back on error."""

    def lock_row(self) -> str:
        """What to append to a SELECT that reads a row it will update (PostgreSQL: ``FOR UPDATE``)."""
        return ""

    def migrate(self) -> int:
        """Apply the migrations not yet applied; returns the schema version."""
        with self.transaction(write=True) as db:
            self._before_migrating(db)
            db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                       " applied_at TEXT NOT NULL)")
            done = {r[0] for r in db.execute("SELECT version FROM schema_migrations").fetchall()}
            version = max(done, default=0)
            for number, name, sql in migrations(self.dialect):
                if number in done:
                    continue
                for statement in _split_sql(sql):
                    db.execute(statement)
                db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                           (number, name, _now()))
                version = number
        return version

    def _before_migrating(self, db: Any) -> None:
        """Serialise concurrent migrators (PostgreSQL); SQLite's write transaction already does."""
        del db

    def schema_version(self) -> int:
        with self.transaction() as db:
            row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)


class SqliteDatabase(Database):
    """One SQLite file in WAL mode; writers take ``BEGIN IMMEDIATE`` (one at a time)."""

    dialect = "sqlite"
    insertion_order = "rowid"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connection() as db:
                db.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.DatabaseError) as exc:
            raise DatabaseError(f"{self.path}: cannot open the drafts database ({exc})") from exc
        self._lock = threading.RLock()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA foreign_keys=ON")
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        with self._connection() as db:
            if not write:
                yield db
                return
            with self._lock:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")


class _PgConnection:
    """A psycopg connection that takes ``?`` placeholders."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(sql.replace("?", "%s"), tuple(params))


class PostgresDatabase(Database):
    """PostgreSQL through psycopg 3, one connection per transaction from a small pool of idle ones."""

    dialect = "postgresql"
    insertion_order = "seq"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        try:
            import psycopg
        except ImportError as exc:
            raise DatabaseError("DRAFTKIT_DATABASE_URL names PostgreSQL but psycopg is not installed "
                                "(pip install 'draftkit[server]')") from exc
        self._psycopg = psycopg
        self.url = url
        self.location = redact(url)
        self.timeout = timeout
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        with self.transaction() as db:  # fail now, with a clear message, when the server is unreachable
            db.execute("SELECT 1").fetchone()

    def _get(self) -> Any:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed and not conn.broken:
                    return conn
        try:
            return self._psycopg.connect(self.url, connect_timeout=max(1, int(self.timeout)))
        except self._psycopg.Error as exc:
            raise DatabaseError(f"{self.location}: cannot connect to PostgreSQL ({str(exc).strip()})") from exc

    def _put(self, conn: Any) -> None:
        with self._lock:
            if len(self._idle) < 8 and not conn.closed and not conn.broken:
                self._idle.append(conn)
                return
        conn.close()

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[_PgConnection]:
        conn = self._get()
        try:
            with conn.transaction():
                yield _PgConnection(conn)
        except self._psycopg.OperationalError as exc:
            conn.close()
            raise DatabaseError(f"{self.location}: {str(exc).strip()}") from exc
        finally:
            if not conn.closed:
                self._put(conn)

    def lock_row(self) -> str:
        return " FOR UPDATE"

    def _before_migrating(self, db: Any) -> None:
        db.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def open_database(location: str | Path) -> Database:
    """A migrated database: PostgreSQL for a ``postgresql://`` URL, else the SQLite file at the path.
    Raises ``DatabaseError`` naming the database (password hidden) when it cannot be opened."""
    db: Database = PostgresDatabase(str(location)) if is_postgres_url(location) else SqliteDatabase(location)
    try:
        db.migrate()
    except DatabaseError:
        raise
    except Exception as exc:  # noqa: BLE001 - sqlite3 / psycopg errors while migrating
        raise DatabaseError(f"{db.location}: cannot bring the schema up to date ({exc})") from exc
    return db
