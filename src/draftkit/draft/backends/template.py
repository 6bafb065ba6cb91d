"""The ``template`` backend: no model, the section's text is its skeleton.

How it fits the one interface: the writer always renders a section's skeleton from the facts
first (it is the must-keep content for a model and the fallback for every backend). A backend
that declares ``uses_skeleton`` is given that skeleton as its prompt and returns it unchanged;
there is no model and nothing to rewrite. Model backends are given the section prompt (rules +
skeleton + exemplars) and return a rewrite, which the guard checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from draftkit.draft.backends.base import Backend

__all__ = ["TemplateBackend"]


class TemplateBackend(Backend):
    """No model: the section's text is its skeleton (facts rendered through the templates)."""

    name = "template"
    uses_skeleton = True  # the writer passes the skeleton as the prompt

    def generate(self, prompt: str, *, stream: bool = True, system: str | None = None,
                 max_tokens: int | None = None, seed: int | None = None,
                 stop: list[str] | None = None) -> Iterator[str]:
        """Yield the prompt (the skeleton) back: paragraph by paragraph when streaming."""
        if not stream:
            yield prompt
            return
        lines = prompt.split("\n")
        for i, line in enumerate(lines):
            yield line + ("\n" if i < len(lines) - 1 else "")
