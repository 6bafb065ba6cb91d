"""Fixtures of the UI tests that serve the real app in this process on a free localhost port."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from draftkit.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``serve_app(auth=None)`` → base URL of the app over a fresh data folder (no index: drafting uses none)."""
    from draftkit.ui.app import serve

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))  # serve() sets it; restored afterwards
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    demos = []

    def start(auth: str | None = None) -> str:
        settings = Settings(data_dir=tmp_path / "var", index_dir=tmp_path / "index", samples_dir=tmp_path / "none")
        port = free_port()
        demos.append(serve(port=port, auth=auth, settings=settings, block=False, warm_up=False))
        return f"http://127.0.0.1:{port}"

    yield start
    for demo in demos:
        demo.close()
