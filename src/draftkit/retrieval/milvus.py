"""The index on Milvus: Milvus Lite (a ``*.db`` folder, embedded) or a Milvus server (``http://host:19530``).

Selected by ``DRAFTKIT_INDEX_URI`` (see ``base.py``); the same calls as the index directory:
``build_index`` / ``add_paths`` / ``remove_document`` write, ``Index.open`` returns a ``MilvusIndex``.

Three collections, named ``{prefix}_chunks``, ``{prefix}_sentences``, ``{prefix}_documents``
(``Settings.milvus_collection``, default ``draftkit``):

- chunks: primary key the chunk id (so writes are idempotent upserts), scalar fields for the filters
  (``kind``, ``year``, ``unit``, ``doc_id``) and for rebuilding a ``Chunk``; ``vector`` (FLOAT_VECTOR,
  inner product on normalised vectors = cosine); ``lex``, the text as the lexical side sees it
  (NFKC, lower case, anything but letters, digits and CJK replaced by spaces, as ``lexical.py`` does),
  analysed by Milvus's jieba tokenizer in search mode with our user dictionary (``prompts/
  jieba_userdict.txt`` + the unit names of the first build) and stop words, feeding a BM25 function
  whose output is the ``sparse`` field (k1 1.2, b 0.75, as bm25s is run). The analyser is fixed when
  the collection is created: unit names first seen in a later ``add`` are cut by jieba's own
  dictionary (queries are cut by the same analyser, so both sides still agree).
- sentences: one row per sentence of every chunk (``{chunk id}#{n}``), ``chunk_id`` and ``vector``.
  A candidate's dense score is the mean of its own cosine and its best sentence's (the grouped
  search ``group_by_field="chunk_id"`` gives the best sentence of each), as in ``dense.py``.
- documents: one row per document (the catalogue); it is written after the document's chunks and
  sentences, so its presence means the document is complete. A build interrupted midway and run
  again skips the complete documents and re-writes the rest (upserts by id: no duplicates).

The manifest rules hold: the chunks collection's properties record the format, the embedder
(``draftkit.embedder``, JSON), the chunker version, the sources and the dates; opening with another
embedder or format raises ``IndexMismatch`` with the rebuild command, as for a directory.

Fusion: by default the same convex fusion (and RRF, passage boost, MMR) as ``Index.search``, over
Milvus's dense and BM25 candidate lists (``search.py``). ``search_native`` runs Milvus's own
``hybrid_search`` (``WeightedRanker`` or ``RRFRanker``); both are measured in docs/benchmarks.md.

Not atomic like the directory: readers see a build's documents appear one by one.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from draftkit import __version__
from draftkit.config import Settings, get_settings
from draftkit.ingest.models import Chunk, Document
from draftkit.ingest.pipeline import ingest_paths
from draftkit.progress import Progress, ProgressCallback, notify
from draftkit.retrieval.base import _SERVER_URI, QueryVectorCache, SearchIndex, milvus_uri
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
from draftkit.retrieval.dense import sentence_units
from draftkit.retrieval.embed import Embedder, EmbedderUnavailable, embedder_name, get_embedder
from draftkit.retrieval.lexical import BM25_B, BM25_K1, base_userdict, stopwords, unit_words, userdict_digest
from draftkit.retrieval.manifest import (
    DocumentNotFound,
    EmbedderInfo,
    IndexMismatch,
    IndexMissing,
    IndexUnavailable,
    read_manifest,
    rebuild_command,
)
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
from draftkit.retrieval.store import STORE_FILE, Store, now_iso
from draftkit.section_kinds import SECTION_KINDS

log = logging.getLogger(__name__)

FORMAT = "draftkit-milvus"
FORMAT_VERSION = 1
#: VARCHAR lengths are in bytes (UTF-8: 3 per Chinese character).
TEXT_BYTES = 65_535
#: Rows per insert/upsert call (gRPC messages stay well under their 64 MB limit).
WRITE_BATCH = 500
#: Milvus answers a query with at most this many rows (offset + limit).
QUERY_WINDOW = 16_384
#: Ids per ``in [...]`` filter expression.
IDS_PER_FILTER = 1000
_NON_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff]+")
_CHUNK_FIELDS = ["id", "doc_id", "position", "span_start", "span_end", "kind", "year", "unit", "source", "title",
                 "org_type", "report_kind", "heading_path", "placeholders", "text"]
_DOC_FIELDS = ["id", "path", "abs_path", "sha256", "format", "title", "unit", "year", "org_type", "report_kind",
               "n_chunks", "ingested_at"]


class MilvusUnavailable(IndexUnavailable):
    """pymilvus/milvus-lite is not installed, or the server cannot be reached.

    The message says what to fix instead of suggesting a rebuild (a rebuild needs the same connection):
    ``index http://host:19530: the Milvus server at host:19530 does not answer (…). Check that it is
    running and that DRAFTKIT_INDEX_URI names it``. ``rebuild_command`` is still set, as on every
    ``IndexUnavailable``.
    """

    def __init__(self, uri: str, problem: str, fix: str) -> None:
        super().__init__(uri, problem)
        self.fix = fix
        self.args = (f"index {uri}: {self.problem}. {fix}",)


def lexical_text(text: str) -> str:
    """The text the BM25 side analyses: NFKC, lower case, non-word characters as spaces (``lexical.py``)."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def _client(uri: str, settings: Settings) -> Any:
    """A connected ``MilvusClient``. Raises ``MilvusUnavailable`` when pymilvus (or, for a ``*.db`` folder,
    milvus-lite) is missing or the server does not answer (pymilvus gives up on a closed port in ~4 s)."""
    try:  # pymilvus is optional (the [milvus] extra) and slow to import: only when Milvus is used
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise MilvusUnavailable(uri, "pymilvus is not installed", "Install it: pip install 'draftkit[milvus]'") \
            from exc
    try:
        return MilvusClient(uri=uri, token=settings.milvus_token or "", timeout=30)
    except Exception as exc:  # noqa: BLE001 - pymilvus raises MilvusException, grpc errors, ImportError for lite
        reason = getattr(exc, "message", None) or str(exc).splitlines()[0]
        server = _SERVER_URI.match(uri)
        if server is None:  # Milvus Lite in-process
            raise MilvusUnavailable(uri, f"Milvus Lite cannot open it ({reason})",
                                    "Check that milvus-lite is installed (pip install 'draftkit[milvus]') and that "
                                    "no other process has this folder open") from exc
        raise MilvusUnavailable(uri, f"the Milvus server at {server.group(2)} does not answer ({reason})",
                                "Check that the Milvus server is running and reachable from here, and that "
                                "DRAFTKIT_INDEX_URI names it (http://host:19530)") from exc


def _in(field: str, values: Iterable[Any]) -> str:
    return f"{field} in {json.dumps(list(values), ensure_ascii=False)}"


def _as_list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes, int)):
        return [value]
    return list(value)


class _Collections:
    """The three collection names for a prefix, and the schema of each."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.chunks = f"{prefix}_chunks"
        self.sentences = f"{prefix}_sentences"
        self.documents = f"{prefix}_documents"

    def exist(self) -> bool:
        names = set(self.client.list_collections())
        return {self.chunks, self.sentences, self.documents} <= names

    def drop(self) -> None:
        for name in (self.chunks, self.sentences, self.documents):
            if self.client.has_collection(name):
                self.client.drop_collection(name)

    def create(self, dim: int, userdict: list[str], stop: list[str], properties: dict[str, str]) -> None:
        from pymilvus import DataType, Function, FunctionType  # optional and slow to import (see _client)

        c = self.client
        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=256)
        s.add_field("doc_id", DataType.VARCHAR, max_length=128)
        for name in ("position", "span_start", "span_end", "year"):
            s.add_field(name, DataType.INT64)
        s.add_field("kind", DataType.VARCHAR, max_length=64)
        for name in ("unit", "title", "org_type", "report_kind"):
            s.add_field(name, DataType.VARCHAR, max_length=1024)
        s.add_field("source", DataType.VARCHAR, max_length=4096)
        s.add_field("heading_path", DataType.VARCHAR, max_length=8192)
        s.add_field("placeholders", DataType.VARCHAR, max_length=4096)
        s.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES)
        analyzer = {"tokenizer": {"type": "jieba", "mode": "search", "dict": userdict},
                    "filter": [{"type": "stop", "stop_words": stop}]}
        s.add_field("lex", DataType.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=True, analyzer_params=analyzer)
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        s.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["lex"],
                                output_field_names=["sparse"]))
        ip = c.prepare_index_params()
        ip.add_index(field_name="vector", index_type="AUTOINDEX", metric_type="IP")
        ip.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"bm25_k1": BM25_K1, "bm25_b": BM25_B})
        for name in ("doc_id", "kind", "year", "unit"):
            ip.add_index(field_name=name, index_type="INVERTED")
        c.create_collection(self.chunks, schema=s, index_params=ip, properties=properties)

        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=300)
        s.add_field("chunk_id", DataType.VARCHAR, max_length=256)
        s.add_field("doc_id", DataType.VARCHAR, max_length=128)
        s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        ip = c.prepare_index_params()
        ip.add_index(field_name="vector", index_type="AUTOINDEX", metric_type="IP")
        ip.add_index(field_name="chunk_id", index_type="INVERTED")
        c.create_collection(self.sentences, schema=s, index_params=ip)

        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
        for name in ("path", "abs_path"):
            s.add_field(name, DataType.VARCHAR, max_length=4096)
        for name in ("sha256", "format", "ingested_at"):
            s.add_field(name, DataType.VARCHAR, max_length=128)
        for name in ("title", "unit", "org_type", "report_kind"):
            s.add_field(name, DataType.VARCHAR, max_length=1024)
        s.add_field("year", DataType.INT64)
        s.add_field("n_chunks", DataType.INT64)
        s.add_field("marker", DataType.FLOAT_VECTOR, dim=2)  # Milvus requires a vector field; unused
        ip = c.prepare_index_params()
        ip.add_index(field_name="marker", index_type="FLAT", metric_type="L2")
        c.create_collection(self.documents, schema=s, index_params=ip)

    def properties(self) -> dict[str, str]:
        return dict(self.client.describe_collection(self.chunks).get("properties") or {})

    def set_properties(self, props: dict[str, str]) -> None:
        self.client.alter_collection_properties(self.chunks, properties=props)

    def count(self, name: str) -> int:
        rows = self.client.query(name, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def query_all(self, name: str, filter: str, fields: list[str], batch: int = 1000) -> list[dict[str, Any]]:
        """Every row matching ``filter``: pages of ``query`` up to Milvus's 16,384-row window, an iterator beyond
        (Milvus Lite lacks the timestamp call the iterator starts with and logs it; the pages avoid that)."""
        total = self.count(name)
        if total <= QUERY_WINDOW:
            out: list[dict[str, Any]] = []
            for offset in range(0, total, batch):
                out.extend(self.client.query(name, filter=filter, output_fields=fields, offset=offset,
                                             limit=min(batch, QUERY_WINDOW - offset)))
            return out
        it = self.client.query_iterator(name, batch_size=batch, filter=filter, output_fields=fields)
        out = []
        try:
            while True:
                page = it.next()
                if not page:
                    break
                out.extend(page)
        finally:
            it.close()
        return out

    def delete_document(self, doc_id: str) -> None:
        expr = f"doc_id == {json.dumps(doc_id)}"
        self.client.delete(self.chunks, filter=expr)
        self.client.delete(self.sentences, filter=expr)
        self.client.delete(self.documents, ids=[doc_id])


# --------------------------------------------------------------------------- writing


def _manifest_properties(embedder: dict[str, Any], sources: list[str], built_at: str, userdict: list[str]
                         ) -> dict[str, str]:
    return {
        "draftkit.format": FORMAT,
        "draftkit.format_version": str(FORMAT_VERSION),
        "draftkit.version": __version__,
        "draftkit.embedder": json.dumps(embedder, ensure_ascii=False),
        "draftkit.chunker_version": chunker_version(),
        "draftkit.userdict_sha256": userdict_digest(userdict),
        "draftkit.sources": json.dumps(sources, ensure_ascii=False),
        "draftkit.built_at": built_at,
        "draftkit.updated_at": now_iso(),
    }


def _check_manifest(uri: str, props: dict[str, str], settings: Settings, *, writing: bool) -> EmbedderInfo:
    """The recorded embedder; raises ``IndexMismatch`` (with the rebuild command) as a directory index would."""
    sources = json.loads(props.get("draftkit.sources") or "[]")
    if props.get("draftkit.format") != FORMAT:
        raise IndexMismatch(uri, "the Milvus collections do not hold a draftkit index", sources)
    if props.get("draftkit.format_version") != str(FORMAT_VERSION):
        raise IndexMismatch(uri, f"index format version {props.get('draftkit.format_version')!r}, this draftkit "
                                 f"reads version {FORMAT_VERSION}", sources)
    info = EmbedderInfo.model_validate_json(props["draftkit.embedder"])
    name = embedder_name(settings)
    if info.name != name:
        raise IndexMismatch(uri, f"it was built with the embedder {info.name!r} but DRAFTKIT_EMBED_MODEL is {name!r} "
                                 f"(set DRAFTKIT_EMBED_MODEL={info.name} to use it as is)", sources)
    if writing and props.get("draftkit.chunker_version") != chunker_version():
        raise IndexMismatch(uri, f"it was chunked by chunker version {props.get('draftkit.chunker_version')}, "
                                 f"this draftkit chunks with version {chunker_version()}", sources)
    return info


def embed_chunks(embedder: Embedder, chunks: Sequence[Chunk], progress: ProgressCallback | None = None
                 ) -> tuple[np.ndarray, list[np.ndarray]]:
    """(chunk vectors (n, dim) float32, one (n_sentences, dim) float32 array per chunk), in one model batch."""
    per_chunk = [sentence_units(c.text) for c in chunks]
    texts = [c.text for c in chunks] + [s for sents in per_chunk for s in sents]
    vecs = embedder.encode_passages(texts, progress=progress)
    chunk_vecs = np.asarray(vecs[: len(chunks)], dtype=np.float32)
    out: list[np.ndarray] = []
    pos = len(chunks)
    for sents in per_chunk:
        out.append(np.asarray(vecs[pos : pos + len(sents)], dtype=np.float32))
        pos += len(sents)
    return chunk_vecs, out


def _chunk_row(doc: Document, chunk: Chunk, vec: np.ndarray) -> dict[str, Any]:
    text = chunk.text
    if len(text.encode("utf-8")) > TEXT_BYTES:
        raise ValueError(f"{doc.path}: chunk {chunk.id} is longer than Milvus's {TEXT_BYTES}-byte text field")
    lex = lexical_text(text).encode("utf-8")[:TEXT_BYTES].decode("utf-8", "ignore")
    year = chunk.year if chunk.year is not None else doc.year
    unit = chunk.unit if chunk.unit is not None else doc.unit
    return {"id": chunk.id, "doc_id": doc.doc_id, "position": chunk.position, "span_start": chunk.start,
            "span_end": chunk.end, "kind": chunk.kind, "year": year if year is not None else -1, "unit": unit or "",
            "source": doc.path, "title": doc.title or "", "org_type": doc.org_type or "",
            "report_kind": doc.report_kind or "",
            "heading_path": json.dumps(chunk.heading_path, ensure_ascii=False),
            "placeholders": json.dumps(chunk.placeholders, ensure_ascii=False), "text": text, "lex": lex,
            "vector": vec.tolist()}


def _doc_row(doc: Document, stored: dict[str, Any] | None = None) -> dict[str, Any]:
    """The documents row; ``stored``: abs_path and ingested_at carried over from an index directory."""
    stored = stored or {}
    return {"id": doc.doc_id, "path": doc.path, "abs_path": stored.get("abs_path") or abs_path(doc.path),
            "sha256": doc.sha256,
            "format": doc.format or "", "title": doc.title or "", "unit": doc.unit or "",
            "year": doc.year if doc.year is not None else -1, "org_type": doc.org_type or "",
            "report_kind": doc.report_kind or "", "n_chunks": len(doc.chunks),
            "ingested_at": stored.get("ingested_at") or now_iso(),
            "marker": [1.0, 0.0]}


def _upsert(client: Any, name: str, rows: list[dict[str, Any]]) -> None:
    for lo in range(0, len(rows), WRITE_BATCH):
        client.upsert(name, rows[lo : lo + WRITE_BATCH])


#: Vectors already computed, by chunk id: (chunk vector, its sentences' vectors).
KnownVectors = dict[str, tuple[np.ndarray, np.ndarray]]


def _write_documents(cols: _Collections, embedder: Embedder | None, docs: Sequence[Document],
                     progress: ProgressCallback | None,
                     known: KnownVectors | None = None, stored: dict[str, dict[str, Any]] | None = None) -> int:
    """Embed (unless ``known``) and upsert documents, a group at a time; each document's row goes last,
    so that its presence means the document is complete. Returns the number of chunks written."""
    total = sum(len(d.chunks) for d in docs)
    done = 0
    docs_done = 0
    for group in groups(docs):
        chunks = [c for d in group for c in d.chunks]
        if known is not None:
            chunk_vecs = np.stack([known[c.id][0] for c in chunks]) if chunks else np.zeros((0, 1), np.float32)
            sent_vecs = [known[c.id][1] for c in chunks]
        else:
            assert embedder is not None
            base, n_group = done, len(chunks)

            def embed_progress(p: Progress, base: int = base, n_group: int = n_group) -> None:
                # the texts include the sentences: scale to chunks
                notify(progress, "embed", base + p.done * n_group // max(p.total, 1), total)

            chunk_vecs, sent_vecs = embed_chunks(embedder, chunks, progress=embed_progress)
        at = 0
        for d in group:
            n = len(d.chunks)
            # no delete first: a document's id is its content hash and its chunks' ids follow from it, so an
            # interrupted write re-run upserts the very same rows (a delete by filter per document made
            # writes quadratic in Milvus Lite)
            _upsert(cols.client, cols.chunks,
                    [_chunk_row(d, c, v) for c, v in zip(d.chunks, chunk_vecs[at : at + n], strict=True)])
            sentences = [{"id": f"{c.id}#{i}", "chunk_id": c.id, "doc_id": d.doc_id,
                          "vector": np.asarray(sv, np.float32).tolist()}
                         for c, svs in zip(d.chunks, sent_vecs[at : at + n], strict=True) for i, sv in enumerate(svs)]
            _upsert(cols.client, cols.sentences, sentences)
            cols.client.upsert(cols.documents, [_doc_row(d, (stored or {}).get(d.doc_id))])
            at += n
            docs_done += 1
            notify(progress, "write", docs_done, len(docs))  # one document complete (its row written last)
        done += len(chunks)
        notify(progress, "embed", done, total)
    return total


def _flush(cols: _Collections) -> None:
    for name in (cols.chunks, cols.sentences, cols.documents):
        cols.client.flush(name)


def migrate_index(index_dir: str | os.PathLike[str], uri: str, settings: Settings | None = None,
                  progress: ProgressCallback | None = None) -> BuildResult:
    """Copy an index directory into Milvus without re-embedding: its documents, chunks, vectors, sentence
    vectors, user dictionary and stop words (so both stores cut words alike). Collections already at ``uri``
    are replaced. Returns a ``BuildResult``. For moving a PC's index to a bureau server, and for tests."""
    t0 = time.perf_counter()
    s = settings or get_settings()
    uri = milvus_uri(uri) or uri
    src = Path(index_dir)
    manifest = read_manifest(src)
    store = Store.open_readonly(src / STORE_FILE)
    try:
        dim = manifest.embedder.dim
        cids, vecs = store.vectors(dim)
        owners, sents = store.sentence_vectors(dim)
        by_cid = store.chunks_by_cid(cids.tolist())
        known: KnownVectors = {}
        starts = np.searchsorted(owners, cids, side="left")
        ends = np.searchsorted(owners, cids, side="right")
        for cid, vec, a, b in zip(cids.tolist(), vecs, starts, ends, strict=True):
            known[by_cid[cid].id] = (vec, sents[a:b].astype(np.float32))
        rows = store.documents()
        docs = []
        for r in rows:
            chunks = store.chunks_of(r["id"])
            docs.append(Document(doc_id=r["id"], path=r["path"], sha256=r["sha256"], format=r["format"] or "",
                                 title=r["title"], unit=r["unit"], year=r["year"], org_type=r["org_type"],
                                 report_kind=r["report_kind"], text="", chunks=chunks))
        stored = {r["id"]: r for r in rows}
    finally:
        store.close()
    userdict = [line.split()[0] for line in read_lines(src / USERDICT_FILE)]
    stop = read_lines(src / STOPWORDS_FILE)
    cols = _Collections(_client(uri, s), s.milvus_collection)
    try:
        cols.drop()
        props = _manifest_properties(manifest.embedder.model_dump(), list(manifest.sources), manifest.built_at,
                                     userdict)
        props["draftkit.chunker_version"] = manifest.chunker_version
        cols.create(dim, userdict, stop, props)
        written = _write_documents(cols, None, docs, progress, known, stored)
        _flush(cols)
        n_docs, n_chunks = cols.count(cols.documents), cols.count(cols.chunks)
    finally:
        cols.client.close()
    return BuildResult(index_dir=uri, added=[d.doc_id for d in docs], documents=n_docs, chunks=n_chunks,
                       written=bool(written), seconds=time.perf_counter() - t0)


def write_milvus(uri: str, paths: Sequence[str | os.PathLike[str]], settings: Settings,
                 progress: ProgressCallback | None, *, replace: bool,
                 confirm: Callable[[BuildPlan], bool] | None = None) -> BuildResult:
    """``build_index`` (``replace=True``: afterwards the index holds exactly ``paths``) and ``add_paths``
    (``replace=False``) for a Milvus location; ``confirm(plan)`` as there, before any embedding. Complete documents already there are skipped, so an
    interrupted build re-run finishes the rest; a file whose content changed replaces its old document."""
    t0 = time.perf_counter()
    results = ingest_paths(paths, progress=progress)
    docs = ok_documents(results)
    if not docs and replace:
        return BuildResult(index_dir=uri, files=results, written=False, seconds=time.perf_counter() - t0)
    cols = _Collections(_client(uri, settings), settings.milvus_collection)
    try:
        props: dict[str, str] = {}
        if cols.exist():
            props = cols.properties()
            try:
                _check_manifest(uri, props, settings, writing=True)
            except IndexMismatch:
                if not replace:
                    raise
                cols.drop()  # a build replaces an index of another embedder or chunker
                props = {}
        elif not replace and not docs:
            raise IndexMissing(uri, "no index here (the Milvus collections are missing)")
        embedder = _embedder(uri, settings, props)
        sources = [str(p) for p in paths]
        if not props:
            userdict = [line.split()[0] for line in base_userdict(settings)] + unit_words(d.unit for d in docs)
            userdict = list(dict.fromkeys(userdict))
            stop = list(dict.fromkeys(stopwords(settings)))
            props = _manifest_properties(embedder.describe(), sources, now_iso(), userdict)
            cols.create(embedder.dim, userdict, stop, props)
        indexed = {r["id"]: r for r in cols.query_all(cols.documents, 'id != ""', ["id", "path", "abs_path", "sha256"])}
        new = sort_documents(docs, results, indexed, mark_unchanged=not replace)
        to_add = new.to_add
        if to_add and confirm is not None and not confirm(plan_build(results, to_add, settings)):
            return BuildResult(index_dir=uri, files=results, documents=len(indexed), cancelled=True,
                               seconds=time.perf_counter() - t0)
        ingested = {d.doc_id for d in docs}
        stale = [doc_id for doc_id in indexed if doc_id not in ingested] if replace else new.replaced
        for doc_id in stale:
            cols.delete_document(doc_id)
        embedded = _write_documents(cols, embedder, to_add, progress) if to_add else 0
        written = bool(to_add or stale)
        if written:
            _flush(cols)
            old = json.loads(props.get("draftkit.sources") or "[]")
            cols.set_properties({"draftkit.sources": json.dumps(sources if replace else merge_sources(old, paths),
                                                                ensure_ascii=False),
                                 "draftkit.updated_at": now_iso()})
        n_docs, n_chunks = cols.count(cols.documents), cols.count(cols.chunks)
    finally:
        cols.client.close()
    return BuildResult(index_dir=uri, files=results, added=[d.doc_id for d in to_add], replaced=new.replaced,
                       unchanged=new.unchanged, documents=n_docs, chunks=n_chunks, embedded=embedded, written=written,
                       seconds=time.perf_counter() - t0)


def remove_milvus(uri: str, doc_id_or_path: str, settings: Settings) -> Any:
    """``remove_document`` for a Milvus location: the document's chunks, sentences and row."""
    with MilvusIndex.open(uri, settings) as index:
        info = index.document(doc_id_or_path)
        index._cols.delete_document(info.doc_id)
        _flush(index._cols)
        index._cols.set_properties({"draftkit.updated_at": now_iso()})
    return info


def _embedder(uri: str, settings: Settings, props: dict[str, str]) -> Embedder:
    try:
        embedder = get_embedder(settings)
    except EmbedderUnavailable as exc:
        raise IndexUnavailable(uri, f"its embedder cannot be loaded: {exc}") from exc
    if props:
        dim = EmbedderInfo.model_validate_json(props["draftkit.embedder"]).dim
        if embedder.dim != dim:
            raise IndexMismatch(uri, f"the embedder gives {embedder.dim}-d vectors, the index holds {dim}-d ones",
                                json.loads(props.get("draftkit.sources") or "[]"))
    return embedder


# --------------------------------------------------------------------------- reading


def has_index(uri: str, settings: Settings | None = None) -> bool:
    """Whether the Milvus location holds a draftkit index (its three collections exist)."""
    s = settings or get_settings()
    cols = _Collections(_client(milvus_uri(uri) or uri, s), s.milvus_collection)
    try:
        return cols.exist()
    finally:
        cols.client.close()


class MilvusIndex(SearchIndex):
    """An index in Milvus (Lite or server), opened for searching. ``MilvusIndex.open(uri)``, or ``Index.open(uri)``."""

    def __init__(self, uri: str, cols: _Collections, props: dict[str, str], embedder_info: EmbedderInfo,
                 settings: Settings) -> None:
        self.path = uri
        self.uri = uri
        self.settings = settings
        self.warnings: list[str] = []
        self._cols = cols
        self._props = props
        self._embedder_info = embedder_info
        self._embedder: Embedder | None = None
        self.query_cache = QueryVectorCache()
        self._lock = threading.Lock()
        rows = cols.query_all(cols.documents, 'id != ""', _DOC_FIELDS)
        self._documents = sorted(
            (DocumentInfo(doc_id=r["id"], path=r["path"], title=r["title"] or None, unit=r["unit"] or None,
                          year=r["year"] if r["year"] >= 0 else None, org_type=r["org_type"] or None,
                          report_kind=r["report_kind"] or None, chunks=r["n_chunks"], ingested_at=r["ingested_at"],
                          sha256=r["sha256"], format=r["format"] or None) for r in rows),
            key=lambda d: d.path)
        self._abs_paths = {r["abs_path"]: r["id"] for r in rows}
        self._unit_names = sorted({d.unit for d in self._documents if d.unit})
        if props.get("draftkit.chunker_version") != chunker_version():
            self.warnings.append(
                f"the index was chunked by chunker version {props.get('draftkit.chunker_version')}, this draftkit uses "
                f"{chunker_version()}: search works, adding files needs a rebuild: {self.rebuild_command}")

    @classmethod
    def open(cls, uri: str, settings: Settings | None = None) -> MilvusIndex:
        """Open the index at a Milvus location. Raises ``IndexMissing`` (no collections), ``IndexMismatch``
        (another embedder or format) or ``MilvusUnavailable``, each with the command that rebuilds it."""
        s = settings or get_settings()
        uri = milvus_uri(uri) or uri
        cols = _Collections(_client(uri, s), s.milvus_collection)
        try:
            if not cols.exist():
                raise IndexMissing(uri, f"no index here (the Milvus collections {cols.chunks}, {cols.sentences}, "
                                        f"{cols.documents} are missing)")
            props = cols.properties()
            info = _check_manifest(uri, props, s, writing=False)
            for name in (cols.chunks, cols.sentences, cols.documents):
                cols.client.load_collection(name)
            return cls(uri, cols, props, info, s)
        except BaseException:
            cols.client.close()
            raise

    @property
    def rebuild_command(self) -> str:
        return rebuild_command(self.uri, json.loads(self._props.get("draftkit.sources") or "[]"))

    def close(self) -> None:
        self._cols.client.close()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = _embedder(self.uri, self.settings, self._props)
        return self._embedder

    # ------------------------------------------------------------------ catalogue
    def documents(self) -> list[Any]:
        return list(self._documents)

    def document(self, doc_id_or_path: str) -> Any:
        key = str(doc_id_or_path)
        doc_id = self._abs_paths.get(abs_path(key))
        for d in self._documents:
            if key in (d.doc_id, d.path) or d.doc_id == doc_id:
                return d
        raise DocumentNotFound(f"no document {doc_id_or_path!r} in the index {self.uri}")

    def _chunks_where(self, expr: str) -> list[Chunk]:
        rows = self._cols.client.query(self._cols.chunks, filter=expr, output_fields=_CHUNK_FIELDS)
        return [_row_to_chunk(r) for r in rows]

    def chunk(self, chunk_id: str) -> Chunk:
        found = self._chunks_where(f"id == {json.dumps(chunk_id, ensure_ascii=False)}")
        if not found:
            raise KeyError(f"no chunk {chunk_id!r} in the index {self.uri}")
        return found[0]

    def chunks(self, doc_id: str) -> list[Chunk]:
        return sorted(self._chunks_where(f"doc_id == {json.dumps(doc_id, ensure_ascii=False)}"),
                      key=lambda c: c.position)

    @property
    def units(self) -> list[str]:
        return list(self._unit_names)

    def info(self) -> dict[str, Any]:
        p = self._props
        return {
            "index_dir": self.uri,
            "store": "milvus",
            "format_version": int(p.get("draftkit.format_version", 0)),
            "documents": len(self._documents),
            "chunks": self._cols.count(self._cols.chunks),
            "embedder": self._embedder_info.model_dump(),
            "chunker_version": p.get("draftkit.chunker_version"),
            "dense_type": "milvus",
            "dense_vectors": self._cols.count(self._cols.chunks),
            "tombstones": 0,
            "size_bytes": _folder_size(self.uri),
            "built_at": p.get("draftkit.built_at", ""),
            "updated_at": p.get("draftkit.updated_at", ""),
            "sources": json.loads(p.get("draftkit.sources") or "[]"),
            "corpus_sha256": "",
            "units": self.units,
            "warnings": list(self.warnings),
        }

    # ------------------------------------------------------------------ search
    def filter_expr(self, kinds: Any = None, years: Any = None, units: Any = None, exclude_docs: Any = None
                    ) -> str | None:
        """The Milvus boolean expression for the filters, "" for none, None when nothing can match."""
        parts: list[str] = []
        kind_list = _as_list(kinds)
        if kind_list is not None:
            check_kinds(kind_list, SECTION_KINDS)
            parts.append(_in("kind", kind_list))
        year_list = _as_list(years)
        if year_list is not None:
            parts.append(_in("year", [int(y) for y in year_list]))
        unit_list = _as_list(units)
        if unit_list is not None:
            wanted = [str(u).strip() for u in unit_list if str(u).strip()]
            names = [n for n in self._unit_names if any(w in n for w in wanted)]
            if not names:
                return None
            parts.append(_in("unit", names))
        exclude = _as_list(exclude_docs)
        if exclude:
            ids = set()
            for key in exclude:
                try:
                    ids.add(self.document(str(key)).doc_id)
                except DocumentNotFound:
                    continue
            if ids:
                parts.append(f"not ({_in('doc_id', sorted(ids))})")
        return " and ".join(f"({p})" for p in parts)

    def _dense_candidates(self, qv: np.ndarray, n: int, expr: str) -> list[str]:
        res = self._cols.client.search(self._cols.chunks, data=[qv.tolist()], anns_field="vector", limit=n,
                                       filter=expr, output_fields=[], search_params={"metric_type": "IP"})
        return [h["id"] for h in res[0]]

    def _lexical_scores(self, query: str, n: int, expr: str) -> dict[str, float]:
        text = lexical_text(query)
        if not text:
            return {}
        res = self._cols.client.search(self._cols.chunks, data=[text], anns_field="sparse", limit=n, filter=expr,
                                       output_fields=[], search_params={"metric_type": "BM25"})
        # Milvus reports a BM25 score as the distance (Milvus Lite as its negative): the magnitude is the score
        return {h["id"]: abs(float(h["distance"])) for h in res[0] if h["distance"]}

    def _rows(self, ids: Sequence[str], vectors: bool) -> dict[str, dict[str, Any]]:
        fields = _CHUNK_FIELDS + (["vector"] if vectors else [])
        out: dict[str, dict[str, Any]] = {}
        for lo in range(0, len(ids), IDS_PER_FILTER):
            part = list(ids[lo : lo + IDS_PER_FILTER])
            for r in self._cols.client.get(self._cols.chunks, ids=part, output_fields=fields):
                out[r["id"]] = r
        return out

    def _best_sentences(self, qv: np.ndarray, ids: Sequence[str]) -> dict[str, float]:
        """Each chunk's best sentence cosine with the query (chunks without sentences are absent)."""
        out: dict[str, float] = {}
        for lo in range(0, len(ids), IDS_PER_FILTER):
            part = list(ids[lo : lo + IDS_PER_FILTER])
            res = self._cols.client.search(self._cols.sentences, data=[qv.tolist()], anns_field="vector",
                                           limit=len(part), filter=_in("chunk_id", part), output_fields=["chunk_id"],
                                           group_by_field="chunk_id", search_params={"metric_type": "IP"})
            for h in res[0]:
                cid = h["entity"]["chunk_id"]
                out[cid] = max(out.get(cid, -1.0), float(h["distance"]))
        return out

    def search(self, query: str, k: int = 10, kinds: Collection[str] | str | None = None,
               years: Collection[int] | int | None = None, units: Collection[str] | str | None = None,
               exclude_docs: Collection[str] | str | None = None, mode: str = "hybrid", mmr: float = 0.0,
               fusion: str | None = None) -> list[Hit]:
        """As ``Index.search``: the same arguments, scores and ordering rules, over Milvus's candidate lists."""
        k, fusion = search_args(k, mode, mmr, fusion, self.settings.fusion)
        query = (query or "").strip()
        expr = self.filter_expr(kinds, years, units, exclude_docs)
        if not query or expr is None or not self._documents:
            return []
        n_cand = candidate_count(k)
        qv = self._query_vector(query) if mode in ("dense", "hybrid") else None
        dense_ids = self._dense_candidates(qv, n_cand, expr) if qv is not None else []
        lex = self._lexical_scores(query, n_cand, expr) if mode in ("lexical", "hybrid") else {}
        lex_ids = sorted(lex, key=lambda c: (-lex[c], c))
        pool = list(dict.fromkeys(dense_ids + (lex_ids if mode == "hybrid" else [])))
        rows = self._rows(pool if qv is not None else lex_ids, vectors=qv is not None or mmr > 0)
        dense: dict[str, float] = {}
        if qv is not None:  # the mean of the chunk's cosine and its best sentence's (dense.py)
            best = self._best_sentences(qv, pool)
            for cid in pool:
                whole = float(np.asarray(rows[cid]["vector"], np.float32) @ qv)
                dense[cid] = (whole + best.get(cid, whole)) / 2
            dense_ids = sorted(pool, key=lambda c: (-dense[c], c))[:n_cand]
        dense_rank = {c: i for i, c in enumerate(dense_ids, start=1)}
        lex_rank = {c: i for i, c in enumerate(lex_ids, start=1)}
        overlaps: dict[str, float] = {}
        if mode == "dense":
            scored = {c: dense[c] for c in dense_ids}
        elif mode == "lexical":
            scored = {c: lex[c] for c in lex_ids}
        else:
            missing = [c for c in pool if c not in lex]
            if missing and fusion == "convex":  # every pooled chunk is judged by both sides' scores
                lex.update(self._lexical_scores(query, len(missing), _in("id", missing)))
            if fusion == "rrf":  # ranking.rrf takes integer ids: positions in the pool stand in for chunk ids
                at = {c: i for i, c in enumerate(pool)}
                fused = rrf([[at[c] for c in dense_ids], [at[c] for c in lex_ids if c in at]])
                scored = {pool[i]: s for i, s in fused.items()}
            else:
                fused = convex(np.asarray([dense[c] for c in pool]), np.asarray([lex.get(c, 0.0) for c in pool]),
                               self.settings.dense_weight)
                scored = {c: float(f) for c, f in zip(pool, fused, strict=True)}
            overlaps = boost_passages(query, scored, lambda ids: {c: rows[c]["text"] for c in ids})
        ordered = sorted(scored, key=lambda c: (-scored[c], c))
        if mmr > 0 and len(ordered) > 1:
            cand = ordered[:n_cand]
            missing = [c for c in cand if c not in rows or "vector" not in rows[c]]
            rows.update(self._rows(missing, vectors=True))
            vecs = np.asarray([rows[c]["vector"] for c in cand], np.float32)
            doc_names = sorted({rows[c]["doc_id"] for c in cand})
            codes = np.asarray([doc_names.index(rows[c]["doc_id"]) for c in cand], np.int64)
            picks = mmr_order(np.asarray([scored[c] for c in cand]), vecs, codes, k, float(mmr))
            ordered = [cand[i] for i in picks]
        final = ordered[:k]
        missing = [c for c in final if c not in rows]
        rows.update(self._rows(missing, vectors=False))
        return [Hit(chunk=_row_to_chunk(rows[c]), score=scored[c], dense_rank=dense_rank.get(c),
                    lexical_rank=lex_rank.get(c), rank=i, overlap=overlaps.get(c, 0.0))
                for i, c in enumerate(final, start=1)]

    def search_native(self, query: str, k: int = 10, ranker: str = "weighted", kinds: Any = None, years: Any = None,
                      units: Any = None, exclude_docs: Any = None) -> list[Hit]:
        """Milvus's own ``hybrid_search`` over the chunk vectors and BM25 (no sentence re-scoring, no passage
        boost): ``ranker`` "weighted" (``WeightedRanker(α, 1 − α)`` with normalised scores, α =
        ``Settings.dense_weight``) or "rrf" (``RRFRanker(60)``). For comparing with ``search`` (benchmarks)."""
        from pymilvus import AnnSearchRequest, RRFRanker, WeightedRanker  # optional, slow (see _client)

        query = (query or "").strip()
        expr = self.filter_expr(kinds, years, units, exclude_docs)
        if not query or expr is None or not self._documents:
            return []
        n_cand = candidate_count(k)
        qv = self._query_vector(query)
        reqs = [AnnSearchRequest(data=[qv.tolist()], anns_field="vector", param={"metric_type": "IP"}, limit=n_cand,
                                 expr=expr or None)]
        text = lexical_text(query)
        if text:
            reqs.append(AnnSearchRequest(data=[text], anns_field="sparse", param={"metric_type": "BM25"},
                                         limit=n_cand, expr=expr or None))
        alpha = self.settings.dense_weight
        rk = RRFRanker(60) if ranker == "rrf" else WeightedRanker(*([alpha, 1 - alpha][: len(reqs)]), norm_score=True)
        res = self._cols.client.hybrid_search(self._cols.chunks, reqs, rk, limit=k, output_fields=_CHUNK_FIELDS)
        return [Hit(chunk=_row_to_chunk(h["entity"] | {"id": h["id"]}), score=float(h["distance"]), rank=i)
                for i, h in enumerate(res[0], start=1)]


def _row_to_chunk(r: dict[str, Any]) -> Chunk:
    return Chunk(id=r["id"], doc_id=r["doc_id"], source=r["source"], title=r["title"] or None,
                 unit=r["unit"] or None, year=r["year"] if r["year"] >= 0 else None, org_type=r["org_type"] or None,
                 report_kind=r["report_kind"] or None, heading_path=json.loads(r["heading_path"]), kind=r["kind"],
                 position=r["position"], start=r["span_start"], end=r["span_end"], text=r["text"],
                 placeholders=json.loads(r["placeholders"]))


def _folder_size(uri: str) -> int:
    path = Path(uri)
    if not path.is_dir():
        return 0  # a server: its size is the server's business
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
