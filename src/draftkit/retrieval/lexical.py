"""The lexical side of the index: jieba tokens with a user dictionary, scored by bm25s.

Tokens: the text is NFKC-folded and lower-cased, cut with ``jieba.cut_for_search`` (whole
words plus their in-dictionary parts, so "党史学习教育" matches "党史学习" too), and tokens
without a letter, digit or CJK character, or in ``prompts/retrieval_stopwords.txt``, dropped.

The user dictionary is ``prompts/jieba_userdict.txt`` plus the unit names found while
ingesting. The words in use are stored in the index (``userdict.txt``) so that queries are
cut exactly as the indexed chunks were. Removing documents re-indexes the whole lexical
side from the stored token lists: bm25s indexes 100,000 chunks in a few seconds.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from draftkit.config import Settings, prompts_path

USERDICT_FILE = "jieba_userdict.txt"
STOPWORDS_FILE = "retrieval_stopwords.txt"
#: BM25 parameters (Lucene's variant of the IDF, the common defaults).
BM25_K1 = 1.2
BM25_B = 0.75
BM25_METHOD = "lucene"

_WORDY = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]")
_LOCK = threading.Lock()
_TOKENIZERS: dict[str, LexicalTokenizer] = {}


def _read_word_file(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a data file (first whitespace-separated field kept whole)."""
    if not path.is_file():
        return []
    out: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def base_userdict(settings: Settings | None = None) -> list[str]:
    """The user dictionary lines from ``prompts/jieba_userdict.txt`` (``word [freq] [tag]``)."""
    return _read_word_file(prompts_path(USERDICT_FILE, settings=settings))


def stopwords(settings: Settings | None = None) -> list[str]:
    return [w.split()[0] for w in _read_word_file(prompts_path(STOPWORDS_FILE, settings=settings))]


def unit_words(units: Iterable[str | None]) -> list[str]:
    """Dictionary words for unit names: the name as written, and without 党支部/党委… suffixes or 中共."""
    suffixes = ("党支部书记", "机关党支部", "党支部", "党总支", "党委", "委员会", "支部")
    out: list[str] = []
    for unit in units:
        if not unit:
            continue
        name = re.sub(r"\s+", "", unicodedata.normalize("NFKC", unit)).lower()
        forms = {name}
        core = name.removeprefix("中共")
        forms.add(core)
        for suffix in suffixes:
            if core.endswith(suffix) and len(core) > len(suffix) + 1:
                forms.add(core[: -len(suffix)])
        out.extend(f for f in sorted(forms) if len(f) >= 2 and not any(ch.isspace() for ch in f))
    return out


class LexicalTokenizer:
    """A jieba tokenizer with its own dictionary (jieba's global one is left alone)."""

    def __init__(self, userdict_lines: Sequence[str], stop: Iterable[str]) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for line in userdict_lines:
            parts = line.split()
            word = parts[0]
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tag = parts[2] if len(parts) > 2 else (parts[1] if len(parts) > 1 and not parts[1].isdigit() else None)
            self._jieba.add_word(unicodedata.normalize("NFKC", word).lower(), freq, tag)
        self._stop = {unicodedata.normalize("NFKC", w).lower() for w in stop}
        self._lock = threading.Lock()

    def tokenize(self, text: str) -> list[str]:
        norm = unicodedata.normalize("NFKC", text).lower()
        with self._lock:  # jieba's tokenizer keeps per-call state
            pieces = self._jieba.cut_for_search(norm, HMM=True)
            return [t for t in (p.strip() for p in pieces) if t and t not in self._stop and _WORDY.search(t)]

    def tokenize_many(self, texts: Iterable[str]) -> list[list[str]]:
        return [self.tokenize(t) for t in texts]


def userdict_digest(lines: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def get_tokenizer(userdict_lines: Sequence[str], stop: Sequence[str]) -> LexicalTokenizer:
    """A tokenizer for this dictionary, built once per process (jieba takes about a second)."""
    key = userdict_digest(list(userdict_lines) + ["\0stop"] + list(stop))
    with _LOCK:
        tok = _TOKENIZERS.get(key)
        if tok is None:
            tok = LexicalTokenizer(userdict_lines, stop)
            _TOKENIZERS[key] = tok
        return tok


class LexicalIndex:
    """bm25s over token lists; row i of the scores is the i-th indexed chunk."""

    def __init__(self, retriever, n_docs: int) -> None:  # noqa: ANN001 - bm25s.BM25
        self._bm25 = retriever
        self.n_docs = n_docs

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]]) -> LexicalIndex:
        """Index token lists (any iterable: they are turned into vocabulary ids one at a time,
        so the token strings of a big corpus never sit in memory together)."""
        import bm25s
        from bm25s.tokenization import Tokenized

        vocab: dict[str, int] = {}
        ids: list[list[int]] = []
        for tokens in token_lists:
            ids.append([vocab.setdefault(t, len(vocab)) for t in tokens])
        retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B, method=BM25_METHOD)
        if ids:
            retriever.index(Tokenized(ids=ids, vocab=vocab), show_progress=False)
        return cls(retriever, len(ids))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.n_docs:
            self._bm25.save(str(folder), show_progress=False)
        (folder / "n_docs.txt").write_text(str(self.n_docs), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        n_docs = int((folder / "n_docs.txt").read_text(encoding="utf-8").strip())
        if n_docs == 0:
            return cls(bm25s.BM25(k1=BM25_K1, b=BM25_B, method=BM25_METHOD), 0)
        retriever = bm25s.BM25.load(str(folder), load_vocab=True, mmap=False, show_progress=False, verbosity=0)
        got = int(retriever.scores["num_docs"])
        if got != n_docs:
            raise ValueError(f"lexical index holds {got} documents, expected {n_docs}")
        return cls(retriever, n_docs)

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every indexed chunk for the query tokens (zeros when none is known)."""
        if not self.n_docs:
            return np.zeros(0, np.float32)
        ids = self._bm25.get_tokens_ids(list(tokens))
        if not ids:
            return np.zeros(self.n_docs, np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)
