"""Generation backends by name: ``template`` (here, no model), ``openai`` and ``llamacpp``
(:mod:`draftkit.draft.llm`, imported only when asked for, so the template path never loads
httpx clients or llama-cpp-python).

How the template backend fits the one interface: the writer always renders a section's
skeleton from the facts first (it is the must-keep content for a model and the fallback for
every backend). A backend with ``uses_skeleton = True`` is given that skeleton as its prompt
and returns it unchanged; there is no model and nothing to rewrite. Model backends are given
the section prompt (rules + skeleton + exemplars) and return a rewrite, which the guard checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from draftkit.config import Settings, get_settings
from draftkit.draft.backend_base import Backend, BackendError

__all__ = ["BACKENDS", "Backend", "BackendError", "TemplateBackend", "get_backend", "uses_skeleton"]


class TemplateBackend:
    """No model: the section's text is its skeleton (facts rendered through the templates)."""

    name = "template"
    uses_skeleton = True  # the writer passes the skeleton as the prompt

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()

    def generate(self, prompt: str, *, stream: bool = True, system: str | None = None,
                 max_tokens: int | None = None) -> Iterator[str]:
        """Yield the prompt (the skeleton) back: paragraph by paragraph when streaming."""
        if not stream:
            yield prompt
            return
        lines = prompt.split("\n")
        for i, line in enumerate(lines):
            yield line + ("\n" if i < len(lines) - 1 else "")


def _openai(settings: Settings, **overrides: Any) -> Backend:
    from draftkit.draft.llm import OpenAIBackend

    return OpenAIBackend(settings, base_url=overrides.get("base_url"), model=overrides.get("model"),
                         api_key=overrides.get("api_key"))


def _llamacpp(settings: Settings, **overrides: Any) -> Backend:
    from draftkit.draft.llm import LlamaCppBackend

    return LlamaCppBackend(settings, model_path=overrides.get("model_path") or overrides.get("model"))


def _template(settings: Settings, **overrides: Any) -> Backend:
    return TemplateBackend(settings)


#: name → factory(settings, **overrides). Overrides: base_url, model, api_key (openai); model or model_path (llamacpp).
BACKENDS: dict[str, Callable[..., Backend]] = {"template": _template, "openai": _openai, "llamacpp": _llamacpp}


def get_backend(name: str | None = None, settings: Settings | None = None, **overrides: Any) -> Backend:
    """The backend called ``name`` (default: ``Settings.backend``); unknown names raise ValueError.

    Overrides that are None are ignored, so a CLI or a form can pass its fields straight through.
    """
    s = settings or get_settings()
    key = (name or s.backend or "template").strip().lower()
    if key not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}: choose one of {', '.join(BACKENDS)}")
    return BACKENDS[key](s, **{k: v for k, v in overrides.items() if v is not None})


def uses_skeleton(backend: Any) -> bool:
    """Whether the backend returns the skeleton as is (no model: no prompt, no guard removals)."""
    return bool(getattr(backend, "uses_skeleton", False))
