"""The ``openai`` backend: any OpenAI-compatible chat-completions server.

``generate`` yields text pieces and raises :class:`BackendError` on any failure, with a message in
Chinese and English that names the server URL and the problem. The writer catches it and falls
back to the section's skeleton, so the user's text is never lost.

Timeouts (``Settings.llm_timeout``, seconds, "one model call"): each HTTP attempt may take at most
``llm_timeout`` from sending the request to the last byte (httpx connect timeout
``min(10, llm_timeout)``, read timeout ``llm_timeout`` between bytes, and a deadline checked
between stream lines). Connection errors, timeouts, HTTP 5xx/429 and streams cut off *before any
text was yielded* are retried ``Settings.llm_retries`` times with exponential backoff. Once text
has streamed nothing is retried: the failure is raised as BackendError, because a retry would
repeat text the caller has already shown.

After a call, ``backend.last_finish_reason`` holds the model's finish reason ("stop", "length", …)
for callers that want to know whether ``max_tokens`` cut the text short.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from draftkit.config import Settings, get_settings
from draftkit.draft.backends.base import Backend, BackendError, chat_messages

log = logging.getLogger(__name__)

__all__ = ["OpenAIBackend"]


# --------------------------------------------------------------------------------------------
# openai: any OpenAI-compatible chat-completions server
# --------------------------------------------------------------------------------------------


class _Transient(Exception):
    """A failure before any text was yielded that is worth another attempt."""


class _Fatal(Exception):
    """A failure that another attempt would not fix (bad URL, 4xx, malformed answer)."""


_DONE = object()  # the stream's end marker ([DONE] or a finish_reason followed by EOF)


class OpenAIBackend(Backend):
    """Chat completions over HTTP (vLLM, llama.cpp server, Ollama, DeepSeek, Qwen, GLM …).

    ``base_url`` is the API root including ``/v1`` (``http://127.0.0.1:8000/v1``); the model name
    defaults to ``Settings.llm_model`` and, when that is empty, to the first model the server lists
    at ``GET {base_url}/models`` (local servers usually serve exactly one).
    """

    name = "openai"
    concurrency = 3  # a server takes several requests at once
    supports_stop = True

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> OpenAIBackend:
        """Options: ``base_url``, ``model``, ``api_key`` (others are ignored)."""
        return cls(settings, base_url=options.get("base_url"), model=options.get("model"),
                   api_key=options.get("api_key"))

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
        """Yield the answer's text pieces. ``seed`` is sent as the request's sampling seed; ``stop``
        (at most 4 strings for OpenAI's own API) ends the answer there."""
        self.last_finish_reason = None
        payload: dict[str, Any] = {
            "messages": chat_messages(prompt, system),
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
