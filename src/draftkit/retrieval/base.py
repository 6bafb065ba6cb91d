"""What every index store offers, and which store a location names.

Two stores implement ``SearchIndex``:

- ``draftkit.retrieval.index.Index``: an index directory (FAISS + bm25s + SQLite + manifest.json),
  the default on one PC;
- ``draftkit.retrieval.milvus.MilvusIndex``: Milvus, either Milvus Lite in a ``*.db`` folder
  (embedded, pip-installable) or a Milvus server or cluster at ``http://host:19530``.

``DRAFTKIT_INDEX_URI`` (``Settings.index_uri``) picks the location; when it is empty,
``DRAFTKIT_INDEX_DIR`` (``Settings.index_dir``, default ``index``) does. ``Index.open``,
``build_index``, ``add_paths`` and ``remove_document`` accept any of the three forms and hand a
Milvus location to the Milvus store, so callers never choose the class themselves.
"""

from __future__ import annotations

import os
import re
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from draftkit.config import Settings
from draftkit.ingest.models import Chunk
from draftkit.retrieval.ranking import Hit

#: Query embeddings kept per open index.
QUERY_CACHE_SIZE = 512

_SERVER_URI = re.compile(r"^(https?|tcp|grpc|unix)\:/+(.*)$", re.IGNORECASE)


def milvus_uri(location: str | os.PathLike[str] | None) -> str | None:
    """The Milvus URI a location names, or None when it names an index directory.

    ``*.db`` (a Milvus Lite data folder) → its absolute path; ``http://host:19530`` (also
    ``https``, ``tcp``, ``grpc``) → the URI. A URI that went through ``pathlib.Path`` lost one
    slash of ``//`` (``http:/host:19530``); it is put back.
    """
    if location is None:
        return None
    text = os.fspath(location).strip()
    m = _SERVER_URI.match(text)
    if m:
        return f"{m.group(1).lower()}://{m.group(2)}"
    if text.lower().endswith(".db"):
        return str(Path(text).expanduser().resolve())
    return None


def index_location(index: str | os.PathLike[str] | None, settings: Settings) -> str | Path:
    """Where to find the index: ``index`` when given, else ``DRAFTKIT_INDEX_URI``, else
    ``DRAFTKIT_INDEX_DIR``. A Milvus location comes back as its URI (str), a directory as a Path."""
    chosen: str | os.PathLike[str] = index if index is not None else (settings.index_uri or settings.index_dir)
    uri = milvus_uri(chosen)
    return uri if uri is not None else Path(chosen)


class QueryVectorCache:
    """Recently embedded queries (``QUERY_CACHE_SIZE``), shared by the threads of one open index."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, queries: Sequence[str], encode: Callable[[list[str]], np.ndarray], dim: int) -> np.ndarray:
        """(len(queries), dim) float32: cached vectors, the missing ones embedded in one ``encode`` call;
        empty queries get zero vectors."""
        clean = [(q or "").strip() for q in queries]
        with self._lock:
            missing = list(dict.fromkeys(q for q in clean if q and q not in self._vectors))
        if missing:
            vectors = encode(missing)
            with self._lock:
                for q, v in zip(missing, vectors, strict=True):
                    self._vectors[q] = v
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        with self._lock:
            if not clean:
                return np.zeros((0, dim), np.float32)
            return np.stack([self._vectors.get(q, np.zeros(dim, np.float32)) for q in clean])

    def get(self, query: str) -> np.ndarray | None:
        with self._lock:
            vec = self._vectors.get(query)
            if vec is not None:
                self._vectors.move_to_end(query)
            return vec

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._vectors)

    def __contains__(self, query: object) -> bool:
        with self._lock:
            return query in self._vectors


class SearchIndex(ABC):
    """An open index, whatever stores it. Search, list and fetch; writes go through
    ``build_index`` / ``add_paths`` / ``remove_document``.

    Implementations: ``Index`` (directory) and ``MilvusIndex``; the retrieval and reuse test suites
    run against both (``tests/integration/retrieval/conftest.py``).
    """

    settings: Settings
    warnings: list[str]
    query_cache: QueryVectorCache

    @property
    @abstractmethod
    def embedder(self) -> Any:
        """The embedding model the index was built with (loaded at first use)."""

    @abstractmethod
    def search(self, query: str, k: int = 10, kinds: Collection[str] | str | None = None,
               years: Collection[int] | int | None = None, units: Collection[str] | str | None = None,
               exclude_docs: Collection[str] | str | None = None, mode: str = "hybrid", mmr: float = 0.0,
               fusion: str | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query`` (see ``Index.search`` for every argument)."""

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        """Embed queries in one batch and remember them (``QUERY_CACHE_SIZE`` most recent), so that searching
        each of them next costs no further model pass (drafting primes all its section queries at once).
        Returns (len(queries), dim) float32."""
        return self.query_cache.encode(queries, self.embedder.encode_queries, self.embedder.dim)

    def clear_query_cache(self) -> None:
        """Forget the cached query embeddings (benchmarks use it to time a first-time query)."""
        self.query_cache.clear()

    def _query_vector(self, query: str) -> np.ndarray:
        cached = self.query_cache.get(query)
        return cached if cached is not None else self.encode_queries([query])[0]

    @abstractmethod
    def documents(self) -> list[Any]:
        """Every indexed document (``DocumentInfo``), ordered by path."""

    @abstractmethod
    def document(self, doc_id_or_path: str) -> Any:
        """One document by id, stored path or absolute path; raises ``DocumentNotFound``."""

    @abstractmethod
    def chunk(self, chunk_id: str) -> Chunk:
        """One chunk by id; raises ``KeyError``."""

    @abstractmethod
    def chunks(self, doc_id: str) -> list[Chunk]:
        """The chunks of one document, in order."""

    @property
    @abstractmethod
    def units(self) -> list[str]:
        """The unit names found in the indexed documents, sorted."""

    @abstractmethod
    def info(self) -> dict[str, Any]:
        """Counts, embedder, chunker version, sources and warnings, for ``draftkit index info``."""

    @abstractmethod
    def close(self) -> None:
        """Release files and connections."""

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
