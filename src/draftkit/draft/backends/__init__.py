"""Generation backends behind one interface (:class:`Backend`), reached by name through
:func:`get_backend`: ``template`` (no model), ``openai`` (any OpenAI-compatible server) and
``llamacpp`` (a local GGUF), one module each; others join with :func:`register_backend`."""

from draftkit.draft.backends.base import (
    Backend,
    BackendError,
    ContextOverflowError,
    UnknownBackend,
    available_backends,
    call_deadline,
    get_backend,
    register_backend,
)
from draftkit.draft.backends.template import TemplateBackend

__all__ = ["Backend", "BackendError", "ContextOverflowError", "TemplateBackend", "UnknownBackend", "available_backends",
           "call_deadline", "get_backend", "register_backend"]
