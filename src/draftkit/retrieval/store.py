"""The SQLite store of an index: documents, chunks (with their lexical tokens) and vectors.

Each chunk gets a stable integer id (``cid``, never reused: AUTOINCREMENT) that FAISS and
the lexical side use. The vectors are kept here too (the chunk's, float32, and its
sentences', float16), so adding or removing documents never re-embeds the others and an
HNSW index can be rebuilt without the model.

A published index version is never modified (writes build a new version and swap it in, see
``atomic``), so readers open the file ``immutable``: no locks, no WAL files, never blocked.
Writers use WAL mode and check-point it away before the swap.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from draftkit.errors import DraftkitError
from draftkit.ingest.models import Chunk, Document

STORE_FILE = "store.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id          TEXT PRIMARY KEY,
    path        TEXT NOT NULL,
    abs_path    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    format      TEXT,
    title       TEXT,
    unit        TEXT,
    year        INTEGER,
    org_type    TEXT,
    report_kind TEXT,
    n_chunks    INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_abs_path ON documents(abs_path);
CREATE TABLE IF NOT EXISTS chunks (
    cid          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    doc_id       TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    start        INTEGER NOT NULL DEFAULT 0,
    end          INTEGER NOT NULL DEFAULT 0,
    kind         TEXT NOT NULL,
    year         INTEGER,
    unit         TEXT,
    heading_path TEXT NOT NULL DEFAULT '[]',
    placeholders TEXT NOT NULL DEFAULT '[]',
    text         TEXT NOT NULL,
    tokens       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, position);
CREATE TABLE IF NOT EXISTS vectors (
    cid INTEGER PRIMARY KEY REFERENCES chunks(cid) ON DELETE CASCADE,
    vec BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sentences (
    sid INTEGER PRIMARY KEY AUTOINCREMENT,
    cid INTEGER NOT NULL REFERENCES chunks(cid) ON DELETE CASCADE,
    vec BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_cid ON sentences(cid, sid);
"""

_CHUNK_COLUMNS = (
    "c.cid, c.id, c.doc_id, c.position, c.start, c.end, c.kind, c.year, c.unit, c.heading_path, "
    "c.placeholders, c.text, d.path, d.title, d.org_type, d.report_kind"
)


class StoreError(DraftkitError, RuntimeError):
    """The SQLite file is missing, corrupt or not a draftkit store."""


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _row_to_chunk(row: sqlite3.Row | tuple) -> Chunk:
    (_cid, cid_text, doc_id, position, start, end, kind, year, unit, heading_path, placeholders, text,
     path, title, org_type, report_kind) = row
    return Chunk(
        id=cid_text,
        doc_id=doc_id,
        source=path,
        title=title,
        unit=unit,
        year=year,
        org_type=org_type,
        report_kind=report_kind,
        heading_path=json.loads(heading_path),
        kind=kind,
        position=position,
        start=start,
        end=end,
        text=text,
        placeholders=json.loads(placeholders),
    )


class Store:
    """One SQLite file. ``Store.open_readonly`` for searching, ``Store.open_writable`` while building."""

    def __init__(self, conn: sqlite3.Connection, path: Path, writable: bool) -> None:
        self.conn = conn
        self.path = path
        self.writable = writable
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ opening
    @classmethod
    def open_writable(cls, path: Path) -> Store:
        try:
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot open the store for writing ({exc})") from exc
        return cls(conn, path, True)

    @classmethod
    def open_readonly(cls, path: Path) -> Store:
        if not path.is_file():
            raise StoreError(f"{path}: the store file is missing")
        uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        try:
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            conn.execute("SELECT count(*) FROM documents").fetchone()
            conn.execute("SELECT count(*) FROM chunks").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a readable draftkit store ({exc})") from exc
        return cls(conn, path, False)

    def close(self) -> None:
        with self._lock:
            if self.writable:
                try:
                    self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                except sqlite3.DatabaseError:
                    pass
            self.conn.close()

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: {exc}") from exc

    def check_pages(self) -> None:
        """Read every page (SQLite's ``quick_check``); raises ``StoreError`` naming the first problem."""
        rows = self._q("PRAGMA quick_check(1)")
        if not rows or rows[0][0] != "ok":
            raise StoreError(f"{self.path}: damaged ({rows[0][0] if rows else 'no answer'})")

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        rows = self._q("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else default

    def set_meta(self, key: str, value: str) -> None:
        self._q("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value))

    # ------------------------------------------------------------------ writing
    def add_document(self, doc: Document, abs_path: str, tokens: Sequence[Sequence[str]], vectors: np.ndarray,
                     sentence_vectors: Sequence[np.ndarray] | None = None, ingested_at: str | None = None) -> list[int]:
        """Insert a document with its chunks, tokens, vectors and sentence vectors (one array per chunk);
        returns the new chunk ids (cids)."""
        if len(tokens) != len(doc.chunks) or len(vectors) != len(doc.chunks):
            raise ValueError("one token list and one vector per chunk are needed")
        if sentence_vectors is None:
            sentence_vectors = [np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 0), np.float16)] * len(doc.chunks)
        if len(sentence_vectors) != len(doc.chunks):
            raise ValueError("one array of sentence vectors per chunk is needed")
        when = ingested_at or now_iso()
        cids: list[int] = []
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock:
            cur = self.conn.cursor()
            cur.execute("BEGIN")
            try:
                cur.execute(
                    "INSERT INTO documents(id, path, abs_path, sha256, format, title, unit, year, org_type, report_kind,"
                    " n_chunks, ingested_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                    (doc.doc_id, doc.path, abs_path, doc.sha256, doc.format, doc.title, doc.unit, doc.year, doc.org_type,
                     doc.report_kind, len(doc.chunks), when),
                )
                for chunk, toks, vec, sents in zip(doc.chunks, tokens, vecs, sentence_vectors, strict=True):
                    cur.execute(
                        "INSERT INTO chunks(id, doc_id, position, start, end, kind, year, unit, heading_path, placeholders,"
                        " text, tokens) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                        (chunk.id, doc.doc_id, chunk.position, chunk.start, chunk.end, chunk.kind,
                         chunk.year if chunk.year is not None else doc.year,
                         chunk.unit if chunk.unit is not None else doc.unit,
                         json.dumps(chunk.heading_path, ensure_ascii=False),
                         json.dumps(chunk.placeholders, ensure_ascii=False), chunk.text, " ".join(toks)),
                    )
                    cid = int(cur.lastrowid)
                    cur.execute("INSERT INTO vectors(cid, vec) VALUES(?, ?)", (cid, vec.tobytes()))
                    cur.executemany("INSERT INTO sentences(cid, vec) VALUES(?, ?)",
                                    ((cid, np.asarray(sv, dtype=np.float16).tobytes()) for sv in sents))
                    cids.append(cid)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return cids

    def remove_document(self, doc_id: str) -> list[int]:
        """Delete a document, its chunks and vectors; returns the removed cids."""
        with self._lock:
            cur = self.conn.cursor()
            cur.execute("BEGIN")
            try:
                cids = [r[0] for r in cur.execute("SELECT cid FROM chunks WHERE doc_id = ?", (doc_id,)).fetchall()]
                cur.execute("DELETE FROM vectors WHERE cid IN (SELECT cid FROM chunks WHERE doc_id = ?)", (doc_id,))
                cur.execute("DELETE FROM sentences WHERE cid IN (SELECT cid FROM chunks WHERE doc_id = ?)", (doc_id,))
                cur.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
                cur.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return cids

    def set_tokens(self, items: Iterable[tuple[int, Sequence[str]]]) -> None:
        with self._lock:
            cur = self.conn.cursor()
            cur.execute("BEGIN")
            cur.executemany("UPDATE chunks SET tokens = ? WHERE cid = ?", ((" ".join(t), cid) for cid, t in items))
            cur.execute("COMMIT")

    # ------------------------------------------------------------------ reading
    def counts(self) -> tuple[int, int]:
        docs = self._q("SELECT count(*) FROM documents")[0][0]
        chunks = self._q("SELECT count(*) FROM chunks")[0][0]
        return int(docs), int(chunks)

    def documents(self) -> list[dict[str, Any]]:
        cols = ["id", "path", "abs_path", "sha256", "format", "title", "unit", "year", "org_type", "report_kind",
                "n_chunks", "ingested_at"]
        rows = self._q(f"SELECT {', '.join(cols)} FROM documents ORDER BY path")
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def find_document(self, key: str, abs_path: str | None = None) -> dict[str, Any] | None:
        """A document by id, by the path as stored, or by absolute path."""
        for doc in self.documents():
            if key in (doc["id"], doc["path"]) or (abs_path is not None and doc["abs_path"] == abs_path):
                return doc
        return None

    def chunk_meta(self) -> tuple[np.ndarray, list[str], list[str | None], np.ndarray, list[str | None]]:
        """(cids ascending, doc_ids, kinds, years (−1 for unknown), units) for every chunk."""
        rows = self._q("SELECT cid, doc_id, kind, year, unit FROM chunks ORDER BY cid")
        cids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        years = np.fromiter((r[3] if r[3] is not None else -1 for r in rows), dtype=np.int64, count=len(rows))
        return cids, [r[1] for r in rows], [r[2] for r in rows], years, [r[4] for r in rows]

    def _stream(self, sql: str) -> Iterator[tuple]:
        """Rows one by one (a 100,000-chunk store is not loaded into a list)."""
        with self._lock:
            try:
                yield from self.conn.execute(sql)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: {exc}") from exc

    def iter_tokens(self) -> Iterator[tuple[int, list[str]]]:
        """(cid, tokens) in cid order."""
        for cid, toks in self._stream("SELECT cid, tokens FROM chunks ORDER BY cid"):
            yield int(cid), toks.split(" ") if toks else []

    def iter_texts(self) -> list[tuple[int, str]]:
        """(cid, text) in cid order (a list: callers update the table while going through it)."""
        return [(int(cid), text) for cid, text in self._q("SELECT cid, text FROM chunks ORDER BY cid")]

    def _stream_vectors(self, table: str, order: str, dim: int, dtype: type) -> tuple[np.ndarray, np.ndarray]:
        """(cids, vectors) read row by row into preallocated arrays (no list of blobs in memory)."""
        with self._lock:
            try:
                n = int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                ids = np.empty(n, np.int64)
                out = np.empty((n, dim), dtype)
                i = 0
                for cid, blob in self.conn.execute(f"SELECT cid, vec FROM {table} ORDER BY {order}"):
                    v = np.frombuffer(blob, dtype=dtype)
                    if v.shape[0] != dim or i >= n:
                        raise StoreError(f"{self.path}: a vector in {table} has {v.shape[0]} values, expected {dim}")
                    ids[i] = cid
                    out[i] = v
                    i += 1
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: {exc}") from exc
        return ids[:i], out[:i]

    def vectors(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(cids ascending, float32 vectors) of every chunk."""
        return self._stream_vectors("vectors", "cid", dim, np.float32)

    def sentence_vectors(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(owning cids, float16 vectors) of every sentence, ordered by chunk then sentence."""
        return self._stream_vectors("sentences", "cid, sid", dim, np.float16)

    def write_sentence_files(self, owners_path: Path, vectors_path: Path, dim: int, batch: int = 20_000) -> int:
        """Write the sentence owners and vectors as .npy files straight from the table, a batch at a
        time (at 100,000 chunks the vectors are 400 MB: they never need to be in memory at once)."""
        with self._lock:
            try:
                n = int(self.conn.execute("SELECT count(*) FROM sentences").fetchone()[0])
                owners = np.empty(n, np.int64)
                with open(vectors_path, "wb") as f:
                    np.lib.format.write_array_header_1_0(f, {"descr": np.dtype(np.float16).str, "fortran_order": False,
                                                             "shape": (n, dim)})
                    buf = np.empty((batch, dim), np.float16)
                    i = filled = 0
                    for cid, blob in self.conn.execute("SELECT cid, vec FROM sentences ORDER BY cid, sid"):
                        v = np.frombuffer(blob, dtype=np.float16)
                        if v.shape[0] != dim or i >= n:
                            raise StoreError(f"{self.path}: a sentence vector has {v.shape[0]} values, expected {dim}")
                        owners[i] = cid
                        buf[filled] = v
                        i += 1
                        filled += 1
                        if filled == batch:
                            f.write(buf.tobytes())
                            filled = 0
                    f.write(buf[:filled].tobytes())
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: {exc}") from exc
        if i != n:
            raise StoreError(f"{self.path}: {i} sentence vectors read, {n} counted")
        np.save(owners_path, owners)
        return n

    def chunks_by_cid(self, cids: Sequence[int]) -> dict[int, Chunk]:
        out: dict[int, Chunk] = {}
        ids = [int(c) for c in cids]
        for lo in range(0, len(ids), 500):
            part = ids[lo : lo + 500]
            marks = ",".join("?" * len(part))
            rows = self._q(f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.doc_id "
                           f"WHERE c.cid IN ({marks})", part)
            for row in rows:
                out[int(row[0])] = _row_to_chunk(row)
        return out

    def chunk_by_id(self, chunk_id: str) -> Chunk | None:
        rows = self._q(f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE c.id = ?",
                       (chunk_id,))
        return _row_to_chunk(rows[0]) if rows else None

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        rows = self._q(f"SELECT {_CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.doc_id "
                       "WHERE c.doc_id = ? ORDER BY c.position", (doc_id,))
        return [_row_to_chunk(r) for r in rows]


SOURCES_META = "sources"  # the paths given to build/add, kept in the store too (the manifest may be lost)


def recorded_sources(path: Path) -> list[str] | None:
    """The sources an index was built from, as recorded in its store: the ``sources`` meta value (paths
    given to build/add), else the indexed documents' absolute paths; None when the store is unreadable."""
    try:
        store = Store.open_readonly(path)
    except StoreError:
        return None
    try:
        raw = store.get_meta(SOURCES_META)
        if raw:
            value = json.loads(raw)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return value
        return list(dict.fromkeys(str(d["abs_path"]) for d in store.documents())) or None
    except (StoreError, ValueError):
        return None
    finally:
        store.close()
