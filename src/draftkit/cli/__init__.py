"""The `draftkit` command line: a thin shell over the library.

Each area registers its commands from its own module (ingest, index/search, facts/draft,
export, check, ui), so the command modules stay small and independent.
"""

from __future__ import annotations

import importlib

import typer

from draftkit import __version__

app = typer.Typer(
    name="draftkit",
    help="draftkit: 党建工作总结 drafting, search and review (offline).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules under draftkit.cli that define `register(app)`; each is added when present.
_COMMAND_MODULES = ["ingest", "index", "facts", "draft", "export", "check", "models", "ui"]


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
