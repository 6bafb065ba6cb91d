"""Drafts persist in SQLite: a draft (its facts and current report) and a history of versions.

Every edit updates the draft at once (a refresh or a server restart loses nothing); a version is
kept for each generation, each regeneration and each finished edit, and any two can be diffed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from draftkit.draft.models import Report
from draftkit.facts import Facts

_SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    id TEXT PRIMARY KEY,
    owner TEXT,
    title TEXT NOT NULL,
    facts_json TEXT,
    report_json TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    draft_id TEXT NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    note TEXT NOT NULL,
    report_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (draft_id, number)
);
CREATE INDEX IF NOT EXISTS drafts_owner ON drafts(owner, updated_at);
"""


class DraftNotFound(KeyError):
    pass


class DraftInfo(BaseModel):
    id: str
    title: str
    updated_at: str
    versions: int


class VersionInfo(BaseModel):
    number: int
    note: str
    created_at: str


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


class DraftStore:
    """One SQLite file (WAL mode); safe to share between the UI's worker threads."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA foreign_keys=ON")
        try:
            with db:
                yield db
        finally:
            db.close()

    # -- drafts -----------------------------------------------------------------------------
    def create(self, facts: Facts | None = None, report: Report | None = None, owner: str | None = None) -> str:
        draft_id = uuid.uuid4().hex
        title = report.title if report else (f"{facts.unit}{facts.year}年" if facts else "未命名草稿")
        now = _now()
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT INTO drafts (id, owner, title, facts_json, report_json, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (draft_id, owner, title, facts.model_dump_json() if facts else None,
                 report.model_dump_json() if report else None, now, now),
            )
        if report is not None:
            self.add_version(draft_id, report, "生成全文")
        return draft_id

    def exists(self, draft_id: str | None) -> bool:
        if not draft_id:
            return False
        with self._connect() as db:
            return db.execute("SELECT 1 FROM drafts WHERE id = ?", (draft_id,)).fetchone() is not None

    def load(self, draft_id: str) -> tuple[Facts | None, Report | None]:
        with self._connect() as db:
            row = db.execute("SELECT facts_json, report_json FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        if row is None:
            raise DraftNotFound(draft_id)
        facts = Facts.model_validate_json(row[0]) if row[0] else None
        report = Report.model_validate_json(row[1]) if row[1] else None
        return facts, report

    def save(self, draft_id: str, *, facts: Facts | None = None, report: Report | None = None,
             version_note: str | None = None) -> None:
        """Update the draft's current state; with ``version_note`` also keep a version."""
        sets, args = ["updated_at = ?"], [_now()]
        if facts is not None:
            sets.append("facts_json = ?")
            args.append(facts.model_dump_json())
        if report is not None:
            sets += ["report_json = ?", "title = ?"]
            args += [report.model_dump_json(), report.title]
        with self._lock, self._connect() as db:
            cur = db.execute(f"UPDATE drafts SET {', '.join(sets)} WHERE id = ?", (*args, draft_id))
            if cur.rowcount == 0:
                raise DraftNotFound(draft_id)
        if report is not None and version_note:
            self.add_version(draft_id, report, version_note)

    def save_section_text(self, draft_id: str, section_id: str, text: str) -> Report:
        """Store one section's edited text in the draft's current report (no new version)."""
        _, report = self.load(draft_id)
        if report is None:
            raise DraftNotFound(f"{draft_id} has no report yet")
        report.section(section_id).text = text
        self.save(draft_id, report=report)
        return report

    def delete(self, draft_id: str) -> None:
        with self._lock, self._connect() as db:
            db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))

    def list(self, owner: str | None = None, limit: int = 50) -> list[DraftInfo]:
        sql = ("SELECT d.id, d.title, d.updated_at, (SELECT COUNT(*) FROM versions v WHERE v.draft_id = d.id)"
               " FROM drafts d {where} ORDER BY d.updated_at DESC LIMIT ?")
        with self._connect() as db:
            if owner is None:
                rows = db.execute(sql.format(where=""), (limit,)).fetchall()
            else:
                rows = db.execute(sql.format(where="WHERE d.owner = ?"), (owner, limit)).fetchall()
        return [DraftInfo(id=r[0], title=r[1], updated_at=r[2], versions=r[3]) for r in rows]

    # -- versions ---------------------------------------------------------------------------
    def add_version(self, draft_id: str, report: Report, note: str) -> int:
        with self._lock, self._connect() as db:
            (last,) = db.execute("SELECT COALESCE(MAX(number), 0) FROM versions WHERE draft_id = ?",
                                 (draft_id,)).fetchone()
            prev = db.execute("SELECT report_json FROM versions WHERE draft_id = ? AND number = ?",
                              (draft_id, last)).fetchone()
            payload = report.model_dump_json()
            if prev is not None and prev[0] == payload:
                return last  # nothing changed since the last version
            db.execute("INSERT INTO versions (draft_id, number, note, report_json, created_at) VALUES (?, ?, ?, ?, ?)",
                       (draft_id, last + 1, note, payload, _now()))
        return last + 1

    def versions(self, draft_id: str) -> list[VersionInfo]:
        with self._connect() as db:
            rows = db.execute("SELECT number, note, created_at FROM versions WHERE draft_id = ? ORDER BY number",
                              (draft_id,)).fetchall()
        return [VersionInfo(number=r[0], note=r[1], created_at=r[2]) for r in rows]

    def version(self, draft_id: str, number: int) -> Report:
        with self._connect() as db:
            row = db.execute("SELECT report_json FROM versions WHERE draft_id = ? AND number = ?",
                             (draft_id, number)).fetchone()
        if row is None:
            raise DraftNotFound(f"{draft_id} v{number}")
        return Report.model_validate_json(row[0])

    def diff(self, draft_id: str, a: int, b: int) -> str:
        """A unified diff (by line) between two versions' full texts."""
        ta = self.version(draft_id, a).body_text().splitlines()
        tb = self.version(draft_id, b).body_text().splitlines()
        return "\n".join(difflib.unified_diff(ta, tb, f"版本{a}", f"版本{b}", lineterm=""))


def report_to_json(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)
