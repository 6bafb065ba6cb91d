"""``prompts/checks.yaml``, the checks' data file (rules, word lists, messages); the Chinese-text helpers
are in :mod:`draftkit.zh`."""

from __future__ import annotations

from typing import Any

from draftkit.config import load_data

__all__ = ["checks_data"]


def checks_data() -> dict[str, Any]:
    """``prompts/checks.yaml`` (:func:`draftkit.config.load_data`: parsed once per version of the file)."""
    return load_data("checks.yaml")
