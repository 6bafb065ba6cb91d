"""The catalogue of standing practices (做法) a school Party organisation keeps up: ``prompts/practices.yaml``.

Each entry has a name, a section kind, two to four phrasings (clauses without end punctuation,
each containing the name) and optional slots ``{freq}`` / ``{count}`` the facts may fill. The
template backend writes a section's practices from here; ``facts from-report`` finds them in a
past report by name and aliases; the UI offers them as checkboxes per section kind.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, field_validator

from draftkit.config import Settings, data_path, load_data_as
from draftkit.errors import DraftkitError

_NUMBER = re.compile(r"\d")


class Phrasing(BaseModel):
    text: str
    start: int = 0  # first year it may be used in
    end: int = 9999


class CatalogueEntry(BaseModel):
    """One practice: its name as facts write it, its section kind, phrasings and detection aliases."""

    name: str
    kind: str
    phrasings: list[Phrasing]
    aliases: list[str] = Field(default_factory=list)
    start: int | None = Field(default=None, alias="from")
    measure: str = "次"

    @field_validator("phrasings", mode="before")
    @classmethod
    def _phrasings(cls, value: Any) -> Any:
        out = []
        for item in value or []:
            if isinstance(item, str):
                out.append({"text": item})
            else:
                out.append({"text": item["text"], "start": item.get("from", 0), "end": item.get("to", 9999)})
        return out

    def phrasings_for(self, year: int) -> list[str]:
        """Phrasings usable in a report of ``year`` (all of them when none is dated for it)."""
        usable = [p.text for p in self.phrasings if p.start <= year <= p.end]
        return usable or [p.text for p in self.phrasings]

    def spellings(self) -> list[str]:
        """The name and its aliases, longest first (for finding the practice in a text)."""
        return sorted({self.name, *self.aliases}, key=len, reverse=True)


class Catalogue(BaseModel):
    """The whole catalogue, plus the wording shared by all entries (slot forms, group leads)."""

    entries: list[CatalogueEntry]
    slot_forms: dict[str, str]
    generic: list[str]
    group_lead: dict[str, list[str]]
    pair_lead: list[str]

    def get(self, name: str) -> CatalogueEntry | None:
        """The entry named ``name`` or having it as an alias (quotes ignored); None for free text."""
        key = _bare(name)
        for e in self.entries:
            if key == _bare(e.name) or key in {_bare(a) for a in e.aliases}:
                return e
        return None

    def names(self, kind: str) -> list[str]:
        """Catalogue names of one section kind, in catalogue order (the UI's checkbox choices)."""
        return [e.name for e in self.entries if e.kind == kind]

    def kinds(self) -> list[str]:
        return list(dict.fromkeys(e.kind for e in self.entries))


def _bare(text: str) -> str:
    return re.sub(r"[“”\"'‘’「」\s]", "", text)


class CatalogueError(DraftkitError, ValueError):
    """``prompts/practices.yaml`` cannot be used (names the file and the problem)."""


def _build(raw: Any, path: Path) -> Catalogue:
    try:
        catalogue = Catalogue(entries=raw.get("practices") or [], slot_forms=raw.get("slot_forms") or {},
                              generic=raw.get("generic") or [], group_lead=raw.get("group_lead") or {},
                              pair_lead=raw.get("pair_lead") or [""])
    except (AttributeError, ValueError) as exc:
        raise CatalogueError(f"{path}: 做法目录无法读取 / the practices catalogue cannot be read: {exc}") from exc
    problems = []
    for e in catalogue.entries:
        for p in e.phrasings:
            if e.name not in p.text.replace("“", "").replace("”", ""):
                problems.append(f"{e.name}: a phrasing lacks the name: {p.text}")
            if _NUMBER.search(p.text):
                problems.append(f"{e.name}: a phrasing holds a digit (numbers come from facts only): {p.text}")
    if problems:
        raise CatalogueError(f"{path}: " + "; ".join(problems))
    return catalogue


def load_catalogue(settings: Settings | None = None) -> Catalogue:
    """The practices catalogue (built once per version of the file); raises CatalogueError when unusable."""
    try:
        return load_data_as("practices.yaml", _build, settings)
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{data_path('practices.yaml', settings)}: 做法目录无法读取 / "
                             f"the practices catalogue cannot be read: {exc}") from exc


def detect_practices(text: str, settings: Settings | None = None) -> list[CatalogueEntry]:
    """Catalogue entries whose name or an alias occurs in ``text``, in catalogue order."""
    flat = text.replace("“", "").replace("”", "")
    return [e for e in load_catalogue(settings).entries
            if any(s.replace("“", "").replace("”", "") in flat for s in e.spellings())]
