"""`draftkit ingest PATH... [--out chunks.jsonl] [--json]`: clean, structure and chunk reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from draftkit.ingest.models import FileResult
from draftkit.ingest.pipeline import ingest_paths
from draftkit.progress import TqdmBars


def _file_row(r: FileResult) -> dict[str, Any]:
    d = r.document
    return {
        "path": r.path,
        "status": r.status,
        "error": r.error,
        "title": d.title if d else None,
        "year": d.year if d else None,
        "unit": d.unit if d else None,
        "org_type": d.org_type if d else None,
        "report_kind": d.report_kind if d else None,
        "headings": len(d.headings) if d else 0,
        "chunks": len(d.chunks) if d else 0,
        "removed": d.removed if d else {},
    }


def _chunk_rows(results: list[FileResult]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        if r.document is None:
            continue
        for c in r.document.chunks:
            rows.append({
                "id": c.id, "doc_id": c.doc_id, "source": c.source, "title": c.title, "year": c.year,
                "unit": c.unit, "heading_path": c.heading_path, "kind": c.kind, "text": c.text,
                "placeholders": c.placeholders,
            })
    return rows


def _print_table(results: list[FileResult]) -> None:
    """One row per file; the second line of the file cell holds the title, or the error."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="draftkit ingest", show_lines=True)
    table.add_column("status", no_wrap=True)
    table.add_column("file / title or error", ratio=3, overflow="fold")
    table.add_column("year", justify="right", no_wrap=True)
    table.add_column("unit", ratio=1, overflow="fold")
    table.add_column("headings", justify="right", no_wrap=True)
    table.add_column("chunks", justify="right", no_wrap=True)
    table.add_column("noise", justify="right", no_wrap=True)
    colours = {"ok": "green", "error": "red", "skipped": "yellow"}
    for r in results:
        row = _file_row(r)
        removed = sum(row["removed"].values())
        name = escape(Path(r.path).name)
        if r.status == "ok":
            detail = f"[dim]{escape(row['title'] or '(no title found)')}[/]"
        else:
            message = r.error or ""
            if message.startswith(r.path + ": "):
                message = message[len(r.path) + 2:]
            detail = f"[{colours.get(r.status, 'white')}]{escape(message)}[/]"
        table.add_row(
            f"[{colours.get(r.status, 'white')}]{r.status}[/]",
            f"{name}\n{detail}",
            str(row["year"] or ""),
            escape(row["unit"] or ""),
            str(row["headings"]) if r.status == "ok" else "",
            str(row["chunks"]) if r.status == "ok" else "",
            str(removed) if removed else "",
        )
    console = Console()
    console.print(table)
    console.print("[dim]noise: characters removed by cleaning (site furniture, page markers, ads, appended documents)[/]")


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_cmd(
        paths: Annotated[list[Path], typer.Argument(
            help="Files or directories (.docx .txt .md .pdf .doc); directories are walked.")],
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the chunks as JSON lines to this file.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object {files, chunks} instead of a table.")] = False,
    ) -> None:
        """Clean, structure and chunk past reports; show a per-file table (or JSON)."""
        with TqdmBars(unit="file", disable=None, leave=False) as bars:
            results = ingest_paths(paths, progress=bars)
        chunks = _chunk_rows(results)
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("w", encoding="utf-8") as fh:
                for row in chunks:
                    fh.write(json.dumps(row, ensure_ascii=False).encode("utf-8", "backslashreplace").decode("utf-8")
                             + "\n")
        if as_json:
            text = json.dumps({"files": [_file_row(r) for r in results], "chunks": chunks}, ensure_ascii=False)
            # paths are escaped at ingestion; this keeps stdout valid UTF-8 whatever slips through
            typer.echo(text.encode("utf-8", "backslashreplace").decode("utf-8"))
        else:
            _print_table(results)
            ok = sum(r.status == "ok" for r in results)
            msg = f"{ok} of {len(results)} file(s) ingested, {len(chunks)} chunks"
            if out is not None:
                msg += f" written to {out}"
            typer.echo(msg)
        if any(r.status == "error" for r in results):
            raise typer.Exit(code=1)
