"""Hybrid retrieval as LangChain retrievers.

Candidates come from three retrievers, each usable on its own:
- :class:`DenseRetriever`: the query vector against passage vectors in Chroma;
- :class:`SentenceRetriever`: the query vector against every sentence and list item, a
  passage scored by its best unit (one exactly-matching sentence among others);
- :class:`LexicalRetriever`: BM25 over the same passages (exact terms: "ARMS", "101 form").
:class:`HybridRetriever` pools their candidates and scores each by a weighted sum of those
signals plus the similarity of the passage's section (a passage inherits its section's
topic) and the question's intent (a scenario wants a case study; "how many" wants a
number). Superseded editions and drafts are down-weighted and flagged, never silently
mixed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.embeddings import SentenceTransformerEmbeddings
from assistant.index import LoadedIndex
from assistant.intent import detect_intent, has_number
from assistant.query import QueryUnderstanding
from indexer.lexical import tokenize

CANDIDATES = 50
SUPERSEDED_WEIGHT = 0.85
# Drafts (the SAMPLE procedures, a force's unapproved text) are not policy, and a procedure
# restates the sources it cites: it must rank below a current source that answers as well,
# and it is flagged. 0.85 (as superseded) still let the SAMPLE procedures take the top
# passage from the report they cite (dev hit@1 0.70 -> 0.67); 0.75 is the mildest weight
# tried (0.85, 0.75, 0.7, 0.6) that keeps every dev figure (README, "Recording checklists").
DRAFT_WEIGHT = 0.75
FILTER_FIELDS = ("kind", "status", "document_id")


@dataclass(frozen=True)
class FusionWeights:
    """How much each signal counts in a passage's score (all signals are in [0, 1])."""

    dense: float = 1.0
    sentence: float = 0.5
    lexical: float = 0.3
    section_top: float = 0.3
    section: float = 0.3
    block_intent: float = 0.1
    number: float = 0.1


class QueryVectors:
    """Query embeddings with a small cache: retrieval and answering share one encode."""

    def __init__(self, embeddings: SentenceTransformerEmbeddings) -> None:
        self.embeddings = embeddings
        self.vector = lru_cache(maxsize=256)(self._encode)

    def _encode(self, text: str) -> np.ndarray:
        return self.embeddings.embed_array([text])[0]


def filter_mask(index: LoadedIndex, filters: Mapping[str, Any] | None) -> np.ndarray:
    """Which passages a request may see: by kind, status, document and audience."""
    mask = np.ones(len(index.chunk_ids), dtype=bool)
    for name, wanted in (filters or {}).items():
        if wanted in (None, "", []):
            continue
        allowed = set(wanted) if isinstance(wanted, list | tuple | set) else {wanted}
        if name == "audience":
            keep = [any(m.get(f"audience_{a}") for a in allowed) for m in index.metadatas]
        elif name in FILTER_FIELDS:
            keep = [m.get(name) in allowed for m in index.metadatas]
        else:
            raise ValueError(f"unknown filter {name!r} (use kind, status, document_id, audience)")
        mask &= np.array(keep, dtype=bool)
    return mask


def _chroma_where(filters: Mapping[str, Any] | None) -> dict[str, Any] | None:
    clauses = []
    for name, wanted in (filters or {}).items():
        if wanted in (None, "", []):
            continue
        values = list(wanted) if isinstance(wanted, list | tuple | set) else [wanted]
        if name == "audience":
            clauses.append({"$or": [{f"audience_{a}": True} for a in values]}
                           if len(values) > 1 else {f"audience_{values[0]}": True})
        else:
            clauses.append({name: {"$in": values}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class _IndexRetriever(BaseRetriever):
    """Shared plumbing: the loaded index, query vectors, understanding, request filters."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: LoadedIndex
    vectors: QueryVectors
    understanding: QueryUnderstanding
    filters: dict[str, Any] | None = None
    k: int = CANDIDATES

    def with_filters(self, filters: Mapping[str, Any] | None) -> _IndexRetriever:
        """A copy of this retriever restricted by ``filters`` (validated here)."""
        filter_mask(self.index, filters)
        return self.model_copy(update={"filters": dict(filters) if filters else None})

    def _mask(self) -> np.ndarray:
        return filter_mask(self.index, self.filters)

    def _top(self, scores: np.ndarray) -> list[tuple[int, float]]:
        scores = np.where(self._mask(), scores, -np.inf)
        order = np.argsort(-scores)[: self.k]
        return [(int(r), float(scores[r])) for r in order if np.isfinite(scores[r])]

    def _document(self, row: int, **scores: float) -> Document:
        metadata = dict(self.index.metadatas[row])
        metadata.update(scores)
        metadata["superseded"] = metadata["status"] == "superseded"
        return Document(page_content=self.index.texts[row], metadata=metadata,
                        id=self.index.chunk_ids[row])


class DenseRetriever(_IndexRetriever):
    """Passages nearest the question in Chroma (cosine)."""

    def rank(self, question: str) -> list[tuple[int, float]]:
        vector = self.vectors.vector(self.understanding.prepare(question).dense_text)
        count = min(self.k, len(self.index.chunk_ids))
        result = self.index.collection.query(
            query_embeddings=[vector.tolist()], n_results=count,
            where=_chroma_where(self.filters), include=["distances"],
        )
        return [(self.index.row_of[i], 1.0 - d)
                for i, d in zip(result["ids"][0], result["distances"][0], strict=True)]

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [self._document(row, dense=score) for row, score in self.rank(query)]


class SentenceRetriever(_IndexRetriever):
    """Passages ranked by their single best-matching sentence or list item."""

    def unit_scores(self, question: str) -> np.ndarray:
        vector = self.vectors.vector(self.understanding.prepare(question).dense_text)
        return self.index.unit_vectors @ vector

    def passage_scores(self, unit_scores: np.ndarray) -> np.ndarray:
        best = np.full(len(self.index.chunk_ids), -1.0, dtype=np.float32)
        if len(unit_scores):
            np.maximum.at(best, self.index.unit_chunk_rows, unit_scores)
        return best

    def rank(self, question: str) -> list[tuple[int, float]]:
        return self._top(self.passage_scores(self.unit_scores(question)))

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [self._document(row, sentence=score) for row, score in self.rank(query)]


class LexicalRetriever(_IndexRetriever):
    """BM25 over passages, on the question expanded with the glossary."""

    def scores(self, question: str) -> np.ndarray:
        query = self.understanding.prepare(question)
        raw = self.index.lexical.scores(tokenize(query.retrieval_text))
        scores = np.zeros(len(self.index.chunk_ids), dtype=np.float32)
        scores[self.index.lexical_rows] = raw
        return scores

    def rank(self, question: str) -> list[tuple[int, float]]:
        scores = self.scores(question)
        return [(r, s) for r, s in self._top(scores) if s > 0]

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [self._document(row, bm25=score) for row, score in self.rank(query)]


class HybridRetriever(_IndexRetriever):
    """Pool candidates from the three retrievers, score by :class:`FusionWeights`.

    Each Document's metadata carries ``score`` (fused), ``dense``, ``sentence`` (best unit
    cosine, the abstention signal), ``bm25`` and ``rank``.
    """

    top_k: int = 5
    weights: FusionWeights = FusionWeights()

    @cached_property
    def _unit_has_number(self) -> np.ndarray:
        return np.array([has_number(t) for t in self.index.unit_texts], dtype=bool)

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        shared = {"index": self.index, "vectors": self.vectors, "k": self.k,
                  "understanding": self.understanding, "filters": self.filters}
        dense, sentences, lexical = (DenseRetriever(**shared), SentenceRetriever(**shared),
                                     LexicalRetriever(**shared))
        unit_scores = sentences.unit_scores(query)
        best_unit = sentences.passage_scores(unit_scores)
        bm25 = lexical.scores(query)
        rows = sorted({r for r, _ in dense.rank(query)}
                      | {r for r, _ in sentences._top(best_unit)}
                      | {r for r, _ in lexical._top(bm25) if bm25[r] > 0})
        if not rows:
            return []
        scores = self._fuse(query, np.array(rows), unit_scores, best_unit, bm25)
        ordered = np.argsort(-scores)[: self.top_k]
        return [
            self._document(rows[i], score=float(scores[i]), rank=rank + 1,
                           dense=float(self.index.chunk_vectors[rows[i]] @ self._vector(query)),
                           sentence=float(best_unit[rows[i]]), bm25=float(bm25[rows[i]]))
            for rank, i in enumerate(ordered)
        ]

    def _vector(self, question: str) -> np.ndarray:
        return self.vectors.vector(self.understanding.prepare(question).dense_text)

    def _fuse(self, question: str, rows: np.ndarray, unit_scores: np.ndarray,
              best_unit: np.ndarray, bm25: np.ndarray) -> np.ndarray:
        w = self.weights
        vector = self._vector(question)
        section_top, section = self.index.section_vectors
        intent = detect_intent(question)
        if intent.wants_number and len(unit_scores):
            boosted = unit_scores + w.number * self._unit_has_number
            best_unit = SentenceRetriever(
                index=self.index, vectors=self.vectors, understanding=self.understanding
            ).passage_scores(boosted)
        top_bm25 = float(bm25[rows].max()) or 1.0
        scores = (w.dense * (self.index.chunk_vectors[rows] @ vector)
                  + w.sentence * best_unit[rows]
                  + w.lexical * bm25[rows] / top_bm25
                  + w.section_top * (section_top[rows] @ vector)
                  + w.section * (section[rows] @ vector))
        if intent.block_kind:
            kinds = np.array([self.index.metadatas[r]["block_kind"] for r in rows])
            scores += w.block_intent * (kinds == intent.block_kind)
        status = np.array([self.index.metadatas[r]["status"] for r in rows])
        weight = np.select([status == "superseded", status == "draft"],
                           [SUPERSEDED_WEIGHT, DRAFT_WEIGHT], 1.0)
        return scores * weight
