"""Loading the checks' data files (``prompts/checks.yaml``, the era rules in ``prompts/era.yaml``,
the furniture list in ``prompts/cleaning.yaml``) (the Chinese-text helpers are in :mod:`draftkit.zh`)."""

from __future__ import annotations

from typing import Any

from draftkit.config import load_data

__all__ = ["checks_data", "load_yaml"]


def load_yaml(name: str) -> dict[str, Any]:
    """A YAML file from the prompts directory (:func:`draftkit.config.load_data`)."""
    return load_data(name)


def checks_data() -> dict[str, Any]:
    return load_yaml("checks.yaml")
