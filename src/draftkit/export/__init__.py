"""Export a drafted ``Report``: official-layout .docx (GB/T 9704-2012), Markdown, plain text; and a
layout checker for any .docx.

    from draftkit.export import export_report, check_docx
    export_report(report, "总结.docx")      # .docx, .md or .txt by the suffix
    check_docx("总结.docx")                 # [] when the layout is right
"""

from __future__ import annotations

from pathlib import Path

from draftkit.export.docx import ExportError, build_document, export_docx
from draftkit.export.docx_check import DocxCheckError, LayoutIssue, check_document, check_docx
from draftkit.export.layout import Layout, load_layout
from draftkit.export.markdown import export_markdown, export_text
from draftkit.report import Report

__all__ = [
    "EXPORT_SUFFIXES",
    "DocxCheckError",
    "ExportError",
    "Layout",
    "LayoutIssue",
    "build_document",
    "check_document",
    "check_docx",
    "export_docx",
    "export_markdown",
    "export_report",
    "export_text",
    "load_layout",
]

EXPORT_SUFFIXES = (".docx", ".md", ".markdown", ".txt")


def export_report(report: Report, path: str | Path, layout: Layout | None = None) -> Path:
    """Write ``report`` to ``path`` in the format its suffix names (.docx, .md/.markdown, .txt)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return export_docx(report, path, layout)
    if suffix in (".md", ".markdown"):
        text = export_markdown(report, layout)
    elif suffix == ".txt":
        text = export_text(report, layout)
    else:
        raise ExportError(
            path, f"unknown export format {suffix or '(no suffix)'}; use one of {', '.join(EXPORT_SUFFIXES)}"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise ExportError(path, f"cannot write the file ({exc.strerror or exc})") from exc
    return path
