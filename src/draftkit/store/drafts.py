"""Drafts persist in a database: a draft (its facts and current report) and a history of versions.

The database is SQLite (one file, the default) or PostgreSQL (``DRAFTKIT_DATABASE_URL``), see
``store/db.py``; the schema and its migrations are the same for both.

Every edit updates the draft at once (a refresh or a server restart loses nothing); a version is
kept for each generation, each regeneration and each finished edit, and any two can be diffed.

A draft belongs to an ``owner`` (the UI passes the browser's client id, or the login name when
the UI runs with ``--auth``). Reads and writes that name an owner only see that owner's drafts: a
draft of someone else is reported as not found, so one session can neither list, open nor
overwrite another's draft. ``owner=None`` means "no restriction" (the CLI and tests).

Optimistic versioning: every write raises the draft's ``revision`` by one. A caller that passes
``expected_revision`` (the revision it loaded) to ``save`` / ``update_section_text`` /
``update_part`` / ``replace_section`` gets ``DraftConflict`` instead of overwriting when someone
else saved in between; the UI then offers "已被他人修改" with the choice of loading their version
or keeping its own (saving again without ``expected_revision``). Nothing is lost either way:
the other session's text stays in the versions.
"""

from __future__ import annotations

import datetime as dt
import difflib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from draftkit.errors import DraftkitError
from draftkit.facts import Facts
from draftkit.report import Report, SectionDraft
from draftkit.store.db import Database, open_database
from draftkit.store.users import Access

#: Who is asking: an owner string (a browser's id, ``user:NAME`` under ``--auth``), an account's
#: ``Access`` (role and unit), or None (no restriction: the CLI and tests).
Owner = str | Access | None

UNTITLED = "未命名草稿"


class DraftNotFound(DraftkitError, KeyError):
    """No such draft (or version), or it belongs to another owner."""

    def __str__(self) -> str:
        return f"找不到草稿：{self.args[0] if self.args else ''}"


class DraftConflict(DraftkitError, RuntimeError):
    """The draft was saved by someone else since ``expected_revision`` (已被他人修改)."""

    def __init__(self, draft_id: str, expected: int, current: int) -> None:
        self.draft_id = draft_id
        self.expected = expected
        self.current = current
        super().__init__(f"草稿已被他人修改（您打开的是第{expected}次保存，现在已是第{current}次）：{draft_id}")


class DraftReadOnly(DraftkitError, PermissionError):
    """The account may read the draft but not change it (a reviewer)."""

    def __str__(self) -> str:
        return f"无权修改草稿（只读）：{self.args[0] if self.args else ''}"


def _allowed(owner: Owner, row_owner: Owner, row_unit: str | None, write: bool, draft_id: str) -> None:
    """Raise ``DraftNotFound`` when ``owner`` may not see the draft, ``DraftReadOnly`` when it may only read it."""
    if owner is None:
        return
    if isinstance(owner, Access):
        if not owner.can_read(row_unit, row_owner):
            raise DraftNotFound(draft_id)
        if write and not owner.can_write(row_unit, row_owner):
            raise DraftReadOnly(draft_id)
        return
    if row_owner != owner:
        raise DraftNotFound(draft_id)


class DraftInfo(BaseModel):
    id: str
    title: str
    updated_at: str
    versions: int


class VersionInfo(BaseModel):
    number: int
    note: str
    created_at: str


@dataclass
class StoredDraft:
    id: str
    owner: str | None
    title: str
    facts: Facts | None
    report: Report | None
    created_at: str
    updated_at: str
    revision: int = 1
    unit: str | None = None


@dataclass(frozen=True)
class DiffLine:
    op: Literal["same", "add", "remove", "gap"]
    text: str


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def draft_title(facts: Facts | None = None, report: Report | None = None) -> str:
    if report is not None and report.title:
        return report.title
    if facts is not None:
        return f"{facts.unit}{facts.year}年"
    return UNTITLED


class DraftStore:
    """Drafts in a database (``store/db.py``): a SQLite path or a ``postgresql://`` URL; safe to share
    between the UI's worker threads and, on PostgreSQL, between processes.

    Read-modify-write operations (editing one section, replacing one section) run in one transaction
    that locks the draft's row (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: ``SELECT … FOR UPDATE``), so
    two edits of the same draft never lose each other.
    """

    def __init__(self, location: Path | str | Database):
        self.db = location if isinstance(location, Database) else open_database(location)
        self.path = getattr(self.db, "path", None)

    def _connect(self, write: bool = False):  # noqa: ANN202 - a context manager of the dialect's connection
        return self.db.transaction(write)

    def _owned_row(self, db, draft_id: str | None, owner: Owner, columns: str, *, lock: bool = False,
                   expected_revision: int | None = None) -> tuple:
        if not draft_id:
            raise DraftNotFound(draft_id)
        row = db.execute(f"SELECT owner, revision, unit, {columns} FROM drafts WHERE id = ?"
                         + (self.db.lock_row() if lock else ""), (draft_id,)).fetchone()
        if row is None:
            raise DraftNotFound(draft_id)
        _allowed(owner, row[0], row[2], lock, draft_id)  # every write locks the row
        if expected_revision is not None and int(expected_revision) != row[1]:
            raise DraftConflict(draft_id, int(expected_revision), row[1])
        return tuple(row[3:])

    def revision(self, draft_id: str, owner: Owner = None) -> int:
        """The draft's current revision (raised by one at every write)."""
        with self._connect() as db:
            (rev,) = self._owned_row(db, draft_id, owner, "revision")
        return int(rev)

    # -- drafts -----------------------------------------------------------------------------
    def create(self, facts: Facts | None = None, report: Report | None = None, owner: Owner = None,
               note: str = "生成全文", unit: str | None = None) -> str:
        """A new draft (revision 1); with a report, its first version (``note``) is kept too. ``unit``: the
        unit (school) it belongs to, for per-unit access (default: the facts' unit)."""
        draft_id = uuid.uuid4().hex
        now = _now()
        unit = unit or (facts.unit if facts is not None else None) or None
        if isinstance(owner, Access):
            if owner.role == "reviewer":
                raise DraftReadOnly("新草稿")
            if owner.role == "secretary":
                unit = owner.unit  # a secretary's drafts belong to her unit, whatever the facts say
            owner = owner.owner
        with self._connect(write=True) as db:
            db.execute(
                "INSERT INTO drafts (id, owner, title, facts_json, report_json, created_at, updated_at, unit)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (draft_id, owner, draft_title(facts, report), facts.model_dump_json() if facts else None,
                 report.model_dump_json() if report else None, now, now, unit),
            )
            if report is not None:
                self._add_version(db, draft_id, report.model_dump_json(), note)
        return draft_id

    def exists(self, draft_id: str | None, owner: Owner = None) -> bool:
        try:
            with self._connect() as db:
                self._owned_row(db, draft_id, owner, "id")
        except DraftNotFound:
            return False
        return True

    def get(self, draft_id: str | None, owner: Owner = None) -> StoredDraft:
        with self._connect() as db:
            row = self._owned_row(db, draft_id, owner,
                                  "owner, title, facts_json, report_json, created_at, updated_at, revision, unit")
        own, title, facts_json, report_json, created, updated, revision, unit = row
        return StoredDraft(
            id=str(draft_id), owner=own, title=title,
            facts=Facts.model_validate_json(facts_json) if facts_json else None,
            report=Report.model_validate_json(report_json) if report_json else None,
            created_at=created, updated_at=updated, revision=int(revision), unit=unit,
        )

    def load(self, draft_id: str, owner: Owner = None) -> tuple[Facts | None, Report | None]:
        d = self.get(draft_id, owner)
        return d.facts, d.report

    def save(self, draft_id: str, *, facts: Facts | None = None, report: Report | None = None,
             version_note: str | None = None, owner: Owner = None,
             expected_revision: int | None = None) -> int | None:
        """Update the draft's current state; with ``version_note`` also keep a version (its number).
        ``expected_revision``: raise ``DraftConflict`` when the draft was saved since (see the module)."""
        with self._connect(write=True) as db:
            self._owned_row(db, draft_id, owner, "id", lock=True, expected_revision=expected_revision)
            sets, args = ["updated_at = ?", "revision = revision + 1"], [_now()]
            if facts is not None:
                sets.append("facts_json = ?")
                args.append(facts.model_dump_json())
            if report is not None:
                sets += ["report_json = ?", "title = ?"]
                args += [report.model_dump_json(), draft_title(facts, report)]
            elif facts is not None:
                row = db.execute("SELECT report_json FROM drafts WHERE id = ?", (draft_id,)).fetchone()
                if row[0] is None:
                    sets.append("title = ?")
                    args.append(draft_title(facts))
            db.execute(f"UPDATE drafts SET {', '.join(sets)} WHERE id = ?", (*args, draft_id))
            if report is not None and version_note:
                return self._add_version(db, draft_id, report.model_dump_json(), version_note)
        return None

    def update_section_text(self, draft_id: str, section_id: str, text: str, owner: Owner = None,
                            expected_revision: int | None = None) -> Report:
        """Store one section's edited text in the draft's current report (atomic; no new version)."""
        return self._edit(draft_id, owner, lambda r: setattr(r.section(section_id), "text", text), expected_revision)

    def update_part(self, draft_id: str, part: Literal["title", "opening", "closing"], text: str,
                    owner: Owner = None, expected_revision: int | None = None) -> Report:
        """Store the edited title, opening paragraph or closing paragraph (atomic; no new version)."""
        if part not in ("title", "opening", "closing"):
            raise ValueError(f"不能编辑的部分：{part}")
        return self._edit(draft_id, owner, lambda r: setattr(r, part, text), expected_revision)

    def _edit(self, draft_id: str, owner: Owner, change, expected_revision: int | None = None) -> Report:
        with self._connect(write=True) as db:
            (report_json,) = self._owned_row(db, draft_id, owner, "report_json", lock=True,
                                             expected_revision=expected_revision)
            if report_json is None:
                raise DraftNotFound(f"{draft_id}（尚未生成正文）")
            report = Report.model_validate_json(report_json)
            change(report)
            db.execute("UPDATE drafts SET report_json = ?, title = ?, updated_at = ?, revision = revision + 1"
                       " WHERE id = ?", (report.model_dump_json(), draft_title(None, report), _now(), draft_id))
        return report

    def replace_section(self, draft_id: str, section: SectionDraft, version_note: str | None = None,
                        owner: Owner = None, expected_revision: int | None = None) -> Report:
        """Put a regenerated section in place of the one with the same id (atomic), optionally versioned."""
        with self._connect(write=True) as db:
            (report_json,) = self._owned_row(db, draft_id, owner, "report_json", lock=True,
                                             expected_revision=expected_revision)
            if report_json is None:
                raise DraftNotFound(f"{draft_id}（尚未生成正文）")
            report = Report.model_validate_json(report_json)
            report.section(section.id)  # KeyError when the section is not in this draft
            report.sections = [section if s.id == section.id else s for s in report.sections]
            payload = report.model_dump_json()
            db.execute("UPDATE drafts SET report_json = ?, updated_at = ?, revision = revision + 1 WHERE id = ?",
                       (payload, _now(), draft_id))
            if version_note:
                self._add_version(db, draft_id, payload, version_note)
        return report

    def delete(self, draft_id: str, owner: Owner = None) -> None:
        with self._connect(write=True) as db:
            self._owned_row(db, draft_id, owner, "id", lock=True)
            db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))

    def list(self, owner: Owner = None, limit: int = 50) -> list[DraftInfo]:
        """Drafts, newest first; with ``owner`` only that owner's."""
        sql = ("SELECT d.id, d.title, d.updated_at, (SELECT COUNT(*) FROM versions v WHERE v.draft_id = d.id)"
               f" FROM drafts d {{where}} ORDER BY d.updated_at DESC, d.{self.db.insertion_order} DESC LIMIT ?")
        with self._connect() as db:
            if owner is None or (isinstance(owner, Access) and owner.role in ("reviewer", "admin")):
                rows = db.execute(sql.format(where=""), (limit,)).fetchall()
            elif isinstance(owner, Access):
                rows = db.execute(sql.format(where="WHERE d.unit = ? OR d.owner = ?"),
                                  (owner.unit, owner.owner, limit)).fetchall()
            else:
                rows = db.execute(sql.format(where="WHERE d.owner = ?"), (owner, limit)).fetchall()
        return [DraftInfo(id=r[0], title=r[1], updated_at=r[2], versions=r[3]) for r in rows]

    # -- versions ---------------------------------------------------------------------------
    @staticmethod
    def _add_version(db, draft_id: str, payload: str, note: str) -> int:  # noqa: ANN001 - the dialect's connection
        last, prev = db.execute(
            "SELECT number, report_json FROM versions WHERE draft_id = ? ORDER BY number DESC LIMIT 1",
            (draft_id,)).fetchone() or (0, None)
        if prev == payload:
            return last  # nothing changed since the last version
        db.execute("INSERT INTO versions (draft_id, number, note, report_json, created_at) VALUES (?, ?, ?, ?, ?)",
                   (draft_id, last + 1, note, payload, _now()))
        return last + 1

    def add_version(self, draft_id: str, note: str, report: Report | None = None, owner: Owner = None) -> int:
        """Keep a version of ``report`` (default: the draft's current report); unchanged → the last number."""
        with self._connect(write=True) as db:
            (report_json,) = self._owned_row(db, draft_id, owner, "report_json", lock=True)
            payload = report.model_dump_json() if report is not None else report_json
            if payload is None:
                raise DraftNotFound(f"{draft_id}（尚未生成正文）")
            return self._add_version(db, draft_id, payload, note)

    def versions(self, draft_id: str, owner: Owner = None) -> list[VersionInfo]:
        with self._connect() as db:
            self._owned_row(db, draft_id, owner, "id")
            rows = db.execute("SELECT number, note, created_at FROM versions WHERE draft_id = ? ORDER BY number",
                              (draft_id,)).fetchall()
        return [VersionInfo(number=r[0], note=r[1], created_at=r[2]) for r in rows]

    def version(self, draft_id: str, number: int, owner: Owner = None) -> Report:
        with self._connect() as db:
            self._owned_row(db, draft_id, owner, "id")
            row = db.execute("SELECT report_json FROM versions WHERE draft_id = ? AND number = ?",
                             (draft_id, number)).fetchone()
        if row is None:
            raise DraftNotFound(f"{draft_id} 版本{number}")
        return Report.model_validate_json(row[0])

    def _text_of(self, draft_id: str, number: int | None, owner: Owner) -> str:
        if number is None:
            report = self.get(draft_id, owner).report
            return report.body_text() if report else ""
        return self.version(draft_id, number, owner).body_text()

    def diff(self, draft_id: str, a: int | None, b: int | None, owner: Owner = None) -> str:
        """A unified diff (by line) between two versions' full texts; ``None`` is the current text."""
        name = lambda n: "当前" if n is None else f"版本{n}"  # noqa: E731
        ta = self._text_of(draft_id, a, owner).splitlines()
        tb = self._text_of(draft_id, b, owner).splitlines()
        return "\n".join(difflib.unified_diff(ta, tb, name(a), name(b), lineterm=""))

    def diff_lines(self, draft_id: str, a: int | None, b: int | None, owner: Owner = None,
                   context: int = 1) -> list[DiffLine]:
        """The same diff as a list of lines for display (``gap`` stands for unchanged lines left out)."""
        return text_diff(self._text_of(draft_id, a, owner), self._text_of(draft_id, b, owner), context)


def text_diff(old: str, new: str, context: int = 1) -> list[DiffLine]:
    """Line diff of two texts: changed lines with ``context`` unchanged lines around them."""
    a, b = old.splitlines(), new.splitlines()
    out: list[DiffLine] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if out:
            out.append(DiffLine("gap", "……"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [DiffLine("same", line) for line in a[i1:i2]]
                continue
            if tag in ("replace", "delete"):
                out += [DiffLine("remove", line) for line in a[i1:i2]]
            if tag in ("replace", "insert"):
                out += [DiffLine("add", line) for line in b[j1:j2]]
    return out
