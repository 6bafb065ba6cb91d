"""`draftkit draft FACTS`: draft a report from a facts file (a thin shell over draftkit.draft.writer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from draftkit.cli.output import FORCE_HELP, refuse_existing
from draftkit.config import get_settings
from draftkit.draft.backends import get_backend
from draftkit.draft.writer import draft_report, report_to_json_dict
from draftkit.export import export_report, export_text
from draftkit.facts import FactsError, load_facts
from draftkit.progress import TqdmBars
from draftkit.retrieval import Index, IndexUnavailable

OUT_SUFFIXES = (".md", ".markdown", ".txt", ".docx")


def _open_index(index_dir: Path | None, settings: Any) -> Any:
    """The index to draw exemplars from: --index (errors are fatal), else the default one if present."""
    if index_dir is not None:
        try:
            return Index.open(index_dir, settings=settings)
        except IndexUnavailable:
            raise  # the one-line index error with its rebuild command, as from every command
        except Exception as exc:
            typer.echo(f"错误：无法打开范文库 {index_dir}：{exc}", err=True)
            raise typer.Exit(2) from None
    try:
        return Index.open_existing(settings=settings)
    except Exception as exc:
        typer.echo(f"提示：默认范文库 {settings.index_dir} 无法打开（{exc}），本次不用范文。", err=True)
    return None


def register(app: typer.Typer) -> None:
    @app.command("draft")
    def draft_cmd(
        facts_path: Annotated[Path, typer.Argument(metavar="FACTS", help="Facts file (.yaml/.yml/.json/.xlsx).")],
        index: Annotated[Path | None, typer.Option("--index", help="Index directory for exemplars "
                                                   "(default: DRAFTKIT_INDEX_DIR when it exists).")] = None,
        no_index: Annotated[bool, typer.Option("--no-index", help="Draft without exemplars.")] = False,
        backend: Annotated[str | None, typer.Option("--backend", help="template | llamacpp | openai "
                                                    "(default: DRAFTKIT_BACKEND, else template).")] = None,
        model: Annotated[str | None, typer.Option("--model", help="llamacpp: GGUF path or installed name; "
                                                  "openai: model name.")] = None,
        base_url: Annotated[str | None, typer.Option("--base-url", help="openai: API root, e.g. "
                                                     "http://127.0.0.1:8000/v1")] = None,
        seed: Annotated[int, typer.Option("--seed", help="Wording choice (same facts + seed → same text).")] = 0,
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report: .md, .txt or .docx "
                                                 "(default: plain text on stdout).")] = None,
        json_out: Annotated[Path | None, typer.Option("--json", help="Also write the report as JSON.")] = None,
        force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
    ) -> None:
        """Draft a full report from the year's facts: right shape, the year's wording, no invented numbers."""

        if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
            typer.echo(f"错误：--out 只支持 {', '.join(OUT_SUFFIXES)}：{out}", err=True)
            raise typer.Exit(2)
        refuse_existing(out, json_out, force=force)
        settings = get_settings()
        try:
            facts = load_facts(facts_path)
        except FactsError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        try:
            chosen = get_backend(backend, settings, model=model, base_url=base_url)
        except ValueError as exc:
            typer.echo(f"错误：{exc}", err=True)
            raise typer.Exit(2) from None
        idx = None if no_index else _open_index(index, settings)
        with TqdmBars(unit="节", leave=False, disable=None) as bars:
            report = draft_report(facts, index=idx, backend=chosen, seed=seed, progress=bars, settings=settings)
        for w in report.warnings:
            typer.echo(f"提示：{w}", err=True)
        for s in report.sections:
            for w in s.warnings:
                typer.echo(f"提示（{s.heading}）：{w}", err=True)
        if json_out is not None:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            json_out.write_text(json.dumps(report_to_json_dict(report), ensure_ascii=False, indent=2) + "\n",
                                encoding="utf-8")
            typer.echo(f"已写入 {json_out}", err=True)
        if out is not None:
            try:
                written = export_report(report, out)
            except Exception as exc:  # the JSON (if asked for) is already written: nothing is lost
                typer.echo(f"错误：无法写入 {out}：{exc}", err=True)
                raise typer.Exit(1) from None
            typer.echo(f"已写入 {written}（{report.timings.get('total', 0):.2f} 秒）", err=True)
        else:
            typer.echo(export_text(report), nl=False)
