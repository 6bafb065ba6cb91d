"""The ``llamacpp`` backend: a local GGUF model run by llama-cpp-python.

The context window is ``Settings.llm_context`` tokens (default 4096); a prompt that does not fit
raises :class:`ContextOverflowError` (the writer retries it with fewer exemplars). Waiting for the
loaded model (one generation at a time) is not counted against the time limit, and never lasts past
the report's deadline. Generation stops when ``Settings.llm_timeout`` seconds (or the time left
before the report's deadline) have passed since it began (checked
after every token; the prompt evaluation itself cannot be interrupted) and raises BackendError
rather than returning a truncated section: a section cut mid-sentence is worse than the
fact-complete skeleton the writer falls back to. Every failure is a BackendError whose message
names the model file, in Chinese and English.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from draftkit.config import Settings, get_settings
from draftkit.draft.backends.base import (
    Backend,
    BackendError,
    ContextOverflowError,
    chat_messages,
    remaining_seconds,
)
from draftkit.model_store import ModelError, locate_model

log = logging.getLogger(__name__)

__all__ = ["LlamaCppBackend", "clear_llama_cache"]


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


class LlamaCppBackend(Backend):
    """A local GGUF model (``draftkit models install qwen2.5-0.5b``) run by llama-cpp-python.

    ``model_path`` is a file or an installed model name; it defaults to ``Settings.llm_model`` and,
    when that is empty, to the first installed model. The model is loaded on the first ``generate``
    and kept for the process; concurrent calls on one model take turns.
    """

    name = "llamacpp"
    concurrency = 1  # one loaded model answers one prompt at a time; its threads use every core
    supports_stop = True

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> LlamaCppBackend:
        """Options: ``model`` or ``model_path`` (a GGUF file or an installed model name)."""
        return cls(settings, model_path=options.get("model_path") or options.get("model"))

    def __init__(
        self,
        settings: Settings | None = None,
        model_path: str | Path | None = None,
        *,
        n_ctx: int | None = None,
        n_threads: int | None = None,
        seed: int | None = 0,
        repeat_penalty: float = 1.1,
        timeout: float | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self._model = model_path if model_path is not None else self.settings.llm_model
        self.n_ctx = int(n_ctx or self.settings.llm_context)
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
            try:
                self._path = locate_model(self._model, self.settings)
            except ModelError as exc:
                raise BackendError(str(exc)) from exc
        return self._path

    def load(self) -> Any:
        """Load the model now (otherwise the first ``generate`` does). Returns the ``llama_cpp.Llama``."""
        return _load_llama(self.model_path, self.n_ctx, self.n_threads)[0]

    def count_tokens(self, text: str) -> int | None:
        """Tokens of ``text`` by the model's own tokenizer (loads the model)."""
        llm = self.load()
        return len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

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
        """Yield the answer's text pieces; ``seed`` (default: the backend's ``seed``) seeds sampling,
        ``stop`` ends the answer there."""
        self.last_finish_reason = None
        path = self.model_path
        llm, lock = _load_llama(path, self.n_ctx, self.n_threads)
        pieces: list[str] = []
        # One generation at a time per loaded model; wait for a turn no longer than the timeout or the
        # report's deadline (a stream abandoned without close() would otherwise hang the next call).
        # The wait is not counted against the generation's own time limit.
        wait = remaining_seconds(self.timeout)
        if not lock.acquire(timeout=wait):
            raise BackendError(
                f"本地模型 {path.name} 忙（{wait:g} 秒内未轮到） / local model {path}: still busy with "
                f"another generation after {wait:g} s"
            )
        started = time.monotonic()
        limit = remaining_seconds(self.timeout)
        try:
            chunks = None
            try:
                chunks = llm.create_chat_completion(
                    messages=chat_messages(prompt, system),
                    stream=True,
                    max_tokens=max_tokens or self.settings.llm_max_tokens,
                    temperature=self.settings.llm_temperature,
                    repeat_penalty=self.repeat_penalty,
                    seed=seed if seed is not None else self.seed,
                    stop=list(stop) if stop else [],
                )
                for chunk in chunks:
                    if time.monotonic() - started > limit:
                        done = sum(len(p) for p in pieces)
                        raise BackendError(
                            f"本地模型 {path.name} 生成超时（{limit:g} 秒，已输出 {done} 字） / local model "
                            f"{path}: generation timed out after {limit:g} s ({done} characters so far)"
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
            except ValueError as exc:
                if "context" in str(exc).lower():  # "Requested tokens (N) exceed context window of M"
                    raise ContextOverflowError(
                        f"本地模型 {path.name} 的提示太长，超出了上下文长度（{self.n_ctx} 个 token） / local model "
                        f"{path}: the prompt does not fit the context window of {self.n_ctx} tokens: {exc}"
                    ) from exc
                raise BackendError(
                    f"本地模型 {path.name} 生成失败 / local model {path}: generation failed: ValueError: {exc}"
                ) from exc
            except Exception as exc:  # decode failures (RuntimeError) …
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
