"""The one small interface every generation backend implements."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable


class BackendError(RuntimeError):
    """A model call failed (unreachable, timed out, bad answer). The caller falls back to the skeleton."""


@runtime_checkable
class Backend(Protocol):
    name: str

    def generate(
        self,
        prompt: str,
        *,
        stream: bool = True,
        system: str | None = None,
        max_tokens: int | None = None,
    ) -> Iterator[str]:
        """Yield the answer as text pieces (one piece when ``stream`` is False). Raise BackendError on failure."""
        ...
