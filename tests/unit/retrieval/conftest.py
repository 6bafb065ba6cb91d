"""Fixtures for the retrieval unit tests: Chinese sentences from the seeds and the samples,
made at test time (no seed text is committed), and small hand-made documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from draftkit.ingest.models import Chunk, Document
from draftkit.zh import split_sentences


def _sentences(text: str, lo: int = 8, hi: int = 200) -> list[str]:
    """Sentences of 8 to 200 characters, stripped."""
    return [s for s in (part.strip() for part in split_sentences(text)) if lo <= len(s) <= hi]


@pytest.fixture(scope="session")
def corpus_sentences(samples_dir: Path, request: pytest.FixtureRequest) -> list[str]:
    """Sentences of the seed reports (when present) and of the sample sources (deduplicated, in file order)."""
    texts: list[str] = []
    try:
        seeds_dir: Path = request.getfixturevalue("seeds_dir")
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(seeds_dir.glob("*.txt"))]
    except pytest.skip.Exception:
        pass
    texts += [p.read_text(encoding="utf-8") for p in sorted((samples_dir / "src").glob("*.txt"))]
    seen: dict[str, None] = {}
    for t in texts:
        for s in _sentences(t):
            seen.setdefault(s, None)
    return list(seen)


def make_document(doc_id: str, path: str, paragraphs: list[tuple[str, str]], *, unit: str = "青禾市测试小学",
                  year: int = 2021, title: str | None = None) -> Document:
    """A document with one chunk per (kind, text) pair."""
    chunks = [
        Chunk(id=f"{doc_id}-{i}", doc_id=doc_id, source=path, title=title or f"{unit}{year}年党建工作总结", unit=unit,
              year=year, heading_path=[kind], kind=kind, position=i, text=text)
        for i, (kind, text) in enumerate(paragraphs)
    ]
    return Document(doc_id=doc_id, path=path, sha256=doc_id * 4, format="txt", title=chunks[0].title if chunks else title,
                    unit=unit, year=year, text="\n".join(t for _, t in paragraphs), chunks=chunks)


@pytest.fixture
def two_documents() -> list[Document]:
    a = make_document("a" * 16, "a.txt", [
        ("theory", "支部坚持“三会一课”制度，每月开展主题党日活动。"),
        ("mass_orgs", "带领少先队员参观烈士陵园，开展红色寻访活动。"),
    ], unit="青禾市第一小学", year=2019)
    b = make_document("b" * 16, "b.txt", [
        ("conduct", "开展师德师风专题教育，签订拒绝有偿补课承诺书。"),
    ], unit="柳溪县第二中学党支部", year=2023)
    return [a, b]
