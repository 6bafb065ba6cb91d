"""Loading the checks' data files (``prompts/checks.yaml``, the era rules in ``prompts/era.yaml``,
the furniture list in ``prompts/cleaning.yaml``) (the Chinese-text helpers are in :mod:`draftkit.zh`)."""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from draftkit.config import prompts_path

__all__ = ["checks_data", "load_yaml"]


@lru_cache(maxsize=16)
def _load_yaml_cached(path: str, mtime: float) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


_RECHECK_SECONDS = 1.0  # how often a data file's mtime is looked at again (the checks ask very often)
_recent: dict[str, tuple[float, dict[str, Any]]] = {}


def load_yaml(name: str) -> dict[str, Any]:
    """A YAML file from the prompts directory, cached until it changes."""
    now = time.monotonic()
    hit = _recent.get(name)
    if hit is not None and now - hit[0] < _RECHECK_SECONDS:
        return hit[1]
    p = prompts_path(name)
    key = str(p)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: data file for the checks is missing")
    data = _load_yaml_cached(key, p.stat().st_mtime)
    _recent[name] = (now, data)
    return data


def checks_data() -> dict[str, Any]:
    return load_yaml("checks.yaml")
