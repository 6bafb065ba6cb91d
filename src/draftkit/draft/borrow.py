"""Single exemplar sentences a user may insert into a section (the UI's 插入 on an exemplar card).

An inserted sentence is the exemplar's words, verbatim, so it is recorded on the section as
:class:`draftkit.report.Borrowed` and shown marked, with its source, until the user edits it
(:func:`borrowed_spans` finds the ones still there; an edited one is no longer borrowed). The
reuse check still counts it: its text is in the index, so the paragraph's copy ratio and the
report's reuse share include it.

Only sentences a report of this year may carry are offered: no digits (numbers come from the
facts only), no person or unit name the facts lack, no stale or impossible era wording.
"""

from __future__ import annotations

import re

from draftkit.checks.document import ReportText
from draftkit.checks.era import check_era
from draftkit.checks.fidelity import unsupported_facts
from draftkit.era import load_era
from draftkit.facts import Facts
from draftkit.report import Borrowed, Exemplar, SectionDraft
from draftkit.zh import HEADING_START_RE, split_sentences

#: offered sentences are this long (characters): shorter ones say nothing, longer ones are paragraphs
MIN_CHARS = 12
MAX_CHARS = 120
_DIGIT = re.compile(r"[0-9０-９]")
_MASK = re.compile(r"[Xx*＊×]{1,}|某")


def exemplar_sentences(exemplar: Exemplar, facts: Facts) -> list[str]:
    """The exemplar's sentences that may be inserted into a report of ``facts.year`` as they are."""
    out: list[str] = []
    for para in exemplar.text.split("\n"):
        if HEADING_START_RE.match(para):
            continue
        for s in split_sentences(para):
            s = s.strip()
            if not (MIN_CHARS <= len(s) <= MAX_CHARS) or _DIGIT.search(s) or _MASK.search(s):
                continue
            if s[-1] not in "。！？；":
                continue
            if [f for f in unsupported_facts(s, facts) if f.severity in ("P0", "P1")]:
                continue
            rt = ReportText.from_text(s, detect=False)
            if [f for f in check_era(rt, facts.year, facts.report_kind) if f.severity in ("P0", "P1")]:
                continue
            if _other_years_words(s, facts.year):
                continue
            out.append(s)
    return list(dict.fromkeys(out))


def _other_years_words(sentence: str, year: int) -> list[str]:
    """Campaigns, anniversaries and congresses ``sentence`` names that are not those of ``year``.

    The era check lets a report mention a past campaign (``针对党史学习教育中查找的问题``), but a sentence
    inserted verbatim from another year's report that names one speaks of that year, not this one.
    """
    era = load_era()
    found = [n for i in era.items if i.kind in ("campaign", "anniversary") and not i.active_in(year)
             for n in (i.name, *i.aliases) if n and n in sentence]
    current = era.congress_for(year)
    found += [c.short for c in era.congresses if c is not current and c.short in sentence]
    return found


def sentences_to_borrow(section: SectionDraft, facts: Facts, limit: int = 40) -> list[str]:
    """The insertable sentences of all the section's exemplars (first exemplar first), not already in it."""
    out: list[str] = []
    for ex in section.exemplars:
        out += [x for x in exemplar_sentences(ex, facts) if x not in section.text and x not in out]
    return out[:limit]


def insert_borrowed(section: SectionDraft, sentence: str, exemplar: Exemplar,
                    paragraph: int | None = None) -> SectionDraft:
    """A copy of ``section`` with ``sentence`` appended to paragraph ``paragraph`` (0-based; default the
    last) and recorded as borrowed from ``exemplar``. Raises ValueError when the sentence is not the
    exemplar's (only its own words are borrowed, never a paraphrase passed off as one)."""
    sentence = sentence.strip()
    if not sentence or sentence not in exemplar.text:
        raise ValueError(f"“{sentence[:30]}”不是这段范文中的句子 / not a sentence of exemplar {exemplar.chunk_id}")
    paras = section.text.split("\n") if section.text else []
    if not paras:
        paras = [sentence]
    else:
        i = len(paras) - 1 if paragraph is None else max(0, min(paragraph, len(paras) - 1))
        paras[i] = paras[i] + sentence
    borrowed = Borrowed(sentence=sentence, chunk_id=exemplar.chunk_id, source=exemplar.source,
                        title=exemplar.title, unit=exemplar.unit, year=exemplar.year)
    return section.model_copy(update={"text": "\n".join(paras), "borrowed": [*section.borrowed, borrowed]})


def borrowed_spans(section: SectionDraft) -> list[tuple[int, int, int, Borrowed]]:
    """(paragraph, start, end, borrowed) of each borrowed sentence still in the text as inserted;
    an edited sentence is not found, so it is no longer marked."""
    out = []
    for i, para in enumerate(section.text.split("\n")):
        for b in section.borrowed:
            start = para.find(b.sentence)
            if start >= 0:
                out.append((i, start, start + len(b.sentence), b))
    return out


def prune_borrowed(section: SectionDraft) -> SectionDraft:
    """The section with only the borrowed entries whose sentence is still in its text unedited."""
    kept = [b for b in section.borrowed if any(b.sentence in p for p in section.text.split("\n"))]
    return section if len(kept) == len(section.borrowed) else section.model_copy(update={"borrowed": kept})
