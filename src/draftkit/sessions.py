"""Draft-session rules: which stored draft a facts file belongs to, and regenerating one section
without ever losing the user's text. The UI's 起草 tab calls these; they are tested without a browser.

- **Same draft or a new one** (:func:`keep_facts`): facts about the same unit and year as the open
  draft update it; other facts start a new draft, so one school's year never overwrites another's.
- **Regeneration** (:func:`regenerate_section`): the section is written again with the next wording
  seed (the seed the section was written with, plus one; never derived from version notes). When
  the model is not used (it failed, is down or the report's time is up) the stored draft is left
  exactly as it was and the result says why; on success the replaced text is first kept as a
  version, so one click on 恢复 undoes the regeneration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from draftkit.draft.backends import Backend
from draftkit.draft.events import WriterListener
from draftkit.draft.writer import draft_section
from draftkit.facts import Facts, same_unit
from draftkit.report import SectionDraft
from draftkit.store.drafts import DraftStore

__all__ = ["Regeneration", "keep_facts", "next_seed", "regenerate_section", "same_draft"]


def same_draft(stored: Facts | None, facts: Facts) -> bool:
    """Whether ``facts`` belong to the draft that holds ``stored``: no facts yet, or the same year and
    the same unit (spacing and a 党支部-style suffix aside, as :func:`draftkit.facts.same_unit`)."""
    return stored is None or (stored.year == facts.year and same_unit(stored.unit, facts.unit))


def keep_facts(store: DraftStore, draft_id: str | None, facts: Facts, owner: str | None) -> tuple[str, bool]:
    """Keep ``facts`` in the open draft when they belong to it, else in a new draft.
    Returns ``(draft_id, created)``."""
    if draft_id and store.exists(draft_id, owner):
        stored = store.get(draft_id, owner)
        if same_draft(stored.facts, facts):
            store.save(draft_id, facts=facts, owner=owner)
            return draft_id, False
    return store.create(facts=facts, owner=owner), True


def next_seed(section: SectionDraft, base: int = 0) -> int:
    """The wording seed for writing ``section`` again: one past both the seed it was written with and
    the user's chosen ``base``, so each regeneration says it another way."""
    return max(base, section.seed) + 1


@dataclass
class Regeneration:
    """What a regeneration did. ``ok``: the new section is stored (``version``: the number of the
    version that keeps the text it replaced). Not ok: ``section`` is the unchanged current one and
    ``message`` says why (Chinese, for the status line)."""

    ok: bool
    section: SectionDraft
    message: str
    version: int | None = None


def regenerate_section(store: DraftStore, draft_id: str, section_id: str, facts: Facts, *, owner: str | None,
                       backend: Backend, index: Any = None, base_seed: int = 0,
                       on_event: WriterListener | None = None) -> Regeneration:
    """Write one section of a stored draft again. Raises ``DraftNotFound`` for a draft the owner
    cannot see; never raises for a model failure (see the module's rules)."""
    stored = store.get(draft_id, owner)
    if stored.report is None:
        raise KeyError(f"draft {draft_id} has no report yet")
    old = stored.report.section(section_id)
    try:
        new = draft_section(stored.report, section_id, facts, index=index, backend=backend,
                            seed=next_seed(old, base_seed), on_event=on_event)
    except KeyError as exc:  # the facts no longer give this section anything to say
        return Regeneration(False, old, f"重新生成失败，原文已保留：{exc.args[0] if exc.args else exc}")
    if new.model_error is not None:
        return Regeneration(False, old, f"重新生成失败，原文已保留：{new.model_error}")
    kept = store.add_version(draft_id, f"重新生成前：{old.heading}", owner=owner)
    store.replace_section(draft_id, new, version_note=f"重新生成：{new.heading}", owner=owner)
    return Regeneration(True, new, f"已重新生成：{new.heading}（原文保存在版本{kept}）", version=kept)
