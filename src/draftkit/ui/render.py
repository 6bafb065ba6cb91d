"""HTML and Markdown snippets for the UI (all user and corpus text escaped), and the page's CSS."""

from __future__ import annotations

import html
import time
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from draftkit.section_kinds import SECTION_KINDS

CSS = """
.gradio-container {max-width: 1680px !important;}
#dk-title h1 {margin-bottom: 0; font-size: 1.6em;}
#dk-title p {color: #666; margin-top: 2px;}
.dk-card {border: 1px solid #e3e3e3; border-left: 3px solid #c0392b; border-radius: 6px; padding: 8px 10px;
          margin: 0 0 8px 0; background: #fffdfb; font-size: 0.9em;}
.dk-card .dk-meta {color: #666; font-size: 0.85em; margin-bottom: 4px;}
.dk-card .dk-src {color: #8c2f25; font-weight: 600;}
.dk-card .dk-text {white-space: pre-wrap; line-height: 1.65; color: #222;}
.dk-card mark {background: #ffe58f; padding: 0;}
.dk-empty {color: #999; font-size: 0.9em; padding: 6px 2px;}
.dk-ex-label {color: #888; font-size: 0.85em; margin: 2px 0 4px 0;}
.dk-cards {max-height: 300px; overflow-y: auto; padding-right: 4px;}
.dk-warn ul {margin: 4px 0 0 0;}
.dk-warn li {color: #a8071a; font-size: 0.9em;}
.dk-sev-P0 {color: #a8071a; font-weight: bold;} .dk-sev-P1 {color: #d46b08; font-weight: bold;}
.dk-sev-P2 {color: #595959;}
.dk-h1 {font-family: "SimHei", "Noto Sans CJK SC", sans-serif; font-size: 1.12em; font-weight: 700; color: #222;}
.dk-h2 {font-family: "KaiTi", "Noto Serif CJK SC", serif; font-size: 1.05em; font-weight: 600; color: #333;
        padding-left: 1em;}
.dk-h3, .dk-h4 {font-size: 1em; font-weight: 600; color: #444; padding-left: 2em;}
.dk-writing {color: #c0392b; font-weight: normal; font-size: 0.85em; margin-left: 0.6em;}
.dk-progress {margin: 4px 0 8px 0;}
.dk-progress .dk-bar {height: 6px; background: #eee; border-radius: 3px; overflow: hidden;}
.dk-progress .dk-fill {height: 6px; background: #c0392b; transition: width 0.2s;}
.dk-progress .dk-label {font-size: 0.9em; color: #444; margin-bottom: 3px;}
.dk-section textarea {font-family: "FangSong", "Noto Serif CJK SC", serif; font-size: 15px; line-height: 1.8;}
.dk-diff {font-family: ui-monospace, monospace; font-size: 0.88em; white-space: pre-wrap; line-height: 1.6;}
.dk-diff .add {background: #e6ffed;} .dk-diff .remove {background: #ffeef0; text-decoration: line-through;}
.dk-diff .gap {color: #999;}
.dk-sec {background: var(--background-fill-primary) !important; border: 1px solid #e8e8e8 !important;
          box-shadow: 0 1px 2px rgba(0,0,0,0.03);}
.dk-sec .dk-warn {flex-grow: 1;}
#report-notes {background: #fffbe6 !important;}
.dk-report-warn {color: #ad6800; font-size: 0.9em; margin: 4px 0;}
.dk-drafts-row {align-items: flex-end;}
#new-draft {max-height: 48px; margin-bottom: 6px;}
.dk-hidden {display: none !important;}
#dk-save-state {font-size: 0.85em; padding: 1px 8px; border-radius: 8px; background: #e8f5e9; color: #2e7d32;}
#dk-save-state[data-state=unsaved] {background: #fdecea; color: #b71c1c; font-weight: 600;}
.dk-signature {text-align: right; line-height: 1.8; padding-right: 1em;}
.dk-pending {background: #fff1b8;}
.dk-doc {margin-top: 12px; border-top: 1px solid #eee; padding-top: 6px;}
.dk-doc summary {cursor: pointer; color: #444; font-weight: 600; margin-bottom: 6px;}
.dk-para {line-height: 1.8; margin: 0 0 6px 0; scroll-margin-top: 80px; white-space: pre-wrap;}
.dk-para:target {background: #fffbe6; outline: 2px solid #ffd666;}
.dk-pno {display: inline-block; min-width: 2.2em; color: #aaa; font-size: 0.8em;}
.dk-mark-P0 {background: #ffccc7;} .dk-mark-P1 {background: #ffe58f;} .dk-mark-P2 {background: #f0f0f0;}
"""


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text))


def text_digest(text: str) -> str:
    """``"<code points>:<hash>"``, the hash being h = h·31 + code point (mod 2³²) over the text: the page
    computes the same over a box's value (EDIT_JS in app.py) to tell whether the box still holds it."""
    h = 0
    for ch in text:
        h = (h * 31 + ord(ch)) & 0xFFFFFFFF
    return f"{len(text)}:{h}"


def saved_mark(box: str, text: str = "") -> str:
    """An invisible mark in the status saying the server stored ``text`` for the box with DOM id ``box``
    (``"*"``: every box now shows what is stored, after opening, generating or restoring a draft)."""
    # data-n makes each mark new to the page, even when the same text is saved twice in a row
    return (f"<span class='dk-saved' data-box='{esc(box)}' data-digest='{esc(text_digest(text))}' "
            f"data-n='{time.monotonic_ns()}'></span>")


def _meta(title: str | None, year: int | None, unit: str | None, heading_path: Iterable[str] | None,
          kind: str | None = None, extra: str = "") -> str:
    parts = [f"<span class='dk-src'>《{esc(title)}》</span>" if title else "<span class='dk-src'>（无标题）</span>"]
    if year:
        parts.append(f"{year}年")
    if unit:
        parts.append(esc(unit))
    if kind:
        parts.append(esc(SECTION_KINDS.get(kind, kind)))
    path = [h for h in (heading_path or []) if h]
    if path:
        parts.append(" › ".join(esc(h) for h in path))
    if extra:
        parts.append(extra)
    return " · ".join(parts)


def highlight_shared(text: str, query: str, n: int = 6) -> str:
    """Escape ``text`` and mark the runs of at least ``n`` characters it shares with ``query``."""
    if not query or len(query) < n:
        return esc(text)
    grams = {query[i:i + n] for i in range(len(query) - n + 1)}
    covered = [False] * len(text)
    for i in range(len(text) - n + 1):
        if text[i:i + n] in grams:
            for j in range(i, i + n):
                covered[j] = True
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and covered[j] == covered[i]:
            j += 1
        piece = esc(text[i:j])
        out.append(f"<mark>{piece}</mark>" if covered[i] else piece)
        i = j
    return "".join(out)


def short(text: str, limit: int = 220) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "……"


def exemplar_cards(exemplars: Iterable[Any] | None, limit: int = 220) -> str:
    """Cards for the past passages a section drew on: source title, year, unit, heading path, passage."""
    exemplars = list(exemplars or [])
    label = "<div class='dk-ex-label'>参考的往年段落</div>"
    if not exemplars:
        return label + "<div class='dk-empty'>本节未引用往年段落。</div>"
    cards = []
    for ex in exemplars:
        meta = _meta(ex.title, ex.year, ex.unit, ex.heading_path)
        cards.append(f"<div class='dk-card dk-exemplar'><div class='dk-meta'>{meta}</div>"
                     f"<div class='dk-text'>{esc(short(ex.text, limit))}</div></div>")
    return label + "<div class='dk-cards'>" + "\n".join(cards) + "</div>"


def hit_cards(hits: Iterable[Any], query: str) -> str:
    """Search results as cards: rank, source (title, year, unit, section, file), passage with shared text marked."""
    hits = list(hits)
    if not hits:
        return "<div class='dk-empty'>没有找到相关段落。</div>"
    cards = []
    for h in hits:
        c = h.chunk
        ranks = []
        if getattr(h, "dense_rank", None):
            ranks.append(f"语义第{h.dense_rank}")
        if getattr(h, "lexical_rank", None):
            ranks.append(f"关键词第{h.lexical_rank}")
        extra = f"得分 {h.score:.3f}" + (f"（{'，'.join(ranks)}）" if ranks else "")
        meta = _meta(getattr(c, "title", None), getattr(c, "year", None), getattr(c, "unit", None),
                     getattr(c, "heading_path", None), getattr(c, "kind", None), extra)
        source = getattr(c, "source", None) or getattr(c, "path", None) or ""
        cards.append(f"<div class='dk-card dk-hit'><div class='dk-meta'>{h.rank}. {meta}</div>"
                     f"<div class='dk-meta'>来源文件：<span class='dk-file' title='{esc(source)}'>"
                     f"{esc(PurePath(str(source)).name)}</span></div>"
                     f"<div class='dk-text'>{highlight_shared(c.text, query)}</div></div>")
    return "\n".join(cards)


def warnings_html(warnings: Iterable[str] | None) -> str:
    warnings = list(warnings or [])
    if not warnings:
        return ""
    return "<ul>" + "".join(f"<li>⚠ {esc(w)}</li>" for w in warnings) + "</ul>"


def heading_html(heading: str, level: int, writing: bool = False) -> str:
    mark = "<span class='dk-writing'>✍️ 正在撰写……</span>" if writing else ""
    return f"<div class='dk-h{min(max(level, 1), 4)}'>{esc(heading)}{mark}</div>"


def progress_html(done: int, total: int, label: str) -> str:
    pct = 0 if not total else round(100 * done / total)
    return (f"<div class='dk-progress'><div class='dk-label'>{esc(label)}</div>"
            f"<div class='dk-bar'><div class='dk-fill' style='width:{pct}%'></div></div></div>")


def signature_html(unit: str | None, date_text: str) -> str:
    return f"<div class='dk-signature'>{esc(unit or '')}<br>{esc(date_text)}</div>"


def diff_html(lines: Iterable[Any]) -> str:
    """Lines of ``draftkit.store.drafts.text_diff`` as HTML: added green, removed struck through."""
    lines = list(lines)
    if not lines:
        return "<div class='dk-empty'>两个版本内容相同。</div>"
    sign = {"add": "+ ", "remove": "− ", "same": "  ", "gap": ""}
    rows = [f"<div class='{x.op}'>{sign[x.op]}{esc(x.text)}</div>" for x in lines]
    return "<div class='dk-diff'>" + "".join(rows) + "</div>"


def borrowed_html(spans: Iterable[Any]) -> str:
    """Inserted exemplar sentences still unedited (``borrow.borrowed_spans``): highlighted, the source in
    a tooltip; "" when there are none."""
    rows = []
    for _para, _start, _end, b in spans:
        where = "、".join(str(x) for x in (b.unit, f"{b.year}年" if b.year else None, b.title or b.source) if x)
        rows.append(f"<mark class='dk-borrowed' title='借用自：{esc(where)}'>{esc(b.sentence)}</mark>")
    if not rows:
        return ""
    return ("<div class='dk-borrowed-box'><div class='dk-meta'>借用的范文句子（改写后不再标注，体检的抄袭检查照常计入）：</div>"
            + "<br>".join(rows) + "</div>")
