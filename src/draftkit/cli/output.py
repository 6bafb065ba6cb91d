"""Output files the commands write: an existing file is never replaced without ``--force``."""

from __future__ import annotations

from pathlib import Path

import typer

#: The help text of every ``--force`` option.
FORCE_HELP = "Overwrite an existing output file."


def refuse_existing(*paths: Path | None, force: bool, code: int = 2) -> None:
    """Print one line naming the first of ``paths`` that exists and exit with ``code``, unless ``force``.

    Called before any work is done, so a refusal costs nothing and loses nothing."""
    if force:
        return
    for path in paths:
        if path is not None and path.exists():
            typer.echo(f"错误：{path} 已存在（加 --force 覆盖） / {path} exists (use --force)", err=True)
            raise typer.Exit(code)
