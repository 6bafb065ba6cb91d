"""Shared fixtures: where the repository, the seed reports and the samples are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT.parent / "shared" / "corpus" / "seeds"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS_DIR.is_dir() or not any(SEEDS_DIR.glob("*.txt")):
        pytest.skip(f"seed reports not found at {SEEDS_DIR} (they live in ../shared/corpus/seeds beside the repo)")
    return SEEDS_DIR


@pytest.fixture(scope="session")
def seed_paths(seeds_dir: Path) -> dict[str, Path]:
    """Seed files by their three-digit prefix: {"000": Path, ...}."""
    return {p.name[:3]: p for p in sorted(seeds_dir.glob("*.txt"))}


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return REPO_ROOT / "samples"


@pytest.fixture(scope="session")
def sample_index_of(tmp_path_factory, samples_dir: Path):
    """Build (once per session and file list) a real index over some sample-corpus files, and open it."""
    from draftkit.retrieval import Index, build_index

    built: dict[tuple[str, ...], Index] = {}

    def build(names: list[str]) -> Index:
        key = tuple(names)
        if key not in built:
            files = [samples_dir / "corpus" / n for n in names]
            missing = [f.name for f in files if not f.is_file()]
            assert not missing, f"sample corpus files missing (run python samples/build_corpus.py): {missing}"
            index_dir = tmp_path_factory.mktemp("sample_index") / "index"
            build_index(files, index_dir)
            built[key] = Index.open(index_dir)
        return built[key]

    return build


@pytest.fixture(scope="session")
def postgres_cluster():
    """A real PostgreSQL server for this session (tests/postgres_cluster.py), removed afterwards."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from postgres_cluster import Cluster

    cluster = Cluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster, request) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    import re
    import uuid

    name = re.sub(r"\W", "_", request.node.name.lower())[:40] + "_" + uuid.uuid4().hex[:6]
    return postgres_cluster.create_database(name)
