"""The lexical (BM25) index, built from the same chunks as the vectors.

Dense retrieval misses exact terms officers use ("ARMS", "101 form", "Thorpe Wood"); BM25
finds them. One tokeniser serves indexing and querying so the two always agree.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_TOKEN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves r u pls please ve ll re d s t m""".split()
)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def normalise_word(word: str) -> str:
    """Lower-case and stem one word (the unit both sides of BM25 compare)."""
    return _stemmer().stemWord(word.lower())


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stopwords, stemmed."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS]
    return _stemmer().stemWords(words)


class LexicalIndex:
    """BM25 over chunk texts; rows align with ``chunk_ids``.

    An index of no chunks (every document withdrawn or removed) has no BM25 model: bm25s
    cannot index an empty corpus, and such an index scores nothing.
    """

    def __init__(self, retriever: bm25s.BM25 | None, chunk_ids: list[str]) -> None:
        self._retriever = retriever
        self.chunk_ids = chunk_ids
        self.vocabulary = frozenset(retriever.vocab_dict) if retriever else frozenset()

    @classmethod
    def build(cls, chunk_ids: list[str], texts: list[str]) -> LexicalIndex:
        if not chunk_ids:
            return cls(None, [])
        retriever = bm25s.BM25()
        retriever.index([tokenize(t) for t in texts], show_progress=False)
        return cls(retriever, list(chunk_ids))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self._retriever is not None:
            self._retriever.save(str(folder), show_progress=False)
        (folder / "chunk_ids.txt").write_text("\n".join(self.chunk_ids), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        ids = (folder / "chunk_ids.txt").read_text(encoding="utf-8").split("\n")
        if ids == [""]:
            return cls(None, [])
        retriever = bm25s.BM25.load(str(folder), show_progress=False)
        return cls(retriever, ids)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for the query tokens (unknown tokens ignored)."""
        known = [t for t in tokens if t in self.vocabulary]
        if not known:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)
