"""Workspace.check given a str: a file name that is missing or a folder is a clear error, text is checked."""

from __future__ import annotations

from pathlib import Path

import pytest

import draftkit
from draftkit.checks import CheckInputError


@pytest.fixture()
def ws(tmp_path: Path, monkeypatch) -> draftkit.Workspace:
    monkeypatch.chdir(tmp_path)
    return draftkit.Workspace(tmp_path / "index")


@pytest.mark.parametrize("name", ["nosuch.docx", "nosuch.TXT", "草稿/2024年总结.md", "report.json", "old.doc",
                                  "scan.pdf", " nosuch.docx "])
def test_a_missing_file_named_as_a_str_is_an_error(ws: draftkit.Workspace, name: str):
    with pytest.raises(CheckInputError, match="文件不存在") as err:
        ws.check(name)
    assert name.strip() in str(err.value)


def test_a_missing_path_is_an_error(ws: draftkit.Workspace, tmp_path: Path):
    with pytest.raises(CheckInputError, match="文件不存在"):
        ws.check(tmp_path / "nosuch.docx")


@pytest.mark.parametrize("as_str", [True, False])
def test_a_folder_is_an_error(ws: draftkit.Workspace, tmp_path: Path, as_str: bool):
    folder = tmp_path / "corpus.docx" if as_str else tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("一、基本情况\n全年开展主题党日12次。\n", encoding="utf-8")
    for arg in ([str(folder), "corpus.docx" if as_str else "corpus"] if as_str else [folder, "corpus"]):
        with pytest.raises(CheckInputError, match="文件夹"):
            ws.check(arg)


def test_report_text_as_a_str_is_still_checked(ws: draftkit.Workspace, tmp_path: Path):
    text = "柳溪县实验小学2024年党建工作总结\n一、基本情况\n全年开展主题党日12次，党员参与率100%。\n"
    result = ws.check(text, year=2024)
    assert result.year == 2024
    one_line = "全年开展主题党日12次，详见附件.docx"  # one line, but a sentence that ends like a file name
    assert isinstance(ws.check(one_line + "。", year=2024), draftkit.CheckResult)
    real = tmp_path / "总结.txt"
    real.write_text(text, encoding="utf-8")
    assert ws.check(str(real), year=2024).year == 2024
