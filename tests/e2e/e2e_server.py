"""The app server the browser tests drive: ``python app.py`` in a subprocess on a free localhost port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 240.0  # the first start also builds the index (embedding the sample corpus on CPU)
UPLOAD_LIMIT_MB = 2
VIEWPORT = {"width": 1600, "height": 1000}  # the browser window the tests use


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppServer:
    """``python app.py`` in a subprocess; ``start()`` returns once the page answers."""

    data_dir: Path
    index_dir: Path
    port: int
    log_path: Path
    extra_args: list[str] = field(default_factory=list)
    proc: subprocess.Popen | None = None
    started_in: list[float] = field(default_factory=list)  # seconds from spawn to a served page, per start

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "DRAFTKIT_DATA_DIR": str(self.data_dir),
            "DRAFTKIT_INDEX_DIR": str(self.index_dir),
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
            "PYTHONUNBUFFERED": "1",
        })
        env.pop("GRADIO_TEMP_DIR", None)
        return env

    def start(self, timeout: float = START_TIMEOUT) -> None:
        log = self.log_path.open("a", encoding="utf-8")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(self.port),
             "--max-upload-mb", str(UPLOAD_LIMIT_MB), *self.extra_args],
            cwd=REPO_ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.url, timeout=2).status_code in (200, 401):
                    self.started_in.append(time.monotonic() - t0)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the app did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def log_tail(self, n: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
