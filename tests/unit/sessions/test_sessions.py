"""Draft-session rules without a browser: same draft or a new one, the regeneration seed, and a
regeneration that fails (the user's text stays) or succeeds (the replaced text is kept as a version).
Real SQLite store, real writer; the model is a Backend that fails the way a server does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from draftkit.draft.backends import Backend, BackendError
from draftkit.draft.writer import draft_report
from draftkit.facts import load_facts
from draftkit.sessions import keep_facts, next_seed, regenerate_section, same_draft
from draftkit.store.drafts import DraftNotFound, DraftStore


class RateLimited(Backend):
    """A model server answering HTTP 429 to every call (issue 16, item 1)."""

    name = "openai"

    def generate(self, prompt: str, *, stream: bool = True, system: str | None = None,
                 max_tokens: int | None = None, seed: int | None = None,
                 stop: list[str] | None = None) -> Iterator[str]:
        raise BackendError("模型服务 http://127.0.0.1:9/v1 返回错误 HTTP 429 / HTTP 429: rate limited")
        yield ""


@pytest.fixture(scope="module")
def facts(samples_dir: Path):
    return load_facts(samples_dir / "facts" / "qinghe_sanshi_2024.yaml")


@pytest.fixture
def store(tmp_path: Path) -> DraftStore:
    return DraftStore(tmp_path / "drafts.sqlite3")


@pytest.fixture
def draft(store: DraftStore, facts):
    report = draft_report(facts, backend="template")
    return store.create(facts=facts, report=report, owner="甲"), report


def _edited(store: DraftStore, did: str, report):
    """Her own edit of a body section, saved; returns (draft id, the section as drafted)."""
    section = _body(report)
    edited = report.model_copy(deep=True)
    edited.section(section.id).text = "她自己改过的文字。"
    store.save(did, report=edited, owner="甲")
    return did, section


def _body(report):
    return next(s for s in report.sections if s.skeleton and s.text and not s.id.startswith("practice"))


def test_facts_of_the_same_unit_and_year_stay_in_the_draft(store: DraftStore, facts):
    did, created = keep_facts(store, None, facts, owner="甲")
    assert created
    again, created = keep_facts(store, did, facts.model_copy(update={"brand": "溪畔微光"}), owner="甲")
    assert (again, created) == (did, False) and store.get(did, "甲").facts.brand == "溪畔微光"
    spaced = facts.model_copy(update={"unit": facts.unit + "党支部"})
    assert same_draft(facts, spaced) and keep_facts(store, did, spaced, owner="甲") == (did, False)
    other_year, created = keep_facts(store, did, facts.model_copy(update={"year": 2023}), owner="甲")
    assert created and other_year != did and store.get(did, "甲").facts.year == 2024
    other_unit = facts.model_copy(update={"unit": "柳溪县城关学区"})
    assert not same_draft(facts, other_unit) and keep_facts(store, did, other_unit, owner="甲")[1]
    # another owner's draft id is not hers: a new draft, the other one untouched
    assert keep_facts(store, did, facts, owner="乙")[1]


def test_the_regeneration_seed_follows_the_section_not_the_version_notes(store: DraftStore, draft, facts):
    did, report = draft
    section = _body(report)
    assert section.seed == 0 and next_seed(section) == 1 and next_seed(section, base=5) == 6
    store.add_version(did, "重新生成：手写的备注", owner="甲")  # a note that looks like a regeneration changes nothing
    first = regenerate_section(store, did, section.id, facts, owner="甲", backend=Backend_template())
    assert first.ok and first.section.seed == 1
    second = regenerate_section(store, did, section.id, facts, owner="甲", backend=Backend_template())
    assert second.ok and second.section.seed == 2
    assert store.get(did, "甲").report.section(section.id).seed == 2


def Backend_template() -> Backend:  # noqa: N802 - reads like the class it makes
    from draftkit.draft.backends import get_backend

    return get_backend("template")


def test_a_failed_regeneration_keeps_her_text_and_says_why(store: DraftStore, draft, facts):
    did, section = _edited(store, *draft)
    versions_before = store.versions(did, "甲")

    result = regenerate_section(store, did, section.id, facts, owner="甲", backend=RateLimited())

    assert not result.ok and result.version is None
    assert result.section.text == "她自己改过的文字。"
    assert "重新生成失败" in result.message and "429" in result.message
    assert store.get(did, "甲").report.section(section.id).text == "她自己改过的文字。"
    assert store.versions(did, "甲") == versions_before  # nothing stored, nothing to undo


def test_a_successful_regeneration_keeps_the_replaced_text_as_a_version(store: DraftStore, draft, facts):
    did, section = _edited(store, *draft)

    result = regenerate_section(store, did, section.id, facts, owner="甲", backend=Backend_template(), base_seed=3)

    assert result.ok and result.version is not None and "已重新生成" in result.message
    current = store.get(did, "甲").report.section(section.id)
    assert current.text == result.section.text != "她自己改过的文字。" and current.seed == 4
    kept = store.version(did, result.version, "甲")
    assert kept.section(section.id).text == "她自己改过的文字。"  # one restore undoes the regeneration
    assert [v.note for v in store.versions(did, "甲")][-2:] == [f"重新生成前：{section.heading}",
                                                               f"重新生成：{section.heading}"]


def test_regenerating_another_owners_draft_is_refused(store: DraftStore, draft, facts):
    did, report = draft
    with pytest.raises(DraftNotFound):
        regenerate_section(store, did, _body(report).id, facts, owner="乙", backend=Backend_template())
