"""HTML and Markdown snippets for the UI (escaped; shared-text highlighting for search results)."""

from __future__ import annotations

import html

from draftkit.ingest.models import SECTION_KINDS

CSS = """
.dk-card {border: 1px solid #d9d9d9; border-radius: 6px; padding: 8px 10px; margin: 6px 0; background: #fafafa;}
.dk-card .dk-meta {color: #555; font-size: 0.85em; margin-bottom: 4px;}
.dk-card .dk-text {white-space: pre-wrap; line-height: 1.6;}
.dk-card mark {background: #ffe58f; padding: 0;}
.dk-warn {color: #a8071a;}
.dk-sev-P0 {color: #a8071a; font-weight: bold;} .dk-sev-P1 {color: #d46b08;} .dk-sev-P2 {color: #595959;}
"""


def _meta(title: str | None, year: int | None, unit: str | None, heading_path: list[str] | None,
          kind: str | None = None, extra: str = "") -> str:
    parts = [f"《{html.escape(title)}》" if title else "（无标题）"]
    if year:
        parts.append(f"{year}年")
    if unit:
        parts.append(html.escape(unit))
    if kind:
        parts.append(SECTION_KINDS.get(kind, kind))
    if heading_path:
        parts.append(" › ".join(html.escape(h) for h in heading_path))
    if extra:
        parts.append(extra)
    return " · ".join(parts)


def highlight_shared(text: str, query: str, n: int = 6) -> str:
    """Escape ``text`` and mark the runs of at least ``n`` characters it shares with ``query``."""
    if not query or len(query) < n:
        return html.escape(text)
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
        piece = html.escape(text[i:j])
        out.append(f"<mark>{piece}</mark>" if covered[i] else piece)
        i = j
    return "".join(out)


def exemplar_cards(exemplars) -> str:
    if not exemplars:
        return "<div class='dk-card'>本节没有引用往年段落。</div>"
    cards = []
    for ex in exemplars:
        meta = _meta(ex.title, ex.year, ex.unit, ex.heading_path, ex.kind)
        cards.append(f"<div class='dk-card'><div class='dk-meta'>{meta}</div>"
                     f"<div class='dk-text'>{html.escape(ex.text)}</div></div>")
    return "\n".join(cards)


def hit_cards(hits, query: str) -> str:
    if not hits:
        return "<div class='dk-card'>没有找到相关段落。</div>"
    cards = []
    for h in hits:
        c = h.chunk
        ranks = []
        if getattr(h, "dense_rank", None):
            ranks.append(f"语义第{h.dense_rank}")
        if getattr(h, "lexical_rank", None):
            ranks.append(f"关键词第{h.lexical_rank}")
        extra = f"得分 {h.score:.4f}" + (f"（{'，'.join(ranks)}）" if ranks else "")
        meta = _meta(c.title, c.year, c.unit, c.heading_path, c.kind, extra)
        source = html.escape(c.source or "")
        cards.append(f"<div class='dk-card dk-hit'><div class='dk-meta'>{h.rank}. {meta}</div>"
                     f"<div class='dk-meta'>来源：{source}</div>"
                     f"<div class='dk-text'>{highlight_shared(c.text, query)}</div></div>")
    return "\n".join(cards)


def warnings_md(warnings: list[str]) -> str:
    if not warnings:
        return ""
    return "\n".join(f"- ⚠️ {w}" for w in warnings)
