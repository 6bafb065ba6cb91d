"""LibreOffice rendering for the export tests: .docx → PDF → page images.

LibreOffice (Debian `libreoffice-writer`), poppler-utils and a CJK font (`fonts-noto-cjk`) come from
`scripts/setup.sh --test`. The official fonts (仿宋_GB2312, 黑体 …) are Windows fonts; a private
fontconfig file maps them to Noto CJK so the PDF looks like the document, and a private LibreOffice
profile lets the conversion run beside any other soffice on the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from draftkit.report import Report

REPORT_YAML = Path(__file__).resolve().parents[2] / "unit" / "export" / "data" / "report_2024.yaml"
SOFFICE_TIMEOUT = 240

_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
{aliases}
</fontconfig>
"""
_SERIF = ["仿宋_GB2312", "楷体_GB2312", "方正小标宋简体", "宋体"]
_SANS = ["黑体"]


@pytest.fixture(scope="session")
def sample_report_loader():
    """A callable returning a fresh copy of the ~4,000-character sample report."""

    def load() -> Report:
        with open(REPORT_YAML, encoding="utf-8") as fh:
            return Report.model_validate(yaml.safe_load(fh))

    return load


@pytest.fixture(scope="session")
def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        pytest.skip(
            "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer fonts-noto-cjk"
        )
    return exe


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    exe = shutil.which("pdftoppm")
    if not exe:
        pytest.skip("pdftoppm is not installed: apt-get install poppler-utils")
    return exe


@pytest.fixture(scope="session")
def to_pdf(soffice: str):
    """``to_pdf(docx_files, outdir)``: convert with LibreOffice; the PDFs land in ``outdir``."""

    def convert(docx_files: list[Path], outdir: Path) -> list[Path]:
        convert_to_pdf(soffice, docx_files, outdir, outdir)
        return [outdir / f"{p.stem}.pdf" for p in docx_files]

    return convert


@pytest.fixture(scope="session")
def render_page(pdftoppm: str):
    """``render_page(pdf, page, dpi)``: one page as a grey image (numpy, 0 = black)."""

    def render(pdf: Path, page: int, dpi: int = 50) -> np.ndarray:
        return page_image(pdftoppm, pdf, page, dpi)

    return render


def convert_to_pdf(soffice: str, docx_files: list[Path], outdir: Path, workdir: Path) -> None:
    """Convert all files in one LibreOffice run (one start-up), with a private profile and fonts."""
    aliases = "\n".join(
        f'  <alias binding="same"><family>{name}</family><prefer><family>{target}</family></prefer></alias>'
        for names, target in ((_SERIF, "Noto Serif CJK SC"), (_SANS, "Noto Sans CJK SC"))
        for name in names
    )
    conf = workdir / "fonts.conf"
    conf.write_text(_FONTS_CONF.format(aliases=aliases), encoding="utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(conf), HOME=str(workdir))
    cmd = [
        soffice,
        f"-env:UserInstallation={(workdir / 'lo-profile').as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(outdir),
        *map(str, docx_files),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT)
    missing = [p for p in docx_files if not (outdir / f"{p.stem}.pdf").exists()]
    if proc.returncode != 0 or missing:
        raise AssertionError(
            f"LibreOffice failed ({proc.returncode}) for {missing}:\n{proc.stdout}\n{proc.stderr}"
        )


def page_image(pdftoppm: str, pdf: Path, page: int, dpi: int = 50) -> np.ndarray:
    """One page as a grey image (rows × columns, 0 = black … 255 = white)."""
    prefix = pdf.with_name(f"{pdf.stem}-p{page}")
    subprocess.run(
        [
            pdftoppm,
            "-gray",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(prefix),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    data = prefix.with_suffix(".pgm").read_bytes()
    # binary PGM: "P5\n<w> <h>\n<max>\n" then w*h bytes
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5"
    w, h = int(fields[1]), int(fields[2])
    return np.frombuffer(data[pos + 1 : pos + 1 + w * h], dtype=np.uint8).reshape(h, w)
