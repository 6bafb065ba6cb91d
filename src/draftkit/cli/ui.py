"""`draftkit ui`: open the Gradio UI."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("ui")
    def ui(
        host: str = typer.Option("127.0.0.1", help="Address to bind; 0.0.0.0 opens it to the LAN (use --auth)."),
        port: int = typer.Option(7860, help="Port."),
        auth: str = typer.Option(None, help="user:password required to log in."),
        index: Path = typer.Option(None, "--index", help="Index directory (default: DRAFTKIT_INDEX_DIR or ./index)."),
    ) -> None:
        """Open the drafting UI in the browser (起草 / 检索 / 体检 / 语料库)."""
        from draftkit.ui.app import serve

        serve(host=host, port=port, auth=auth, index_dir=index)
