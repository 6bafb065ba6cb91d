"""The one small interface every generation backend implements, and the registry of backends.

A backend is a :class:`Backend` subclass: one ``generate`` method and three declared
capabilities the writer reads instead of guessing:

- ``uses_skeleton``: the backend is given the section's skeleton (the facts rendered through the
  templates) as its prompt and returns it unchanged; no model, no prompt, no guard (``template``).
- ``concurrency``: how many sections may be generated at once (a local model on 2 cores: 1; a
  server: 3).
- ``supports_stop``: ``generate`` honours ``stop=`` strings; for other backends the writer cuts
  an echoed prompt label from the answer itself.

A third backend joins with :func:`register_backend` (or an entry point in the group
``draftkit.backends`` naming its class) and is then reached by name through :func:`get_backend`,
the CLI's ``--backend`` and the UI; the writer needs no edit.
"""

from __future__ import annotations

import importlib
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextvars import ContextVar
from importlib.metadata import entry_points
from typing import Any, ClassVar

from draftkit.config import Settings, get_settings
from draftkit.errors import DraftkitError

__all__ = ["Backend", "BackendError", "ContextOverflowError", "UnknownBackend", "available_backends", "call_deadline", "chat_messages",
           "get_backend", "remaining_seconds", "register_backend"]

ENTRY_POINT_GROUP = "draftkit.backends"


class BackendError(DraftkitError, RuntimeError):
    """A model call failed (unreachable, timed out, bad answer). The caller falls back to the skeleton.

    ``server_fault`` says whether the server or model itself failed (down, timing out, refusing,
    rate-limited), as opposed to this one prompt (too long for the context): after a server fault
    the writer sends no new section to that model."""

    server_fault: bool = True


class UnknownBackend(DraftkitError, ValueError):
    """``get_backend`` was given a name no backend is registered under, or one whose entry point is
    not a Backend. The message names it and the backends there are."""


class ContextOverflowError(BackendError):
    """The prompt and the answer's ``max_tokens`` do not fit the model's context window (a server's
    HTTP 400 "exceeds the available context size", or a local model's own check). The caller may
    retry with a shorter prompt."""

    server_fault = False


#: the monotonic time by which the current model call must have ended (the report's deadline). The
#: writer sets it around a call; backends cut their own timeouts to it and never wait past it.
call_deadline: ContextVar[float | None] = ContextVar("draftkit_call_deadline", default=None)


def remaining_seconds(limit: float) -> float:
    """``limit`` seconds, or less when :data:`call_deadline` comes sooner (never below 0)."""
    deadline = call_deadline.get()
    if deadline is None:
        return limit
    return max(0.0, min(limit, deadline - time.monotonic()))


class Backend(ABC):
    """A generation backend. Subclasses set ``name`` and the capabilities, and implement ``generate``."""

    name: ClassVar[str] = ""
    uses_skeleton: ClassVar[bool] = False
    concurrency: ClassVar[int] = 1
    supports_stop: ClassVar[bool] = False
    #: the model's finish reason after a call ("stop", "length", …), when the backend knows it
    last_finish_reason: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> Backend:
        """The backend configured by ``settings``; ``options`` it does not know are ignored, so a
        CLI or a form can pass all its fields (model, base_url, api_key …) to any backend."""
        return cls()

    def count_tokens(self, text: str) -> int | None:
        """Tokens ``text`` takes in this model's tokenizer; None when the backend cannot tell (the
        caller then estimates, see :func:`draftkit.draft.model_prompt.estimate_tokens`)."""
        return None

    @abstractmethod
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
        """Yield the answer as text pieces (one piece when ``stream`` is False).

        ``system``: the system message; ``max_tokens``: the answer's limit in tokens (None: the
        backend's default); ``seed``: sampling seed; ``stop``: strings that end the answer (not
        included in it), honoured when ``supports_stop``. Raises BackendError on failure.
        """


def chat_messages(prompt: str, system: str | None) -> list[dict[str, str]]:
    """The chat-completion ``messages`` for a prompt and an optional system message."""
    msgs = [{"role": "system", "content": system}] if system else []
    msgs.append({"role": "user", "content": prompt})
    return msgs


#: name → the backend class, or "module:Class" for one imported when first asked for (the model
#: backends pull in httpx and llama-cpp-python, which the template path does not need)
_REGISTRY: dict[str, type[Backend] | str] = {
    "template": "draftkit.draft.backends.template:TemplateBackend",
    "openai": "draftkit.draft.backends.openai:OpenAIBackend",
    "llamacpp": "draftkit.draft.backends.llamacpp:LlamaCppBackend",
}
_entry_points_loaded = False


def register_backend(name: str, backend: type[Backend] | str) -> None:
    """Make ``backend`` (a Backend subclass, or "module:Class") available as ``name``."""
    _REGISTRY[name.strip().lower()] = backend


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        _REGISTRY.setdefault(ep.name.strip().lower(), ep.value)


def available_backends() -> list[str]:
    """Names ``get_backend`` accepts: the built-in three, registered ones and entry points."""
    _load_entry_points()
    return list(_REGISTRY)


def _resolve(name: str) -> type[Backend]:
    entry = _REGISTRY[name]
    if isinstance(entry, str):
        module, _, attr = entry.partition(":")
        entry = getattr(importlib.import_module(module), attr)
        if not (isinstance(entry, type) and issubclass(entry, Backend)):
            raise UnknownBackend(f"backend {name!r} ({_REGISTRY[name]}) is not a draftkit Backend subclass")
        _REGISTRY[name] = entry
    return entry


def get_backend(name: str | None = None, settings: Settings | None = None, **options: Any) -> Backend:
    """The backend called ``name`` (default: ``Settings.backend``, DRAFTKIT_BACKEND); an unknown name
    raises UnknownBackend naming it and the backends there are.

    Options that are None are dropped, so a CLI or a form can pass its fields straight through.
    """
    s = settings or get_settings()
    key = (name or s.backend or "template").strip().lower()
    if key not in available_backends():
        raise UnknownBackend(f"unknown backend {key!r}: choose one of {', '.join(available_backends())}")
    return _resolve(key).from_settings(s, **{k: v for k, v in options.items() if v is not None})
