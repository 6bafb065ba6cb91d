"""`draftkit facts template|check|from-report`: the secretary's facts file (a thin shell over draftkit.facts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from draftkit.cli.output import FORCE_HELP, refuse_existing
from draftkit.draft.from_report import facts_from_report
from draftkit.draft.prompts import fact_gaps
from draftkit.facts import (
    FactsError,
    dump_facts_yaml,
    facts_notes,
    facts_schema,
    load_facts,
    save_facts,
    write_xlsx_template,
)
from draftkit.ingest.load import IngestError

facts_app = typer.Typer(help="Facts files (YAML, JSON or XLSX): the only source of numbers and names in a draft.",
                        no_args_is_help=True)


@facts_app.command("template")
def template_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE.xlsx", help="Workbook to write.")],
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
) -> None:
    """Write an Excel workbook to fill in (sheets 基本信息, 活动, 荣誉, 问题, 打算; one example row each)."""
    refuse_existing(path, force=force)
    try:
        written = write_xlsx_template(path)
    except FactsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(f"错误：无法写入 {path}：{exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"已写入 {written}：填好后运行 draftkit facts check {written}")


@facts_app.command("check")
def check_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="Facts file: .yaml, .yml, .json or .xlsx.")],
) -> None:
    """Validate a facts file; list every problem (in Chinese, naming the field) and what the draft will mark 【待补充】."""
    try:
        facts = load_facts(path)
    except FactsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    kind = facts_schema()["report_kinds"].get(facts.report_kind, facts.report_kind)
    typer.echo(f"✓ {path}：{facts.unit}（{facts.org_name}）{facts.year}年{kind}；"
               f"活动{len(facts.activities)}项，荣誉{len(facts.honours)}项，问题{len(facts.problems)}条，打算{len(facts.plans)}条")
    for note in facts_notes(facts):
        typer.echo(f"  注意：{note}")
    gaps, confirms = fact_gaps(facts)
    if confirms:
        typer.echo("  草稿中将标【待核实】的沿用数字：")
        for c in confirms:
            typer.echo(f"    - {c}")
    if gaps:
        typer.echo("  草稿中将留【待补充】的事实：")
        for g in gaps:
            typer.echo(f"    - {g}")


@facts_app.command("from-report")
def from_report_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="A past report: .docx, .txt, .md or .pdf.")],
    year: Annotated[int, typer.Option("--year", help="The year of the report to draft (e.g. 2025).")],
    out: Annotated[Path | None, typer.Option("--out", help="Facts file to write (.yaml, .json or .xlsx); "
                                                            "default: print YAML.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --out file.")] = False,
) -> None:
    """Start this year's facts from last year's report: unit, numbers, activities, practices, brand.

    Carried-over numbers are listed under confirm (the draft marks them 【待核实】); last year's
    honours, problems and plans go under last_year, never as this year's."""
    refuse_existing(out, force=force)
    try:
        result = facts_from_report(path, year)
    except (IngestError, FactsError) as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    facts = result.facts
    if out is None:
        typer.echo(dump_facts_yaml(facts), nl=False)
    else:
        try:
            save_facts(facts, out)
        except (OSError, FactsError) as exc:
            typer.echo(f"错误：无法写入 {out}：{exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"已写入 {out}：活动{len(facts.activities)}项，"
                   f"做法{sum(len(v) for v in facts.practices.values())}项，待核实{len(facts.confirm)}项")
    for note in result.skipped:
        typer.echo(f"  注意：{note}", err=True)
    if out is not None:
        typer.echo(f"核对后运行 draftkit facts check {out}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(facts_app, name="facts")
