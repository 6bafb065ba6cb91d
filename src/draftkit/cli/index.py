"""`draftkit index build|add|remove|info`, `draftkit search`, `draftkit eval retrieval`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from draftkit.config import get_settings
from draftkit.progress import TqdmBars
from draftkit.retrieval import (
    BuildResult,
    DocumentNotFound,
    Index,
    IndexUnavailable,
    add_paths,
    build_index,
    remove_document,
)
from draftkit.retrieval.base import index_location
from draftkit.retrieval.bulk import BATCH_FILES, build_in_batches
from draftkit.retrieval.embed import EmbedderUnavailable
from draftkit.retrieval.eval import DEFAULT_EVAL_SET, EvalSetError, evaluate, load_eval_set


def _index_dir(index: Path | None) -> Path | str:
    """--index, else DRAFTKIT_INDEX_URI, else DRAFTKIT_INDEX_DIR: a directory or a Milvus URI (retrieval/base.py)."""
    return index_location(index, get_settings())


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _plan_confirm(yes: bool, bars: TqdmBars) -> Any:
    """The ``confirm`` callback of a build: prints the plan (files, chunks, estimated time) on stderr and,
    above ``Settings.build_confirm_seconds``, asks on a terminal; without one it declines unless ``--yes``."""
    limit = get_settings().build_confirm_seconds

    def confirm(plan: Any) -> bool:
        typer.echo(plan.describe(), err=True)
        if yes or plan.seconds <= limit:
            return True
        if sys.stdin.isatty():
            bars.close()
            return typer.confirm(f"预计超过 {limit / 60:.0f} 分钟，继续？/ over {limit / 60:.0f} min, go on?",
                                 default=False, err=True)
        typer.echo(f"error: the estimated embedding time is over {limit / 60:.0f} min "
                   "(DRAFTKIT_BUILD_CONFIRM_SECONDS): rerun with --yes to build anyway", err=True)
        return False

    return confirm


def _write(quiet: bool, yes: bool, call: Callable[[TqdmBars, Any], BuildResult]) -> BuildResult:
    """Run one index write, ``call(bars, confirm)``, with progress bars (none with --quiet) and the
    plan confirmation (:func:`_plan_confirm`); an index or embedder that cannot be used exits with its message."""
    with TqdmBars(not quiet) as bars:
        try:
            return call(bars, _plan_confirm(yes, bars))
        except (IndexUnavailable, EmbedderUnavailable, TimeoutError) as exc:
            raise _fail(str(exc)) from None


def _report_build(result: Any, verb: str, summary: bool = True) -> None:
    counts = {"ok": 0, "error": 0, "skipped": 0}
    for f in result.files:
        counts[f.status] = counts.get(f.status, 0) + 1
    for f in result.files:
        if f.status == "error":
            typer.echo(f"  ✗ {f.error or f.path}", err=True)
        elif f.status == "skipped":
            typer.echo(f"  - {f.error or f.path}", err=True)
    if not summary:
        return
    if result.written:
        typer.echo(f"{verb}: {result.index_dir} — {result.documents} documents, {result.chunks} chunks "
                   f"({len(result.added)} added, {len(result.replaced)} replaced, {result.embedded} chunks embedded, "
                   f"{result.seconds:.1f} s); files: {counts['ok']} ok, {counts['error']} errors, {counts['skipped']} skipped")
    else:
        typer.echo(f"nothing to do: {result.index_dir} unchanged ({result.documents} documents, {result.chunks} chunks); "
                   f"files: {counts['error']} errors, {counts['skipped']} skipped")


def _hit_row(h: Any) -> dict[str, Any]:
    c = h.chunk
    return {"rank": h.rank, "score": round(h.score, 6), "chunk_id": c.id, "doc_id": c.doc_id, "source": c.source,
            "title": c.title, "unit": c.unit, "year": c.year, "heading_path": c.heading_path, "kind": c.kind,
            "text": c.text}


def register(app: typer.Typer) -> None:
    index_app = typer.Typer(help="Build and maintain the retrieval index.", no_args_is_help=True)
    eval_app = typer.Typer(help="Measure quality.", no_args_is_help=True)
    app.add_typer(index_app, name="index")
    app.add_typer(eval_app, name="eval")

    @index_app.command("build")
    def build_cmd(
        paths: Annotated[list[Path], typer.Argument(help="Report files or folders (.docx .txt .md .pdf .doc).")],
        index: Annotated[Path | None, typer.Option("--index", help="Index directory (default: DRAFTKIT_INDEX_DIR or ./index).")] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before a long build.")] = False,
        force: Annotated[bool, typer.Option("--force", help="Replace a damaged index that has lost its manifest.json "
                                                             "(a folder holding other files is never replaced).")] = False,
        batch_files: Annotated[int | None, typer.Option(
            "--batch-files", min=1, help="Write the index every N files (bureau-size trees; see --resume).")] = None,
        resume: Annotated[bool, typer.Option(
            "--resume", help="Continue an interrupted batched build: files already indexed (same content) are "
                             "skipped.")] = False,
    ) -> None:
        """Ingest the files and write a new index, replacing the old one only when the build succeeds.

        The plan (files, chunks, estimated embedding time) is printed before embedding; a build estimated
        over DRAFTKIT_BUILD_CONFIRM_SECONDS (default 600) asks first, or needs --yes. With --batch-files the
        index is written every N files, and --resume continues an interrupted build where it stopped."""
        if batch_files or resume:
            result = _write(quiet, yes, lambda bars, confirm: build_in_batches(
                paths, _index_dir(index), progress=bars, batch_files=batch_files or BATCH_FILES, resume=resume,
                confirm=confirm))
        else:
            result = _write(quiet, yes, lambda bars, confirm: build_index(
                paths, _index_dir(index), progress=bars, confirm=confirm, force=force))
        if result.cancelled:
            _report_build(result, "built", summary=False)
            raise _fail(f"build not started; {result.index_dir} was left as it was")
        if not result.written and not (resume and result.unchanged):
            _report_build(result, "built", summary=False)
            raise _fail(f"no document could be indexed; {result.index_dir} was left as it was")
        _report_build(result, "built")

    @index_app.command("add")
    def add_cmd(
        paths: Annotated[list[Path], typer.Argument(help="Files or folders to add (unchanged files are skipped).")],
        index: Annotated[Path | None, typer.Option("--index", help="Index directory.")] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before a long build.")] = False,
    ) -> None:
        """Add files; a changed file replaces its old chunks, an unchanged one is left alone."""
        result = _write(quiet, yes, lambda bars, confirm: add_paths(
            _index_dir(index), paths, progress=bars, confirm=confirm))
        if result.cancelled:
            _report_build(result, "updated", summary=False)
            raise _fail(f"nothing added; {result.index_dir} was left as it was")
        _report_build(result, "updated")

    @index_app.command("remove")
    def remove_cmd(
        doc: Annotated[str, typer.Argument(help="Document id (see `draftkit index info --documents`) or its path.")],
        index: Annotated[Path | None, typer.Option("--index", help="Index directory.")] = None,
    ) -> None:
        """Remove one document from the index."""
        try:
            info = remove_document(_index_dir(index), doc)
        except (IndexUnavailable, DocumentNotFound, TimeoutError) as exc:
            raise _fail(str(exc)) from None
        typer.echo(f"removed {info.doc_id} ({info.path}, {info.chunks} chunks)")

    @index_app.command("info")
    def info_cmd(
        index: Annotated[Path | None, typer.Option("--index", help="Index directory.")] = None,
        documents: Annotated[bool, typer.Option("--documents", "-d", help="Also list the documents.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Counts, embedder, size on disk, when it was built."""
        try:
            with Index.open(_index_dir(index)) as ix:
                info = ix.info()
                docs = [d.model_dump() for d in ix.documents()] if documents else None
        except IndexUnavailable as exc:
            raise _fail(str(exc)) from None
        if as_json:
            if docs is not None:
                info["documents_list"] = docs
            typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
            return
        emb = info["embedder"]
        typer.echo(f"index      {info['index_dir']}")
        typer.echo(f"documents  {info['documents']}")
        typer.echo(f"chunks     {info['chunks']}")
        typer.echo(f"embedder   {emb['name']} ({emb['dim']}-d, prefixes {emb['query_prefix']!r} / {emb['passage_prefix']!r})")
        typer.echo(f"dense      {info['dense_type']} ({info['dense_vectors']} vectors, {info['tombstones']} removed)")
        typer.echo(f"chunker    version {info['chunker_version']}")
        typer.echo(f"size       {_human_size(info['size_bytes'])}")
        typer.echo(f"built at   {info['built_at']} (updated {info['updated_at']})")
        typer.echo(f"sources    {' '.join(info['sources'])}")
        for w in info["warnings"]:
            typer.echo(f"warning: {w}", err=True)
        if docs is not None:
            for d in docs:
                typer.echo(f"  {d['doc_id']}  {d['year'] or '----'}  {d['chunks']:>4} chunks  {d['title'] or ''}  [{d['path']}]")

    @app.command("search")
    def search_cmd(
        query: Annotated[str, typer.Argument(help="Words, a question or a whole pasted paragraph.")],
        index: Annotated[Path | None, typer.Option("--index", help="Index directory.")] = None,
        k: Annotated[int, typer.Option("-k", "--top", min=1, help="Number of hits.")] = 5,
        kind: Annotated[list[str] | None, typer.Option("--kind", help="Section kind (repeatable): overview, theory, organization, conduct, ideology, integration, brand, service, mass_orgs, honours, problems, plans, other.")] = None,
        year: Annotated[list[int] | None, typer.Option("--year", help="Report year (repeatable).")] = None,
        year_from: Annotated[int | None, typer.Option("--year-from", help="First year of a range.")] = None,
        year_to: Annotated[int | None, typer.Option("--year-to", help="Last year of a range.")] = None,
        unit: Annotated[list[str] | None, typer.Option("--unit", help="Unit name or part of it (repeatable).")] = None,
        exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Document id or path to leave out (repeatable).")] = None,
        mode: Annotated[str, typer.Option("--mode", help="hybrid | dense | lexical")] = "hybrid",
        mmr: Annotated[float, typer.Option("--mmr", min=0.0, max=1.0, help="0–1: spread hits over documents.")] = 0.0,
        fusion: Annotated[str | None, typer.Option("--fusion", help="Hybrid fusion: convex | rrf (default: DRAFTKIT_FUSION, else convex).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of hits.")] = False,
    ) -> None:
        """Search the index."""
        if not query.strip():
            raise _fail("the query is empty")
        years: list[int] | None = list(year) if year else None
        if year_from is not None or year_to is not None:
            lo = year_from if year_from is not None else 1949
            hi = year_to if year_to is not None else 2100
            if lo > hi:
                raise _fail(f"--year-from {lo} is after --year-to {hi}")
            span = set(range(lo, hi + 1))
            years = sorted(span & set(years)) if years else sorted(span)
        try:
            with Index.open(_index_dir(index)) as ix:
                for w in ix.warnings:
                    typer.echo(f"warning: {w}", err=True)
                hits = ix.search(query, k=k, kinds=kind or None, years=years, units=unit or None,
                                 exclude_docs=exclude or None, mode=mode, mmr=mmr, fusion=fusion)
        except (IndexUnavailable, EmbedderUnavailable) as exc:
            raise _fail(str(exc)) from None
        except ValueError as exc:
            raise _fail(str(exc), 2) from None
        if as_json:
            typer.echo(json.dumps([_hit_row(h) for h in hits], ensure_ascii=False, indent=2))
            return
        if not hits:
            typer.echo("no hits")
            return
        for h in hits:
            c = h.chunk
            ranks = f"dense #{h.dense_rank or '-'} / lexical #{h.lexical_rank or '-'}"
            head = " > ".join(c.heading_path) or "(no heading)"
            typer.echo(f"{h.rank}. [{h.score:.4f}] {c.title or Path(c.source).name} ({c.year or '?'}, {c.kind}) {ranks}")
            typer.echo(f"   {head} — {c.source}")
            body = c.text.replace("\n", " ")
            typer.echo(f"   {body[:160]}{'…' if len(body) > 160 else ''}")

    @eval_app.command("retrieval")
    def eval_retrieval_cmd(
        index: Annotated[Path | None, typer.Option("--index", help="Index directory (build it on seeds + samples).")] = None,
        eval_set: Annotated[Path | None, typer.Option("--set", help="Eval set YAML (default: benchmarks/retrieval_eval.yaml).")] = None,
        fusion: Annotated[str | None, typer.Option("--fusion", help="Hybrid fusion: convex | rrf (default: DRAFTKIT_FUSION, else convex); the other one is reported as hybrid-<name>.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Recall@1/5/10 and MRR for dense, lexical and hybrid search (and hybrid with the other fusion)."""
        path = eval_set or DEFAULT_EVAL_SET
        try:
            queries = load_eval_set(path)
            with Index.open(_index_dir(index)) as ix:
                report = evaluate(ix, queries, eval_set=str(path), fusion=fusion, other_fusions=True)
        except (IndexUnavailable, EmbedderUnavailable, EvalSetError) as exc:
            raise _fail(str(exc)) from None
        except ValueError as exc:
            raise _fail(str(exc), 2) from None
        if as_json:
            typer.echo(report.model_dump_json(indent=2))
            return
        typer.echo(f"eval set {path}: {report.queries} queries"
                   + (f" ({len(report.skipped)} skipped: documents not in the index)" if report.skipped else ""))
        header = f"{'mode':<12}" + "".join(f"{'R@' + str(k):>8}" for k in report.ks) + f"{'MRR':>8}"
        typer.echo(header)
        for mode, r in report.modes.items():
            typer.echo(f"{mode:<12}" + "".join(f"{r.recall[k]:>8.3f}" for k in report.ks) + f"{r.mrr:>8.3f}")
        types = sorted({q.type for q in queries})
        if len(types) > 1:
            typer.echo("recall@5 by query type:")
            for mode in report.modes:
                parts = report.by_type(queries, mode, 5)
                typer.echo(f"  {mode:<12}" + "  ".join(f"{t} {parts.get(t, 0):.3f}" for t in types))
