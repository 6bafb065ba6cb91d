"""Exported files (and the proofreading overlay) get the mode the umask gives, like any file the user makes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from draftkit.checks.proofread import Overlay, save_overlay
from draftkit.export import export_report
from draftkit.files import current_umask
from draftkit.report import Report


@pytest.fixture(params=[0o022, 0o027, 0o002], ids=oct)
def umask(request):
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_current_umask_reads_the_process_umask(umask: int):
    assert current_umask() == umask


@pytest.mark.parametrize("suffix", [".docx", ".md", ".txt"])
def test_every_export_honours_the_umask(report: Report, tmp_path: Path, umask: int, suffix: str):
    written = export_report(report, tmp_path / f"总结{suffix}")
    assert _mode(written) == 0o666 & ~umask


def test_replacing_an_export_keeps_the_umask_mode(report: Report, tmp_path: Path, umask: int):
    out = tmp_path / "总结.docx"
    export_report(report, out)
    export_report(report, out)
    assert _mode(out) == 0o666 & ~umask


def test_proofread_overlay_honours_the_umask(tmp_path: Path, umask: int):
    written = save_overlay(Overlay(), tmp_path / "proofread.yaml")
    assert _mode(written) == 0o666 & ~umask
