"""`draftkit export` and `draftkit docx-check`: thin shells over draftkit.export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from draftkit.cli.output import FORCE_HELP, refuse_existing
from draftkit.export import EXPORT_SUFFIXES, DocxCheckError, ExportError, check_docx, export_report
from draftkit.export.docx_check import format_issues
from draftkit.report import Report

_OUT_HELP = f"Output file: {', '.join(EXPORT_SUFFIXES)} (the format follows the suffix)."


def load_report(path: Path) -> Report:
    """A ``Report`` from its JSON file (as `Report.model_dump_json` writes it); clear errors."""
    try:
        return Report.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise typer.BadParameter(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"{path}: cannot read the file ({exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "(top level)"
        raise typer.BadParameter(
            f"{path}: not a draftkit report JSON ({exc.error_count()} problem(s); first at {where}: {first['msg']})"
        ) from None


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export_cmd(
        report_path: Annotated[Path, typer.Argument(metavar="REPORT.json", help="A drafted report (JSON).")],
        out: Annotated[Path, typer.Option("--out", "-o", help=_OUT_HELP)],
        check: Annotated[bool, typer.Option("--check", help="Run docx-check on the written .docx.")] = False,
        force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
    ) -> None:
        """Export a drafted report as an official-layout .docx, Markdown or plain text."""
        refuse_existing(out, force=force)
        report = load_report(report_path)
        try:
            written = export_report(report, out)
        except ExportError as exc:
            typer.echo(f"错误：{exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"已写入 {written}")
        if check and written.suffix.lower() == ".docx":
            issues = check_docx(written)
            if issues:
                typer.echo(format_issues(issues))
                raise typer.Exit(1)

    @app.command("docx-check")
    def docx_check_cmd(
        files: Annotated[list[Path], typer.Argument(metavar="FILE.docx...", help="Word files to check.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    ) -> None:
        """List each departure of a .docx from the official layout (GB/T 9704-2012).

        Exit status: 0 when every file is clean, 1 when issues were found, 2 when a file could not be read.
        """
        results = []
        status = 0
        for path in files:
            try:
                issues = check_docx(path)
            except DocxCheckError as exc:
                results.append({"file": str(path), "error": exc.message, "issues": []})
                if not as_json:
                    typer.echo(f"错误：{exc}", err=True)
                status = 2
                continue
            results.append({"file": str(path), "issues": [i.model_dump() for i in issues]})
            if issues:
                status = max(status, 1)
            if not as_json:
                if issues:
                    typer.echo(f"{path}: 发现 {len(issues)} 处版式问题")
                    typer.echo(format_issues(issues))
                else:
                    typer.echo(f"{path}: 未发现版式问题（GB/T 9704-2012）")
        if as_json:
            payload = results[0] if len(results) == 1 else results
            typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        raise typer.Exit(status)
