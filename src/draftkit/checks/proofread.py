"""The proofreading check (校对): typos, punctuation, numbers, fixed expressions and dates.

Families (``Finding.rule``), each with its lexicon or rules in ``prompts/proofread/<family>.yaml``:

* ``proofread.typo`` — a 公文 confusion lexicon (布署 → 部署, 再接再励 → 再接再厉 …). A hit counts
  only where a short wrong form (up to 3 characters) does not cut across a word of the sentence
  (jieba without HMM, with ``prompts/jieba_userdict.txt``): "习惯彻底" holds 惯彻 but is cut 习惯/彻底.
* ``proofread.punct`` — unpaired “” ‘’ （） 《》 【】, quotes nested without ‘’, doubled marks,
  、 after 第一 / 一是 / 首先, half-width marks between Chinese characters (GB/T 15834-2011).
* ``proofread.number`` — full-width digits, ranges (10%～15%, 3～5人), years written short
  (GB/T 15835-2011).
* ``proofread.term`` — titles and fixed expressions (习近平总书记, 党中央、国务院, 新中国成立70周年,
  二十届三中全会), stale expressions, 截止/截至.
* ``proofread.date`` — dates not in the form of GB/T 9704-2012 7.3.5 (2024年12月20日); the 成文日期
  (a lone date among the last paragraphs) at P1, a date in running text at P2.

The rule is 宁可漏报，不可误报: a finding that may be right in some use is a P2 (疑似 / 提示); P1
is kept for forms that are wrong in any 公文; nothing here is P0. A finding whose fix is certain
carries it in ``Finding.replacement`` (offered as a tracked change by :mod:`draftkit.checks.annotate`):
P1 typos and rules, half-width marks between Chinese characters, dates; a P2 rule's fix stays a suggestion.

The user overlay ``proofread.yaml`` in the data directory (``DRAFTKIT_DATA_DIR``) adds typo pairs
and term rules, switches families or entries off and lists texts that are never reported
(:class:`Overlay`); the 体检 tab's "这不是错误" writes to it (:func:`not_an_error`).
Everything is linear in the text; jieba is loaded (about a second) only when a typo is found.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from draftkit.checks.data import checks_data
from draftkit.checks.document import CheckInputError, Paragraph, ReportText
from draftkit.checks.models import SEVERITIES, Finding
from draftkit.config import Settings, get_settings, load_data
from draftkit.files import honour_umask
from draftkit.retrieval.lexical import base_userdict
from draftkit.zh import HAN, find_dates, parse_date

CHECK = "proofread"
FAMILIES: tuple[str, ...] = ("typo", "punct", "number", "term", "date")
OVERLAY_FILE = "proofread.yaml"
#: Rules whose findings "这不是错误" switches off as an entry; for the others it allows the words around the span.
ENTRY_FAMILIES = ("typo", "term")
_ALLOW_CONTEXT = 4  # characters kept each side of a span allowed by "这不是错误"
#: The proofreading reads this many characters of a report (about 70 pages; a report has 5,000–20,000):
#: a pasted 10 MB text is checked in seconds, with a note, instead of minutes.
MAX_CHARS = 200_000
#: At most this many findings of one entry (the runner shows 200 of a rule).
MAX_PER_ENTRY = 200
#: Residue findings that are words in the text (not whole paragraphs or headings): nothing inside them is proofread.
_RESIDUE_IN_TEXT = ("residue.furniture", "residue.ad", "residue.page_marker", "residue.file_name",
                    "residue.appended_document", "residue.placeholder", "residue.letter_mask", "residue.convert_error",
                    "residue.masked_name")
_GUARD_WINDOW = 10  # characters each side of a typo that jieba reads to see whether it cuts a word
#: Only wrong forms this short are guarded: a longer one is an idiom gone wrong ("先峰模范"), and the
#: word it seems to cut ("模范作用") is its own second half, not a sign of a false match.
_GUARDED_LENGTH = 3

log = logging.getLogger(__name__)


class ProofreadConfigError(CheckInputError):
    """The overlay file cannot be read: names the file and the problem."""


class TermRule(BaseModel):
    """A pattern rule (term, punct, number families; the overlay's added term rules)."""

    id: str
    pattern: str
    fix: str | None = None
    severity: str = "P2"
    why: str = ""


class Overlay(BaseModel):
    """The user's ``proofread.yaml``: additions and exceptions on top of ``prompts/proofread/``.

    ``disable``: families ("number") or entries ("typo:布署", "term:习主席", "punct:半角标点") switched off.
    ``allow``: texts never reported — a finding is dropped when its span lies inside one of them.
    ``typo``: added pairs (wrong → right, P1, fixable); ``suspect``: added pairs reported as P2.
    ``term``: added rules (id, pattern, fix, severity, why), as in ``prompts/proofread/term.yaml``.
    """

    disable: list[str] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)
    typo: dict[str, str] = Field(default_factory=dict)
    suspect: dict[str, str] = Field(default_factory=dict)
    term: list[TermRule] = Field(default_factory=list)


# --------------------------------------------------------------------------- the overlay file
def overlay_path(settings: Settings | None = None) -> Path:
    """``<DRAFTKIT_DATA_DIR>/proofread.yaml``."""
    s = settings or get_settings()
    return Path(s.data_dir) / OVERLAY_FILE


def load_overlay(path: str | Path | None = None, settings: Settings | None = None) -> Overlay:
    """The overlay at ``path`` (default :func:`overlay_path`); an empty one when the file is absent.

    Raises :class:`ProofreadConfigError` naming the file when it is not valid YAML or has wrong fields.
    """
    p = Path(path) if path is not None else overlay_path(settings)
    if not p.is_file():
        return Overlay()
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ProofreadConfigError(p, f"无法读取校对设置：{exc}") from exc
    if not isinstance(data, dict):
        raise ProofreadConfigError(p, "校对设置应为键值对（disable / allow / typo / suspect / term）")
    try:
        overlay = Overlay.model_validate(data)
    except ValidationError as exc:
        raise ProofreadConfigError(p, f"校对设置有误：{exc.errors()[0].get('loc')} {exc.errors()[0].get('msg')}") from exc
    for rule in overlay.term:
        try:
            re.compile(rule.pattern)
        except re.error as exc:
            raise ProofreadConfigError(p, f"term 规则“{rule.id}”的正则表达式有误：{exc}") from exc
        if rule.severity not in SEVERITIES:
            raise ProofreadConfigError(p, f"term 规则“{rule.id}”的 severity 应为 P0/P1/P2")
    return overlay


_OVERLAY_HEADER = ("# draftkit 校对的本机设置（可手工编辑）。disable: 关闭的类别或条目（如 number、typo:布署）；\n"
                   "# allow: 不再提示的原文；typo / suspect: 补充的错别字（错词: 正词）；term: 补充的规范表述规则。\n")


def save_overlay(overlay: Overlay, path: str | Path | None = None, settings: Settings | None = None) -> Path:
    """Write the overlay (atomically: a temporary file renamed into place); returns its path."""
    p = Path(path) if path is not None else overlay_path(settings)
    p.parent.mkdir(parents=True, exist_ok=True)
    data = overlay.model_dump(exclude_defaults=True)
    text = _OVERLAY_HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    fd, tmp = tempfile.mkstemp(prefix=".proofread.", suffix=".yaml", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        honour_umask(tmp)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def not_an_error(finding: Finding, paragraph_text: str | None = None, path: str | Path | None = None,
                 settings: Settings | None = None) -> tuple[Overlay, str]:
    """Record in the overlay that ``finding`` is not an error; returns (overlay, what was added, in Chinese).

    A typo or term finding switches its entry off (every later use of that word is accepted);
    any other finding adds its words with a few characters around them (from ``paragraph_text``)
    to ``allow``, so the same passage is not reported again. Raises ValueError for a finding of
    another check.
    """
    if finding.check != CHECK:
        raise ValueError(f"not a proofreading finding: {finding.rule}")
    overlay = load_overlay(path, settings)
    family = finding.rule.split(".", 1)[1]
    if family in ENTRY_FAMILIES and finding.entry:
        if finding.entry not in overlay.disable:
            overlay.disable.append(finding.entry)
        added = f"关闭条目“{finding.entry}”"
    else:
        s, e = finding.span
        text = paragraph_text[max(0, s - _ALLOW_CONTEXT): e + _ALLOW_CONTEXT] if paragraph_text else finding.text
        text = text.strip() or finding.text
        if text and text not in overlay.allow:
            overlay.allow.append(text)
        added = f"不再提示“{text}”"
    save_overlay(overlay, path, settings)
    return overlay, added


# --------------------------------------------------------------------------- the compiled lexicon
@dataclass(frozen=True)
class _Rule:
    family: str
    id: str
    rx: re.Pattern[str]
    fix: str | None
    severity: str
    why: str


@dataclass(frozen=True)
class _Lexicon:
    typo: dict[str, tuple[str, str]]  # wrong → (right, severity)
    typo_rx: re.Pattern[str] | None
    rules: tuple[_Rule, ...]
    pairs: tuple[tuple[str, str, str, str], ...]  # (id, open chars, close chars, severity)
    nested: dict[str, str] | None
    halfwidth: dict[str, Any] | None
    fullwidth: dict[str, Any] | None
    short_year: dict[str, Any] | None
    date: dict[str, Any] | None
    allow: tuple[str, ...]


def _family_data(family: str) -> dict[str, Any]:
    return load_data(f"proofread/{family}.yaml")


def _compile(overlay: Overlay) -> _Lexicon:
    data = {f: _family_data(f) for f in FAMILIES}
    key = json.dumps({"overlay": overlay.model_dump(), "ids": [id(d) for d in data.values()]}, ensure_ascii=False)
    return _compile_cached(hashlib.sha256(key.encode()).hexdigest(), overlay, data)


_compile_lock = threading.Lock()
_compiled: dict[str, _Lexicon] = {}


def _compile_cached(key: str, overlay: Overlay, data: dict[str, dict[str, Any]]) -> _Lexicon:
    with _compile_lock:
        hit = _compiled.get(key)
        if hit is not None:
            return hit
    lex = _build(overlay, data)
    with _compile_lock:
        if len(_compiled) > 8:
            _compiled.clear()
        _compiled[key] = lex
    return lex


def _build(overlay: Overlay, data: dict[str, dict[str, Any]]) -> _Lexicon:
    off = set(overlay.disable)  # (not "off:" in the file: YAML reads that key as false)
    on = {f: f not in off and f"proofread.{f}" not in off for f in FAMILIES}

    def entry_on(family: str, entry_id: str) -> bool:
        return on[family] and f"{family}:{entry_id}" not in off

    typo: dict[str, tuple[str, str]] = {}
    if on["typo"]:
        for wrong, right in (data["typo"].get("suspect") or {}).items():
            typo[str(wrong)] = (str(right), "P2")
        for wrong, right in (data["typo"].get("pairs") or {}).items():
            typo[str(wrong)] = (str(right), "P1")
        for wrong, right in overlay.suspect.items():
            typo[wrong] = (right, "P2")
        for wrong, right in overlay.typo.items():
            typo[wrong] = (right, "P1")
        typo = {w: v for w, v in typo.items() if w and w != v[0] and entry_on("typo", w)}
    # longest first, so "发展对像" wins over "对像" at the same place
    typo_rx = re.compile("|".join(re.escape(w) for w in sorted(typo, key=len, reverse=True))) if typo else None

    rules: list[_Rule] = []
    for family in ("punct", "number", "term"):
        raw_rules = [TermRule.model_validate(r) for r in data[family].get("rules") or []]
        if family == "term":
            raw_rules += overlay.term
        for r in raw_rules:
            if entry_on(family, r.id):
                rules.append(_Rule(family, r.id, re.compile(r.pattern, re.M), r.fix, r.severity, r.why))

    def one(family: str, key: str) -> dict[str, Any] | None:
        conf = data[family].get(key)
        return conf if conf and entry_on(family, conf["id"]) else None

    pairs = tuple((p["id"], p["open"], p["close"], p["severity"]) for p in data["punct"].get("pairs") or []
                  if entry_on("punct", p["id"]))
    date = None
    if on["date"]:
        conf = data["date"]
        date = dict(conf, off=[rid for rid in (conf["id_signature"], conf["id_text"]) if not entry_on("date", rid)])
    return _Lexicon(typo=typo, typo_rx=typo_rx, rules=tuple(rules), pairs=pairs, nested=one("punct", "nested_quote"),
                    halfwidth=one("punct", "halfwidth"), fullwidth=one("number", "fullwidth_digits"),
                    short_year=one("number", "short_year"), date=date, allow=tuple(a for a in overlay.allow if a))


def lexicon_sizes() -> dict[str, int]:
    """How many entries each family holds in ``prompts/proofread/`` (typo pairs and suspects, rules)."""
    lex = _build(Overlay(), {f: _family_data(f) for f in FAMILIES})
    sizes = {f: 0 for f in FAMILIES}
    sizes["typo"] = len(lex.typo)
    for r in lex.rules:
        sizes[r.family] += 1
    sizes["punct"] += len(lex.pairs) + (lex.nested is not None) + (lex.halfwidth is not None)
    sizes["number"] += (lex.fullwidth is not None) + (lex.short_year is not None)
    sizes["date"] = 2
    return sizes


# --------------------------------------------------------------------------- the word guard (jieba)
class _WordGuard:
    """Tells whether a span cuts across a word of its sentence (jieba, dictionary words only)."""

    def __init__(self) -> None:
        self._tok = None
        self._lock = threading.Lock()

    def _tokenizer(self):
        if self._tok is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.initialize()
            for line in base_userdict():
                tok.add_word(line.split()[0])
            self._tok = tok
        return self._tok

    def cuts_a_word(self, text: str, start: int, end: int) -> bool:
        a = max(0, start - _GUARD_WINDOW)
        window = text[a: end + _GUARD_WINDOW]
        s, e = start - a, end - a
        with self._lock:
            tokens = list(self._tokenizer().tokenize(window, HMM=False))
        return any(ts < s < te or ts < e < te for _, ts, te in tokens)


_guard = _WordGuard()


# --------------------------------------------------------------------------- the check
def _msg(rule: str, **kw: Any) -> str:
    return checks_data()["messages"][rule].format(**kw)


def check_proofread(doc: ReportText | str | Any, *, overlay: Overlay | None = None,
                    residue: list[Finding] | None = None, settings: Settings | None = None,
                    max_chars: int = MAX_CHARS, max_per_entry: int = MAX_PER_ENTRY) -> list[Finding]:
    """Proofreading findings over a report.

    Words, marks, numbers and dates are read in the paragraphs as submitted
    (``ReportText.residue_paragraphs``: the cleaning does not put them right first); paired marks in
    the cleaned paragraphs, where a 文库 page break no longer cuts a quotation in two.
    ``overlay``: the user's additions and exceptions (default: read from the data directory;
    raises :class:`ProofreadConfigError` when that file is broken). ``residue``: the residue check's
    findings on the same text — furniture lines are skipped and nothing inside a residue span (a page
    marker, a placeholder) is reported again. Only the first ``max_chars`` characters are read
    (:func:`proofread_capped` tells whether a text is longer), and at most ``max_per_entry`` findings
    of one entry are made. Never raises on any text.
    """
    rt = ReportText.from_text(doc, detect=False) if isinstance(doc, str) else ReportText.coerce(doc)
    ov = overlay if overlay is not None else load_overlay(settings=settings)
    lex = _compile(ov)
    raw = rt.raw_paragraphs is not None
    taken: dict[tuple[bool, int | None], list[tuple[int, int]]] = {}
    for f in residue or ():
        if f.rule in _RESIDUE_IN_TEXT:
            taken.setdefault((f.raw, f.paragraph), []).append(f.span if f.rule != "residue.furniture" else (0, 10**9))
    out: list[Finding] = []
    counts: dict[str | None, int] = {}
    paragraphs = _head(rt.residue_paragraphs, max_chars)
    window = int((lex.date or {}).get("signature_window", 4))
    for p in paragraphs:
        if not p.text.strip():
            continue
        found = _typos(p, lex, counts, max_per_entry) + _rules(p, lex) + _halfwidth(p, lex) + _numbers(p, lex)
        found += _dates(p, lex, signature=p.index >= len(rt.residue_paragraphs) - window)
        if not raw:
            found += _pairs(p, lex)
        out += _keep(found, p.text, lex.allow, taken.get((raw, p.index)), raw, counts, max_per_entry)
    if raw:
        for p in _head(rt.paragraphs, max_chars):
            out += _keep(_pairs(p, lex), p.text, lex.allow, taken.get((False, p.index)), False, counts, max_per_entry)
    return out


def proofread_capped(rt: ReportText, max_chars: int = MAX_CHARS) -> bool:
    """Whether :func:`check_proofread` reads only the head of this report (it is longer than ``max_chars``)."""
    return sum(len(p.text) + 1 for p in rt.residue_paragraphs) > max_chars


def _head(paragraphs: list[Paragraph], max_chars: int) -> list[Paragraph]:
    total = 0
    for i, p in enumerate(paragraphs):
        total += len(p.text) + 1
        if total > max_chars:
            return paragraphs[:i]
    return paragraphs


def _keep(found: list[Finding], text: str, allow: tuple[str, ...], taken: list[tuple[int, int]] | None,
          raw: bool, counts: dict[str | None, int], limit: int) -> list[Finding]:
    found = _drop_allowed(_merge_overlaps(found), text, allow)
    if taken:
        found = [f for f in found if not any(s < f.span[1] and f.span[0] < e for s, e in taken)]
    kept = []
    for f in found:
        counts[f.entry] = counts.get(f.entry, 0) + 1
        if counts[f.entry] <= limit:
            f.raw = raw
            kept.append(f)
    return kept


def _finding(p: Paragraph, family: str, severity: str, s: int, e: int, message: str, *, fix: str | None = None,
             suggestion: str | None = None, entry: str | None = None) -> Finding:
    if suggestion is None:
        suggestion = _msg("proofread.suggest_fix", fix=fix) if fix is not None else _msg("proofread.suggest_check")
    return Finding(check=CHECK, severity=severity, rule=f"{CHECK}.{family}", section=p.section, paragraph=p.index,
                   span=(s, e), text=p.text[s:e], message=message, suggestion=suggestion, replacement=fix,
                   entry=entry)


def _typos(p: Paragraph, lex: _Lexicon, counts: dict[str | None, int], limit: int) -> list[Finding]:
    if lex.typo_rx is None:
        return []
    out = []
    for m in lex.typo_rx.finditer(p.text):
        wrong = m.group(0)
        right, severity = lex.typo[wrong]
        if counts.get(f"typo:{wrong}", 0) >= limit:  # enough of this one; spare the word guard
            continue
        if len(wrong) <= _GUARDED_LENGTH and _guard.cuts_a_word(p.text, m.start(), m.end()):
            continue
        if severity == "P1":
            out.append(_finding(p, "typo", "P1", m.start(), m.end(), _msg("proofread.typo", text=wrong, fix=right),
                                fix=right, entry=f"typo:{wrong}"))
        else:
            out.append(_finding(p, "typo", "P2", m.start(), m.end(), _msg("proofread.typo_suspect", text=wrong, fix=right),
                                suggestion=_msg("proofread.suggest_suspect", fix=right), entry=f"typo:{wrong}"))
    return out


def _rules(p: Paragraph, lex: _Lexicon) -> list[Finding]:
    out = []
    for r in lex.rules:
        for m in r.rx.finditer(p.text):
            if m.end() <= m.start():
                continue
            fix = m.expand(r.fix) if r.fix is not None else None
            text = m.group(0)
            if fix is not None:
                message = _msg("proofread.rule_fix", text=text, fix=fix, why=r.why)
            else:
                message = _msg("proofread.rule", text=text, why=r.why)
            if fix is not None and r.severity == "P2":
                # a P2 rule depends on use (a range, 省委省政府 in a title): its fix is a suggestion, never a tracked change
                out.append(_finding(p, r.family, r.severity, m.start(), m.end(), message,
                                    suggestion=_msg("proofread.suggest_suspect", fix=fix), entry=f"{r.family}:{r.id}"))
                continue
            out.append(_finding(p, r.family, r.severity, m.start(), m.end(), message, fix=fix,
                                entry=f"{r.family}:{r.id}"))
    return out


_LIST_LABEL_RE = re.compile(r"(?:^|(?<=[\s，。；：、]))[\d一二三四五六七八九十]{1,3}(?=[）)])")


def _pairs(p: Paragraph, lex: _Lexicon) -> list[Finding]:
    text = p.text
    out = []
    labels = {m.end() for m in _LIST_LABEL_RE.finditer(text)}  # "1）" "二)": a list label, not a closing bracket
    for pid, opens, closes, severity in lex.pairs:
        stack: list[int] = []
        nested: int | None = None
        for m in _marks_re(opens + closes).finditer(text):
            i, ch = m.start(), m.group(0)
            if ch in opens and ch not in closes:
                if stack and nested is None and lex.nested is not None and pid == "双引号":
                    nested = i
                stack.append(i)
            elif ch in closes:
                if i in labels and not stack:
                    continue
                if stack:
                    stack.pop()
                else:
                    out.append(_finding(p, "punct", severity, i, i + 1,
                                        _msg("proofread.unpaired_close", name=pid, mark=ch, open=opens[0]),
                                        suggestion=_msg("proofread.suggest_pair"), entry=f"punct:{pid}"))
        for i in stack:
            out.append(_finding(p, "punct", severity, i, i + 1, _msg("proofread.unpaired_open", name=pid, mark=text[i], close=closes[0]),
                                suggestion=_msg("proofread.suggest_pair"), entry=f"punct:{pid}"))
        if nested is not None and not stack and lex.nested is not None:
            conf = lex.nested
            out.append(_finding(p, "punct", conf["severity"], nested, nested + 1,
                                _msg("proofread.rule", text=text[nested], why=conf["why"]),
                                suggestion=_msg("proofread.suggest_nested"), entry=f"punct:{conf['id']}"))
    return out


def _halfwidth(p: Paragraph, lex: _Lexicon) -> list[Finding]:
    conf = lex.halfwidth
    if conf is None:
        return []
    marks: dict[str, str] = conf["marks"]
    rx = _halfwidth_re("".join(marks))
    out = []
    for m in rx.finditer(p.text):
        fix = marks[m.group(0)]
        out.append(_finding(p, "punct", conf["severity"], m.start(), m.end(),
                            _msg("proofread.halfwidth", text=p.text[max(0, m.start() - 2): m.end() + 2], fix=fix),
                            fix=fix, entry=f"punct:{conf['id']}"))
    return out


@lru_cache(maxsize=16)
def _marks_re(marks: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(marks)}]")


@lru_cache(maxsize=4)
def _halfwidth_re(marks: str) -> re.Pattern[str]:
    return re.compile(rf"(?<=[{HAN}”’）》])[{re.escape(marks)}](?=[{HAN}“‘（《])")


_FULLWIDTH_RE = re.compile(r"[０-９]+(?:[．.][０-９]+)?")
_SHORT_YEAR_RE = re.compile(r"(?<![0-9０-９.年])([0-9]{2})(\s*年\s*)([0-9]{1,2}\s*月)")


def _numbers(p: Paragraph, lex: _Lexicon) -> list[Finding]:
    out = []
    conf = lex.fullwidth
    if conf is not None:
        for m in _FULLWIDTH_RE.finditer(p.text):
            fix = unicodedata.normalize("NFKC", m.group(0))
            out.append(_finding(p, "number", conf["severity"], m.start(), m.end(),
                                _msg("proofread.rule_fix", text=m.group(0), fix=fix, why=conf["why"]), fix=fix,
                                entry=f"number:{conf['id']}"))
    conf = lex.short_year
    if conf is not None:
        pivot = int(conf.get("century_pivot", 50))
        for m in _SHORT_YEAR_RE.finditer(p.text):
            yy = int(m.group(1))
            fix = f"{2000 + yy if yy <= pivot else 1900 + yy}{m.group(2)}{m.group(3)}"
            out.append(_finding(p, "number", conf["severity"], m.start(), m.end(),
                                _msg("proofread.rule_fix", text=m.group(0), fix=fix, why=conf["why"]), fix=fix,
                                entry=f"number:{conf['id']}"))
    return out


def _dates(p: Paragraph, lex: _Lexicon, *, signature: bool) -> list[Finding]:
    conf = lex.date
    if conf is None:
        return []
    lone = parse_date(p.text) is not None
    out = []
    for d in find_dates(p.text):
        if d.official:
            continue
        if signature and lone:
            severity, why, rid = conf["signature_severity"], conf["why_signature"], conf["id_signature"]
        else:
            severity, why, rid = conf["text_severity"], conf["why_text"], conf["id_text"]
        if rid in conf["off"]:
            continue
        shown = p.text[d.start:d.end]
        out.append(_finding(p, "date", severity, d.start, d.end,
                            _msg("proofread.rule_fix", text=shown, fix=d.fixed, why=why), fix=d.fixed,
                            entry=f"date:{rid}"))
    return out


def _merge_overlaps(found: list[Finding]) -> list[Finding]:
    """One finding per place: a finding inside another's span is dropped, the outer one keeps the
    graver severity ("２０２４年１２月８日" is one date finding, not a date and a digits finding)."""
    found.sort(key=lambda f: (f.span[0], -(f.span[1] - f.span[0])))
    kept: list[Finding] = []
    for f in found:
        if kept and f.span[1] <= kept[-1].span[1] and f.span[0] >= kept[-1].span[0]:
            outer = kept[-1]
            if SEVERITIES.index(f.severity) < SEVERITIES.index(outer.severity):
                kept[-1] = outer.model_copy(update={"severity": f.severity})
            continue
        kept.append(f)
    return kept


def _drop_allowed(found: list[Finding], text: str, allow: tuple[str, ...]) -> list[Finding]:
    if not allow or not found:
        return found
    covered: list[tuple[int, int]] = []
    for a in allow:
        start = text.find(a)
        while start != -1:
            covered.append((start, start + len(a)))
            start = text.find(a, start + 1)
    return [f for f in found if not any(s <= f.span[0] and f.span[1] <= e for s, e in covered)]
