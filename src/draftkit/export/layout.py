"""The official layout (GB/T 9704-2012) as data: what the exporter writes and the checker checks.

The numbers and font names live in ``prompts/export/official_layout.yaml``; this module reads them into a
typed ``Layout`` and derives the values Word wants (twips, half-points, the grid's ``charSpace``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from draftkit.config import load_data_as
from draftkit.zh import official_date

#: the layout data file, inside the prompts directory (a wheel ships it as draftkit/prompts)
DEFAULT_LAYOUT = "export/official_layout.yaml"

TWIPS_PER_MM = 1440 / 25.4
TWIPS_PER_PT = 20

#: Paragraph roles that carry a font; ``heading1`` … ``heading4`` are the four numbering levels.
FONT_ROLES = ("title", "body", "heading1", "heading2", "heading3", "heading4", "page_number")


class PageSize(BaseModel):
    width_mm: float
    height_mm: float


class Margins(BaseModel):
    top: float
    bottom: float
    left: float
    right: float


class Grid(BaseModel):
    lines_per_page: int
    chars_per_line: int
    line_pitch_twips: int


class FontSpec(BaseModel):
    east_asia: str
    latin: str
    size_pt: float

    @property
    def half_points(self) -> int:
        return round(self.size_pt * 2)


class PageNumber(BaseModel):
    format: str = "— {page} —"
    indent_chars: float = 1


class Texts(BaseModel):
    missing_date: str


class Layout(BaseModel):
    page: PageSize
    margins_mm: Margins
    header_distance_mm: float = 15
    footer_distance_mm: float = 22
    grid: Grid
    first_line_indent_chars: float = 2
    fonts: dict[str, FontSpec]
    font_aliases: dict[str, list[str]] = Field(default_factory=dict)
    page_number: PageNumber = Field(default_factory=PageNumber)
    title_space_after_twips: int = 579
    title_break_before: list[str] = Field(default_factory=list)
    title_break_after: list[str] = Field(default_factory=list)
    placeholder_pattern: str = "【待[^】]{0,80}】"
    placeholder_highlight: str = "yellow"
    texts: Texts

    # -- derived values -------------------------------------------------------------------------
    def font(self, role: str) -> FontSpec:
        return self.fonts[role]

    def page_twips(self) -> tuple[int, int]:
        return mm_to_twips(self.page.width_mm), mm_to_twips(self.page.height_mm)

    def margins_twips(self) -> dict[str, int]:
        m = self.margins_mm
        return {k: mm_to_twips(getattr(m, k)) for k in ("top", "bottom", "left", "right")}

    def text_width_twips(self) -> int:
        w, _ = self.page_twips()
        m = self.margins_twips()
        return w - m["left"] - m["right"]

    def text_height_twips(self) -> int:
        _, h = self.page_twips()
        m = self.margins_twips()
        return h - m["top"] - m["bottom"]

    def char_space(self) -> int:
        """The docGrid ``w:charSpace`` that puts ``chars_per_line`` body characters on a line.

        Word's character pitch is the body font size plus ``charSpace / 4096`` pt; rounding down keeps
        the pitch a hair under the exact width so the last character still fits.
        """
        pitch_pt = self.text_width_twips() / TWIPS_PER_PT / self.grid.chars_per_line
        return math.floor((pitch_pt - self.fonts["body"].size_pt) * 4096)

    def char_spacing_twips(self) -> int:
        """Run character spacing (``w:spacing``, twips; negative condenses) for body and headings.

        Word lays out CJK text on the grid's pitch, but LibreOffice puts a character wider than a
        grid cell into two cells, so a Word-correct negative ``charSpace`` halves the characters per
        line there. Our paragraphs therefore opt out of the character grid (``w:snapToGrid=0``) and
        condense each character instead, which every renderer honours: the pitch lands one twip
        under the exact ``text width / chars_per_line`` so the last character fits everywhere.
        """
        pitch_pt = self.text_width_twips() / TWIPS_PER_PT / self.grid.chars_per_line
        return math.floor((pitch_pt - self.fonts["body"].size_pt) * TWIPS_PER_PT) - 1

    def first_line_indent_twips(self) -> int:
        return round(self.first_line_indent_chars * self.fonts["body"].size_pt * TWIPS_PER_PT)

    def same_font(self, expected: str, found: str | None) -> bool:
        """True when ``found`` names ``expected`` or one of its accepted aliases."""
        if not found:
            return False
        names = {expected, *self.font_aliases.get(expected, [])}
        return _norm_font(found) in {_norm_font(n) for n in names}

    def placeholder_re(self) -> re.Pattern[str]:
        return _compile(self.placeholder_pattern)

    def format_date(self, date: dt.date | None, missing: str | None = None) -> str:
        """``2025年12月20日`` — no zero padding, as the standard writes dates.

        Without a date: ``missing`` (the drafter's own marker, when it has one) or the layout's
        【待补充】 marker, so the gap stays visible.
        """
        if date is None:
            return missing or self.texts.missing_date
        return official_date(date.year, date.month, date.day)


def mm_to_twips(mm: float) -> int:
    return round(mm * TWIPS_PER_MM)


def twips_to_mm(twips: float) -> float:
    return twips / TWIPS_PER_MM


def text_width_chars(text: str) -> float:
    """Width of ``text`` in body characters: full-width counts 1, half-width 0.5.

    East Asian "ambiguous" characters (“” ‘’ — …) are full width in Chinese typesetting.
    """
    width = 0.0
    for ch in text:
        width += 1.0 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 0.5
    return width


def split_placeholders(text: str, pattern: re.Pattern[str]) -> list[tuple[str, bool]]:
    """Split ``text`` into ``(piece, is_placeholder)`` pieces, in order, nothing lost."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            pieces.append((text[pos : m.start()], False))
        pieces.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


def _norm_font(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name).lower()


@lru_cache(maxsize=8)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _build(data: object, path: Path) -> Layout:
    return Layout.model_validate(data)


def load_layout(path: str | Path | None = None) -> Layout:
    """The layout from ``path`` (default: ``prompts/export/official_layout.yaml``, GB/T 9704-2012),
    validated once per version of the file (:func:`draftkit.config.load_data_as`)."""
    return load_data_as(Path(path).resolve() if path else DEFAULT_LAYOUT, _build)
