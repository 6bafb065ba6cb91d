"""The exported .docx in LibreOffice: it converts, reads right, paginates on the 22 × 28 grid, and
looks like an official document (title centred, margins kept, page numbers odd right / even left)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from draftkit.export import check_docx, export_docx
from draftkit.export.docx import title_lines
from draftkit.export.layout import load_layout, text_width_chars
from draftkit.report import Report

pytestmark = [pytest.mark.office, pytest.mark.slow]

MM_PER_INCH = 25.4


@dataclass
class Rendered:
    name: str
    report: Report
    docx: Path
    pdf: Path


def sample_facts_reports(samples_dir: Path) -> list[tuple[str, Report]]:
    """A report drafted (template backend, no index) from each samples/facts/*.yaml, when drafting exists."""
    files = sorted((samples_dir / "facts").glob("*.yaml"))
    if not files:
        return []
    try:
        from draftkit.draft.writer import draft_report
        from draftkit.facts import load_facts
    except ImportError:
        return []
    return [(f.stem, draft_report(load_facts(f), index=None, backend="template")) for f in files]


@pytest.fixture(scope="session")
def rendered(to_pdf, sample_report_loader, samples_dir: Path, tmp_path_factory) -> dict[str, Rendered]:
    """Every report exported and converted to PDF in one LibreOffice run."""
    work = tmp_path_factory.mktemp("pdf")
    reports = [("report_2024", sample_report_loader()), *sample_facts_reports(samples_dir)]
    items = {
        name: Rendered(name, r, export_docx(r, work / f"{name}.docx"), work / f"{name}.pdf")
        for name, r in reports
    }
    to_pdf([it.docx for it in items.values()], work)
    return items


def expected_pages(report: Report) -> int:
    """Pages the 22-line × 28-character grid gives, counting each paragraph's lines."""
    lay = load_layout()
    per_line = lay.grid.chars_per_line
    lines = len(title_lines(report.title)) + 1  # the title, then one blank line
    paragraphs = [*report.opening.split("\n")]
    for s in report.sections:
        paragraphs.append(s.heading)
        paragraphs += s.text.split("\n")
    paragraphs += report.closing.split("\n")
    for p in paragraphs:
        if p.strip():
            lines += math.ceil((lay.first_line_indent_chars + text_width_chars(p.strip())) / per_line)
    lines += 3  # blank line, unit, date
    return math.ceil(lines / lay.grid.lines_per_page)


def pdf_text(pdf: Path) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text() or "") for page in PdfReader(str(pdf)).pages]


def test_exports_are_clean_and_convert(rendered: dict[str, Rendered]):
    for item in rendered.values():
        assert check_docx(item.docx) == [], item.name
        assert item.pdf.stat().st_size > 10_000, item.name


def test_pdf_text_has_the_title_and_the_content(rendered: dict[str, Rendered]):
    for item in rendered.values():
        text = "".join(pdf_text(item.pdf))
        assert item.report.title in text, item.name
        for s in item.report.sections:
            assert re.sub(r"\s+", "", s.heading) in text, (item.name, s.heading)
        assert re.sub(r"\s+", "", item.report.signature.unit or item.report.unit) in text


def test_page_count_matches_the_page_numbers_and_the_grid(rendered: dict[str, Rendered]):
    for item in rendered.values():
        pages = pdf_text(item.pdf)
        # every page carries its own number, "— n —"
        for n, text in enumerate(pages, start=1):
            assert f"—{n}—" in text, (item.name, n, text[-40:])
        # and the count agrees with the grid (keep-with-next may push a heading over: +1)
        estimate = expected_pages(item.report)
        assert estimate - 1 <= len(pages) <= estimate + 1, (item.name, len(pages), estimate)


def test_signature_never_stands_alone_on_the_last_page(rendered: dict[str, Rendered]):
    for item in rendered.values():
        last = pdf_text(item.pdf)[-1]
        signature = re.sub(r"\s+", "", (item.report.signature.unit or "") + item.report.signature.date_text)
        assert signature in last, item.name
        assert len(last) > len(signature) + 20, (item.name, last)  # some of the text came along


def test_body_lines_hold_28_characters(rendered: dict[str, Rendered]):
    """Lines of pure Chinese text in the PDF are 28 characters (29 when punctuation hangs)."""
    item = rendered["report_2024"]
    page = PdfReader(str(item.pdf)).pages[1]
    lengths = []
    for line in (page.extract_text() or "").split("\n"):
        s = re.sub(r"\s+", "", line)
        if len(s) >= 20 and not re.search(r"[0-9A-Za-z—]", s):
            lengths.append(len(s))
    assert lengths, "no full lines found on page 2"
    # most lines are full (28); first lines are indented two characters (26); none runs over
    assert max(set(lengths), key=lengths.count) == 28, lengths
    assert max(lengths) <= 29, lengths


def test_pages_look_official(rendered: dict[str, Rendered], render_page):
    """Rendered pages: title centred in the text block, margins kept, page numbers odd right / even left."""
    item = rendered["report_2024"]
    assert len(PdfReader(str(item.pdf)).pages) >= 2
    dpi = 50
    px_per_mm = dpi / MM_PER_INCH
    lay = load_layout()
    m = lay.margins_mm

    def ink_columns(img: np.ndarray, top_mm: float, bottom_mm: float) -> np.ndarray:
        band = img[int(top_mm * px_per_mm) : int(bottom_mm * px_per_mm)]
        return np.where((band < 128).any(axis=0))[0] / px_per_mm  # x of inked columns, in mm

    p1 = render_page(item.pdf, 1, dpi)
    p2 = render_page(item.pdf, 2, dpi)
    width_mm = p1.shape[1] / px_per_mm
    height_mm = p1.shape[0] / px_per_mm
    assert abs(width_mm - 210) < 2 and abs(height_mm - 297) < 2  # A4

    # the title: the first two lines of the block, centred between the margins
    title_cols = ink_columns(p1, m.top, m.top + 2 * 10.2)
    block_centre = m.left + (210 - m.left - m.right) / 2
    assert abs((title_cols.min() + title_cols.max()) / 2 - block_centre) < 4

    # body text stays inside the margins on both pages
    for img in (p1, p2):
        body = ink_columns(img, m.top, 297 - m.bottom)
        assert body.min() >= m.left - 1.5 and body.max() <= 210 - m.right + 1.5

    # nothing in the top margin; the page number below the text block
    for img in (p1, p2):
        assert ink_columns(img, 3, m.top - 3).size == 0
    odd = ink_columns(p1, 297 - m.bottom + 2, 297 - 5)
    even = ink_columns(p2, 297 - m.bottom + 2, 297 - 5)
    assert odd.size and even.size
    assert odd.min() > 150 and odd.max() <= 210 - m.right  # right side, inside the margin
    assert even.max() < 60 and even.min() >= m.left  # left side, inside the margin
