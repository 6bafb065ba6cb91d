"""Retrieval quality: Recall@k and MRR of each search mode over a fixed set of queries.

An eval set (``benchmarks/retrieval_eval.yaml``) lists queries, each with the file name(s)
of the document it targets and a short phrase a relevant chunk must contain. A hit is
relevant when it comes from one of those files and contains the phrase (compared on
letters, digits and CJK characters only, so punctuation and spacing do not matter).
Queries whose documents are not in the index are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from draftkit.config import REPO_ROOT, load_data
from draftkit.errors import DraftkitError
from draftkit.retrieval.ranking import FUSIONS, MODES, Hit
from draftkit.zh import normalize

DEFAULT_EVAL_SET = REPO_ROOT / "benchmarks" / "retrieval_eval.yaml"
DEFAULT_KS = (1, 5, 10)


class EvalQuery(BaseModel):
    id: str
    query: str
    docs: list[str]  # file names (not paths) of the target document(s)
    phrase: str
    type: str = "keyword"  # paraphrase | keyword | passage
    note: str = ""

    @field_validator("docs", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class ModeResult(BaseModel):
    mode: str
    recall: dict[int, float]
    mrr: float
    ranks: dict[str, int | None] = Field(default_factory=dict)  # query id → rank of the first relevant hit


class EvalReport(BaseModel):
    eval_set: str
    queries: int
    skipped: list[str] = Field(default_factory=list)  # query ids whose documents are not indexed
    ks: list[int]
    modes: dict[str, ModeResult]

    def by_type(self, queries: Sequence[EvalQuery], mode: str, k: int) -> dict[str, float]:
        """Recall@k per query type (paraphrase, keyword, passage) for one mode."""
        ranks = self.modes[mode].ranks
        out: dict[str, list[int]] = {}
        for q in queries:
            if q.id in ranks:
                r = ranks[q.id]
                out.setdefault(q.type, []).append(1 if r is not None and r <= k else 0)
        return {t: sum(v) / len(v) for t, v in out.items()}


class EvalSetError(DraftkitError, ValueError):
    """The eval set file is missing or malformed."""


def load_eval_set(path: str | Path | None = None) -> list[EvalQuery]:
    p = Path(path).resolve() if path is not None else DEFAULT_EVAL_SET
    try:
        raw = load_data(p)
    except OSError as exc:
        raise EvalSetError(f"{p}: cannot read the eval set ({exc})") from exc
    except yaml.YAMLError as exc:
        raise EvalSetError(f"{p}: not valid YAML ({exc})") from exc
    items = raw.get("queries") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise EvalSetError(f"{p}: expected a mapping with a non-empty list under 'queries'")
    out: list[EvalQuery] = []
    for i, item in enumerate(items):
        try:
            out.append(EvalQuery.model_validate(item))
        except ValidationError as exc:
            raise EvalSetError(f"{p}: query #{i + 1} is invalid: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from exc
    ids = [q.id for q in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise EvalSetError(f"{p}: duplicate query ids {dupes}")
    return out


def is_relevant(hit: Hit, query: EvalQuery) -> bool:
    if Path(hit.chunk.source).name not in query.docs:
        return False
    return normalize(query.phrase) in normalize(hit.chunk.text)


def evaluate(index: Any, queries: Sequence[EvalQuery], modes: Sequence[str] = MODES,
             ks: Sequence[int] = DEFAULT_KS, eval_set: str = "", fusion: str | None = None,
             other_fusions: bool = False) -> EvalReport:
    """Run every query in every mode against an open ``Index``.

    ``fusion`` sets hybrid's fusion (default: the index's settings); with ``other_fusions`` the
    other fusions are run too, reported as modes ``hybrid-<fusion>`` (e.g. ``hybrid-rrf``).
    """
    indexed = {Path(d.path).name for d in index.documents()}
    usable = [q for q in queries if any(d in indexed for d in q.docs)]
    skipped = [q.id for q in queries if q not in usable]
    depth = max(ks)
    chosen = fusion or index.settings.fusion
    runs = [(mode, mode, chosen) for mode in modes]
    if other_fusions and "hybrid" in modes:
        runs += [(f"hybrid-{f}", "hybrid", f) for f in FUSIONS if f != chosen]
    results: dict[str, ModeResult] = {}
    for name, mode, fuse in runs:
        ranks: dict[str, int | None] = {}
        for q in usable:
            hits = index.search(q.query, k=depth, mode=mode, fusion=fuse)
            ranks[q.id] = next((h.rank for h in hits if is_relevant(h, q)), None)
        n = max(1, len(usable))
        recall = {k: sum(1 for r in ranks.values() if r is not None and r <= k) / n for k in ks}
        mrr = sum(1.0 / r for r in ranks.values() if r is not None) / n
        results[name] = ModeResult(mode=name, recall=recall, mrr=mrr, ranks=ranks)
    return EvalReport(eval_set=eval_set, queries=len(usable), skipped=skipped, ks=list(ks), modes=results)
