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
def facts(samples_dir: Path):
    """The complete sample facts (青禾市第三实验小学, 2024) that the writer tests draft."""
    from draftkit.facts import load_facts

    path = samples_dir / "facts" / "qinghe_sanshi_2024.yaml"
    if not path.is_file():
        pytest.skip(f"sample facts not found: {path}")
    return load_facts(path)


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
# A tiny OpenAI-lookalike that misbehaves on purpose, one mode per habit of real servers.
# Behaviour by the first path segment (every mode answers both stream=true and stream=false):
#   /ok/v1/...        a short answer, correctly
#   /slow/v1/...      sleeps before answering (a read timeout)
#   /stall/v1/...     streams two pieces, then sleeps (a timeout after text has streamed)
#   /500/v1/...       HTTP 500 every time
#   /flaky/v1/...     HTTP 500 on the first request, a correct answer afterwards
#   /401/v1/...       HTTP 401
#   /cut/v1/...       chunked stream: a few events, then the connection is closed mid-body
#   /eof/v1/...       a few events then a clean EOF without [DONE] or finish_reason
#   /garbage/v1/...   an event that is not JSON
# The habits of real servers (answers are written from the prompt's facts list, see section_answer):
#   /think/v1/...     <think>…</think> in the content, the tags split across stream chunks (vLLM, Ollama + Qwen3)
#   /lone/v1/...      thinking, then a lone </think>, then the answer (DeepSeek-R1's template opens the block)
#   /reasoning/v1/... reasoning in reasoning_content deltas (DeepSeek API, vLLM --reasoning-parser)
#   /length/v1/...    the answer cut by max_tokens (finish_reason "length"); a continuation request finishes it
#   /lengthcut/v1/... every answer, continuations too, cut by max_tokens
#   /listecho/v1/...  the facts list given back as the answer; asked again for prose, prose
#   /loop/v1/...      the answer, then one sentence over and over, cut by max_tokens
#   /overflow/v1/...  HTTP 400 "exceeds the available context size" for prompts over overflow_chars (llama.cpp)
#   /ratelimit/v1/... HTTP 429 with Retry-After: 1 on every other request (the first of each pair)
#   /busy/v1/...      HTTP 503 with Retry-After: 1, then an answer
#   /slot/v1/...      a single-slot server: one request at a time, slowly (records the most in flight)
#   /hang/v1/...      accepts the request and sends nothing for hang seconds
#   /flood/v1/...     ignores max_tokens: streams flood_bytes of text (non-stream: one huge JSON body)
#   /longline/v1/...  one SSE line of longline_bytes with no line end
# ------------------------------------------------------------------------------------------

OK_PIECES = ["加强", "党的", "建设。"]
THOUGHT = "思考过程：用户要我写一节总结，我先列要点再动笔，注意数字要照抄。"
CONTINUE_MARK = "接着写"  # the writer's continuation request says so (draftkit.draft.model_section)
RETRY_MARK = "不要把上面的事实清单照抄"  # and its request for prose after a listed answer (prompts/sections/_retry.j2)


#: what the ``loop`` mode says again and again after its section (near-repeats: one word varies)
LOOP_SENTENCE = "学校党支部坚持不懈抓好党建工作，推动各项工作取得新成效。"


def sse(obj) -> bytes:
    return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n".encode()


def delta(text: str | None, finish: str | None = None, field: str = "content") -> dict:
    d = {} if text is None else {field: text}
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": d, "finish_reason": finish}]}


def section_answer(prompt: str) -> str:
    """What a fair model writes for a draftkit section prompt: one sentence per line of the facts list."""
    facts = [line[2:].strip() for line in prompt.split("\n") if line.startswith("- ")]
    if not facts:
        return "".join(OK_PIECES)
    body = "".join(f"{f.split('：', 1)[-1].rstrip('。')}。" for f in facts)
    return "学校党支部认真谋划、扎实推进本项工作。" + body + "各项工作取得了较好成效。"


@dataclass
class FaultServer:
    url: str  # http://127.0.0.1:PORT
    sleep: float
    pieces: list[str] = field(default_factory=lambda: list(OK_PIECES))  # what /ok/ streams
    requests: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    hang: float = 30.0
    overflow_chars: int = 1200
    flood_bytes: int = 10_000_000
    longline_bytes: int = 5_000_000
    slot_seconds: float = 0.3
    in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    most_in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)
    slot: threading.Lock = field(default_factory=threading.Lock)

    def base(self, mode: str) -> str:
        return f"{self.url}/{mode}/v1"

    def count(self, mode: str) -> int:
        """Chat requests made in ``mode`` (token counting probes aside)."""
        return len(self.chats(mode))

    def chats(self, mode: str) -> list[dict]:
        return [r for r in self.requests[mode] if r["path"].endswith("/chat/completions")]

    def reset(self) -> None:
        self.requests.clear()
        self.in_flight.clear()
        self.most_in_flight.clear()


def _prompt_of(payload: dict) -> str:
    return "\n".join(str(m.get("content") or "") for m in payload.get("messages") or [])


def _make_handler(state: FaultServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep the test output clean
            pass

        def _mode(self) -> str:
            return self.path.strip("/").split("/")[0]

        def do_GET(self):
            body = json.dumps({"object": "list", "data": [{"id": "tiny", "object": "model"}]}).encode()
            self._json(200, body)

        def _json(self, code: int, body: bytes, headers: dict | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
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

        def _error(self, code: int, message: str, headers: dict | None = None, kind: str = "") -> None:
            err = {"message": message, "code": code}
            if kind:
                err["type"] = kind
            self._json(code, json.dumps({"error": err}).encode(), headers)

        def _answer(self, payload: dict, events: list[tuple[str, str | None, str]], finish: str) -> None:
            """Send ``events`` — (field, text, …) pieces — streamed or as one message, ending in ``finish``."""
            if not payload.get("stream"):
                message = {"role": "assistant", "content": "".join(t for f, t in events if f == "content")}
                reasoning = "".join(t for f, t in events if f != "content")
                if reasoning:
                    message["reasoning_content"] = reasoning
                body = {"choices": [{"index": 0, "message": message, "finish_reason": finish}]}
                self._json(200, json.dumps(body, ensure_ascii=False).encode())
                return
            self._start_stream()
            self._chunk(b": keep-alive comment\n\n")
            self._chunk(sse(delta(None)))  # a role-only first delta, as real servers send
            for f, t in events:
                self._chunk(sse(delta(t, field=f)))
            self._chunk(sse(delta(None, finish)))
            self._chunk(b"data: [DONE]\n\n")
            self._chunk(b"")

        def do_POST(self):
            mode = self._mode()
            length = int(self.headers.get("Content-Length", 0))
            payload = json.loads(self.rfile.read(length) or b"{}")
            with state.lock:
                seen = state.requests[mode]
                seen.append({"path": self.path, "headers": dict(self.headers), "json": payload,
                             "at": time.monotonic()})
                n = len([r for r in seen if r["path"].endswith("/chat/completions")])
                chat = self.path.endswith("/chat/completions")
                if chat:
                    state.in_flight[mode] += 1
                    state.most_in_flight[mode] = max(state.most_in_flight[mode], state.in_flight[mode])
            if not chat:  # no /tokenize here, as most OpenAI-compatible servers
                return self._error(404, f"no route {self.path}")
            try:
                self._post(mode, payload, n)
            finally:
                with state.lock:
                    state.in_flight[mode] -= 1

        def _post(self, mode: str, payload: dict, n: int) -> None:
            prompt = _prompt_of(payload)
            text = section_answer(prompt)
            chunks = [text[i:i + 5] for i in range(0, len(text), 5)]
            if mode == "500" or (mode == "flaky" and n == 1):
                return self._error(500, "internal error (on purpose)")
            if mode == "401":
                return self._error(401, "invalid api key")
            if mode == "ratelimit" and n % 2 == 1:
                return self._error(429, "Rate limit reached for requests", {"Retry-After": "1"}, "rate_limit_error")
            if mode == "busy" and n == 1:
                return self._error(503, "server busy, all slots taken", {"Retry-After": "1"})
            if mode == "overflow" and len(prompt) > state.overflow_chars:
                return self._error(400, "the request exceeds the available context size, try increasing it",
                                   kind="exceed_context_size_error")
            if mode == "slow":
                time.sleep(state.sleep)
            if mode == "hang":
                time.sleep(state.hang)
                return self._error(500, "gave up")
            if mode == "slot":
                with state.slot:  # one at a time, as llama.cpp's server with one slot
                    time.sleep(state.slot_seconds)
                    return self._answer(payload, [("content", c) for c in chunks], "stop")
            if mode == "think":
                raw = f"<think>{THOUGHT}</think>\n\n{text}"
                cut = [raw[i:i + 3] for i in range(0, len(raw), 3)]  # 3-character chunks split both tags
                return self._answer(payload, [("content", c) for c in cut], "stop")
            if mode == "lone":
                raw = f"{THOUGHT}\n</think>\n\n{text}"
                return self._answer(payload, [("content", raw[i:i + 4]) for i in range(0, len(raw), 4)], "stop")
            if mode == "reasoning":
                events = [("reasoning_content", THOUGHT[i:i + 6]) for i in range(0, len(THOUGHT), 6)]
                return self._answer(payload, events + [("content", c) for c in chunks], "stop")
            if mode in ("length", "lengthcut"):
                half = len(text) // 2
                if CONTINUE_MARK not in prompt:
                    part, finish = text[:half], "length"  # cut mid-sentence by max_tokens
                elif mode == "length":
                    part, finish = text[half:], "stop"  # the continuation finishes it
                else:
                    part, finish = text[half:half + len(text) // 4], "length"  # cut again
                return self._answer(payload, [("content", part[i:i + 5]) for i in range(0, len(part), 5)], finish)
            if mode == "flood":
                return self._flood(payload)
            if mode == "listecho":
                # a small model's habit: the facts list given back as it was, then (asked again) prose
                if RETRY_MARK in prompt:
                    return self._answer(payload, [("content", c) for c in chunks], "stop")
                listed = "\n".join(line for line in prompt.split("\n") if line.startswith("- "))
                return self._answer(payload, [("content", listed[i:i + 6]) for i in range(0, len(listed), 6)], "stop")
            if mode == "loop":
                # a small model at its token limit: the section, then one sentence over and over, cut
                looped = text + LOOP_SENTENCE * 20 + LOOP_SENTENCE[:7]
                return self._answer(payload, [("content", looped[i:i + 7]) for i in range(0, len(looped), 7)], "length")
            if mode == "cutlate" and payload.get("stream"):
                # finished sentences, half a sentence, then the connection drops (a proxy's idle limit)
                self._start_stream()
                self._chunk(sse(delta(None)))
                for i in range(0, len(text) // 2, 5):
                    self._chunk(sse(delta(text[i:min(i + 5, len(text) // 2)])))
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if mode == "longline":
                self._start_stream()
                self._chunk(b"data: ")
                block = b"x" * 65536
                for _ in range(state.longline_bytes // len(block)):
                    try:
                        self._chunk(block)
                    except OSError:
                        return  # the client refused the line and hung up
                self._chunk(b"")
                return
            if not payload.get("stream"):
                body = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(OK_PIECES)},
                                                "finish_reason": "stop"}]}, ensure_ascii=False).encode()
                return self._json(200, body)
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

        def _flood(self, payload: dict) -> None:
            sentence = "学校党支部坚持不懈抓好党建工作，推动各项工作取得新成效。"
            if not payload.get("stream"):
                text = sentence * (state.flood_bytes // len(sentence.encode()))
                body = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                                "finish_reason": "stop"}]}, ensure_ascii=False).encode()
                try:
                    self._json(200, body)
                except OSError:
                    pass  # the client stopped reading at its budget and hung up
                return
            self._start_stream()
            event = sse(delta(sentence * 20))
            try:
                for _ in range(state.flood_bytes // len(event)):
                    self._chunk(event)
                self._chunk(sse(delta(None, "stop")))
                self._chunk(b"data: [DONE]\n\n")
                self._chunk(b"")
            except OSError:
                pass  # the client stopped reading at its budget and hung up

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
    fault_server.reset()
    return fault_server


@pytest.fixture
def dead_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/v1"
