"""Generation backends behind one interface (:class:`Backend`), reached by name through
:func:`get_backend`: ``template`` (no model), ``openai`` (any OpenAI-compatible server) and
``llamacpp`` (a local GGUF), one module each; others join with :func:`register_backend`."""

from draftkit.draft.backends.base import (
    Backend,
    BackendError,
    available_backends,
    get_backend,
    register_backend,
)
from draftkit.draft.backends.template import TemplateBackend

__all__ = ["Backend", "BackendError", "TemplateBackend", "available_backends", "get_backend", "register_backend"]
