"""The ``openai`` backend: any OpenAI-compatible chat-completions server.

``generate`` yields text pieces and raises :class:`BackendError` on any failure, with a message in
Chinese and English that names the server URL and the problem. The writer catches it and falls
back to the section's skeleton, so the user's text is never lost.

Time (issue 16, item 3), in seconds:

- ``Settings.llm_first_byte_timeout`` (default 45): from sending a request to the first byte of
  the answer, and between bytes after that — a server that accepts and then says nothing is given
  up on this soon, not after the whole generation timeout;
- ``Settings.llm_timeout`` (default 120): one attempt, from sending the request to the last byte;
- the report's deadline (:data:`draftkit.draft.backends.base.call_deadline`, set by the writer):
  every wait — a retry's back-off, a ``Retry-After``, a queue — is cut to it.

Requests per server are limited by ``Settings.llm_concurrency`` (default 1 for a server on this
machine — llama.cpp's server with its single slot — and 3 otherwise). A call waiting for its turn
is queued, and the queue time does not count against its timeouts.

Retries: connection errors, timeouts, HTTP 5xx/429 and streams cut off *before any text was
yielded* are retried ``Settings.llm_retries`` times, with exponential back-off or the server's
``Retry-After`` (HTTP 429/503) when it sends one, as long as the wait ends before the deadline.
Once text has streamed nothing is retried: a retry would repeat text the caller has already shown.

What a server sends is bounded (issue 16, item 4): at most ``MAX_CHARS_PER_TOKEN`` characters per
token of ``max_tokens`` are read (the stream is then closed and ``last_finish_reason`` is
``"length"``), an SSE line longer than :data:`MAX_LINE_BYTES` is refused without being read whole,
and a non-streamed body is read up to a size limit. Reasoning (``reasoning_content`` /
``reasoning`` deltas) is never yielded; it is logged at debug level.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from draftkit.config import Settings, get_settings
from draftkit.draft.answer import delta_parts
from draftkit.draft.backends.base import (
    Backend,
    BackendError,
    ContextOverflowError,
    call_deadline,
    chat_messages,
    remaining_seconds,
)

log = logging.getLogger(__name__)

__all__ = ["OpenAIBackend", "server_slots"]

#: an SSE line longer than this is refused (a real event is a few hundred bytes)
MAX_LINE_BYTES = 1 << 20
#: characters read per token of max_tokens before the answer is cut (a token is at most a few characters)
MAX_CHARS_PER_TOKEN = 8
#: a non-streamed body larger than this (plus 4 bytes per allowed character) is refused
MAX_BODY_BYTES = 1 << 20
#: a server is on this machine when its host is one of these (a single-slot server by default)
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}
#: HTTP 400 messages that mean "the prompt does not fit the context" (llama.cpp, vLLM, OpenAI, Ollama)
_OVERFLOW = re.compile(r"context (?:size|length|window)|context_length_exceeded|exceed_context_size|too many tokens"
                       r"|maximum context|prompt is too long|input is too long", re.I)


class _Transient(Exception):
    """A failure before any text was yielded that is worth another attempt.
    ``args``: ((zh, en),) and optionally the seconds the server asked to wait (Retry-After)."""

    @property
    def retry_after(self) -> float | None:
        return self.args[1] if len(self.args) > 1 else None


class _Fatal(Exception):
    """A failure that another attempt would not fix (bad URL, 4xx, malformed answer)."""


class _Overflow(_Fatal):
    """HTTP 400: the prompt does not fit the model's context."""


_DONE = object()  # the stream's end marker ([DONE] or a finish_reason followed by EOF)

_SLOTS: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def server_slots(base_url: str, n: int) -> threading.BoundedSemaphore:
    """The process-wide semaphore for ``n`` requests at once to the server at ``base_url`` (shared
    by every backend object and every report drafted in this process)."""
    key = (base_url, n)
    with _SLOTS_LOCK:
        if key not in _SLOTS:
            _SLOTS[key] = threading.BoundedSemaphore(n)
        return _SLOTS[key]


def default_concurrency(base_url: str, settings: Settings) -> int:
    """``Settings.llm_concurrency``, else 1 for a server on this machine and 3 for one elsewhere."""
    if settings.llm_concurrency:
        return int(settings.llm_concurrency)
    host = (urlsplit(base_url).hostname or "").lower()
    return 1 if host in LOCAL_HOSTS else 3


def _retry_after(resp: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date); None when absent or unreadable."""
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class OpenAIBackend(Backend):
    """Chat completions over HTTP (vLLM, llama.cpp server, Ollama, DeepSeek, Qwen, GLM …).

    ``base_url`` is the API root including ``/v1`` (``http://127.0.0.1:8000/v1``); the model name
    defaults to ``Settings.llm_model`` and, when that is empty, to the first model the server lists
    at ``GET {base_url}/models`` (local servers usually serve exactly one).
    """

    name = "openai"
    concurrency = 3  # per object: see default_concurrency (1 for a server on this machine)
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
        first_byte_timeout: float | None = None,
        retries: int | None = None,
        backoff: float = 0.5,
        concurrency: int | None = None,
    ) -> None:
        s = settings or get_settings()
        self.settings = s
        self.base_url = (base_url or s.openai_base_url).rstrip("/")
        self.model = model if model is not None else s.llm_model
        self.api_key = api_key if api_key is not None else s.openai_api_key
        self.timeout = float(timeout if timeout is not None else s.llm_timeout)
        fb = float(first_byte_timeout if first_byte_timeout is not None else s.llm_first_byte_timeout)
        self.first_byte_timeout = min(fb, self.timeout)
        self.retries = max(0, int(retries if retries is not None else s.llm_retries))
        self.backoff = backoff
        self.concurrency = int(concurrency or default_concurrency(self.base_url, s))
        self._local = threading.local()
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()
        self._tokenize_url: str | None | bool = None  # None: not probed yet; False: the server has none

    # the finish reason of this thread's last call (sections run in parallel on one object)
    @property
    def last_finish_reason(self) -> str | None:  # type: ignore[override]
        return getattr(self._local, "finish", None)

    @last_finish_reason.setter
    def last_finish_reason(self, value: str | None) -> None:
        self._local.finish = value

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
                    timeout=httpx.Timeout(self.first_byte_timeout, connect=min(10.0, self.first_byte_timeout)),
                    trust_env=False,  # a local server must not be sent through a proxy from the environment
                    limits=httpx.Limits(max_connections=max(4, self.concurrency * 2)),
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
            return _Transient(("连接超时", f"connection timed out after {min(10.0, self.first_byte_timeout):g} s"))
        if isinstance(exc, httpx.ConnectError):
            return _Transient(("无法连接（服务未启动或地址有误）", f"cannot connect ({exc}); is the server running?"))
        if isinstance(exc, httpx.TimeoutException):
            return _Transient((f"响应超时（{self.first_byte_timeout:g} 秒内没有回音）",
                               f"no answer within {self.first_byte_timeout:g} s ({type(exc).__name__})"))
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            return _Transient(("连接中断", f"connection dropped ({exc})"))
        if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
            return _Fatal(("地址无效", f"invalid URL ({exc}); set DRAFTKIT_OPENAI_BASE_URL like http://127.0.0.1:8000/v1"))
        return _Fatal(("请求失败", f"request failed ({type(exc).__name__}: {exc})"))

    def _check_status(self, resp: httpx.Response) -> None:
        if resp.status_code < 400:
            return
        try:
            body = b""
            for chunk in resp.iter_bytes():  # an error body is short; never read a huge one whole
                body += chunk
                if len(body) > 4096:
                    break
            text = body.decode("utf-8", "replace").strip().replace("\n", " ")[:300]
        except httpx.HTTPError:
            text = ""
        code = resp.status_code
        detail = f"HTTP {code}" + (f": {text}" if text else "")
        if code in (429, 503):
            wait = _retry_after(resp)
            zh = "限流（HTTP 429，请求太频繁）" if code == 429 else "暂时不可用（HTTP 503，服务繁忙）"
            if wait is not None:
                zh += f"，服务要求 {wait:g} 秒后再试"
                detail += f" (Retry-After: {wait:g} s)"
            raise _Transient((zh, detail), wait)
        if code >= 500:
            raise _Transient((f"返回错误 HTTP {code}", detail))
        if code == 400 and _OVERFLOW.search(text):
            raise _Overflow(("提示太长，超出了模型的上下文长度（HTTP 400）", detail))
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

    # -- tokens ---------------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int | None:
        """Tokens of ``text`` by the server's own tokenizer: llama.cpp's ``POST /tokenize`` or
        llama-cpp-python's ``POST /extras/tokenize``; None for servers without one (probed once)."""
        if self._tokenize_url is False:
            return None
        root = re.sub(r"/v\d+$", "", self.base_url)
        candidates = [self._tokenize_url] if self._tokenize_url else [f"{root}/tokenize", f"{root}/extras/tokenize"]
        for url in candidates:
            body = {"content": text} if url.endswith("/tokenize") and "/extras/" not in url else {"input": text}
            try:
                resp = self._http().post(url, json=body, timeout=min(10.0, self.first_byte_timeout))
                if resp.status_code != 200:
                    continue
                data = resp.json()
            except (httpx.HTTPError, ValueError):
                continue
            n = data.get("count") if isinstance(data, dict) else None
            tokens = data.get("tokens") if isinstance(data, dict) else None
            if isinstance(n, int):
                self._tokenize_url = url
                return n
            if isinstance(tokens, list):
                self._tokenize_url = url
                return len(tokens)
        if self._tokenize_url is None:
            self._tokenize_url = False
        return None

    # -- reading an answer ----------------------------------------------------------------------

    def _lines(self, resp: httpx.Response) -> Iterator[str]:
        """The lines of a streamed body, each refused (``_Fatal``) once it grows past MAX_LINE_BYTES
        without a line end, before it is read whole."""
        buf = b""
        for chunk in resp.iter_bytes():
            buf += chunk
            while True:
                cut = buf.find(b"\n")
                if cut < 0:
                    break
                line, buf = buf[:cut], buf[cut + 1:]
                yield line.decode("utf-8", "replace").rstrip("\r")
            if len(buf) > MAX_LINE_BYTES:
                raise _Fatal(("返回的一行数据过长，已拒收", f"a stream line is longer than {MAX_LINE_BYTES} bytes; refused"))
        if buf:
            yield buf.decode("utf-8", "replace").rstrip("\r")

    def _events(self, resp: httpx.Response, deadline: float) -> Iterator[Any]:
        """Text pieces from a server-sent-events answer, then _DONE. _Fatal/_Transient on problems."""
        finished = False
        thinking = 0
        for raw in self._lines(resp):
            if time.monotonic() > deadline:
                raise _Transient(("生成超时", f"generation took longer than {self.timeout:g} s or passed the deadline"))
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
                content, reasoning = delta_parts(choice.get("delta"))
                if reasoning:
                    thinking += len(reasoning)
                    log.debug("%s reasoning: %s", self.chat_url, reasoning)
                if content:
                    yield content
                if choice.get("finish_reason"):
                    self.last_finish_reason = choice["finish_reason"]
                    finished = True
        if thinking:
            log.debug("%s: %d characters of reasoning dropped", self.chat_url, thinking)
        if not finished:
            raise _Transient(("输出中途断开", "the stream ended before the answer was complete (no [DONE])"))
        yield _DONE

    def _read_body(self, resp: httpx.Response, limit: int) -> bytes:
        body = b""
        for chunk in resp.iter_bytes():
            body += chunk
            if len(body) > limit:
                raise _Fatal(("返回的内容过长，已拒收", f"a non-streamed answer is larger than {limit} bytes; refused"))
        return body

    # -- one attempt: send, check the status, read up to the first piece of text -------------

    def _attempt(self, payload: dict[str, Any], stream: bool, max_chars: int) -> tuple[httpx.Response | None, Iterator[Any], list[str]]:
        limit = remaining_seconds(self.timeout)
        if limit <= 0:
            raise _Fatal(("已到时限，未再请求", "the call's time limit was reached before this attempt"))
        deadline = time.monotonic() + limit
        payload = {**payload, "model": self._resolve_model()}
        client = self._http()
        read = min(self.first_byte_timeout, limit)
        request = client.build_request("POST", self.chat_url, json=payload,
                                       timeout=httpx.Timeout(read, connect=min(10.0, read)))
        try:
            resp = client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._classify(exc, self.chat_url) from exc
        try:
            self._check_status(resp)
            if not stream:
                try:
                    body = self._read_body(resp, MAX_BODY_BYTES + 4 * max_chars)
                except httpx.HTTPError as exc:
                    raise self._classify(exc, self.chat_url) from exc
                resp.close()
                try:
                    obj = json.loads(body)
                    choice = obj["choices"][0]
                    text, reasoning = delta_parts(choice["message"])
                    self.last_finish_reason = choice.get("finish_reason")
                except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
                    raise _Fatal(("返回的数据格式不对", f"not a chat completion: {body[:200]!r}")) from exc
                if reasoning:
                    log.debug("%s reasoning (%d characters): %s", self.chat_url, len(reasoning), reasoning[:2000])
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

    def _wait(self, state: RetryCallState) -> float:
        """Seconds before the next attempt: the server's Retry-After when it gave one, else back-off."""
        exc = state.outcome.exception() if state.outcome else None
        asked = exc.retry_after if isinstance(exc, _Transient) else None
        if asked is not None:
            return asked
        return wait_exponential(multiplier=self.backoff, max=10)(state)

    def _open(self, payload: dict[str, Any], stream: bool, max_chars: int) -> tuple[httpx.Response | None, Iterator[Any], list[str]]:
        attempts = self.retries + 1

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            en = exc.args[0][1] if exc and exc.args else "?"
            log.warning("%s: attempt %d/%d failed (%s); retrying in %.1f s", self.chat_url, state.attempt_number,
                        attempts, en, state.upcoming_sleep)

        def stop(state: RetryCallState) -> bool:
            if stop_after_attempt(attempts)(state):
                return True
            left = remaining_seconds(float("inf"))
            return self._wait(state) >= left  # a wait that ends after the report's deadline is not worth it

        retrying = Retrying(stop=stop, wait=self._wait, retry=retry_if_exception_type(_Transient),
                            before_sleep=before_sleep, reraise=True)
        try:
            return retrying(self._attempt, payload, stream, max_chars)
        except _Transient as exc:
            zh, en = exc.args[0]
            n = retrying.statistics.get("attempt_number", 1)
            if n < attempts:  # stopped early: the wait asked for would pass the time limit
                left = remaining_seconds(float("inf"))
                zh += f"（整份报告的剩余时限只有 {left:.0f} 秒，不再等待重试）"
                en += f" (stopped after {n} attempts: waiting would pass the time limit, {left:.0f} s left)"
            elif n > 1:
                zh += f"（已尝试 {n} 次）"
                en += f" (after {n} attempts)"
            raise self._fail(zh, en) from exc
        except _Overflow as exc:
            zh, en = exc.args[0]
            raise ContextOverflowError(f"模型服务 {self.chat_url} {zh} / model server {self.chat_url}: {en}") from exc
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
        (at most 4 strings for OpenAI's own API) ends the answer there. Waits for a free slot of the
        server first (not counted against the timeouts; never past the report's deadline)."""
        self.last_finish_reason = None
        tokens = max_tokens or self.settings.llm_max_tokens
        payload: dict[str, Any] = {
            "messages": chat_messages(prompt, system),
            "temperature": self.settings.llm_temperature,
            "max_tokens": tokens,
            "stream": stream,
        }
        if seed is not None:
            payload["seed"] = seed
        if stop:
            payload["stop"] = list(stop)
        max_chars = tokens * MAX_CHARS_PER_TOKEN
        slots = server_slots(self.base_url, self.concurrency)
        deadline = call_deadline.get()
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not slots.acquire(timeout=wait):
            raise self._fail("排队等待超时（整份报告的时限已到）",
                             "waited for a free slot of the server until the report's deadline")
        resp = None
        sent = 0
        try:
            resp, events, first = self._open(payload, stream, max_chars)  # timed from here: the queue is not
            for piece in first:
                sent += len(piece)
                yield piece
            for ev in events:
                if ev is _DONE:
                    break
                if sent + len(ev) > max_chars:  # a server that ignores max_tokens
                    yield ev[: max_chars - sent]
                    self.last_finish_reason = "length"
                    log.warning("%s: answer cut at %d characters (max_tokens %d)", self.chat_url, max_chars, tokens)
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
            slots.release()
