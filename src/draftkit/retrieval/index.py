"""The index directory: build, add, remove (each an atomic swap), and ``Index`` for searching.

Layout of an index directory (see docs/architecture.md)::

    manifest.json     format version, embedder, chunker version, counts, dense type, file sizes, sources
    store.sqlite      documents, chunks (text, metadata, lexical tokens) and their vectors
    dense.faiss       IndexIDMap2 over IndexFlatIP (< 50,000 chunks) or IndexHNSWFlat
    sentences.npy     float16 vectors of every chunk's sentences (+ sentence_owners.npy), for re-scoring
    lexical/          bm25s (scores over the chunks in id order) + lexical_ids.npy
    userdict.txt      the jieba words the lexical side was cut with (prompts + unit names)
    stopwords.txt     the stop words it dropped

Every write builds a complete new version beside the index and swaps it in (``atomic``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from draftkit import __version__
from draftkit.config import Settings, get_settings
from draftkit.ingest.load import display_path
from draftkit.ingest.models import Chunk, Document
from draftkit.ingest.pipeline import ingest_paths
from draftkit.progress import ProgressCallback, notify
from draftkit.retrieval import atomic
from draftkit.retrieval.base import QueryVectorCache, SearchIndex, index_location, milvus_uri
from draftkit.retrieval.build import (
    STOPWORDS_FILE,
    USERDICT_FILE,
    BuildResult,
    DocumentInfo,
    abs_path,
    chunker_version,
    groups,
    merge_sources,
    ok_documents,
    read_lines,
    sort_documents,
)
from draftkit.retrieval.dense import (
    HNSW_THRESHOLD,
    SENTENCE_OWNERS_FILE,
    SENTENCES_FILE,
    DenseIndex,
    SentenceVectors,
    choose_kind,
    sentence_units,
)
from draftkit.retrieval.embed import Embedder, EmbedderUnavailable, embedder_name, get_embedder
from draftkit.retrieval.integrity import describe_files, verify_checksums
from draftkit.retrieval.lexical import (
    BM25_B,
    BM25_K1,
    BM25_METHOD,
    LexicalIndex,
    base_userdict,
    get_tokenizer,
    stopwords,
    unit_words,
    userdict_digest,
)
from draftkit.retrieval.manifest import (
    Counts,
    DenseInfo,
    DocumentNotFound,
    EmbedderInfo,
    IndexCorrupt,
    IndexMismatch,
    IndexUnavailable,
    LexicalInfo,
    Manifest,
    foreign_names,
    missing_manifest,
    read_manifest,
    rebuild_command,
)
from draftkit.retrieval.milvus import MilvusIndex, has_index, remove_milvus, write_milvus
from draftkit.retrieval.plan import BuildPlan, plan_build
from draftkit.retrieval.ranking import (
    Hit,
    boost_passages,
    candidate_count,
    check_kinds,
    convex,
    mmr_order,
    rrf,
    search_args,
)
from draftkit.retrieval.store import SOURCES_META, STORE_FILE, Store, StoreError, now_iso
from draftkit.section_kinds import SECTION_KINDS

log = logging.getLogger(__name__)

DENSE_FILE = "dense.faiss"
LEXICAL_DIR = "lexical"
LEXICAL_IDS_FILE = "lexical_ids.npy"
OPEN_ATTEMPTS = 5  # reads of a version that changed while being opened (only where it cannot be pinned)

#: Vectors computed elsewhere: (chunk vectors (n, dim) float32, one (n_sentences, dim) array per chunk).
Precomputed = tuple[np.ndarray, Sequence[np.ndarray]]


# --------------------------------------------------------------------------- writing


def _check_target(index_dir: Path, force: bool = False) -> None:
    """Refuse to replace a directory that is not an index (the swap would delete its contents).

    With ``force``, a folder holding only index files without a manifest (a damaged index) is replaced;
    a folder holding anything else never is.
    """
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexUnavailable(index_dir, "exists and is not a directory; choose another --index")
    if not index_dir.is_dir() or atomic.is_published(index_dir) or not any(index_dir.iterdir()):
        return
    foreign = foreign_names(index_dir)
    if foreign:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        raise IndexUnavailable(index_dir, f"is a non-empty directory that is not a draftkit index (it holds {shown}); "
                                          "choose another --index or empty it first")
    if not force:
        raise IndexUnavailable(index_dir, "holds index files but no manifest.json (a damaged index); "
                                          "add --force to replace it")


@dataclass
class _Version:
    """A new index version being written in a staging directory."""

    staging: Path
    embedder: Embedder
    store: Store
    dense: DenseIndex
    userdict: list[str]
    stop: list[str]
    progress: ProgressCallback | None
    embedded: int = 0  # chunks embedded by this version

    def __post_init__(self) -> None:
        self.tokenizer = get_tokenizer(self.userdict, self.stop)

    def add_documents(self, docs: Sequence[Document], vectors: Precomputed | None = None) -> None:
        """Embed the chunks and their sentences and store them, a group of documents at a time
        (memory stays bounded however big the corpus; each group is one batch the model sorts by length).

        ``vectors``: already computed (chunk vectors, one array of sentence vectors per chunk), in chunk order.
        """
        n_chunks = sum(len(d.chunks) for d in docs)
        if vectors is not None and (len(vectors[0]) != n_chunks or len(vectors[1]) != n_chunks):
            raise ValueError(f"{len(vectors[0])} vectors and {len(vectors[1])} sentence arrays for {n_chunks} chunks")
        sentences = {c.id: sentence_units(c.text) for d in docs for c in d.chunks} if vectors is None else {}
        total = n_chunks + sum(len(v) for v in sentences.values())
        done = 0
        at = 0  # position in ``vectors``
        for group in groups(docs):
            chunks = [c for d in group for c in d.chunks]
            if vectors is None:
                per_chunk = [sentences[c.id] for c in chunks]
                texts = [c.text for c in chunks] + [s for sents in per_chunk for s in sents]
                base = done
                vecs = self.embedder.encode_passages(
                    texts, progress=lambda p, base=base: notify(self.progress, "embed", base + p.done, total))
                done += len(texts)
                self.embedded += len(chunks)
                chunk_vecs = vecs[: len(chunks)]
                sent_vecs: list[np.ndarray] = []
                pos = len(chunks)
                for sents in per_chunk:
                    sent_vecs.append(vecs[pos : pos + len(sents)].astype(np.float16))
                    pos += len(sents)
                del vecs
            else:
                chunk_vecs = np.asarray(vectors[0][at : at + len(chunks)], dtype=np.float32)
                sent_vecs = list(vectors[1][at : at + len(chunks)])
                at += len(chunks)
            first = 0
            for d in group:
                n = len(d.chunks)
                tokens = self.tokenizer.tokenize_many(c.text for c in d.chunks)
                cids = self.store.add_document(d, abs_path(d.path), tokens, chunk_vecs[first : first + n],
                                               sent_vecs[first : first + n])
                self.dense.add(np.asarray(cids, dtype=np.int64), chunk_vecs[first : first + n])
                first += n

    def retokenize_all(self) -> None:
        self.store.set_tokens((cid, self.tokenizer.tokenize(text)) for cid, text in self.store.iter_texts())

    def finish(self, sources: list[str], built_at: str | None) -> Manifest:
        """Write the dense, lexical and sentence files and the manifest (last) into the staging directory."""
        notify(self.progress, "index", 0, 1)
        if self.dense.needs_rebuild() or (self.dense.kind == "flat" and self.dense.live >= HNSW_THRESHOLD):
            ids, vecs = self.store.vectors(self.embedder.dim)
            self.dense = DenseIndex.build(ids, vecs, choose_kind(len(ids)))
        cids: list[int] = []

        def token_lists() -> Iterator[list[str]]:
            for cid, toks in self.store.iter_tokens():
                cids.append(cid)
                yield toks

        lexical = LexicalIndex.build(token_lists())
        lexical.save(self.staging / LEXICAL_DIR)
        np.save(self.staging / LEXICAL_DIR / LEXICAL_IDS_FILE, np.asarray(cids, dtype=np.int64))
        self.dense.save(self.staging / DENSE_FILE)
        n_sentences = self.store.write_sentence_files(self.staging / SENTENCE_OWNERS_FILE,
                                                      self.staging / SENTENCES_FILE, self.embedder.dim)
        (self.staging / USERDICT_FILE).write_text("\n".join(self.userdict) + "\n", encoding="utf-8")
        (self.staging / STOPWORDS_FILE).write_text("\n".join(self.stop) + "\n", encoding="utf-8")
        n_docs, n_chunks = self.store.counts()
        shas = sorted(d["sha256"] for d in self.store.documents())
        self.store.set_meta(SOURCES_META, json.dumps(sources, ensure_ascii=False))
        self.store.close()
        files, checksums = describe_files(self.staging)
        now = now_iso()
        manifest = Manifest(
            draftkit_version=__version__,
            embedder=EmbedderInfo(**self.embedder.describe()),
            chunker_version=chunker_version(),
            counts=Counts(documents=n_docs, chunks=n_chunks, sentences=n_sentences),
            dense=DenseInfo(type=self.dense.kind, file=DENSE_FILE, ntotal=self.dense.ntotal,
                            tombstones=[int(t) for t in self.dense.tombstones]),
            lexical=LexicalInfo(folder=LEXICAL_DIR, userdict_sha256=userdict_digest(self.userdict),
                                stopwords_sha256=userdict_digest(self.stop), k1=BM25_K1, b=BM25_B, method=BM25_METHOD),
            corpus_sha256=hashlib.sha256("\n".join(shas).encode()).hexdigest(),
            sources=sources,
            files=files,
            checksums=checksums,
            built_at=built_at or now,
            updated_at=now,
        )
        manifest.write(self.staging)
        notify(self.progress, "index", 1, 1)
        return manifest


def build_documents(docs: Sequence[Document], index_dir: str | os.PathLike[str], settings: Settings | None = None,
                    sources: Sequence[str] | None = None, progress: ProgressCallback | None = None,
                    vectors: Precomputed | None = None, force: bool = False) -> Manifest:
    """Write a new index from already ingested documents (replacing any index at ``index_dir``).

    ``vectors`` skips embedding (benchmarks use it for synthetic corpora); they must come from the
    configured embedder, whose name the manifest records. ``force``: replace a damaged index that has
    lost its manifest (see ``_check_target``).
    """
    s = settings or get_settings()
    target = Path(index_dir)
    _check_target(target, force)
    embedder = get_embedder(s)
    units = unit_words(d.unit for d in docs)
    userdict = base_userdict(s) + [u for u in dict.fromkeys(units)]
    stop = stopwords(s)
    with atomic.writer_lock(target):
        atomic.recover(target)
        staging = atomic.new_staging_dir(target)
        try:
            store = Store.open_writable(staging / STORE_FILE)
            store.set_meta("unit_words", "\n".join(dict.fromkeys(units)))
            version = _Version(staging, embedder, store, DenseIndex.empty(embedder.dim, choose_kind(
                sum(len(d.chunks) for d in docs))), userdict, stop, progress)
            version.add_documents(docs, vectors)
            manifest = version.finish([str(p) for p in (sources or [])], None)
            atomic.publish(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return manifest


def build_index(paths: Iterable[str | os.PathLike[str]], index_dir: str | os.PathLike[str] | None = None,
                settings: Settings | None = None, progress: ProgressCallback | None = None,
                confirm: Callable[[BuildPlan], bool] | None = None, force: bool = False) -> BuildResult:
    """Ingest ``paths`` (files and folders) and write a new index at ``index_dir``, replacing any old one.

    Files that fail to ingest are listed in ``BuildResult.files`` with the reason; they never stop the
    build. When no file could be indexed nothing is written (``written`` is False) and an existing
    index stays as it was. ``progress`` gets a Progress per step (stages ingest, embed, index).
    ``confirm(plan)`` is called after ingestion, before any embedding (:class:`BuildPlan`: files, chunks,
    estimated seconds); when it returns False nothing is written and ``BuildResult.cancelled`` is True.
    ``force``: replace a damaged index that has lost its manifest (a folder holding anything else is refused).
    """
    t0 = time.perf_counter()
    s = settings or get_settings()
    target = index_location(index_dir, s)
    if isinstance(target, str):  # Milvus (base.py)
        return write_milvus(target, list(paths), s, progress, replace=True, confirm=confirm)
    _check_target(target, force)
    paths = list(paths)
    results = ingest_paths(paths, progress=progress)
    docs = ok_documents(results)
    if not docs:  # never replace an index with an empty one because every file failed
        return BuildResult(index_dir=str(target), files=results, written=False, seconds=time.perf_counter() - t0)
    if confirm is not None and not confirm(plan_build(results, docs, s)):
        return BuildResult(index_dir=str(target), files=results, written=False, cancelled=True,
                           seconds=time.perf_counter() - t0)
    manifest = build_documents(docs, target, s, sources=[display_path(p) for p in paths], progress=progress, force=force)
    return BuildResult(index_dir=str(target), files=results, added=[d.doc_id for d in docs],
                       documents=manifest.counts.documents, chunks=manifest.counts.chunks,
                       embedded=sum(len(d.chunks) for d in docs), written=True, seconds=time.perf_counter() - t0)


def _check_writable(index_dir: Path, manifest: Manifest, s: Settings) -> None:
    name = embedder_name(s)
    if manifest.embedder.name != name:
        raise IndexMismatch(index_dir, f"it was built with the embedder {manifest.embedder.name!r} but "
                                       f"DRAFTKIT_EMBED_MODEL is {name!r}", manifest.sources)
    if manifest.chunker_version != chunker_version():
        raise IndexMismatch(index_dir, f"it was chunked by chunker version {manifest.chunker_version}, "
                                       f"this draftkit chunks with version {chunker_version()}", manifest.sources)


def _open_for_update(index_dir: Path, manifest: Manifest, dim: int) -> tuple[Store, DenseIndex]:
    """Read the published store and dense index (to be copied into a new version).

    Every file is hashed against the manifest first, whatever the stamps say, and the vectors must be
    finite: a damaged version is never copied forward into a new one.
    """
    verify_checksums(index_dir, manifest, always=True)
    try:
        store = Store.open_readonly(index_dir / STORE_FILE)
        if not manifest.checksums:  # written before checksums: read every page of the store instead
            store.check_pages()
        dense = DenseIndex.load(index_dir / manifest.dense.file, manifest.dense.type, dim, manifest.dense.tombstones)
    except (StoreError, RuntimeError, ValueError, OSError) as exc:
        raise IndexCorrupt(index_dir, f"cannot be read for updating ({exc})", manifest.sources) from exc
    if not dense.finite():
        store.close()
        raise IndexCorrupt(index_dir, f"{manifest.dense.file} holds vectors that are not numbers (NaN or infinite)",
                           manifest.sources)
    return store, dense


@contextlib.contextmanager
def _store_faults(index_dir: Path, manifest: Manifest) -> Iterator[None]:
    """A store that fails while a version is copied forward is a damaged index (named, with the rebuild command)."""
    try:
        yield
    except (StoreError, sqlite3.DatabaseError) as exc:  # a row that breaks a constraint is damage too
        raise IndexCorrupt(index_dir, f"{STORE_FILE}: {exc}", manifest.sources) from exc


def _updated_version(index_dir: Path, staging: Path, embedder: Embedder, dense: DenseIndex,
                     new_units: Sequence[str], progress: ProgressCallback | None) -> _Version:
    """A new version starting as a copy of the published one (store copied; dense index given)."""
    shutil.copy2(index_dir / STORE_FILE, staging / STORE_FILE)
    store = Store.open_writable(staging / STORE_FILE)
    userdict = read_lines(index_dir / USERDICT_FILE)
    fresh = [u for u in dict.fromkeys(new_units) if u not in set(userdict)]
    if fresh:
        old_units = (store.get_meta("unit_words") or "").splitlines()
        store.set_meta("unit_words", "\n".join(old_units + fresh))
    stop = read_lines(index_dir / STOPWORDS_FILE)
    version = _Version(staging, embedder, store, dense, userdict + fresh, stop, progress)
    if fresh:
        version.retokenize_all()
    return version


def add_paths(index_dir: str | os.PathLike[str], paths: Iterable[str | os.PathLike[str]],
              settings: Settings | None = None, progress: ProgressCallback | None = None,
              confirm: Callable[[BuildPlan], bool] | None = None) -> BuildResult:
    """Add files to an index (creating it when there is none).

    A file already indexed with the same content (sha256) is a no-op; a file whose content
    changed replaces its old chunks; vectors of untouched documents are reused, never re-embedded.
    When nothing changes the index is not rewritten (``BuildResult.written`` is False).
    ``confirm(plan)`` as in :func:`build_index`, for the documents to be embedded.
    """
    t0 = time.perf_counter()
    s = settings or get_settings()
    paths = list(paths)
    if milvus_uri(index_dir) is not None:
        return write_milvus(milvus_uri(index_dir), paths, s, progress, replace=False, confirm=confirm)
    target = Path(index_dir)
    if not atomic.wait_for_published(target):
        return build_index(paths, target, s, progress, confirm=confirm)
    results = ingest_paths(paths, progress=progress)
    docs = ok_documents(results)
    with atomic.writer_lock(target):
        atomic.recover(target)
        manifest = read_manifest(target)
        _check_writable(target, manifest, s)
        old_store, dense = _open_for_update(target, manifest, manifest.embedder.dim)
        try:
            with _store_faults(target, manifest):
                indexed = {row["id"]: row for row in old_store.documents()}
        finally:
            old_store.close()
        new = sort_documents(docs, results, indexed, mark_unchanged=True)
        to_add = new.to_add
        if not to_add or (confirm is not None and not confirm(plan_build(results, to_add, s))):
            return BuildResult(index_dir=str(target), files=results, unchanged=new.unchanged,
                               documents=manifest.counts.documents, chunks=manifest.counts.chunks,
                               written=False, cancelled=bool(to_add), seconds=time.perf_counter() - t0)
        embedder = _embedder_for(target, manifest, s)
        staging = atomic.new_staging_dir(target)
        try:
            with _store_faults(target, manifest):
                version = _updated_version(target, staging, embedder, dense, unit_words(d.unit for d in to_add),
                                           progress)
                for doc_id in new.replaced:
                    version.dense.remove(np.asarray(version.store.remove_document(doc_id), dtype=np.int64))
                version.add_documents(to_add)
                new_manifest = version.finish(merge_sources(manifest.sources, paths), manifest.built_at)
            atomic.publish(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return BuildResult(index_dir=str(target), files=results, added=[d.doc_id for d in to_add], replaced=new.replaced,
                       unchanged=new.unchanged, documents=new_manifest.counts.documents,
                       chunks=new_manifest.counts.chunks, embedded=version.embedded, written=True,
                       seconds=time.perf_counter() - t0)


def remove_document(index_dir: str | os.PathLike[str], doc_id_or_path: str, settings: Settings | None = None) -> DocumentInfo:
    """Remove one document (by id, by the path it was indexed under, or by its absolute path).

    Nothing is embedded: the other documents' vectors are kept; the lexical side is re-indexed.
    ``settings``: used for a Milvus location (``base.py``); a directory needs neither the model nor settings.
    """
    if milvus_uri(index_dir) is not None:
        return remove_milvus(milvus_uri(index_dir), doc_id_or_path, settings or get_settings())
    target = Path(index_dir)
    if not atomic.wait_for_published(target):
        raise missing_manifest(target)
    with atomic.writer_lock(target):
        atomic.recover(target)
        manifest = read_manifest(target)
        old_store, dense = _open_for_update(target, manifest, manifest.embedder.dim)
        try:
            with _store_faults(target, manifest):
                row = old_store.find_document(str(doc_id_or_path), abs_path(str(doc_id_or_path)))
        finally:
            old_store.close()
        if row is None:
            raise DocumentNotFound(f"no document {doc_id_or_path!r} in the index {target} "
                                   "(`draftkit index info --documents` lists ids and paths)")
        info = DocumentInfo.from_row(row)
        staging = atomic.new_staging_dir(target)
        try:
            embedder_info = _StoredEmbedder(manifest.embedder)
            with _store_faults(target, manifest):
                version = _updated_version(target, staging, embedder_info, dense, [], None)
                version.dense.remove(np.asarray(version.store.remove_document(info.doc_id), dtype=np.int64))
                version.finish(manifest.sources, manifest.built_at)
            atomic.publish(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return info


class _StoredEmbedder:
    """Stands in for the model when nothing needs embedding (removal): name and dimension only."""

    def __init__(self, info: EmbedderInfo) -> None:
        self._info = info
        self.name = info.name
        self.dim = info.dim

    def describe(self) -> dict[str, Any]:
        return self._info.model_dump()

    def encode_passages(self, texts: Sequence[str], progress: ProgressCallback | None = None) -> np.ndarray:
        raise RuntimeError("removal never embeds")


def _embedder_for(index_dir: Path, manifest: Manifest, s: Settings) -> Embedder:
    try:
        embedder = get_embedder(s)
    except EmbedderUnavailable as exc:
        raise IndexUnavailable(index_dir, f"its embedder cannot be loaded: {exc}", manifest.sources) from exc
    if embedder.dim != manifest.embedder.dim:
        raise IndexMismatch(index_dir, f"the embedder gives {embedder.dim}-d vectors, the index holds "
                                       f"{manifest.embedder.dim}-d ones", manifest.sources)
    return embedder


# --------------------------------------------------------------------------- reading


def _as_list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes, int)):
        return [value]
    return list(value)


def _reads_store(method: Callable[..., Any]) -> Callable[..., Any]:
    """An ``Index`` method whose store fails raises ``IndexCorrupt`` (with the rebuild command), not ``StoreError``."""
    @functools.wraps(method)
    def wrapper(self: Index, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except StoreError as exc:
            raise IndexCorrupt(self.path, str(exc), self.manifest.sources) from exc
    return wrapper


class Index(SearchIndex):
    """An open index directory (read-only). Open with ``Index.open(index_dir)``; search with ``search``.
    ``Index.open`` of a Milvus location returns a ``MilvusIndex`` (``base.py``)."""

    def __init__(self, index_dir: Path, manifest: Manifest, store: Store, dense: DenseIndex, lexical: LexicalIndex,
                 sentences: SentenceVectors, settings: Settings, warnings: list[str],
                 words: tuple[list[str], list[str]] = ([], [])) -> None:
        self.path = index_dir
        self._words = words  # (user dictionary, stop words) of this version, read with its other files
        self.manifest = manifest
        self.settings = settings
        self.warnings = warnings
        self._store = store
        self._dense = dense
        self._lexical = lexical
        self._sentences = sentences
        self._embedder: Embedder | None = None
        self._tokenizer = None
        self.query_cache = QueryVectorCache()
        cids, doc_ids, kinds, years, units = store.chunk_meta()
        self._cids = cids
        self._years = years
        self._doc_names = sorted(set(doc_ids))
        doc_code = {d: i for i, d in enumerate(self._doc_names)}
        self._doc_codes = np.fromiter((doc_code[d] for d in doc_ids), dtype=np.int64, count=len(doc_ids))
        self._kind_names = sorted(set(kinds))
        kind_code = {k: i for i, k in enumerate(self._kind_names)}
        self._kind_codes = np.fromiter((kind_code[k] for k in kinds), dtype=np.int64, count=len(kinds))
        self._unit_names = sorted({u for u in units if u})
        unit_code = {u: i for i, u in enumerate(self._unit_names)}
        self._unit_codes = np.fromiter((unit_code.get(u, -1) if u else -1 for u in units), dtype=np.int64,
                                       count=len(units))

    # ------------------------------------------------------------------ opening
    @classmethod
    def open_existing(cls, index_dir: str | os.PathLike[str] | None = None,
                      settings: Settings | None = None) -> Index | None:
        """The index at ``index_dir`` if there is one (a published ``manifest.json``), else None.

        The one way to ask for "the index if there is one" (drafting works without exemplars; the
        first run has none yet). An index that is there but cannot be opened still raises
        ``IndexUnavailable`` with the command that rebuilds it: a broken index is never silently ignored."""
        s = settings or get_settings()
        path = index_location(index_dir, s)
        if isinstance(path, str):  # Milvus (base.py)
            return cls.open(path, settings=s) if has_index(path, s) else None
        if not (path / "manifest.json").is_file():
            return None
        return cls.open(path, settings=s)

    @classmethod
    def open(cls, index_dir: str | os.PathLike[str] | None = None, settings: Settings | None = None) -> SearchIndex:
        """Open an index for searching. Raises ``IndexUnavailable`` (missing, mismatched or corrupt)
        with the command that rebuilds it. The embedding model loads at the first dense search.

        Every file is checked against the manifest: size, and sha256 when the file changed since it was
        last found good (``integrity``). The files read all belong to one version: a publish waits while
        they are read (``atomic.pinned``), and where that lock cannot be taken (a read-only folder) a
        version that changed meanwhile is read again. A Milvus location (``base.py``) opens a ``MilvusIndex``.
        """
        s = settings or get_settings()
        path = index_location(index_dir, s)
        if isinstance(path, str):  # Milvus (base.py)
            return MilvusIndex.open(path, s)
        for attempt in range(OPEN_ATTEMPTS):
            try:
                published = atomic.wait_for_published(path)
            except TimeoutError as exc:
                raise IndexUnavailable(path, f"is being written by another process ({exc})") from exc
            if not published:
                raise missing_manifest(path)
            try:
                with atomic.pinned(path):
                    before = atomic.version_key(path)
                    if before is None:  # swapped away between the check and the pin
                        continue
                    try:
                        index = cls._load(path, s)
                    except IndexUnavailable:
                        if atomic.version_key(path) != before and attempt + 1 < OPEN_ATTEMPTS:
                            continue  # read across a publish: read the new version
                        raise
                    if atomic.version_key(path) == before:
                        return index
                    index.close()
            except TimeoutError as exc:
                raise IndexUnavailable(path, f"is being written by another process ({exc})") from exc
        raise IndexUnavailable(path, f"changed {OPEN_ATTEMPTS} times while being opened; try again")

    @classmethod
    def _load(cls, path: Path, s: Settings) -> Index:
        """Read one version's files and check them against its manifest (see ``open``)."""
        manifest = read_manifest(path)
        srcs = manifest.sources
        name = embedder_name(s)
        if manifest.embedder.name != name:
            raise IndexMismatch(path, f"it was built with the embedder {manifest.embedder.name!r} but DRAFTKIT_EMBED_MODEL "
                                      f"is {name!r} (set DRAFTKIT_EMBED_MODEL={manifest.embedder.name} to use it as is)",
                                srcs)
        for rel, size in manifest.files.items():
            f = path / rel
            if not f.is_file():
                raise IndexCorrupt(path, f"{rel} is missing", srcs)
            if f.stat().st_size != size:
                raise IndexCorrupt(path, f"{rel} has {f.stat().st_size} bytes, the manifest says {size} (truncated?)", srcs)
        verify_checksums(path, manifest)
        try:
            store = Store.open_readonly(path / STORE_FILE)
        except StoreError as exc:
            raise IndexCorrupt(path, str(exc), srcs) from exc
        try:
            n_docs, n_chunks = store.counts()
            if (n_docs, n_chunks) != (manifest.counts.documents, manifest.counts.chunks):
                raise IndexCorrupt(path, f"the store holds {n_docs} documents / {n_chunks} chunks, the manifest says "
                                         f"{manifest.counts.documents} / {manifest.counts.chunks}", srcs)
            try:
                dense = DenseIndex.load(path / manifest.dense.file, manifest.dense.type, manifest.embedder.dim,
                                        manifest.dense.tombstones)
            except (RuntimeError, ValueError, OSError) as exc:
                raise IndexCorrupt(path, f"{manifest.dense.file} is unreadable ({str(exc).splitlines()[0]})", srcs) from exc
            if dense.live != n_chunks:
                raise IndexCorrupt(path, f"{manifest.dense.file} holds {dense.live} vectors for {n_chunks} chunks", srcs)
            if not dense.finite():
                raise IndexCorrupt(path, f"{manifest.dense.file} holds vectors that are not numbers (NaN or infinite)",
                                   srcs)
            try:
                lexical = LexicalIndex.load(path / manifest.lexical.folder)
                lex_ids = np.load(path / manifest.lexical.folder / LEXICAL_IDS_FILE)
            except Exception as exc:  # noqa: BLE001 - bm25s/numpy raise many kinds
                raise IndexCorrupt(path, f"the lexical index is unreadable ({exc})", srcs) from exc
            try:
                sentences = SentenceVectors.load(path, manifest.embedder.dim)
            except (OSError, ValueError) as exc:
                raise IndexCorrupt(path, f"the sentence vectors are unreadable ({exc})", srcs) from exc
            if len(sentences) != manifest.counts.sentences:
                raise IndexCorrupt(path, f"{len(sentences)} sentence vectors, the manifest says "
                                         f"{manifest.counts.sentences}", srcs)
            words = (read_lines(path / USERDICT_FILE), read_lines(path / STOPWORDS_FILE))
            index = cls(path, manifest, store, dense, lexical, sentences, s, [], words)
            if not np.array_equal(lex_ids, index._cids) or lexical.n_docs != n_chunks:
                raise IndexCorrupt(path, "the lexical index does not match the store", srcs)
        except StoreError as exc:
            store.close()
            raise IndexCorrupt(path, str(exc), srcs) from exc
        except BaseException:
            store.close()
            raise
        if manifest.chunker_version != chunker_version():
            index.warnings.append(
                f"the index was chunked by chunker version {manifest.chunker_version}, this draftkit uses "
                f"{chunker_version()}: search works, adding files needs a rebuild: {index.rebuild_command}")
        return index

    @property
    def rebuild_command(self) -> str:
        return rebuild_command(self.path, self.manifest.sources)

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = _embedder_for(self.path, self.manifest, self.settings)
        return self._embedder

    @property
    def tokenizer(self):  # noqa: ANN201 - LexicalTokenizer
        if self._tokenizer is None:
            self._tokenizer = get_tokenizer(*self._words)
        return self._tokenizer

    # ------------------------------------------------------------------ catalogue
    @_reads_store
    def documents(self) -> list[DocumentInfo]:
        return [DocumentInfo.from_row(r) for r in self._store.documents()]

    @_reads_store
    def document(self, doc_id_or_path: str) -> DocumentInfo:
        row = self._store.find_document(doc_id_or_path, abs_path(doc_id_or_path))
        if row is None:
            raise DocumentNotFound(f"no document {doc_id_or_path!r} in the index {self.path}")
        return DocumentInfo.from_row(row)

    @_reads_store
    def chunk(self, chunk_id: str) -> Chunk:
        found = self._store.chunk_by_id(chunk_id)
        if found is None:
            raise KeyError(f"no chunk {chunk_id!r} in the index {self.path}")
        return found

    @_reads_store
    def chunks(self, doc_id: str) -> list[Chunk]:
        """The chunks of one document, in order."""
        return self._store.chunks_of(doc_id)

    @property
    def units(self) -> list[str]:
        return list(self._unit_names)

    def info(self) -> dict[str, Any]:
        size = sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())
        m = self.manifest
        return {
            "index_dir": str(self.path),
            "format_version": m.format_version,
            "documents": m.counts.documents,
            "chunks": m.counts.chunks,
            "embedder": m.embedder.model_dump(),
            "chunker_version": m.chunker_version,
            "dense_type": m.dense.type,
            "dense_vectors": m.dense.ntotal,
            "tombstones": len(m.dense.tombstones),
            "size_bytes": size,
            "built_at": m.built_at,
            "updated_at": m.updated_at,
            "sources": list(m.sources),
            "corpus_sha256": m.corpus_sha256,
            "units": self.units,
            "warnings": list(self.warnings),
        }

    # ------------------------------------------------------------------ search
    def _mask(self, kinds: Any, years: Any, units: Any, exclude_docs: Any) -> np.ndarray | None:
        mask: np.ndarray | None = None

        def both(m: np.ndarray) -> None:
            nonlocal mask
            mask = m if mask is None else (mask & m)

        kind_list = _as_list(kinds)
        if kind_list is not None:
            check_kinds(kind_list, SECTION_KINDS)
            codes = [self._kind_names.index(k) for k in kind_list if k in self._kind_names]
            both(np.isin(self._kind_codes, codes))
        year_list = _as_list(years)
        if year_list is not None:
            both(np.isin(self._years, np.asarray([int(y) for y in year_list], dtype=np.int64)))
        unit_list = _as_list(units)
        if unit_list is not None:
            wanted = [str(u).strip() for u in unit_list if str(u).strip()]
            codes = [i for i, name in enumerate(self._unit_names) if any(w in name for w in wanted)]
            both(np.isin(self._unit_codes, codes))
        exclude = _as_list(exclude_docs)
        if exclude:
            ids = set()
            for key in exclude:
                key = str(key)
                if key in self._doc_names:
                    ids.add(key)
                    continue
                row = self._store.find_document(key, abs_path(key))
                if row is not None:
                    ids.add(row["id"])
            codes = [self._doc_names.index(d) for d in ids]
            if codes:
                both(~np.isin(self._doc_codes, codes))
        return mask

    def _dense_scores(self, qv: np.ndarray, cids: np.ndarray) -> np.ndarray:
        """Mean of each chunk's cosine with the query and its best sentence's (the chunk's own when it has none)."""
        if len(cids) == 0:
            return np.zeros(0, np.float32)
        whole = self._dense.vectors(cids) @ qv
        best = self._sentences.best(qv, cids)
        best = np.where(np.isnan(best), whole, best)
        return ((whole + best) / 2).astype(np.float32)

    def _rows(self, cids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._cids, cids)

    @_reads_store
    def search(self, query: str, k: int = 10, kinds: Collection[str] | str | None = None,
               years: Collection[int] | int | None = None, units: Collection[str] | str | None = None,
               exclude_docs: Collection[str] | str | None = None, mode: str = "hybrid", mmr: float = 0.0,
               fusion: str | None = None) -> list[Hit]:
        """The ``k`` best chunks for ``query``; filters apply before the cut.

        ``kinds``: section kinds (``SECTION_KINDS``); ``years``: any collection of ints (``range(2019, 2025)``);
        ``units``: unit names, matched as substrings; ``exclude_docs``: doc ids or paths;
        ``mode``: hybrid | dense | lexical; ``mmr``: 0–1, novelty weight that spreads hits over documents;
        ``fusion``: convex | rrf for hybrid mode (default ``Settings.fusion``; see ranking.py).
        """
        k, fusion = search_args(k, mode, mmr, fusion, self.settings.fusion)
        query = (query or "").strip()
        if not query or len(self._cids) == 0:
            return []
        mask = self._mask(kinds, years, units, exclude_docs)
        if mask is not None and not mask.any():
            return []
        n_cand = candidate_count(k)

        dense_ids = np.zeros(0, np.int64)
        dense_scores = np.zeros(0, np.float32)
        qv: np.ndarray | None = None
        if mode in ("dense", "hybrid"):
            qv = self._query_vector(query)
            allowed = self._cids[mask] if mask is not None else None
            dense_ids, _ = self._dense.search(qv, n_cand, allowed)
        lex_ids = np.zeros(0, np.int64)
        lex_scores = np.zeros(0, np.float32)
        lex_all = np.zeros(0, np.float32)  # BM25 score of every chunk, in self._cids order (0 where filtered out)
        if mode in ("lexical", "hybrid"):
            lex_all = self._lexical.scores(self.tokenizer.tokenize(query))
            if len(lex_all):
                if mask is not None:
                    lex_all = np.where(mask, lex_all, 0.0)
                positive = int(np.count_nonzero(lex_all > 0))
                take = min(n_cand, positive)
                if take:
                    top = np.argpartition(-lex_all, take - 1)[:take]
                    # ties broken by chunk id, as the final ordering breaks them, so lexical ranks match ranks
                    top = top[np.lexsort((self._cids[top], -lex_all[top]))]
                    lex_ids, lex_scores = self._cids[top], lex_all[top]

        scored: dict[int, float]
        if qv is not None:  # re-score the candidates with their sentences (see dense.py)
            pool = dense_ids if mode == "dense" else np.union1d(dense_ids, lex_ids)
            pool_dense = self._dense_scores(qv, pool)
            order = np.argsort(-pool_dense, kind="stable")[:n_cand]
            dense_ids, dense_scores = pool[order], pool_dense[order]
        dense_rank = {int(c): i for i, c in enumerate(dense_ids, start=1)}
        lex_rank = {int(c): i for i, c in enumerate(lex_ids, start=1)}
        overlaps: dict[int, float] = {}
        if mode == "dense":
            scored = {int(c): float(s) for c, s in zip(dense_ids, dense_scores, strict=True)}
        elif mode == "lexical":
            scored = {int(c): float(s) for c, s in zip(lex_ids, lex_scores, strict=True)}
        else:
            if fusion == "rrf":
                scored = rrf([dense_ids, lex_ids])
            else:
                pool_lex = lex_all[self._rows(pool)] if len(lex_all) else np.zeros(len(pool))
                fused = convex(pool_dense, pool_lex, self.settings.dense_weight)
                scored = {int(c): float(f) for c, f in zip(pool, fused, strict=True)}
            overlaps = boost_passages(query, scored, lambda ids: {
                c: chunk.text for c, chunk in self._store.chunks_by_cid(ids).items()})
        ordered = sorted(scored, key=lambda c: (-scored[c], c))
        if mmr > 0 and len(ordered) > 1:
            pool = np.asarray(ordered[:n_cand], dtype=np.int64)
            vecs = self._dense.vectors(pool)
            codes = self._doc_codes[self._rows(pool)]
            picks = mmr_order(np.asarray([scored[int(c)] for c in pool]), vecs, codes, k, float(mmr))
            ordered = [int(pool[i]) for i in picks]
        final = ordered[:k]
        chunks = self._store.chunks_by_cid(final)
        return [
            Hit(chunk=chunks[c], score=scored[c], dense_rank=dense_rank.get(c), lexical_rank=lex_rank.get(c), rank=i,
                overlap=overlaps.get(c, 0.0))
            for i, c in enumerate(final, start=1)
        ]
