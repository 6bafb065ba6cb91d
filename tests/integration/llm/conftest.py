"""Fixtures for the model backends: the real GGUF model, a real OpenAI-compatible server
(``python -m llama_cpp.server``) and a tiny local HTTP server that misbehaves on purpose.

The real-model fixtures skip (with the command that fixes it) only when llama-cpp-python is not
importable or the model is not installed; ``.ci/install_llm.sh`` installs both in CI.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from draftkit.config import Settings
from draftkit.model_store import ModelError, locate_model

MODEL_NAME = "qwen2.5-0.5b"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def llama_cpp_module():
    try:
        import llama_cpp
    except ImportError:
        pytest.skip("llama-cpp-python is not installed (run .ci/install_llm.sh to build it with the portable flags)")
    return llama_cpp


@pytest.fixture(scope="session")
def model_file(llama_cpp_module) -> Path:
    """The installed Qwen2.5-0.5B GGUF (``draftkit models install qwen2.5-0.5b``)."""
    try:
        return locate_model(MODEL_NAME, Settings())
    except ModelError as exc:
        pytest.skip(f"the local model is not installed: {exc}")


@pytest.fixture(scope="session")
def llm_settings(model_file: Path) -> Settings:
    """Settings for short, quick generations with the local model."""
    return Settings(backend="llamacpp", llm_model=str(model_file), llm_max_tokens=160, llm_timeout=600.0)


@pytest.fixture(scope="session")
def llamacpp_backend(llm_settings: Settings):
    """One LlamaCppBackend for the session, the model loaded once."""
    from draftkit.draft.backends.llamacpp import LlamaCppBackend

    backend = LlamaCppBackend(llm_settings)
    backend.load()
    return backend


@pytest.fixture(scope="session")
def llama_server(model_file: Path, tmp_path_factory) -> Iterator[str]:
    """A real OpenAI-compatible server (llama-cpp-python's own) on 127.0.0.1; yields its base URL (…/v1)."""
    try:
        import llama_cpp.server  # noqa: F401  (the [server] extra: fastapi, uvicorn, sse-starlette)
    except ImportError as exc:
        pytest.skip(f"llama-cpp-python was installed without the [server] extra: {exc}")
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_file), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "2048", "--n_threads", os.environ.get("DRAFTKIT_LLM_THREADS", "2"),
           "--model_alias", "qwen-test"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(f"{base_url}/models", timeout=2.0, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not answer within 180 s:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


# ------------------------------------------------------------------------------------------
# A tiny OpenAI-lookalike that misbehaves on purpose. Behaviour by the first path segment:
#   /ok/v1/...        streams a short answer correctly
#   /slow/v1/...      sleeps before answering (a read timeout)
#   /stall/v1/...     streams two pieces, then sleeps (a timeout after text has streamed)
#   /500/v1/...       HTTP 500 every time
#   /flaky/v1/...     HTTP 500 on the first request, a correct answer afterwards
#   /401/v1/...       HTTP 401
#   /cut/v1/...       chunked stream: a few events, then the connection is closed mid-body
#   /eof/v1/...       a few events then a clean EOF without [DONE] or finish_reason
#   /garbage/v1/...   an event that is not JSON
# ------------------------------------------------------------------------------------------

OK_PIECES = ["加强", "党的", "建设。"]


def sse(obj) -> bytes:
    return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n".encode()


def delta(text: str | None, finish: str | None = None) -> dict:
    d = {} if text is None else {"content": text}
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": d, "finish_reason": finish}]}


@dataclass
class FaultServer:
    url: str  # http://127.0.0.1:PORT
    sleep: float
    pieces: list[str] = field(default_factory=lambda: list(OK_PIECES))  # what /ok/ streams
    requests: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))

    def base(self, mode: str) -> str:
        return f"{self.url}/{mode}/v1"

    def count(self, mode: str) -> int:
        return len(self.requests[mode])


def _make_handler(state: FaultServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep the test output clean
            pass

        def _mode(self) -> str:
            return self.path.strip("/").split("/")[0]

        def do_GET(self):
            body = json.dumps({"object": "list", "data": [{"id": "tiny", "object": "model"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _start_stream(self, chunked: bool = True) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Connection", "close")
            self.end_headers()

        def _error(self, code: int, message: str) -> None:
            body = json.dumps({"error": {"message": message}}).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            mode = self._mode()
            length = int(self.headers.get("Content-Length", 0))
            payload = json.loads(self.rfile.read(length) or b"{}")
            seen = state.requests[mode]
            seen.append({"path": self.path, "headers": dict(self.headers), "json": payload})
            if mode == "500" or (mode == "flaky" and len(seen) == 1):
                return self._error(500, "internal error (on purpose)")
            if mode == "401":
                return self._error(401, "invalid api key")
            if mode == "slow":
                time.sleep(state.sleep)
            if not payload.get("stream"):
                body = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(OK_PIECES)},
                                                "finish_reason": "stop"}]}, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if mode == "eof":
                self._start_stream(chunked=False)
                for piece in OK_PIECES[:2]:
                    self.wfile.write(sse(delta(piece)))
                self.wfile.flush()
                self.close_connection = True
                return
            self._start_stream()
            if mode == "garbage":
                self._chunk(b"data: {this is not json\n\n")
                self._chunk(b"")
                return
            self._chunk(b": keep-alive comment\n\n")
            self._chunk(sse(delta(None)))  # a role-only first delta, as real servers send
            pieces = OK_PIECES[:2] if mode in ("cut", "stall") else OK_PIECES
            for piece in pieces:
                self._chunk(sse(delta(piece)))
            if mode == "stall":
                time.sleep(state.sleep)
            if mode in ("cut", "stall"):
                self.close_connection = True  # close without the terminating zero-length chunk
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._chunk(sse(delta(None, "stop")))
            self._chunk(b"data: [DONE]\n\n")
            self._chunk(b"")

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up (timeouts) is expected
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServer]:
    port = free_port()
    state = FaultServer(url=f"http://127.0.0.1:{port}", sleep=3.0)
    server = _QuietServer(("127.0.0.1", port), _make_handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fresh_fault_server(fault_server: FaultServer) -> FaultServer:
    """The fault server with its request log emptied (so counts belong to this test)."""
    fault_server.requests.clear()
    return fault_server


@pytest.fixture
def dead_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/v1"
