"""draftkit: draft, search and review Chinese school Party-building year-end reports.

The front door is :class:`Workspace` (build / add / remove / search / draft / check / export);
the nouns it deals in are exported here too::

    import draftkit
    ws = draftkit.Workspace("index")
    report = ws.draft("2024事实.yaml")

The names below are imported on first use (PEP 562), so ``import draftkit.zh`` or the CLI's
``--help`` does not load the whole library.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name → the module that defines it
_EXPORTS: dict[str, str] = {
    "Workspace": "draftkit.workspace",
    "WorkspaceError": "draftkit.workspace",
    "Facts": "draftkit.facts",
    "FactsError": "draftkit.facts",
    "load_facts": "draftkit.facts",
    "Report": "draftkit.report",
    "SectionDraft": "draftkit.report",
    "Index": "draftkit.retrieval",
    "Hit": "draftkit.retrieval",
    "get_backend": "draftkit.draft.backends",
    "Backend": "draftkit.draft.backends",
    "CheckResult": "draftkit.checks.models",
    "Finding": "draftkit.checks.models",
    "Summary": "draftkit.checks.models",
    "DraftkitError": "draftkit.errors",
    "SettingsError": "draftkit.config",
    "WriterEvent": "draftkit.draft.events",
    "Progress": "draftkit.progress",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'draftkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
