"""The `draftkit` command line: a thin shell over the library.

Each area registers its commands from its own module (ingest, index/search, facts/draft,
export, check, ui), so the command modules stay small and independent.
"""

from __future__ import annotations

import importlib

import typer
from typer.core import TyperGroup

from draftkit import __version__
from draftkit.config import SettingsError
from draftkit.retrieval.manifest import IndexUnavailable


class _Root(TyperGroup):
    """The root command group: an index fault raised by any command becomes one line on stderr,
    ``error: index <dir>: <problem>. Rebuild it with: <command>``, and exit status 1 (no traceback);
    a bad ``DRAFTKIT_*`` setting becomes ``error: bad setting: DRAFTKIT_X='…': <expected>``, exit 2."""

    def invoke(self, ctx):  # noqa: ANN001, ANN201 - click's signature
        try:
            return super().invoke(ctx)
        except IndexUnavailable as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        except SettingsError as exc:  # a bad DRAFTKIT_* variable: a usage error, like a bad option
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=_Root,
    name="draftkit",
    help="draftkit: 党建工作总结 drafting, search and review (offline).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules under draftkit.cli that define `register(app)`; each is added when present.
_COMMAND_MODULES = ["ingest", "index", "facts", "draft", "export", "check", "models", "ui", "users"]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"draftkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """draftkit: 党建工作总结 drafting, search and review (offline)."""


for _name in _COMMAND_MODULES:
    try:
        _mod = importlib.import_module(f"draftkit.cli.{_name}")
    except ModuleNotFoundError as exc:  # an area not built yet
        if exc.name != f"draftkit.cli.{_name}":
            raise
        continue
    _mod.register(app)


def main() -> None:
    app()
