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


def _misuses(tmp_path):
    """Calls a user gets wrong at the front door, each of which must raise a DraftkitError."""
    from draftkit.draft.backends import get_backend
    from draftkit.draft.plan import plan_report
    from draftkit.facts import example_facts
    from draftkit.report import Report
    from draftkit.retrieval.ranking import check_kinds, search_args
    from draftkit.section_kinds import SECTION_KINDS

    ws = draftkit.Workspace(tmp_path / "index")
    facts = example_facts()
    return {
        "unknown backend": lambda: get_backend("gpt5"),
        "draft with unknown backend": lambda: ws.draft(facts, backend="gpt5"),
        "search k=0": lambda: search_args(0, "hybrid", 0.0, None, "convex"),
        "search k=-3": lambda: search_args(-3, "hybrid", 0.0, None, "convex"),
        "search k=2.5": lambda: search_args(2.5, "hybrid", 0.0, None, "convex"),
        "search k='many'": lambda: search_args("many", "hybrid", 0.0, None, "convex"),
        "search k=None": lambda: search_args(None, "hybrid", 0.0, None, "convex"),
        "search mode": lambda: search_args(5, "semantic", 0.0, None, "convex"),
        "search fusion": lambda: search_args(5, "hybrid", 0.0, "sum", "convex"),
        "search mmr": lambda: search_args(5, "hybrid", "lots", None, "convex"),
        "search kinds": lambda: check_kinds(["nonsense"], SECTION_KINDS),
        "search bad keyword": lambda: ws.search("主题党日", k=5, kind=["organization"]),
        "report section": lambda: Report(title="t", year=2024, unit="柳溪县实验小学", sections=[]).section("theory"),
        "plan section": lambda: plan_report(facts).section("no_such_section"),
    }


def test_front_door_misuse_raises_draftkit_errors(tmp_path):
    import pytest

    for name, call in _misuses(tmp_path).items():
        with pytest.raises(DraftkitError) as err:
            call()
        assert str(err.value), name


def test_unknown_backend_message_names_the_name_given(tmp_path, monkeypatch):
    import pytest

    from draftkit.config import Settings
    from draftkit.draft.backends import UnknownBackend, get_backend

    monkeypatch.setenv("DRAFTKIT_BACKEND", "gpt5")
    with pytest.raises(UnknownBackend, match="unknown backend 'gpt5': choose one of .*template"):
        get_backend(None, Settings())
    with pytest.raises(UnknownBackend, match="'gpt5'"):
        draftkit.Workspace(tmp_path / "index", settings=Settings()).draft(
            __import__("draftkit.facts", fromlist=["example_facts"]).example_facts())
