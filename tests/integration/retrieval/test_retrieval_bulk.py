"""Bulk builds in batches: an interrupted build resumes where it stopped and ends with the same chunks."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from draftkit.config import Settings
from draftkit.progress import Progress
from draftkit.retrieval import Index
from draftkit.retrieval.bulk import build_in_batches

FILES = ["A6_liuxi_chengguan_xuequ_2022.txt", "B5_qinghe_sanshi_xiaoxue_2021.txt", "A4_liuxi_shiqiao_jiunian_2018.txt"]


def test_an_interrupted_bulk_build_resumes_to_the_same_chunk_count(tmp_path: Path, samples_dir: Path,
                                                                   faiss_index: Index,
                                                                   retrieval_settings: Settings) -> None:
    files = [samples_dir / "corpus" / n for n in FILES]
    expected = {d.doc_id: d.chunks for d in faiss_index.documents() if Path(d.path).name in FILES}
    assert len(expected) == len(FILES)  # the uninterrupted build of the same files
    target = tmp_path / "index"
    seen: list[tuple[str, int, int]] = []

    def stop_after_the_first_batch(p: Progress) -> None:
        seen.append((p.stage, p.done, p.total))
        if p.stage == "batch" and p.done == 1:
            raise KeyboardInterrupt  # Ctrl-C (or a power cut) once the first batch is written

    with pytest.raises(KeyboardInterrupt):
        build_in_batches(files, target, retrieval_settings, progress=stop_after_the_first_batch, batch_files=1)
    assert ("ingest", 1, 1) in seen  # per-file progress inside the batch
    with Index.open(target, settings=retrieval_settings) as ix:
        assert len(ix.documents()) == 1
        first = ix.documents()[0]

    runner_result = CliRunner().invoke(_app(), ["index", "build", *map(str, files), "--index", str(target),
                                                "--batch-files", "1", "--resume", "-q", "-y"])
    assert runner_result.exit_code == 0, runner_result.output
    assert "unchanged since indexed" in runner_result.output  # the finished batch is not redone
    with Index.open(target, settings=retrieval_settings) as ix:
        assert {d.doc_id: d.chunks for d in ix.documents()} == expected
        assert ix.info()["chunks"] == sum(expected.values())
    again = build_in_batches(files, target, retrieval_settings, batch_files=2, resume=True)
    assert not again.written and again.embedded == 0 and len(again.unchanged) == len(FILES)
    assert first.doc_id in expected


def _app():
    from draftkit.cli import app

    return app
