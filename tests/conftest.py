"""Shared fixtures: where the repository, the seed reports and the samples are, and one embedding
pass per distinct passage in a session (see ``embed_each_passage_once``)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT.parent / "shared" / "corpus" / "seeds"


#: passages whose vectors the session keeps (384 float32 each: about 75 MB at most)
PASSAGE_MEMO_SIZE = 50_000


@pytest.fixture(scope="session", autouse=True)
def embed_each_passage_once():
    """The suite builds indexes over the same sample reports many times (the reuse and drafting
    fixtures, the front door's build, the retrieval index over the samples and the seeds). The real
    model embeds each distinct passage once per session; a later build of the same text by the same
    model, dtype and prefix reuses that vector instead of running the model again. Queries are never
    reused (their timing and threading are tested), and an app started in a subprocess embeds for
    itself. Progress and batching are the builder's own, unchanged."""
    try:
        from draftkit.retrieval.embed import Embedder
    except ImportError:  # the retrieval extra is not installed: nothing embeds
        yield
        return
    import numpy as np

    original = Embedder._encode
    memo: dict[tuple[str, str, str, str, str], np.ndarray] = {}

    def encode(self, texts, prefix, show_progress):
        if not texts or prefix != self.passage_prefix:
            return original(self, texts, prefix, show_progress)
        keys = [(self.name, self.dtype, str(self.path), prefix, t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in memo))
        fresh = dict(zip(missing, original(self, [k[-1] for k in missing], prefix, show_progress), strict=True)
                     ) if missing else {}
        if len(memo) + len(fresh) <= PASSAGE_MEMO_SIZE:
            memo.update(fresh)
        return np.stack([memo[k] if k in memo else fresh[k] for k in keys])

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Embedder, "_encode", encode)
        yield


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
