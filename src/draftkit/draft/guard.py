"""The guard: what a backend wrote for a section may state only what the facts support.

It uses the review checks (one implementation for reviewers and for drafting):
:func:`draftkit.checks.fidelity.unsupported_facts` for numbers, dates, percentages, person and
unit names, honours and their levels, :func:`draftkit.checks.fidelity.unused_facts` for facts the
text lost, and :func:`draftkit.checks.era.check_era` for wording that is stale or impossible for the
year. On top of those, the guard knows what only a model invents (issue "A model path that really
writes", §2): quoted phrases “…” and 《…》 titles that are in neither the facts, the skeleton, the era
wording nor the allowed lists of ``prompts/guard.yaml``, and sentences copied from an exemplar.

- A sentence with a must-fix or should-fix finding (P0/P1), an invented quotation or title, or a
  copied exemplar sentence is removed, and the removal is noted in the section's warnings with the
  sentence and the reason. So is a sentence that says again what an earlier sentence of the section
  said (small models loop near the token limit); repeats do not count towards the fallback share.
  Words said three or more times in a row inside one sentence are kept once, and text past
  ``max_chars`` (the writer gives 2 × the section's target length) is cut at a sentence end before
  the repair.
- It repairs before it discards: a fact or a 【待补充】 marker the model dropped is put back by
  appending the skeleton's sentence that carries it (noted in the warnings with the sentence), so
  the section keeps the model's prose.
- The section falls back to its skeleton (warning shown) only when nothing is left, when more than
  :data:`MAX_REMOVED_SHARE` of its sentences were removed, or when a repair cannot restore a fact.
- The template backend's own text is audited the same way but against the facts and the era
  wording only (not against itself): a finding there is a template bug and is reported, the
  text is kept (it *is* the fallback). Tests assert it has none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from draftkit.checks.document import ReportText
from draftkit.checks.era import check_era
from draftkit.checks.fidelity import fact_strings, unsupported_facts, unused_facts
from draftkit.checks.reuse import NGRAM, copy_ratio
from draftkit.config import load_data, prompts_path
from draftkit.draft.plan import ANY_MARKER_RE, EraContext
from draftkit.era import load_era
from draftkit.facts import Facts, field_label
from draftkit.practices import CatalogueError, load_catalogue
from draftkit.zh import ngrams, normalize, shorten, split_sentences

MAX_REMOVED_SHARE = 1 / 3
# A model sentence of at least COPY_MIN_CHARS characters with COPY_MAX_SHARE of its text in 8-grams of the
# exemplars (and not of the skeleton) is a copied sentence: exemplars are style, never content.
COPY_MIN_CHARS = 12
COPY_MAX_SHARE = 0.6
# A sentence with REPEAT_MAX_SHARE of its text in 8-grams of the section's earlier kept sentences
# repeats them (the same measure as a copied exemplar, against the section itself)
REPEAT_MAX_SHARE = 0.6


class SentenceRemoval(BaseModel):
    """A sentence the guard took out of a model's section, with the findings that condemned it."""

    sentence: str
    reasons: list[str]  # the findings' messages (Chinese)
    rules: list[str] = Field(default_factory=list)


class Repair(BaseModel):
    """A skeleton sentence appended because the model's text lost what it carries."""

    sentence: str
    facts: list[str]  # what it puts back, as shown to the user (党员总数“31”, 【待补充：…】)


class GuardResult(BaseModel):
    text: str  # what the section keeps
    removed: list[SentenceRemoval] = Field(default_factory=list)
    repaired: list[Repair] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)  # Chinese, shown to the user
    fell_back: bool = False
    lost_facts: list[str] = Field(default_factory=list)  # messages of facts the rewrite dropped
    sentences: int = 0


def era_allowed(era: EraContext) -> list[str]:
    """Era wording the drafting may use besides the facts (guiding line, campaigns, anniversaries)."""
    return [era.guiding_line, era.thought, era.congress, *era.campaigns, *era.anniversaries, str(era.year)]


def _findings(text: str, facts: Facts, year: int | None, allowed: Iterable[Any], heading: str = "") -> list[Any]:
    found = [f for f in unsupported_facts(text, facts, allowed_extra=list(allowed)) if f.severity in ("P0", "P1")]
    if year is not None:
        rt = ReportText.from_text(text, detect=False)
        if heading:  # the section's heading tells the era check what part of the report this is
            for p in rt.paragraphs:
                p.section, p.path = heading, [heading]
        found += [f for f in check_era(rt, year, facts.report_kind) if f.severity in ("P0", "P1")]
    return found


def audit_text(text: str, facts: Facts, era: EraContext, heading: str = "") -> list[Any]:
    """P0/P1 findings in template text judged against the facts and the era wording only."""
    return _findings(text, facts, era.year, era_allowed(era), heading)


def _paragraph_texts(text: str) -> list[str]:
    # the checks split a text into paragraphs at non-blank lines; keep the same view
    return [line for line in text.split("\n") if line.strip()]


def guard_data(settings: Any = None) -> dict[str, Any]:
    """``prompts/guard.yaml`` (cached until the file changes)."""
    return load_data("guard.yaml", settings=settings)


def _msg(key: str, **values: Any) -> str:
    return str(guard_data()["messages"][key]).format(**values)


#: the files the allowed quoted terms come from (in the prompts directory)
ALLOWED_TERM_FILES = ("guard.yaml", "jieba_userdict.txt", "era.yaml", "practices.yaml")


def allowed_terms() -> frozenset[str]:
    """Quoted terms allowed without facts (see ``_allowed_terms_cached``), read again when one of
    :data:`ALLOWED_TERM_FILES` changes (its modification time or size), as the other data files are."""
    root = prompts_path()
    stamp = []
    for name in ALLOWED_TERM_FILES:
        try:
            st = (root / name).stat()
            stamp.append((st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append(None)
    return _allowed_terms_cached(str(root), tuple(stamp))


@lru_cache(maxsize=4)
def _allowed_terms_cached(root: str, stamp: tuple) -> frozenset[str]:
    """Quoted terms allowed without facts: guard.yaml, the jieba user dictionary, the era table and
    the practices catalogue (when present). ``stamp`` is the files' versions (only the cache key)."""
    d = guard_data()
    terms = {str(t) for t in d.get("quoted_allowed") or []}
    userdict = Path(root) / "jieba_userdict.txt"
    if userdict.is_file():
        for line in userdict.read_text(encoding="utf-8").splitlines():
            word = line.split("#", 1)[0].split()
            if word:
                terms.add(word[0])
    for item in load_era().items:
        terms.add(item.name)
        terms.update(getattr(item, "aliases", None) or [])
    try:
        for entry in load_catalogue().entries:
            terms.update(entry.spellings())
    except CatalogueError:
        pass  # the catalogue's own check reports it; quotes are then judged without it
    return frozenset(_bare(t) for t in terms if t)


def _bare(s: str) -> str:
    return re.sub(r"[“”\"'‘’「」『』《》\s]", "", s)


_QUOTED = re.compile(r"“([^“”\n]{2,40})”")
_TITLED = re.compile(r"《([^《》\n]{2,40})》")


def invented_quotes(sentence: str, supported: str) -> list[tuple[str, str]]:
    """(rule, reason) for each quoted phrase or 《》 title in ``sentence`` that ``supported`` (the
    facts, skeleton and era wording, without quote marks) and the allowed lists do not hold."""
    allowed = allowed_terms()
    titles = {_bare(t) for t in guard_data().get("titles_allowed") or []}
    out = []
    for m in _QUOTED.finditer(sentence):
        inner = _bare(m.group(1))
        if inner and inner not in supported and inner not in allowed:
            out.append(("guard.invented_quote", _msg("quoted", text=m.group(1))))
    for m in _TITLED.finditer(sentence):
        inner = _bare(m.group(1))
        if inner and inner not in supported and inner not in titles and inner not in allowed:
            out.append(("guard.invented_title", _msg("title", text=m.group(1))))
    return out


_FULL_SENTENCE = re.compile(r"[^。！？!?]*(?:[。！？!?]+[”’」』）)]*|$)")


def full_sentences(paragraph: str) -> list[str]:
    """Sentences ending in 。！？ (a 一是……；二是……。 enumeration stays one sentence)."""
    return [m.group(0) for m in _FULL_SENTENCE.finditer(paragraph) if m.group(0).strip()]


def _lists(unused: set[str], path: str) -> bool:
    """Whether ``unused`` names ``path`` or a fact it belongs to (activities[0] for activities[0].count)."""
    parts = path.split(".")
    return any(".".join(parts[:i]) in unused for i in range(1, len(parts) + 1))


def _fact_desc(f: Any, facts: Facts) -> str:
    """A lost fact as the user reads it: 预备党员“2”, 活动“主题党日”的次数“12”."""
    m = re.fullmatch(r"activities\[(\d+)\]\.count", f.fact or "")
    if m and int(m.group(1)) < len(facts.activities):
        return f"活动“{facts.activities[int(m.group(1))].title.strip('“”')}”的次数“{f.text}”"
    kind = re.match(r"(practices|notes)\b", f.fact or "")
    if kind:
        return f"{'做法' if kind.group(1) == 'practices' else '书记的要点'}“{f.text}”"
    return f"{field_label(f.fact) if f.fact else ''}“{f.text}”"


def _stated_in(f: Any, skeleton_bare: str) -> bool:
    """Whether the skeleton states the fact ``f`` word for word (its value, or each part of a joined
    value): the guard only puts back what this section's skeleton says, not a fact a fuzzy match
    credited to it."""
    parts = [_bare(p) for p in re.split(r"[，,]", str(f.text or "")) if p.strip()]
    return bool(parts) and all(p in skeleton_bare for p in parts)


def guard_section(text: str, skeleton: str, facts: Facts, era: EraContext, *,
                  heading: str = "", extra_allowed: Iterable[str] = (), exemplars: Iterable[str] = (),
                  max_chars: int | None = None) -> GuardResult:
    """Check a model's section text (paragraphs joined by "\\n") against the facts and the skeleton.

    Removes sentences that add unsupported claims, invent quotations or titles, copy an exemplar
    (exemplars are style, never content) or repeat the section's earlier sentences; when what is
    left is longer than ``max_chars`` characters, drops its last sentences until it fits; appends
    the skeleton's sentences for facts and markers the text lost; falls back to the skeleton as the
    last resort. Never raises for bad model text."""
    exemplar_grams: set[str] = set()
    for ex in exemplars:
        exemplar_grams |= ngrams(normalize(ex), NGRAM)
    skeleton_grams = ngrams(normalize(skeleton), NGRAM)
    # set phrases as long as an n-gram (the era's guiding line, allowed terms): 排比 sentences share them
    set_phrases = {n for p in [*era_allowed(era), *allowed_terms()] if len(n := normalize(str(p))) >= NGRAM}

    def copied(sentence: str) -> bool:
        if not exemplar_grams or len(sentence) < COPY_MIN_CHARS:
            return False
        ratio, _ = copy_ratio(sentence, exemplar_grams)
        return ratio >= COPY_MAX_SHARE and copy_ratio(sentence, skeleton_grams)[0] < COPY_MAX_SHARE

    paragraphs, looped = _unloop(_paragraph_texts(text))
    allowed = [skeleton, *era_allowed(era), *extra_allowed]
    supported = _bare("\n".join([*fact_strings(facts), *allowed]))
    findings = _findings("\n".join(paragraphs), facts, era.year, allowed, heading)
    by_para: dict[int, list[Any]] = {}
    for f in findings:
        if f.paragraph is not None:
            by_para.setdefault(f.paragraph, []).append(f)
    kept_paras: list[str] = []
    removed: list[SentenceRemoval] = []
    repeats = 0
    said: set[str] = set()  # 8-grams of the sentences kept so far
    total = 0
    for i, para in enumerate(paragraphs):
        sentences = split_sentences(para)
        total += len(sentences)
        pos = 0
        keep = []
        for sent in sentences:
            start, end = pos, pos + len(sent)
            pos = end
            hits = [f for f in by_para.get(i, []) if start <= f.span[0] < end or (f.span[0] <= start < f.span[1])]
            invented = invented_quotes(sent, supported)
            if hits or invented:
                reasons = [f.message for f in hits] + [r for _, r in invented]
                removed.append(SentenceRemoval(sentence=sent.strip(), reasons=list(dict.fromkeys(reasons)),
                                       rules=list(dict.fromkeys([f.rule for f in hits] + [k for k, _ in invented]))))
            elif copied(sent.strip()):
                removed.append(SentenceRemoval(sentence=sent.strip(), reasons=[_msg("copied")],
                                       rules=["guard.copied_exemplar"]))
            elif said and len(sent.strip()) >= COPY_MIN_CHARS and _repeat_share(sent, said, set_phrases) >= REPEAT_MAX_SHARE:
                removed.append(SentenceRemoval(sentence=sent.strip(), reasons=[_msg("repeat_reason")],
                                               rules=["guard.repeated"]))
                repeats += 1
            else:
                keep.append(sent)
                said |= ngrams(normalize(sent), NGRAM)
        joined = _close_sentence("".join(keep).strip())
        if joined:
            kept_paras.append(joined)
    warnings = [_msg("removed", sentence=r.sentence, reasons="；".join(r.reasons))
                for r in removed if r.rules != ["guard.repeated"]]
    if looped:
        warnings.append(_msg("looped", count=len(looped), text=shorten(looped[0], 20)))
    if repeats:  # one line for a loop, not one per turn of it
        first = next(r.sentence for r in removed if r.rules == ["guard.repeated"])
        warnings.append(_msg("repeated", count=repeats, sentence=shorten(first, 30)))
    where = f"“{heading}”" if heading else "本节"

    def fallback(reason: str, lost: list[str] | None = None) -> GuardResult:
        return GuardResult(text=skeleton, removed=removed, fell_back=True, lost_facts=lost or [], sentences=total,
                           warnings=[*warnings, _msg("fallback", heading=where, reason=reason)])

    if not "".join(kept_paras).strip():
        return fallback(_msg("fallback_empty"))
    invented = len(removed) - repeats
    if total - repeats and invented > (total - repeats) * MAX_REMOVED_SHARE:
        return fallback(_msg("fallback_removed", removed=invented, total=total - repeats))

    if max_chars and len("".join(kept_paras)) > max_chars:
        kept_paras, dropped = _cut_to(kept_paras, max_chars)
        if dropped:
            warnings.append(_msg("too_long", chars=len("".join(kept_paras)) + sum(map(len, dropped)),
                                 limit=max_chars, dropped=len(dropped), first=shorten(dropped[0], 30)))
    # Repair: the skeleton's sentences that carry what the model's text lost, in skeleton order.
    kept = "\n".join(kept_paras)
    before = {f.fact for f in unused_facts(skeleton, facts)}
    skeleton_bare = _bare(skeleton)
    lost = [f for f in unused_facts(kept, facts) if f.fact not in before and _stated_in(f, skeleton_bare)]
    lost_markers = [m for m in dict.fromkeys(ANY_MARKER_RE.findall(skeleton)) if m not in kept]
    repairs: list[Repair] = []
    if lost or lost_markers:
        candidates = [s.strip() for p in _paragraph_texts(skeleton) for s in full_sentences(p) if s.strip()]
        carried = {s: {f.fact for f in unused_facts(s, facts)} for s in candidates} if lost else {}
        chosen: dict[str, list[str]] = {}
        for f in lost:
            # the first sentence that states the fact word for word, else the first credited with it
            # ("党史学习教育" is credited with the activity "党史学习教育读书班" but lacks its count)
            carriers = [s for s in candidates if not _lists(carried[s], f.fact)]
            best = next((s for s in carriers if _stated_in(f, _bare(s))), carriers[0] if carriers else None)
            if best is not None:
                chosen.setdefault(best, []).append(_fact_desc(f, facts))
        for m in lost_markers:
            for s in candidates:
                if m in s:
                    chosen.setdefault(s, []).append(m)
                    break
        repairs = [Repair(sentence=s, facts=chosen[s]) for s in candidates if s in chosen]
        if repairs:
            kept_paras = _put_back(kept_paras, [r.sentence for r in repairs])
            kept = "\n".join(kept_paras)
        still = [f for f in unused_facts(kept, facts) if f.fact not in before and _stated_in(f, skeleton_bare)]
        still_markers = [m for m in lost_markers if m not in kept]
        if still or still_markers:
            shown = "；".join([_fact_desc(f, facts) for f in still] + still_markers)
            return fallback(f"遗漏了事实（{shown}）", [f.message for f in still])
    for r in repairs:
        key = "repaired_marker" if all(x.startswith(("【待补充", "【待核实")) for x in r.facts) else "repaired"
        warnings.append(_msg(key, fact="、".join(r.facts), sentence=r.sentence))
    return GuardResult(text=kept, removed=removed, repaired=repairs, warnings=warnings, sentences=total)


def _repeat_share(sentence: str, said: set[str], set_phrases: set[str]) -> float:
    """The share of ``sentence``'s own wording inside n-grams of ``said``, where a set phrase said
    before does not count as the sentence's wording: "坚持以习近平新时代中国特色社会主义思想为指导，…"
    said twice with different tails is parallel prose, not a loop (a set phrase said for the first
    time is new wording). A sentence that is all set phrase is measured whole."""
    norm = normalize(sentence)
    if len(norm) < NGRAM:
        return 0.0
    covered = bytearray(len(norm))
    for i in range(len(norm) - NGRAM + 1):
        if norm[i : i + NGRAM] in said:
            covered[i : i + NGRAM] = b"\x01" * NGRAM
    fixed = bytearray(len(norm))  # set phrases said before: neither repeated nor new wording
    for p in set_phrases:
        for m in re.finditer(re.escape(p), norm):
            if all(covered[m.start() : m.end()]):
                fixed[m.start() : m.end()] = b"\x01" * len(p)
    own = [i for i in range(len(norm)) if not fixed[i]] or range(len(norm))
    return sum(covered[i] for i in own) / len(own)


#: the same words (4–40 characters, within a sentence) three or more times in a row: a model's loop
#: inside one sentence (whole sentences said again are the repeat rule's)
_LOOP = re.compile(r"([^。！？!?\n]{4,40}?)\1{2,}")


def _unloop(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """(paragraphs, the looped pieces): words written three or more times in a row kept once
    ("不断加强理论学习、不断加强理论学习、不断加强理论学习、" → once). Prose never says the same words
    thrice running; a loop that ends in 。 is one sentence, which the repeat rule cannot see."""
    looped: list[str] = []

    def once(m: re.Match[str]) -> str:
        looped.append(m.group(1))
        return m.group(1)

    return [_LOOP.sub(once, p) for p in paragraphs], looped


def _cut_to(paragraphs: list[str], max_chars: int) -> tuple[list[str], list[str]]:
    """(paragraphs, dropped sentences): the last sentences dropped until the paragraphs hold at most
    ``max_chars`` characters; the first sentence always stays."""
    paras = [full_sentences(p) for p in paragraphs]
    dropped: list[str] = []
    size = sum(len(s) for p in paras for s in p)
    while size > max_chars and sum(map(len, paras)) > 1:
        last = paras[-1].pop()
        dropped.insert(0, last)
        size -= len(last)
        if not paras[-1]:
            paras.pop()
    return ["".join(p) for p in paras], dropped


#: a kept sentence this much contained in a repair sentence is the repair's shorter version: replaced in place
REPLACE_SHARE = 0.6


def _put_back(paragraphs: list[str], sentences: list[str]) -> list[str]:
    """``paragraphs`` with each repair sentence put in: in place of a kept sentence it contains (the
    model's shorter version of it, so nothing is said twice), else appended to the last paragraph."""
    paras = [full_sentences(p) for p in paragraphs]
    tail: list[str] = []
    for rep in sentences:
        rep_grams = ngrams(normalize(rep), 3)
        best, where = 0.0, None
        for i, sents in enumerate(paras):
            for j, sent in enumerate(sents):
                g = ngrams(normalize(sent), 3)
                share = len(g & rep_grams) / len(g) if g else 0.0
                if share > best:
                    best, where = share, (i, j)
        if where is not None and best >= REPLACE_SHARE:
            i, j = where
            paras[i][j] = _close_sentence(rep)
        else:
            tail.append(_close_sentence(rep))
    out = ["".join(p) for p in paras]
    out[-1] = out[-1] + "".join(tail)
    return out


def _close_sentence(text: str) -> str:
    """A paragraph whose last sentence ends in 。 (a removal may leave it ending in ； or ，)."""
    text = text.rstrip()
    if text and text[-1] in "；;，,、：:":
        text = text[:-1] + "。"
    elif text and text[-1] not in "。！？!?”’」』）)】":
        text += "。"
    return text
