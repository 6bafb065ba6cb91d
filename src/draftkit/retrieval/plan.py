"""The plan of an index build, shown before any embedding: files, chunks, sentences, estimated time.

The estimate uses the embedding rates measured on a 2-core machine (docs/benchmarks.md, "Embedding"):
a chunk with its sentences (the index embeds both) takes about 1/24 s in bfloat16 on a CPU with bf16
units and about 1/10 s in float32 elsewhere; loading the model adds about 10 s. It is a rough guide,
meant to catch a 12-hour build before it starts, not to promise a finish time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from draftkit.config import Settings, get_settings
from draftkit.ingest.models import Document, FileResult
from draftkit.retrieval.embed import resolve_dtype

__all__ = ["BuildPlan", "plan_build", "CHUNKS_PER_SECOND", "MODEL_LOAD_SECONDS"]

#: Chunks (each with its sentences) embedded per second, by model precision (measured, see the module doc).
CHUNKS_PER_SECOND = {"bfloat16": 24.0, "float32": 10.0}
#: Seconds to load the embedding model before the first batch.
MODEL_LOAD_SECONDS = 10.0


@dataclass(frozen=True)
class BuildPlan:
    """What a build or an add is about to embed.

    ``files``: files given (after walking folders); ``documents``: those ingested and to be embedded;
    ``failed``: files that failed or were skipped; ``chunks``: passages to embed; ``characters``: their
    length; ``seconds``: estimated embedding time (model load included); ``dtype``: the precision the
    estimate assumed.
    """

    files: int
    documents: int
    failed: int
    chunks: int
    characters: int
    seconds: float
    dtype: str

    def describe(self) -> str:
        """One line for the user (Chinese and English)."""
        minutes = self.seconds / 60
        when = f"{self.seconds:.0f} s" if self.seconds < 120 else f"{minutes:.0f} min" if minutes < 120 \
            else f"{minutes / 60:.1f} h"
        return (f"计划：{self.files} 个文件，{self.documents} 篇可建索引（{self.failed} 个失败或跳过），"
                f"{self.chunks:,} 个段落（{self.characters:,} 字），预计向量计算约 {when} / plan: {self.files} files, "
                f"{self.documents} to index, {self.chunks:,} chunks, about {when} of embedding ({self.dtype})")


def plan_build(results: Sequence[FileResult], docs: Sequence[Document] | None = None,
               settings: Settings | None = None) -> BuildPlan:
    """The plan for embedding ``docs`` (default: the ok documents of ``results``)."""
    s = settings or get_settings()
    docs = [r.document for r in results if r.document is not None] if docs is None else list(docs)
    chunks = sum(len(d.chunks) for d in docs)
    dtype = resolve_dtype(s.embed_dtype)
    rate = CHUNKS_PER_SECOND.get(dtype, CHUNKS_PER_SECOND["float32"])
    seconds = (MODEL_LOAD_SECONDS + chunks / rate) if chunks else 0.0
    return BuildPlan(files=len(results), documents=len(docs), failed=sum(r.status != "ok" for r in results),
                     chunks=chunks, characters=sum(len(c.text) for d in docs for c in d.chunks),
                     seconds=seconds, dtype=dtype)
