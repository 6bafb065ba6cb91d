"""Issue 16 item 7: a file whose name is not valid UTF-8 is indexed under an escaped name, given
directly or found in a folder, and the manifest stays valid JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

from draftkit.retrieval import Index, build_index

REPORT = ("桃溪小学党支部2023年党建工作总结\n2023年，学校党支部坚持以习近平新时代中国特色社会主义思想为指导，现将工作总结如下：\n"
          "一、基本情况\n支部现有党员18名，其中预备党员1名。\n二、主要做法\n支部每月开展主题党日活动，全年集中学习12次。")


def test_undecodable_file_name_is_indexed_escaped(tmp_path: Path, embedder, retrieval_settings) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/\xff\xfe.txt"
    fd = os.open(raw, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, REPORT.encode("utf-8"))
    os.close(fd)
    target = tmp_path / "ix"
    result = build_index([os.fsdecode(raw)], target, settings=retrieval_settings)
    assert result.written and not result.errors
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sources"][0].endswith("\\xff\\xfe.txt")
    with Index.open(target, settings=retrieval_settings) as ix:
        (doc,) = ix.documents()
        assert doc.path.endswith("\\xff\\xfe.txt")
        assert ix.search("主题党日", k=1)[0].chunk.source.endswith("\\xff\\xfe.txt")
