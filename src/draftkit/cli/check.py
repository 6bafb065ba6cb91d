"""`draftkit check`: the 体检 of a report, or of a folder of submissions (a thin shell over draftkit.checks)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from draftkit.checks import CheckInputError, CheckResult, ReportText, run_checks
from draftkit.checks.annotate import AnnotateError, annotate_docx
from draftkit.checks.models import SEVERITY_LABELS
from draftkit.checks.runner import check_folder, files_to_check, open_index
from draftkit.cli.output import refuse_existing
from draftkit.facts import load_facts
from draftkit.progress import TqdmBars
from draftkit.retrieval import IndexUnavailable


def _fail(message: str) -> None:
    typer.echo(f"错误 / error: {message}", err=True)
    raise typer.Exit(1)


def _print_result(r: CheckResult) -> None:
    s = r.summary
    share = "—" if s.reuse_share is None else f"{s.reuse_share:.0%}"
    typer.echo(f"{r.source or ''}")
    typer.echo(f"年度 {r.year or '未识别'} ｜ P0 {s.by_severity.get('P0', 0)}  P1 {s.by_severity.get('P1', 0)}  "
               f"P2 {s.by_severity.get('P2', 0)} ｜ 复用比例 {share} ｜ {s.paragraphs} 段 {s.characters} 字")
    for note in s.notes:
        typer.echo(f"  注：{note}")
    current = object()
    for f in r.findings:
        section = ("（原文）" if f.raw else "") + (f.section or "（全文）")
        if section != current:
            typer.echo(f"\n{section}")
            current = section
        where = f"第{f.paragraph + 1}段 {f.span[0]}-{f.span[1]}" if f.paragraph is not None else "全文"
        typer.echo(f"  [{f.severity} {SEVERITY_LABELS[f.severity]}] {f.rule} · {where}：{f.message}")
        if f.source is not None:
            typer.echo(f"      来源：{f.source.title or ''} {f.source.unit or ''} {f.source.year or ''} "
                       f"(chunk {f.source.chunk_id}) 相同 {f.source.ratio:.0%}")
        if f.suggestion:
            typer.echo(f"      建议：{f.suggestion}")


def register(app: typer.Typer) -> None:
    @app.command("check")
    def check(
        path: Annotated[Path, typer.Argument(help="A report (.docx .txt .md or a drafting report.json), or a folder of them.")],
        facts: Annotated[Path | None, typer.Option("--facts", help="Facts file (YAML / JSON / XLSX) to check numbers and names against.")] = None,
        year: Annotated[int | None, typer.Option("--year", help="The report's year (default: from the facts or the title).")] = None,
        index: Annotated[Path | None, typer.Option("--index", help="Index directory: find paragraphs reused from past reports.")] = None,
        threshold: Annotated[float, typer.Option("--threshold", min=0.0, max=1.0, help="Copy ratio from which a paragraph counts as reused.")] = 0.5,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON: {year, summary, findings} (a list for a folder).")] = False,
        annotate: Annotated[Path | None, typer.Option("--annotate", help="Write a copy of the .docx with each finding as a Word comment (author draftkit); the original is not changed.")] = None,
        force: Annotated[bool, typer.Option("--force", help="With --annotate: overwrite an existing OUT.docx.")] = False,
        fix: Annotated[str | None, typer.Option("--fix", help="With --annotate: 'tracked' also writes certain fixes as tracked changes to accept or reject in Word/WPS.")] = None,
    ) -> None:
        """体检: facts, era, residue, proofreading and reuse findings (P0 must fix, P1 should fix, P2 note).

        With --annotate OUT.docx (one .docx): the findings go into a copy of the file as comments at
        their exact words, and with --fix tracked the certain fixes as tracked changes.

        Over a folder: one line per file — reuse share, P0, P1, P2, year, path — sorted by reuse
        share then P0 (tab-separated, so `sort -t$'\\t' -k2 -nr` re-sorts by P0).
        """
        facts_obj = None
        if facts is not None:
            try:
                facts_obj = load_facts(facts)
            except Exception as exc:  # FactsError names the file and the fields
                _fail(str(exc))
        idx = None
        if index is not None:
            try:
                idx = open_index(index)
            except IndexUnavailable:
                raise  # the one-line index error with its rebuild command, as from every command
            except Exception as exc:
                _fail(f"{index}: {exc}")
        if not path.exists():
            _fail(f"{path}: 文件或文件夹不存在")

        if fix is not None and annotate is None:
            _fail("--fix 需要与 --annotate 一起使用（--annotate 批注版.docx --fix tracked）")
        if annotate is not None and not (path.is_file() and path.suffix.lower() == ".docx"):
            _fail(f"{path}: --annotate 只能用于单个 .docx 文件")
        refuse_existing(annotate, force=force, code=1)
        if path.is_file():
            try:
                rt = ReportText.from_file(path)
                result = run_checks(rt, facts=facts_obj, year=year, index=idx, reuse_threshold=threshold)
            except CheckInputError as exc:  # ProofreadConfigError (a broken proofread.yaml) is one too
                _fail(str(exc))
            if annotate is not None:
                try:
                    done = annotate_docx(path, annotate, result, report_text=rt, fix=fix)
                except AnnotateError as exc:
                    _fail(str(exc))
                typer.echo(f"批注版已写出：{done.path}（批注 {done.comments} 条，其中 {done.paragraph_level} 条标在段落上；"
                           f"修订 {done.tracked} 处）", err=as_json)
            if as_json:
                typer.echo(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2))
            else:
                _print_result(result)
            return

        if not files_to_check(path):
            _fail(f"{path}: 文件夹里没有可检查的文件（.docx .txt .md .json）")
        with TqdmBars(unit="份", disable=None) as bars:
            checked = check_folder(path, facts=facts_obj, year=year, index=idx, reuse_threshold=threshold,
                                   progress=bars)
        rows = [{"path": r.path, "year": r.result.year if r.result else None,
                 "summary": r.result.summary.model_dump() if r.result else None, "error": r.error} for r in checked]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            typer.echo("reuse\tP0\tP1\tP2\tyear\tfile")
            for row in rows:
                if row["error"]:
                    typer.echo(f"ERROR\t-\t-\t-\t-\t{row['path']}\t{row['error']}")
                    continue
                s = row["summary"]
                share = "-" if s["reuse_share"] is None else f"{s['reuse_share']:.2f}"
                sev = s["by_severity"]
                typer.echo(f"{share}\t{sev.get('P0', 0)}\t{sev.get('P1', 0)}\t{sev.get('P2', 0)}\t"
                           f"{row['year'] or '-'}\t{row['path']}")
        if any(row["error"] for row in rows):
            raise typer.Exit(1)
