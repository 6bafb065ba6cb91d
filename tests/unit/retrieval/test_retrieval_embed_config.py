"""How the configured embedder is named and which prefixes it gets (no model is loaded)."""

from __future__ import annotations

import json
from pathlib import Path

from draftkit.config import DEFAULT_EMBED_MODEL, Settings
from draftkit.retrieval import e5convert
from draftkit.retrieval.embed import _choose_prefixes, _prompts_from_config, embedder_name


def test_names_recorded_in_the_manifest(tmp_path: Path) -> None:
    assert embedder_name(Settings(embed_model=DEFAULT_EMBED_MODEL)) == DEFAULT_EMBED_MODEL
    folder = tmp_path / "bge-small-zh-v1.5"
    folder.mkdir()
    assert embedder_name(Settings(embed_model=str(folder))) == str(folder.resolve())
    assert embedder_name(Settings(embed_model="BAAI/bge-m3")) == "BAAI/bge-m3"


def test_prefixes_come_from_the_models_own_config(tmp_path: Path) -> None:
    (tmp_path / "config_sentence_transformers.json").write_text(
        json.dumps({"prompts": {"query": "为这个句子生成表示以用于检索相关文章：", "document": ""}}), encoding="utf-8")
    prompts = _prompts_from_config(tmp_path, object())
    assert _choose_prefixes("bge-small-zh", prompts) == ("为这个句子生成表示以用于检索相关文章：", "")


def test_models_without_prompts_get_none_except_e5(tmp_path: Path) -> None:
    assert _choose_prefixes("bge-m3", _prompts_from_config(tmp_path, object())) == ("", "")
    assert _choose_prefixes("intfloat/multilingual-e5-base", {}) == ("query: ", "passage: ")
    assert _choose_prefixes("x", dict(e5convert.E5_PROMPTS)) == ("query: ", "passage: ")


def test_an_incomplete_conversion_folder_is_not_mistaken_for_a_model(tmp_path: Path) -> None:
    partial = tmp_path / e5convert.CONVERTED_DIR_NAME
    partial.mkdir()
    (partial / "config.json").write_text("{}", encoding="utf-8")
    assert not e5convert.is_converted(partial)
    for name in ("modules.json", "model.safetensors", "tokenizer.json"):
        (partial / name).write_text("{}", encoding="utf-8")
    assert e5convert.is_converted(partial)
