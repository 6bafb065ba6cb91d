"""The model backends: ``openai`` (any OpenAI-compatible chat server) and ``llamacpp`` (a local GGUF).

Both implement :class:`draftkit.draft.backend_base.Backend`: ``generate(prompt, *, stream, system,
max_tokens)`` yields text pieces and raises :class:`BackendError` on any failure, with a message in
Chinese and English that names the server URL or the model file and the problem. The writer
catches it and falls back to the section's skeleton, so the user's text is never lost.

Timeouts (``Settings.llm_timeout``, seconds, "one model call"):

- ``openai``: each HTTP attempt may take at most ``llm_timeout`` from sending the request to the
  last byte (httpx connect timeout ``min(10, llm_timeout)``, read timeout ``llm_timeout`` between
  bytes, and a deadline checked between stream lines). Connection errors, timeouts, HTTP 5xx/429
  and streams cut off *before any text was yielded* are retried ``Settings.llm_retries`` times with
  exponential backoff. Once text has streamed nothing is retried: the failure is raised as
  BackendError, because a retry would repeat text the caller has already shown.
- ``llamacpp``: generation stops when ``llm_timeout`` seconds have passed since the call began
  (checked after every token; the prompt evaluation itself cannot be interrupted) and raises
  BackendError rather than returning a truncated section: a section cut mid-sentence is worse than
  the fact-complete skeleton the writer falls back to.

After a call, ``backend.last_finish_reason`` holds the model's finish reason ("stop", "length", …)
for callers that want to know whether ``max_tokens`` cut the text short.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from draftkit.config import Settings, get_settings
from draftkit.draft.backend_base import BackendError

log = logging.getLogger(__name__)

__all__ = ["BackendError", "LlamaCppBackend", "OpenAIBackend", "clear_llama_cache"]


def _messages(prompt: str, system: str | None) -> list[dict[str, str]]:
    msgs = [{"role": "system", "content": system}] if system else []
    msgs.append({"role": "user", "content": prompt})
    return msgs


# --------------------------------------------------------------------------------------------
# openai: any OpenAI-compatible chat-completions server
# --------------------------------------------------------------------------------------------


class _Transient(Exception):
    """A failure before any text was yielded that is worth another attempt."""


class _Fatal(Exception):
    """A failure that another attempt would not fix (bad URL, 4xx, malformed answer)."""


_DONE = object()  # the stream's end marker ([DONE] or a finish_reason followed by EOF)


class OpenAIBackend:
    """Chat completions over HTTP (vLLM, llama.cpp server, Ollama, DeepSeek, Qwen, GLM …).

    ``base_url`` is the API root including ``/v1`` (``http://127.0.0.1:8000/v1``); the model name
    defaults to ``Settings.llm_model`` and, when that is empty, to the first model the server lists
    at ``GET {base_url}/models`` (local servers usually serve exactly one).
    """

    name = "openai"

    def __init__(
        self,
        settings: Settings | None = None,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float = 0.5,
    ) -> None:
        s = settings or get_settings()
        self.settings = s
        self.base_url = (base_url or s.openai_base_url).rstrip("/")
        self.model = model if model is not None else s.llm_model
        self.api_key = api_key if api_key is not None else s.openai_api_key
        self.timeout = float(timeout if timeout is not None else s.llm_timeout)
        self.retries = max(0, int(retries if retries is not None else s.llm_retries))
        self.backoff = backoff
        self.last_finish_reason: str | None = None
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                headers = {"User-Agent": "draftkit"}
                if self.api_key:
                    headers["Authorization"] = f"Bearer {self.api_key}"
                self._client = httpx.Client(
                    headers=headers,
                    timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
                    trust_env=False,  # a local server must not be sent through a proxy from the environment
                )
            return self._client

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> OpenAIBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fail(self, problem_zh: str, problem_en: str, url: str | None = None) -> BackendError:
        where = url or self.chat_url
        return BackendError(f"模型服务 {where} {problem_zh} / model server {where}: {problem_en}")

    def _classify(self, exc: httpx.HTTPError, url: str) -> Exception:
        """Map an httpx error raised before any text was yielded onto _Transient or _Fatal."""
        if isinstance(exc, httpx.ConnectTimeout):
            return _Transient(("连接超时", f"connection timed out after {min(10.0, self.timeout):g} s"))
        if isinstance(exc, httpx.ConnectError):
            return _Transient(("无法连接（服务未启动或地址有误）", f"cannot connect ({exc}); is the server running?"))
        if isinstance(exc, httpx.TimeoutException):
            return _Transient(("响应超时", f"no answer within {self.timeout:g} s ({type(exc).__name__})"))
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            return _Transient(("连接中断", f"connection dropped ({exc})"))
        if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
            return _Fatal(("地址无效", f"invalid URL ({exc}); set DRAFTKIT_OPENAI_BASE_URL like http://127.0.0.1:8000/v1"))
        return _Fatal(("请求失败", f"request failed ({type(exc).__name__}: {exc})"))

    def _check_status(self, resp: httpx.Response) -> None:
        if resp.status_code < 400:
            return
        try:
            body = resp.read().decode("utf-8", "replace").strip().replace("\n", " ")[:300]
        except httpx.HTTPError:
            body = ""
        code = resp.status_code
        detail = f"HTTP {code}" + (f": {body}" if body else "")
        if code >= 500 or code == 429:
            raise _Transient((f"返回错误 HTTP {code}", detail))
        hint = {
            401: "check DRAFTKIT_OPENAI_API_KEY",
            403: "check DRAFTKIT_OPENAI_API_KEY",
            404: "check that the base URL ends in /v1 and the model name (DRAFTKIT_LLM_MODEL) exists",
        }.get(code)
        raise _Fatal((f"拒绝请求 HTTP {code}", detail + (f" ({hint})" if hint else "")))

    def _resolve_model(self) -> str:
        if self.model:
            return self.model
        url = f"{self.base_url}/models"
        try:
            resp = self._http().get(url)
        except httpx.HTTPError as exc:
            raise self._classify(exc, url) from exc
        self._check_status(resp)
        try:
            models = [m["id"] for m in resp.json().get("data", [])]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _Fatal(("模型列表格式不对", f"GET {url} did not return an OpenAI model list")) from exc
        if not models:
            raise _Fatal(("没有可用模型", f"GET {url} lists no model; set DRAFTKIT_LLM_MODEL"))
        self.model = models[0]
        return self.model

    def _events(self, resp: httpx.Response, deadline: float) -> Iterator[Any]:
        """Text pieces from a server-sent-events answer, then _DONE. _Fatal/_Transient on problems."""
        finished = False
        for raw in resp.iter_lines():
            if time.monotonic() > deadline:
                raise _Transient(("生成超时", f"generation took longer than {self.timeout:g} s"))
            line = raw.strip()
            if not line.startswith("data:"):  # blank keep-alives, ": comments", event:/id: fields
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                yield _DONE
                return
            try:
                obj = json.loads(data)
            except ValueError as exc:
                raise _Fatal(("返回的数据不是 JSON", f"a stream event is not JSON: {data[:120]!r}")) from exc
            if not isinstance(obj, dict):
                raise _Fatal(("返回的数据格式不对", f"unexpected stream event: {data[:120]!r}"))
            if obj.get("error"):
                raise _Fatal(("生成出错", f"the server reported an error: {str(obj['error'])[:300]}"))
            for choice in obj.get("choices") or []:
                content = (choice.get("delta") or {}).get("content")
                if content:
                    yield content
                if choice.get("finish_reason"):
                    self.last_finish_reason = choice["finish_reason"]
                    finished = True
        if not finished:
            raise _Transient(("输出中途断开", "the stream ended before the answer was complete (no [DONE])"))
        yield _DONE

    # -- one attempt: send, check the status, read up to the first piece of text -------------

    def _attempt(self, payload: dict[str, Any], stream: bool) -> tuple[httpx.Response | None, Iterator[Any], list[str]]:
        deadline = time.monotonic() + self.timeout
        payload = {**payload, "model": self._resolve_model()}
        client = self._http()
        request = client.build_request("POST", self.chat_url, json=payload)
        try:
            resp = client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._classify(exc, self.chat_url) from exc
        try:
            self._check_status(resp)
            if not stream:
                try:
                    body = resp.read()
                except httpx.HTTPError as exc:
                    raise self._classify(exc, self.chat_url) from exc
                resp.close()
                try:
                    obj = json.loads(body)
                    choice = obj["choices"][0]
                    text = choice["message"].get("content") or ""
                    self.last_finish_reason = choice.get("finish_reason")
                except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
                    raise _Fatal(("返回的数据格式不对", f"not a chat completion: {body[:200]!r}")) from exc
                return None, iter(()), [text]
            events = self._events(resp, deadline)
            first: list[str] = []
            try:
                for ev in events:  # wait for the first piece of text (or the end) inside the retry loop
                    if ev is _DONE:
                        break
                    first.append(ev)
                    break
            except httpx.HTTPError as exc:
                raise self._classify(exc, self.chat_url) from exc
            return resp, events, first
        except BaseException:
            resp.close()
            raise

    def _open(self, payload: dict[str, Any], stream: bool) -> tuple[httpx.Response | None, Iterator[Any], list[str]]:
        attempts = self.retries + 1

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            en = exc.args[0][1] if exc and exc.args else "?"
            log.warning("%s: attempt %d/%d failed (%s); retrying", self.chat_url, state.attempt_number, attempts, en)

        retrying = Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=self.backoff, max=10),
            retry=retry_if_exception_type(_Transient),
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt, payload, stream)
        except _Transient as exc:
            zh, en = exc.args[0]
            tried = f"（已尝试 {attempts} 次）" if attempts > 1 else ""
            raise self._fail(zh + tried, en + (f" (after {attempts} attempts)" if attempts > 1 else "")) from exc
        except _Fatal as exc:
            zh, en = exc.args[0]
            raise self._fail(zh, en) from exc

    # -- the Backend interface ----------------------------------------------------------------

    def generate(
        self,
        prompt: str,
        *,
        stream: bool = True,
        system: str | None = None,
        max_tokens: int | None = None,
        seed: int | None = None,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        """Yield the answer's text pieces. ``seed`` (sampling) and ``stop`` (strings that end the
        answer, not included in it; at most 4 for OpenAI's own API) are optional extensions."""
        self.last_finish_reason = None
        payload: dict[str, Any] = {
            "messages": _messages(prompt, system),
            "temperature": self.settings.llm_temperature,
            "max_tokens": max_tokens or self.settings.llm_max_tokens,
            "stream": stream,
        }
        if seed is not None:
            payload["seed"] = seed
        if stop:
            payload["stop"] = list(stop)
        resp, events, first = self._open(payload, stream)
        sent = 0
        try:
            for piece in first:
                sent += len(piece)
                yield piece
            for ev in events:
                if ev is _DONE:
                    break
                sent += len(ev)
                yield ev
        except (_Transient, _Fatal) as exc:
            zh, en = exc.args[0]
            raise self._fail(f"{zh}（已输出 {sent} 字后）", f"{en} after {sent} characters had streamed") from exc
        except httpx.HTTPError as exc:
            zh, en = self._classify(exc, self.chat_url).args[0]
            raise self._fail(f"{zh}（已输出 {sent} 字后）", f"{en} after {sent} characters had streamed") from exc
        finally:
            if resp is not None:
                resp.close()


# --------------------------------------------------------------------------------------------
# llamacpp: a local GGUF through llama-cpp-python
# --------------------------------------------------------------------------------------------

_LLAMA_CACHE: dict[tuple[str, int, int], tuple[Any, threading.Lock]] = {}
_LLAMA_CACHE_LOCK = threading.Lock()


def clear_llama_cache() -> None:
    """Close and forget every loaded model.

    Also runs at interpreter exit: llama-cpp-python's own ``__del__`` would otherwise run after
    its module globals are gone and print a ``TypeError`` traceback on the way out.
    """
    with _LLAMA_CACHE_LOCK:
        entries = list(_LLAMA_CACHE.values())
        _LLAMA_CACHE.clear()
    for llm, lock in entries:
        with lock:
            close = getattr(llm, "close", None)
            if close is not None:
                close()


atexit.register(clear_llama_cache)


def _load_llama(path: Path, n_ctx: int, n_threads: int) -> tuple[Any, threading.Lock]:
    """The loaded model for ``path`` (once per process, path and settings) and the lock that serialises it."""
    key = (str(path.resolve()), n_ctx, n_threads)
    with _LLAMA_CACHE_LOCK:
        if key in _LLAMA_CACHE:
            return _LLAMA_CACHE[key]
        try:
            import llama_cpp
        except ImportError as exc:
            raise BackendError(
                "未安装 llama-cpp-python，无法使用本地模型 / llama-cpp-python is not installed: "
                "run .ci/install_llm.sh (portable build flags) or pip install 'draftkit[llm]'"
            ) from exc
        start = time.perf_counter()
        try:
            llm = llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, verbose=False)
        except Exception as exc:  # llama-cpp-python raises ValueError/RuntimeError/OSError on a bad file
            raise BackendError(
                f"无法加载模型文件 {path}（文件损坏或不是 GGUF 格式？） / cannot load the model file {path}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        log.info("loaded %s in %.1f s", path, time.perf_counter() - start)
        entry = (llm, threading.Lock())
        _LLAMA_CACHE[key] = entry
        return entry


def _default_threads(settings: Settings) -> int:
    """Threads for llama.cpp: ``Settings.llm_threads`` (``DRAFTKIT_LLM_THREADS``, default 2, the
    measured sweet spot on 2 cores).

    On a machine whose cores are busy with other work, 1 thread is several times faster than 2:
    llama.cpp's threads wait for each other at every layer, and a preempted one stalls the rest.
    """
    return max(1, int(settings.llm_threads))


class LlamaCppBackend:
    """A local GGUF model (``draftkit models install qwen2.5-0.5b``) run by llama-cpp-python.

    ``model_path`` is a file or an installed model name; it defaults to ``Settings.llm_model`` and,
    when that is empty, to the first installed model. The model is loaded on the first ``generate``
    and kept for the process; concurrent calls on one model take turns.
    """

    name = "llamacpp"

    def __init__(
        self,
        settings: Settings | None = None,
        model_path: str | Path | None = None,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        seed: int | None = 0,
        repeat_penalty: float = 1.1,
        timeout: float | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self._model = model_path if model_path is not None else self.settings.llm_model
        self.n_ctx = n_ctx
        self.n_threads = n_threads or _default_threads(self.settings)
        self.seed = seed
        self.repeat_penalty = repeat_penalty
        self.timeout = float(timeout if timeout is not None else self.settings.llm_timeout)
        self.last_finish_reason: str | None = None
        self._path: Path | None = None

    @property
    def model_path(self) -> Path:
        """The GGUF file this backend runs (resolved from a name or a path; BackendError if missing)."""
        if self._path is None:
            from draftkit.model_store import ModelError, locate_model

            try:
                self._path = locate_model(self._model, self.settings)
            except ModelError as exc:
                raise BackendError(str(exc)) from exc
        return self._path

    def load(self) -> Any:
        """Load the model now (otherwise the first ``generate`` does). Returns the ``llama_cpp.Llama``."""
        return _load_llama(self.model_path, self.n_ctx, self.n_threads)[0]

    def generate(
        self,
        prompt: str,
        *,
        stream: bool = True,
        system: str | None = None,
        max_tokens: int | None = None,
        seed: int | None = None,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        """Yield the answer's text pieces; ``seed`` and ``stop`` as for :meth:`OpenAIBackend.generate`."""
        self.last_finish_reason = None
        path = self.model_path
        llm, lock = _load_llama(path, self.n_ctx, self.n_threads)
        started = time.monotonic()
        pieces: list[str] = []
        # One generation at a time per loaded model; wait for a turn no longer than the timeout
        # (a stream abandoned without close() in this thread would otherwise hang the next call).
        if not lock.acquire(timeout=self.timeout):
            raise BackendError(
                f"本地模型 {path.name} 忙（{self.timeout:g} 秒内未轮到） / local model {path}: still busy with "
                f"another generation after {self.timeout:g} s"
            )
        try:
            chunks = None
            try:
                chunks = llm.create_chat_completion(
                    messages=_messages(prompt, system),
                    stream=True,
                    max_tokens=max_tokens or self.settings.llm_max_tokens,
                    temperature=self.settings.llm_temperature,
                    repeat_penalty=self.repeat_penalty,
                    seed=seed if seed is not None else self.seed,
                    stop=list(stop) if stop else [],
                )
                for chunk in chunks:
                    if time.monotonic() - started > self.timeout:
                        done = sum(len(p) for p in pieces)
                        raise BackendError(
                            f"本地模型 {path.name} 生成超时（{self.timeout:g} 秒，已输出 {done} 字） / local model "
                            f"{path}: generation timed out after {self.timeout:g} s ({done} characters so far)"
                        )
                    choice = chunk["choices"][0]
                    content = (choice.get("delta") or {}).get("content")
                    if choice.get("finish_reason"):
                        self.last_finish_reason = choice["finish_reason"]
                    if not content:
                        continue
                    if stream:
                        yield content
                    pieces.append(content)
            except BackendError:
                raise
            except Exception as exc:  # context overflow (ValueError), decode failures (RuntimeError) …
                raise BackendError(
                    f"本地模型 {path.name} 生成失败 / local model {path}: generation failed: {type(exc).__name__}: {exc}"
                ) from exc
            finally:
                if chunks is not None and hasattr(chunks, "close"):
                    chunks.close()
        finally:
            lock.release()
        if not stream:
            yield "".join(pieces)
