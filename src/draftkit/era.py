"""The era table (``prompts/era.yaml``): what a report of a given year may and must say.

Drafting uses it to choose the guiding-thought line; the era check uses it to find stale
or impossible wording. A report of year Y is taken as written in December of Y.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from draftkit.config import load_data_as

YearMonth = tuple[int, int]


def parse_ym(value: str | None) -> YearMonth | None:
    if value is None:
        return None
    y, m = str(value).split("-")[:2]
    return int(y), int(m)


class Plenum(BaseModel):
    name: str  # "三中"
    date: YearMonth


class Congress(BaseModel):
    name: str  # 党的二十大
    short: str  # 二十大
    ordinal: str  # 二十
    date: YearMonth
    plenums: list[Plenum]

    def plenums_by(self, cutoff: YearMonth) -> list[Plenum]:
        return [p for p in self.plenums if p.date <= cutoff]


class Thought(BaseModel):
    start: YearMonth
    end: YearMonth | None
    text: str
    also: str | None = None
    markers: list[str]


class EraItem(BaseModel):
    name: str
    kind: str  # campaign | term | anniversary
    start: YearMonth
    end: YearMonth | None = None
    aliases: list[str] = Field(default_factory=list)
    note: str | None = None

    def active_in(self, year: int) -> bool:
        end = self.end or (9999, 12)
        return self.start <= (year, 12) and end >= (year, 1)

    def started_by(self, year: int) -> bool:
        return self.start <= (year, 12)


class Era(BaseModel):
    congresses: list[Congress]
    thoughts: list[Thought]
    items: list[EraItem]

    @staticmethod
    def cutoff(year: int, month: int = 12) -> YearMonth:
        return (year, month)

    def congress_for(self, year: int, month: int = 12) -> Congress | None:
        """The latest congress held by the end of ``month`` of ``year``."""
        held = [c for c in self.congresses if c.date <= self.cutoff(year, month)]
        return held[-1] if held else None

    def congress_phrase(self, year: int, month: int = 12) -> str | None:
        """E.g. 2024 → "党的二十大和二十届二中、三中全会精神" (plus the thought's ``also`` before 2017)."""
        c = self.congress_for(year, month)
        if c is None:
            return None
        plenums = c.plenums_by(self.cutoff(year, month))
        phrase = f"{c.name}精神" if not plenums else f"{c.name}和{c.ordinal}届{'、'.join(p.name for p in plenums)}全会精神"
        thought = self.thought_for(year, month)
        if thought and thought.also:
            phrase += f"和{thought.also}"
        return phrase

    def thought_for(self, year: int, month: int = 12) -> Thought | None:
        cut = self.cutoff(year, month)
        current = [t for t in self.thoughts if t.start <= cut]
        return current[-1] if current else None

    def guiding_line(self, year: int, month: int = 12) -> str:
        """The opening's guiding-thought clause for a report written at the end of ``month`` of ``year``."""
        thought = self.thought_for(year, month)
        phrase = self.congress_phrase(year, month)
        parts = [thought.text] if thought else []
        if phrase:
            parts.append(f"深入学习贯彻{phrase}")
        return "，".join(parts)

    def campaigns_in(self, year: int) -> list[EraItem]:
        """Campaigns running during ``year`` (the ones a report of that year speaks of)."""
        return [i for i in self.items if i.kind == "campaign" and i.active_in(year)]

    def available(self, year: int) -> list[EraItem]:
        """Every item that had begun by the end of ``year``."""
        return [i for i in self.items if i.started_by(year)]

    def impossible(self, year: int) -> list[EraItem]:
        """Items that began after ``year``: naming them in a report of that year is an error."""
        return [i for i in self.items if not i.started_by(year)]


def _build(raw: Any, path: Path) -> Era:
    congresses = [
        Congress(
            name=c["name"], short=c["short"], ordinal=c["ordinal"], date=parse_ym(c["date"]),
            plenums=[Plenum(name=k, date=parse_ym(v)) for k, v in c["plenums"].items()],
        )
        for c in raw["congresses"]
    ]
    thoughts = [
        Thought(start=parse_ym(t["from"]), end=parse_ym(t.get("to")), text=t["text"], also=t.get("also"), markers=t["markers"])
        for t in raw["thoughts"]
    ]
    items = [
        EraItem(name=i["name"], kind=i["kind"], start=parse_ym(i["from"]), end=parse_ym(i.get("to")),
                aliases=i.get("aliases") or [i["name"]], note=i.get("note"))
        for i in raw["items"]
    ]
    return Era(congresses=congresses, thoughts=thoughts, items=items)


def load_era(path: Path | None = None) -> Era:
    """The era table (``prompts/era.yaml``, or ``path``), built once per version of the file
    (:func:`draftkit.config.load_data_as`)."""
    return load_data_as(Path(path).resolve() if path else "era.yaml", _build)
