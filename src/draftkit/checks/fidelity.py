"""Facts fidelity: what the text says that the facts do not support, and facts the text never uses.

One implementation for reviewers (``draftkit check --facts``) and for the drafting guard, which
calls :func:`unsupported_facts` on each drafted section with ``allowed_extra`` holding the
skeleton's own text (numbers, names, units, dates the template rendered from the facts).

What counts as a claim:

* Arabic numbers with their context ("25名党员", "12次", "96.8%", "40余人"), Chinese-numeral
  counts before a counter ("十二次", "三名"), dates ("2024年5月", "5月12日") and years;
  heading numbers, list numbers, ordinals ("第3次") and set phrases ("三会一课") are not claims.
* Person names next to a title ("书记李明华", "王强同志").
* Unit names ending in a unit word (…小学, …中学, …教育局, …党支部).
* Honours and awards ("荣获全国先进基层党组织称号", "被评为“五星级党支部”"): the honour must be one
  the facts hold, and a level word it carries (全国, 省级, 市 …) must agree with that honour's level.

Severity: a number next to a keyword of a fact the facts hold (党员, 预备党员, 支部 …) that
differs from it is P0 ("25名党员" vs ``members.total`` 23); any other unsupported number,
percentage, date, name or unit is P1; a bare year or month is P2; an unused fact is P2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from draftkit.checks.data import checks_data
from draftkit.checks.document import Paragraph, ReportText
from draftkit.checks.models import Finding
from draftkit.config import load_data_as
from draftkit.facts import Facts
from draftkit.zh import CN_NUMERAL_CHARS, HAN, cn_to_int, ngrams, normalize

CHECK = "facts"


def _msg(rule: str, **kw: Any) -> str:
    return checks_data()["messages"][rule].format(**kw)


# --------------------------------------------------------------------------- patterns
@dataclass(frozen=True)
class _Patterns:
    date_ymd: re.Pattern[str]
    date_iso: re.Pattern[str]
    date_md: re.Pattern[str]
    year_range: re.Pattern[str]
    year: re.Pattern[str]
    month: re.Pattern[str]
    percent: re.Pattern[str]
    percent_cn: re.Pattern[str]
    number: re.Pattern[str]
    cn_count: re.Pattern[str]
    cn_ge: re.Pattern[str]
    skip: list[re.Pattern[str]]
    phrases: re.Pattern[str] | None
    title_before: re.Pattern[str]
    title_after: re.Pattern[str]
    unit_suffix: re.Pattern[str]
    tie_gap: re.Pattern[str]
    role: re.Pattern[str]
    role_gap: re.Pattern[str]
    tie_qualified: re.Pattern[str]
    role_verb: re.Pattern[str]
    data: dict[str, Any] = field(hash=False, compare=False)


def _compile(data: Any, path: Path) -> _Patterns:
    d = data["fidelity"]
    alt = lambda words: "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))  # noqa: E731
    cn = f"[{CN_NUMERAL_CHARS}]"
    kw_words = [w for k in d["keywords"] for w in k["words"]]
    return _Patterns(
        date_ymd=re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?"),
        date_iso=re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.]\s*(\d{1,2})(?!\d)(?:\s*[-/.]\s*(\d{1,2})(?!\d))?"),
        date_md=re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"),
        year_range=re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-—–~～至到]\s*((?:19|20)?\d{2})(?!\d)\s*(?:学年|年度|年)?"),
        year=re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)\s*(?:学年|年度|年)"),
        month=re.compile(r"(?<![\d.])(\d{1,2})\s*月(?!\d)"),
        percent=re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*[%％]"),
        percent_cn=re.compile(rf"百分之({cn}+(?:点{cn}+)?)"),
        number=re.compile(r"(?<![\d.．])(\d+(?:\.\d+)?)(?![\d])"),
        cn_count=re.compile(rf"({cn}{{1,6}})({alt(d['cn_classifiers'])})"),
        cn_ge=re.compile(rf"({cn}{{1,6}})个({alt(kw_words)})"),
        skip=[re.compile(p) for p in d.get("skip_patterns", [])],
        phrases=re.compile(alt(d["numeral_phrases"])) if d.get("numeral_phrases") else None,
        title_before=re.compile(rf"(?:{alt(d['titles_before'])})[：:\s]?(?=[{HAN}])"),
        title_after=re.compile(alt(d["titles_after"])),
        unit_suffix=re.compile(alt(d["unit_suffixes"])),
        tie_gap=re.compile(f"(?:{alt(d['tie_gap_words'])})*"),
        role=re.compile(alt(d["committee_roles"])),
        tie_qualified=re.compile(f"(?:{alt(d['tie_qualifiers'])})$"),
        role_gap=re.compile(f"(?:{alt(d['role_gap_words'])})?"),
        role_verb=re.compile(f"(?:同志)?(?:{alt(d['role_verbs'])})$"),
        data=d,
    )


def _patterns() -> _Patterns:
    return load_data_as("checks.yaml", _compile)


# --------------------------------------------------------------------------- what the facts support
@dataclass
class _Support:
    numbers: set[float] = field(default_factory=set)
    fields: dict[str, int] = field(default_factory=dict)  # field path → value (set fields only)
    years: set[int] = field(default_factory=set)
    months: set[tuple[int, int]] = field(default_factory=set)  # (year, month)
    days: set[tuple[int, int]] = field(default_factory=set)  # (month, day)
    month_only: set[int] = field(default_factory=set)
    ratios: set[float] = field(default_factory=set)
    blob: str = ""
    year: int | None = None
    activity_counts: list[tuple[int, str, int]] = field(default_factory=list)  # (index, title, count)
    activities: list[tuple[int, str, int | None, int | None]] = field(default_factory=list)  # (index, title, count, participants)
    roles: dict[str, list[str]] = field(default_factory=dict)  # committee role → names holding it
    honours: list[tuple[str, str | None]] = field(default_factory=list)  # (title without quotes, level)

    def number_ok(self, value: float, approx: bool, factor: float) -> bool:
        if value in self.numbers:
            return True
        if approx:
            return any(value <= n <= value * factor for n in self.numbers)
        return False


_NUM_IN_STR = re.compile(r"\d+(?:\.\d+)?")


def _numbers_in(text: str, pats: _Patterns) -> set[float]:
    out = {float(m.group(0)) for m in _NUM_IN_STR.finditer(text)}
    for m in pats.cn_count.finditer(text):
        v = cn_to_int(m.group(1))
        if v is not None:
            out.add(float(v))
    return out


def _dates_in(text: str, sup: _Support) -> None:
    for m in re.finditer(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2}))?", text):
        y, mo = int(m.group(1)), int(m.group(2))
        sup.years.add(y)
        sup.months.add((y, mo))
        sup.month_only.add(mo)
        if m.group(3):
            sup.days.add((mo, int(m.group(3))))
    for m in re.finditer(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]", text):
        sup.days.add((int(m.group(1)), int(m.group(2))))
        sup.month_only.add(int(m.group(1)))
    for m in re.finditer(r"(?<!\d)((?:19|20)\d{2})(?!\d)", text):
        sup.years.add(int(m.group(1)))


def fact_strings(facts: Facts) -> list[str]:
    """Every name and free text in the facts (unit, organisation, committee, activities, honours,
    brand, highlights, problems, plans, signature unit): what names and quotations may draw on."""
    out = [facts.unit, facts.org_name or "", facts.parent_org or "", facts.brand or ""]
    out += facts.structure.committee
    for a in facts.activities:
        out += [a.title, a.detail or ""]
    for h in facts.honours:
        out += [h.title, h.level or "", h.recipient or ""]
    out += facts.highlights + facts.problems + facts.plans
    for items in facts.practices.values():
        out += [x for p in items for x in (p.name, p.freq or "")]
    for notes in facts.notes.values():
        out += notes
    if facts.last_year is not None:  # the problems section names last year's problems it follows up
        out += facts.last_year.problems
    if facts.signature.unit:
        out.append(facts.signature.unit)
    return [s for s in out if s]


def _strip_quotes(s: str) -> str:
    return re.sub(r"[“”\"'‘’《》〈〉「」]", "", s).strip()


def _build_support(facts: Facts, allowed_extra: Iterable[Any]) -> _Support:
    pats = _patterns()
    sup = _Support(year=facts.year)
    m, s = facts.members, facts.structure
    for name in ("total", "probationary", "retired", "activists", "applicants", "developed", "staff"):
        v = getattr(m, name)
        if v is not None:
            sup.fields[f"members.{name}"] = v
    for name in ("branches", "groups"):
        v = getattr(s, name)
        if v is not None:
            sup.fields[f"structure.{name}"] = v
    if m.total is not None:
        if m.probationary is not None:
            sup.fields["derived.total_minus_probationary"] = m.total - m.probationary
        if m.retired is not None:
            sup.fields["derived.total_minus_retired"] = m.total - m.retired
            if m.probationary is not None:
                sup.numbers.add(float(m.total - m.retired - m.probationary))
    if m.staff is not None and m.total is not None and m.staff >= m.total:
        sup.numbers.add(float(m.staff - m.total))
    sup.numbers |= {float(v) for v in sup.fields.values()}
    for i, a in enumerate(facts.activities):
        if a.date:
            _dates_in(a.date, sup)
        if a.count is not None:
            sup.activity_counts.append((i, _strip_quotes(a.title), a.count))
        sup.activities.append((i, _strip_quotes(a.title), a.count, a.participants))
        for v in (a.count, a.participants):
            if v is not None:
                sup.numbers.add(float(v))
    for items in facts.practices.values():
        sup.numbers |= {float(p.count) for p in items if p.count is not None}
    sup.roles = committee_roles(facts.structure.committee, pats)
    for h in facts.honours:
        if h.year:
            sup.years.add(h.year)
        sup.honours.append((_strip_quotes(h.title), h.level))
    sup.years |= {facts.year - 1, facts.year, facts.year + 1}
    if facts.signature.date:
        d = facts.signature.date
        sup.years.add(d.year)
        sup.months.add((d.year, d.month))
        sup.month_only.add(d.month)
        sup.days.add((d.month, d.day))
    strings = fact_strings(facts)
    extras: list[str] = []
    for x in allowed_extra or ():
        if isinstance(x, bool):
            continue
        if isinstance(x, int | float):
            sup.numbers.add(float(x))
            if 1900 <= x <= 2100:
                sup.years.add(int(x))
        elif x is not None:
            extras.append(str(x))
    for text in strings + extras:
        sup.numbers |= _numbers_in(text, pats)
        _dates_in(text, sup)
        for pm in pats.percent.finditer(text):
            sup.ratios.add(float(pm.group(1)))
    # percentages the facts imply (党员占教职工的 38.3%)
    pool = sorted({v for v in sup.fields.values() if v})
    for a in pool:
        for b in pool:
            if a < b:
                sup.ratios.add(round(100.0 * a / b, 1))
    sup.numbers |= {float(y) for y in sup.years}
    sup.blob = "\n".join(strings + extras)
    return sup


# --------------------------------------------------------------------------- extraction helpers
class _Taken:
    """Spans of a paragraph already explained (dates, phrases, headings): numbers inside are skipped.
    A byte mask, so marking and testing cost the span's length (linear over a paragraph)."""

    def __init__(self, length: int) -> None:
        self.mask = bytearray(length)

    def add(self, s: int, e: int) -> None:
        if e > s:
            self.mask[s:e] = b"\x01" * (e - s)

    def hit(self, s: int, e: int) -> bool:
        return any(self.mask[s:e])


_BOUNDARY = set("，。、；：！？,.;:!?（）()“”\"'《》 \t\u3000\n—")


def _is_list_number(text: str, s: int, e: int) -> bool:
    """"1." / "2、" / "（3）" used as list numbering, not a count."""
    before = text[s - 1] if s > 0 else ""
    after = text[e] if e < len(text) else ""
    if before in "（(" and after in "）)":
        return True
    if after in ".．、" and (s == 0 or before in _BOUNDARY or before in "0123456789"):
        nxt = text[e + 1] if e + 1 < len(text) else ""
        return not nxt.isdigit()
    return False


def _keyword_fields(text: str, s: int, e: int, keywords: list[dict], classifiers: list[str]) -> list[str]:
    """The fact fields a number at [s, e) speaks of, from the words right after or before it."""
    after = text[e : e + 12]
    for c in classifiers:  # longest first
        if after.startswith(c):
            after = after[len(c) :]
            break
    cut = re.search(r"[，。、；：！？,;:!?（）()]", after)
    after = after[: cut.start()] if cut else after
    before = text[max(0, s - 10) : s]
    cut = None
    for m in re.finditer(r"[，。、；：！？,;:!?（）()]", before):
        cut = m
    before = before[cut.end() :] if cut else before
    for k in keywords:
        for w in k["words"]:
            if w in after[: len(w) + 2] or (w in before and before.rfind(w) + len(w) >= len(before) - 3):
                return list(k["fields"])
    return []


def _label(path: str, labels: dict[str, str], sup: _Support) -> str:
    m = re.fullmatch(r"activities\[(\d+)\]\.(count|participants)", path)
    if m:
        title = next((t for i, t, _, _ in sup.activities if i == int(m.group(1))), "")
        return f"{labels['activities']}“{title}”{'次数' if m.group(2) == 'count' else '参加人数'}"
    return labels.get(path, path)


_CLAUSE_END = re.compile(r"[，。；：！？,;:!?、（）()]")
_SENTENCE_END = re.compile(r"[。；！？;!?\n]")


def _tied(text: str, s: int, e: int, counter: str, sup: _Support, pats: _Patterns) -> list[tuple[str, int]]:
    """The facts (path, value) the number at [s, e) with its ``counter`` ("名", "次", "" for none) is
    tied to: a keyword of ``fidelity.keywords`` (with a counter it allows) or an activity's title
    right before it (only ``tie_gap_words`` between: "现有党员共31名", "主题党日活动12次"), or right
    after its counter ("31名党员", "12次主题党日"). A person count next to 党员 may also be the
    participants of an activity the same sentence names ("组织12次主题党日，31名党员参加").
    Empty when the number is tied to nothing the facts hold."""
    d = pats.data
    person = counter in d["person_classifiers"]
    before = text[max(0, s - 24) : s]
    cuts = list(_CLAUSE_END.finditer(before))
    before = _strip_quotes(before[cuts[-1].end() :] if cuts else before)
    after = text[e + len(counter) : e + len(counter) + 16]
    cut = _CLAUSE_END.search(after)
    after = _strip_quotes(after[: cut.start()] if cut else after)

    def next_to(word: str) -> bool:
        i = before.rfind(word)
        return after.startswith(word) or (i >= 0 and pats.tie_gap.fullmatch(before[i + len(word) :]) is not None
                                          and not pats.tie_qualified.search(before[:i]))

    out: list[tuple[str, int]] = []
    for k in d["keywords"]:
        allowed = k.get("counters", "person")
        fits = not counter or (person if allowed == "person" else counter in allowed)
        if any(next_to(w) for w in k["words"]):
            if fits:
                out += [(f, sup.fields[f]) for f in k["fields"] if f in sup.fields]
            break
    for i, title, count, participants in sup.activities:
        if title and next_to(title):
            if person and participants is not None:
                out.append((f"activities[{i}].participants", participants))
            elif not person and count is not None:
                out.append((f"activities[{i}].count", count))
    if out and person and any(f.startswith(("members.", "derived.")) for f, _ in out):
        starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, s)]
        end = _SENTENCE_END.search(text, e)
        sentence = _strip_quotes(text[starts[-1] if starts else 0 : end.start() if end else len(text)])
        out += [(f"activities[{i}].participants", p) for i, title, _, p in sup.activities
                if p is not None and title and title in sentence]
    return out


def committee_roles(committee: Iterable[str], pats: _Patterns | None = None) -> dict[str, list[str]]:
    """Role → names from ``structure.committee`` entries ("书记 李明华", "支部书记：李明华"): the role is
    the ``fidelity.committee_roles`` word the entry's first part ends with; entries without one are left out."""
    pats = pats or _patterns()
    out: dict[str, list[str]] = {}
    for entry in committee:
        parts = [p for p in re.split(r"[\s：:，,、]+", entry.strip()) if p]
        if len(parts) < 2:
            continue
        found = [m.group(0) for m in pats.role.finditer("".join(parts[:-1]))]
        if found:
            out.setdefault(found[-1], []).append(parts[-1])
    return out


def _names_at(text: str, start: int, d: dict) -> list[str]:
    """The person names (2–4 characters, longest first) that may start at ``start``."""
    return [name for length in (4, 3, 2) if len(name := text[start : start + length]) == length
            and _name_ok(name, d) and _followed_ok(text, start + length, d)]


def _name_after(text: str, start: int, d: dict) -> str | None:
    """The person name (longest first) starting at ``start``, if one is there."""
    names = _names_at(text, start, d)
    return names[0] if names else None


def _check_roles(para: Paragraph, sup: _Support, pats: _Patterns) -> list[Finding]:
    """A name written with a committee role ("书记王芳", "王芳任书记") must hold that role in the facts."""
    text, d = para.text, pats.data
    out: list[Finding] = []
    for m in pats.role.finditer(text):
        names = sup.roles.get(m.group(0))
        if not names:
            continue
        gap = pats.role_gap.match(text, m.end())
        start = gap.end() if gap else m.end()
        spans = [(m.start(), start + len(c), c) for c in _names_at(text, start, d)]
        if not spans:  # the name before the role: "王芳任组织委员", "王芳同志担任书记"
            verb = pats.role_verb.search(text[max(0, m.start() - 4) : m.start()])
            stop = m.start() - (len(verb.group(0)) if verb else 0)
            spans = [(st, m.end(), text[st:stop]) for st in (stop - n for n in (4, 3, 2))
                     if st >= 0 and _name_starts(text, st, d) and _name_ok(text[st:stop], d)]
        # several readings ("王芳担" / "王芳"): any that holds the role clears it; show one the facts know
        if not spans or any(c in names for _, _, c in spans):
            continue
        a, b, name = next((x for x in spans if x[2] in sup.blob), spans[0])
        span = (a, b)
        shown = text[a:b]
        out.append(_finding(para, "facts.role_contradicts", "P0", span[0], span[1],
                            _msg("facts.role_contradicts", text=shown, role=m.group(0), names="、".join(names)),
                            _msg("facts.suggest_name"), fact="structure.committee"))
    return out


def _surname_ok(name: str, d: dict) -> bool:
    if any(name.startswith(c) for c in d["compound_surnames"]):
        return len(name) in (3, 4)
    return name[0] in d["surnames"] and len(name) in (2, 3)


def _name_ok(name: str, d: dict) -> bool:
    if not re.fullmatch(f"[{HAN}]+", name):
        return False
    compound = len(name) >= 3 and any(name.startswith(c) for c in d["compound_surnames"])
    # a compound surname is a not_name alone (so "欧阳" is never a name) but starts "欧阳明"
    if name in d["not_names"] or (name[:2] in d["not_names"] and not compound) or name[-2:] in d["not_names"]:
        return False
    if any(ch in d.get("name_bad_chars", "") for ch in name[1:]):
        return False
    return _surname_ok(name, d)


def _followed_ok(text: str, end: int, d: dict) -> bool:
    if end >= len(text) or text[end] in _BOUNDARY:
        return True
    return any(text.startswith(f, end) for f in d["name_followers"])


def _names_in(text: str, pats: _Patterns) -> list[tuple[int, int, str]]:
    d = pats.data
    found: dict[int, tuple[int, int, str]] = {}
    for m in pats.title_before.finditer(text):
        e0 = m.end()
        name = _name_after(text, e0, d)
        if name:
            found.setdefault(e0, (e0, e0 + len(name), name))
    for m in pats.title_after.finditer(text):
        # "王芳任书记": the name ends before a role verb; the verb-less reading ("王芳任") is the fallback
        verb = pats.role_verb.search(text[max(0, m.start() - 4) : m.start()])
        for s0 in ([m.start() - len(verb.group(0))] if verb else []) + [m.start()]:
            name = _name_ending(text, s0, d)
            if name:
                st = s0 - len(name)
                if not any(a <= st < b for a, b, _ in found.values()):
                    found.setdefault(st, (st, s0, name))
                break
    return sorted(found.values())


def _name_ending(text: str, end: int, d: dict) -> str | None:
    """The person name (longest first, 2–4 characters) that ends at ``end`` and starts at a
    boundary (the paragraph's start, punctuation, a function character or a title), if any."""
    for length in (4, 3, 2):
        st = end - length
        if st < 0:
            continue
        name = text[st:end]
        if _name_starts(text, st, d) and _name_ok(name, d):
            return name
    return None


def _name_starts(text: str, st: int, d: dict) -> bool:
    """Whether a name may start at ``st``: the paragraph's start, punctuation, a function character
    ("由王芳担任书记") or a title."""
    before = text[st - 1] if st > 0 else ""
    return st == 0 or before in _BOUNDARY or before in "由和与及请对向给被让是了为等有" or any(
        text[:st].endswith(t) for t in d["titles_before"]
    )


def _strip_generic(prefix: str, generic: list[str]) -> str:
    changed = True
    while changed and prefix:
        changed = False
        for g in generic:
            if prefix.startswith(g):
                prefix = prefix[len(g) :]
                changed = True
                break
    return prefix


_COUNT_RE = re.compile(rf"(?:\d+|[{CN_NUMERAL_CHARS}]+)(?:个|所|名|家)")
_UNIT_CHAR_RE = re.compile(f"[{HAN}0-9A-Za-z]")
_MASK_RE = re.compile(r"[Xx×*＊]")
_CJK_RE = re.compile(f"[{HAN}]")


@lru_cache(maxsize=4)
def _unit_word_res(stop_words: tuple[str, ...], generic_words: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    alt = lambda words: "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"  # noqa: E731
    return re.compile(alt(stop_words)), re.compile(f"(?:{alt(generic_words)})$")


def _units_in(text: str, pats: _Patterns) -> list[tuple[int, int, int]]:
    """(start of name, start of suffix, end) for each unit-like name."""
    d = pats.data
    stop = set(d["unit_stop_chars"])
    generic = sorted(d["unit_generic_prefixes"], key=len, reverse=True)
    generic_suffixes = set(d.get("unit_generic_suffixes", []))
    place = d.get("unit_place_chars", "")
    not_after = d.get("unit_not_after", "")
    stop_re, generic_end_re = _unit_word_res(tuple(d.get("unit_stop_words", [])), tuple(d.get("unit_generic_words", [])))
    out = []
    last_end = -1
    for m in pats.unit_suffix.finditer(text):
        s, e = m.start(), m.end()
        p = s
        while p > 0 and s - p < 16 and p - 1 > last_end and text[p - 1] not in stop and _UNIT_CHAR_RE.match(text[p - 1]):
            p -= 1
        last_end = e
        if e < len(text) and text[e] in not_after:
            continue
        if generic_end_re.search(text, max(0, e - 8), e):
            continue
        prefix = text[p:s]
        if _MASK_RE.search(prefix):
            continue  # a masked name is the residue check's business
        cut = 0
        for sm in stop_re.finditer(prefix):
            cut = max(cut, sm.end())
        for cm in _COUNT_RE.finditer(prefix):
            cut = max(cut, cm.end())
        core = _strip_generic(prefix[cut:], generic)
        if len(_CJK_RE.findall(core)) < 2:
            continue
        if m.group(0) in generic_suffixes and not any(ch in place for ch in core):
            continue
        out.append((s - len(core), s, e))
    return out


@dataclass(frozen=True)
class _HonourPatterns:
    verb: re.Pattern[str]
    quoted_title: re.Pattern[str]
    levels: list[tuple[str, str]]  # (word, level), longest word first
    data: dict[str, Any] = field(hash=False, compare=False)


def _honour_patterns(data: Any, path: Path) -> _HonourPatterns:
    d = data["fidelity"]["honours"]
    alt = "|".join(re.escape(w) for w in sorted(d["verbs"], key=len, reverse=True))
    return _HonourPatterns(
        verb=re.compile(f"(?:{alt})"),
        quoted_title=re.compile(r"[“\"]([^”\"\n]{2,30})[”\"](?:荣誉|光荣)?称号"),
        levels=sorted(((str(k), str(v)) for k, v in d["levels"].items()), key=lambda kv: -len(kv[0])),
        data=d,
    )


_HONOUR_END = re.compile(r"[，。；、！？,;!?（）()：:\n]")


def _honour_core(phrase: str, d: dict[str, Any]) -> str:
    core = re.sub(r"[“”\"'‘’《》「」\s]", "", phrase)
    changed = True
    while changed:
        changed = False
        for t in sorted(d["tails"], key=len, reverse=True):
            if core.endswith(t) and len(core) > len(t):
                core = core[: -len(t)]
                changed = True
    return core


def _claimed_levels(core: str, hp: _HonourPatterns) -> set[str]:
    found: set[str] = set()
    rest = core
    for word, level in hp.levels:  # longest first; a matched word is blanked so 全国 does not also count 国家
        if word in rest:
            found.add(level)
            rest = rest.replace(word, "\0" * len(word))
    return found


def _honour_claims(text: str, hp: _HonourPatterns) -> list[tuple[int, int, str]]:
    """(start, end, core name) of each honour claimed in ``text``."""
    d = hp.data
    out: dict[int, tuple[int, int, str]] = {}
    for m in hp.verb.finditer(text):
        if any(text[max(0, m.start() - 6) : m.start()].endswith(a) or a in text[max(0, m.start() - 6) : m.start()]
               for a in d.get("aspire_before", [])):
            continue
        rest = text[m.end() : m.end() + 40]
        cut = _HONOUR_END.search(rest)
        phrase = rest[: cut.start()] if cut else rest
        core = _honour_core(phrase, d)
        if len(core) >= 3 and any(w in core for w in d["words"]):
            out.setdefault(m.end(), (m.end(), m.end() + len(phrase), core))
    for m in hp.quoted_title.finditer(text):
        if not any(s <= m.start() < e for s, e, _ in out.values()):
            core = _honour_core(m.group(1), d)
            if len(core) >= 3:
                out.setdefault(m.start(), (m.start(), m.end(), core))
    return sorted(out.values())


def _check_honours(para: Paragraph, sup: _Support) -> list[Finding]:
    hp = load_data_as("checks.yaml", _honour_patterns)
    blob = re.sub(r"[“”\"'‘’《》「」\s]", "", sup.blob)
    min_cov = float(hp.data.get("min_coverage", 0.6))
    out: list[Finding] = []
    for s, e, core in _honour_claims(para.text, hp):
        if core in blob:
            continue
        claimed = _claimed_levels(core, hp)
        best: tuple[float, Any] | None = None
        for title, level in sup.honours:
            cov = _bigram_coverage(core, ngrams(normalize(title), 2))
            if cov >= min_cov and (best is None or cov > best[0]):
                best = (cov, (title, level))
        if best is None:
            out.append(_finding(para, "facts.honour_unsupported", "P1", s, e,
                                _msg("facts.honour_unsupported", text=core), _msg("facts.suggest_honour")))
            continue
        title, level = best[1]
        fact_levels = ({level} if level else set()) | _claimed_levels(title, hp)
        if claimed and fact_levels and not claimed & fact_levels:
            out.append(_finding(para, "facts.honour_level", "P1", s, e,
                                _msg("facts.honour_level", text=core, claimed="、".join(sorted(claimed)), fact=title,
                                     level="、".join(sorted(fact_levels))),
                                _msg("facts.suggest_honour")))
    return out


# --------------------------------------------------------------------------- the checks
def unsupported_facts(text: str | ReportText, facts: Facts, allowed_extra: Iterable[Any] = ()) -> list[Finding]:
    """Numbers, dates, percentages, names and unit names in ``text`` that ``facts`` do not support.

    ``allowed_extra``: strings or numbers that count as supported besides the facts (the guard
    passes the skeleton's text, the year, dates and heading numbers).
    """
    doc = text if isinstance(text, ReportText) else ReportText.from_text(text or "", detect=False)
    sup = _build_support(facts, allowed_extra)
    findings: list[Finding] = []
    for para in doc.paragraphs:
        findings.extend(_check_paragraph(para, sup))
    return findings


def _finding(para: Paragraph, rule: str, severity: str, s: int, e: int, message: str, suggestion: str | None,
             fact: str | None = None) -> Finding:
    return Finding(check=CHECK, severity=severity, rule=rule, section=para.section, paragraph=para.index,
                   span=(s, e), text=para.text[s:e], message=message, suggestion=suggestion, fact=fact)


def _check_paragraph(para: Paragraph, sup: _Support) -> list[Finding]:
    pats = _patterns()
    d = pats.data
    text = para.text
    taken = _Taken(len(text))
    out: list[Finding] = []
    labels = checks_data()["fact_labels"]
    if para.heading_label:
        lab_end = text.find(para.heading_label) + len(para.heading_label)
        taken.add(0, max(lab_end, 0))
    for rx in pats.skip:
        for m in rx.finditer(text):
            taken.add(m.start(), m.end())
    if pats.phrases is not None:
        for m in pats.phrases.finditer(text):
            taken.add(m.start(), m.end())
    sug_num = _msg("facts.suggest_number")

    # dates
    for m in pats.date_ymd.finditer(text):
        y, mo = int(m.group(1)), int(m.group(2))
        day = int(m.group(3)) if m.group(3) else None
        ok = (y, mo) in sup.months and (day is None or (mo, day) in sup.days)
        if not ok and day is None and (y, mo) not in sup.months and y in sup.years and mo in sup.month_only:
            ok = True
        taken.add(m.start(), m.end())
        if not ok:
            out.append(_finding(para, "facts.date_unsupported", "P1", m.start(), m.end(),
                                _msg("facts.date_unsupported", text=m.group(0)), sug_num))
    for m in pats.date_iso.finditer(text):
        if taken.hit(m.start(), m.end()):
            continue
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            continue
        taken.add(m.start(), m.end())
        day = int(m.group(3)) if m.group(3) else None
        if (y, mo) not in sup.months or (day is not None and (mo, day) not in sup.days):
            out.append(_finding(para, "facts.date_unsupported", "P1", m.start(), m.end(),
                                _msg("facts.date_unsupported", text=m.group(0)), sug_num))
    for m in pats.date_md.finditer(text):
        if taken.hit(m.start(), m.end()):
            continue
        taken.add(m.start(), m.end())
        if (int(m.group(1)), int(m.group(2))) not in sup.days:
            out.append(_finding(para, "facts.date_unsupported", "P1", m.start(), m.end(),
                                _msg("facts.date_unsupported", text=m.group(0)), sug_num))
    for m in pats.year_range.finditer(text):
        if taken.hit(m.start(), m.end()):
            continue
        taken.add(m.start(), m.end())
        y1 = int(m.group(1))
        if y1 not in sup.years:
            out.append(_finding(para, "facts.year_unsupported", "P2", m.start(), m.end(),
                                _msg("facts.year_unsupported", text=m.group(0), year=sup.year), None))
    for m in pats.year.finditer(text):
        if taken.hit(m.start(), m.end()):
            continue
        taken.add(m.start(), m.end())
        if int(m.group(1)) not in sup.years:
            out.append(_finding(para, "facts.year_unsupported", "P2", m.start(), m.end(),
                                _msg("facts.year_unsupported", text=m.group(0), year=sup.year), None))
    for m in pats.month.finditer(text):
        if taken.hit(m.start(), m.end()):
            continue
        taken.add(m.start(), m.end())
        mo = int(m.group(1))
        if 1 <= mo <= 12 and mo not in sup.month_only:
            out.append(_finding(para, "facts.date_unsupported", "P2", m.start(), m.end(),
                                _msg("facts.date_unsupported", text=m.group(0)), None))

    # percentages
    def pct_ok(v: float) -> bool:
        return any(abs(v - r) <= 0.6 for r in sup.ratios)

    for m in pats.percent.finditer(text):
        taken.add(m.start(), m.end())
        if not pct_ok(float(m.group(1))):
            out.append(_finding(para, "facts.percent_unsupported", "P1", m.start(), m.end(),
                                _msg("facts.percent_unsupported", text=m.group(0)), sug_num))
    for m in pats.percent_cn.finditer(text):
        taken.add(m.start(), m.end())
        whole = m.group(1).split("点")[0]
        v = cn_to_int(whole)
        if v is not None and not pct_ok(float(v)):
            out.append(_finding(para, "facts.percent_unsupported", "P1", m.start(), m.end(),
                                _msg("facts.percent_unsupported", text=m.group(0)), sug_num))

    # counts: Arabic numbers, then Chinese numerals before a counter
    classifiers = sorted(d["classifiers"], key=len, reverse=True)
    approx_words = tuple(d["approx_words"])
    factor = float(d.get("approx_factor", 1.5))
    not_before = tuple(d["not_count_before"])

    def judge(s: int, e: int, value: float, counter_end: int) -> None:
        approx = text.startswith(approx_words, counter_end) or text.startswith(approx_words, e)
        counter = text[e:counter_end]
        if counter in approx_words:  # "10余名": the counter after the approximation word
            counter = next((c for c in classifiers if text.startswith(c, counter_end)), "")
        tied = _tied(text, s, e, counter, sup, pats)
        if tied:  # the fact it names decides, not whether the number occurs somewhere in the facts
            if any(value == v or (approx and value <= v <= value * factor) for _, v in tied):
                return
            end = counter_end
            while end < len(text) and end - counter_end < 6 and text[end] not in _BOUNDARY:
                end += 1
            facts_desc = f"{_label(tied[0][0], labels, sup)}为{tied[0][1]}"
            out.append(_finding(para, "facts.number_contradicts", "P0", s, counter_end,
                                _msg("facts.number_contradicts", text=text[s:end], facts=facts_desc), sug_num,
                                fact=tied[0][0]))
        elif not sup.number_ok(value, approx, factor):
            out.append(_finding(para, "facts.number_unsupported", "P1", s, counter_end,
                                _msg("facts.number_unsupported", text=text[s:counter_end]), sug_num))

    for m in pats.number.finditer(text):
        s, e = m.start(), m.end()
        if taken.hit(s, e) or _is_list_number(text, s, e) or text[max(0, s - 1) : s] in not_before:
            continue
        counter_end = e
        for c in classifiers:
            if text.startswith(c, e):
                counter_end = e + len(c)
                break
        judge(s, e, float(m.group(1)), counter_end)
    for rx in (pats.cn_count, pats.cn_ge):
        for m in rx.finditer(text):
            s, e = m.start(1), m.end(1)
            if taken.hit(s, e) or text[max(0, s - 1) : s] in not_before:
                continue
            v = cn_to_int(m.group(1))
            if v is None or v < 2:
                continue
            taken.add(s, m.end())
            judge(s, e, float(v), m.end(2) if rx is pats.cn_count else e + 1)

    # names and units
    for s, e, name in _names_in(text, pats):
        if name in sup.blob or (len(name) >= 3 and name[1:] in sup.blob):
            continue
        out.append(_finding(para, "facts.name_unsupported", "P1", s, e,
                            _msg("facts.name_unsupported", text=name), _msg("facts.suggest_name")))
    for p, s, e in _units_in(text, pats):
        if any(text[q:e] in sup.blob or (s - q >= 2 and text[q:s] in sup.blob) for q in range(p, s - 1)):
            continue
        out.append(_finding(para, "facts.unit_unsupported", "P1", p, e,
                            _msg("facts.unit_unsupported", text=text[p:e]), _msg("facts.suggest_unit")))
    out.extend(_check_roles(para, sup, pats))
    out.extend(_check_honours(para, sup))
    out.sort(key=lambda f: f.span)
    return out


# --------------------------------------------------------------------------- unused facts
def _bigram_coverage(needle: str, haystack_bigrams: set[str]) -> float:
    """Share of ``needle``'s character bigrams (normalised) found among ``haystack_bigrams``."""
    b = ngrams(normalize(needle), 2)
    return len(b & haystack_bigrams) / len(b) if b else 0.0


def unused_facts(text: str | ReportText, facts: Facts) -> list[Finding]:
    """Facts the text never uses (P2 notes): counts, activities, honours, committee names, brand,
    highlights, problems and plans. A free-text fact counts as used when most of its character
    bigrams occur in the text (so a paraphrase that keeps the key words counts)."""
    doc = text if isinstance(text, ReportText) else ReportText.from_text(text or "", detect=False)
    full = doc.text
    pats = _patterns()
    labels = checks_data()["fact_labels"]
    d = pats.data
    classifiers = sorted(d["classifiers"], key=len, reverse=True)
    text_numbers: set[float] = set()
    field_numbers: set[tuple[str, float]] = set()  # (field, value) for numbers next to a fact keyword
    for para in doc.paragraphs:
        t = para.text
        spans = [(m.start(1), m.end(1), float(m.group(1))) for m in pats.number.finditer(t)]
        for m in pats.cn_count.finditer(t):
            v = cn_to_int(m.group(1))
            if v is not None:
                spans.append((m.start(1), m.end(1), float(v)))
        for m in pats.cn_ge.finditer(t):
            v = cn_to_int(m.group(1))
            if v is not None:
                spans.append((m.start(1), m.end(1), float(v)))
        for s, e, v in spans:
            text_numbers.add(v)
            for f in _keyword_fields(t, s, e, d["keywords"], classifiers):
                field_numbers.add((f, v))
    text_bigrams = ngrams(normalize(full), 2)
    out: list[Finding] = []

    def add(path: str, label: str, value: Any) -> None:
        out.append(Finding(check=CHECK, severity="P2", rule="facts.fact_unused", text=str(value), fact=path,
                           message=_msg("facts.fact_unused", label=label, value=value),
                           suggestion=_msg("facts.suggest_unused")))

    for name in ("total", "probationary", "retired", "activists", "applicants", "developed", "staff"):
        v = getattr(facts.members, name)
        if v and (f"members.{name}", float(v)) not in field_numbers:
            add(f"members.{name}", labels.get(f"members.{name}", name), v)
    for name in ("branches", "groups"):
        v = getattr(facts.structure, name)
        if v and not (name == "branches" and v == 1) and (f"structure.{name}", float(v)) not in field_numbers:
            add(f"structure.{name}", labels.get(f"structure.{name}", name), v)
    for i, entry in enumerate(facts.structure.committee):
        person = entry.split()[-1] if entry.split() else entry
        if person and person not in full:
            add(f"structure.committee[{i}]", labels["structure.committee"], entry)

    def used(s: str, need: float = 0.6) -> bool:
        return bool(s) and (s in full or _bigram_coverage(s, text_bigrams) >= need)

    for i, a in enumerate(facts.activities):
        if not used(a.title):
            add(f"activities[{i}]", labels["activities"], a.title)
        elif a.count and float(a.count) not in text_numbers:
            add(f"activities[{i}].count", f"{labels['activities']}“{a.title}”次数", a.count)
    for i, h in enumerate(facts.honours):
        if not used(h.title) or (h.recipient and h.recipient not in full):
            add(f"honours[{i}]", labels["honours"], "，".join(x for x in (h.recipient, h.title) if x))
    if facts.brand and not used(facts.brand):
        add("brand", labels["brand"], facts.brand)
    for key in ("highlights", "problems", "plans"):
        for i, item in enumerate(getattr(facts, key)):
            if not used(item, 0.5):
                add(f"{key}[{i}]", labels[key], item)
    flat = re.sub(r"[“”‘’]", "", full)
    for kind, items in facts.practices.items():
        for i, p in enumerate(items):
            if re.sub(r"[“”‘’]", "", p.name) not in flat:
                add(f"practices.{kind}[{i}]", labels["practices"], p.name)
    for kind, notes in facts.notes.items():
        for i, note in enumerate(notes):
            if not used(note, 0.6):
                add(f"notes.{kind}[{i}]", labels["notes"], note)
    return out
