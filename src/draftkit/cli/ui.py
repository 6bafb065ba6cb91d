"""`draftkit ui`: open the Gradio UI (起草 / 检索 / 体检 / 语料库)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def register(app: typer.Typer) -> None:
    @app.command("ui")
    def ui(
        host: Annotated[str, typer.Option(help="Address to bind; 0.0.0.0 opens it to the LAN (then use --auth).")]
        = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port.")] = 7860,
        auth: Annotated[str | None, typer.Option(help="user:password required to log in.")] = None,
        index: Annotated[Path | None, typer.Option("--index", help="Index directory (default: DRAFTKIT_INDEX_DIR or ./index).")]
        = None,
        max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", min=1, help="Largest file a user may upload (MB).")]
        = 20,
    ) -> None:
        """Open the drafting UI in the browser. Drafts are kept under DRAFTKIT_DATA_DIR (default ./var)."""
        # Imported here, not at the top: gradio takes 16-22 s to import on this 2-core machine under load
        # (python -X importtime; every other command imports in 3-5 s), so only `draftkit ui` pays for it.
        from draftkit.ui.app import parse_auth, serve

        try:
            parse_auth(auth)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--auth") from None
        if host not in LOCAL_HOSTS and not auth:
            typer.echo(f"注意：界面将在 {host} 上对局域网开放且没有登录密码；建议加上 --auth 用户名:密码。", err=True)
        serve(host=host, port=port, auth=auth, index_dir=index, upload_limit_mb=max_upload_mb)
