"""Every public exception draftkit defines has the one base, DraftkitError."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import draftkit
from draftkit.errors import DraftkitError


def _modules():
    for info in pkgutil.walk_packages(draftkit.__path__, "draftkit."):
        yield importlib.import_module(info.name)


def test_every_public_exception_is_a_draftkit_error():
    found = {}
    for module in _modules():
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == module.__name__
                    and not name.startswith("_")):
                found[f"{module.__name__}.{name}"] = obj
    assert len(found) >= 18, sorted(found)  # IngestError, IndexUnavailable, BackendError, FactsError …
    strays = sorted(name for name, cls in found.items() if not issubclass(cls, DraftkitError))
    assert not strays, f"exceptions without the DraftkitError base: {strays}"


def test_a_draftkit_error_keeps_its_builtin_kind():
    from draftkit.facts import FactsError
    from draftkit.retrieval.manifest import DocumentNotFound, IndexMissing
    from draftkit.store.drafts import DraftNotFound

    assert issubclass(FactsError, ValueError) and issubclass(DocumentNotFound, LookupError)
    assert issubclass(DraftNotFound, KeyError) and issubclass(IndexMissing, DraftkitError)
