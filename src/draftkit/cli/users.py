"""`draftkit users add|list|remove|passwd`: accounts with roles in the drafts database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from draftkit.config import get_settings
from draftkit.errors import DraftkitError
from draftkit.store.users import UserStore


def _store() -> UserStore:
    s = get_settings()
    return UserStore(s.database_url or Path(s.data_dir) / "drafts.sqlite3")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("密码", hide_input=True, confirmation_prompt=True)


def register(app: typer.Typer) -> None:
    users = typer.Typer(help="Accounts: secretary (one unit), reviewer (reads all), admin. "
                             "Stored in DRAFTKIT_DATABASE_URL, else DRAFTKIT_DATA_DIR/drafts.sqlite3.",
                        no_args_is_help=True)
    app.add_typer(users, name="users")

    @users.command("add")
    def add(name: str,
            role: Annotated[str, typer.Option("--role", help="secretary | reviewer | admin")] = "secretary",
            unit: Annotated[str | None, typer.Option("--unit", help="the unit a secretary belongs to")] = None,
            password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                         help="read the password from standard input")] = False,
            ) -> None:
        """Create an account (the password is asked for, or read with --password-stdin)."""
        try:
            user = _store().add(name, role, _password(password_stdin), unit=unit)
        except DraftkitError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"added {user.name} ({user.role}{', ' + user.unit if user.unit else ''})")

    @users.command("list")
    def list_users() -> None:
        """List accounts: name, role, unit."""
        for u in _store().list():
            typer.echo(f"{u.name:<16} {u.role:<10} {u.unit or '-'}")

    @users.command("remove")
    def remove(name: str) -> None:
        """Delete an account (its drafts stay with their unit)."""
        try:
            _store().remove(name)
        except DraftkitError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"removed {name}")

    @users.command("passwd")
    def passwd(name: str, password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False) -> None:
        """Set a new password."""
        try:
            _store().set_password(name, _password(password_stdin))
        except DraftkitError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"password of {name} changed")
