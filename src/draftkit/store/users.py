"""Accounts with roles, kept in the drafts database (``users`` table, ``store/db.py``).

Roles (issue 15):

- ``secretary``: bound to one unit (school); sees and edits only that unit's drafts;
- ``reviewer``: reads every unit's drafts and reports, runs 体检 and search; edits nothing;
- ``admin``: everything, and manages users and the corpus.

Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher`` defaults, RFC 9106 low-memory
profile); the hash carries its own parameters and salt, and is rehashed when the defaults change.
``Access`` is what a signed-in session may do; the draft store takes it wherever it takes ``owner``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from draftkit.errors import DraftkitError
from draftkit.store.db import Database, _now, open_database

Role = Literal["secretary", "reviewer", "admin"]
ROLES: tuple[str, ...] = ("secretary", "reviewer", "admin")
ROLE_LABELS = {"secretary": "党务秘书", "reviewer": "审核人", "admin": "管理员"}
_NAME = re.compile(r"^[\w.@-]{2,64}$")
MIN_PASSWORD_CHARS = 8


class UserError(DraftkitError, ValueError):
    """A bad account: unknown role, a secretary without a unit, a short password, a name taken or unknown."""


@dataclass(frozen=True)
class Access:
    """What one signed-in user may see and change."""

    name: str
    role: str
    unit: str | None = None

    @property
    def owner(self) -> str:
        """The owner recorded on drafts this user creates."""
        return f"user:{self.name}"

    def can_read(self, unit: str | None, owner: str | None = None) -> bool:
        if self.role in ("admin", "reviewer"):
            return True
        return (unit is not None and unit == self.unit) or owner == self.owner

    def can_write(self, unit: str | None, owner: str | None = None) -> bool:
        if self.role == "admin":
            return True
        if self.role == "reviewer":
            return False
        return (unit is not None and unit == self.unit) or owner == self.owner


@dataclass(frozen=True)
class User:
    name: str
    role: str
    unit: str | None
    created_at: str

    @property
    def access(self) -> Access:
        return Access(self.name, self.role, self.unit)


def _hasher():  # noqa: ANN202 - argon2.PasswordHasher
    try:
        from argon2 import PasswordHasher
    except ImportError as exc:
        raise UserError("accounts need argon2-cffi (pip install 'draftkit[server]')") from exc
    return PasswordHasher()


class UserStore:
    """Accounts in the drafts database (a SQLite path, a ``postgresql://`` URL, or an open ``Database``)."""

    def __init__(self, location: Path | str | Database) -> None:
        self.db = location if isinstance(location, Database) else open_database(location)

    def add(self, name: str, role: str, password: str, unit: str | None = None) -> User:
        """Create an account. Raises ``UserError`` for a bad name, role, unit or password, or a name taken."""
        name = (name or "").strip()
        unit = (unit or "").strip() or None
        if not _NAME.match(name):
            raise UserError(f"用户名 {name!r} 不可用：2–64 个字母、数字、汉字或 . _ - @")
        if role not in ROLES:
            raise UserError(f"未知角色 {role!r}，可选：{', '.join(ROLES)}")
        if role == "secretary" and not unit:
            raise UserError("党务秘书账号必须指定所属单位（--unit）")
        if len(password or "") < MIN_PASSWORD_CHARS:
            raise UserError(f"密码至少 {MIN_PASSWORD_CHARS} 位")
        digest = _hasher().hash(password)
        now = _now()
        with self.db.transaction(write=True) as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise UserError(f"用户 {name} 已存在")
            db.execute("INSERT INTO users (name, role, unit, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                       (name, role, unit, digest, now))
        return User(name, role, unit, now)

    def get(self, name: str) -> User | None:
        with self.db.transaction() as db:
            row = db.execute("SELECT name, role, unit, created_at FROM users WHERE name = ?", (name,)).fetchone()
        return User(*row) if row else None

    def list(self) -> list[User]:
        with self.db.transaction() as db:
            rows = db.execute("SELECT name, role, unit, created_at FROM users ORDER BY name").fetchall()
        return [User(*r) for r in rows]

    def remove(self, name: str) -> None:
        with self.db.transaction(write=True) as db:
            if not db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise UserError(f"没有用户 {name}")
            db.execute("DELETE FROM users WHERE name = ?", (name,))

    def set_password(self, name: str, password: str) -> None:
        if len(password or "") < MIN_PASSWORD_CHARS:
            raise UserError(f"密码至少 {MIN_PASSWORD_CHARS} 位")
        digest = _hasher().hash(password)
        with self.db.transaction(write=True) as db:
            if not db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise UserError(f"没有用户 {name}")
            db.execute("UPDATE users SET password_hash = ? WHERE name = ?", (digest, name))

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches, else None (unknown names cost a hash too: no timing hint)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        hasher = _hasher()
        with self.db.transaction() as db:
            row = db.execute("SELECT name, role, unit, created_at, password_hash FROM users WHERE name = ?",
                             ((name or "").strip(),)).fetchone()
        if row is None:
            hasher.hash(password or "")
            return None
        try:
            hasher.verify(row[4], password or "")
        except (VerificationError, InvalidHashError):
            return None
        if hasher.check_needs_rehash(row[4]):
            with self.db.transaction(write=True) as db:
                db.execute("UPDATE users SET password_hash = ? WHERE name = ?", (hasher.hash(password), row[0]))
        return User(*row[:4])

    def has_users(self) -> bool:
        with self.db.transaction() as db:
            return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None
