"""Hybrid retrieval as LangChain retrievers.

Three rankings are fused by reciprocal rank fusion (RRF):
- dense passages: the query vector against passage vectors in Chroma;
- dense sentences: the query vector against every sentence and list item, each passage
  scored by its best unit (a passage that holds one exactly-matching sentence among others);
- lexical: BM25 over the same passages (exact terms: "ARMS", "101 form", "Thorpe Wood").
RRF needs no score calibration between the three, and is robust when one of them misfires.
Superseded editions are down-weighted and flagged, never silently mixed with current ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.embeddings import SentenceTransformerEmbeddings
from assistant.index import LoadedIndex
from indexer.lexical import tokenize

RRF_K = 60
CANDIDATES = 30
SUPERSEDED_WEIGHT = 0.7
FILTER_FIELDS = ("kind", "status", "document_id")


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
    """Shared plumbing: the loaded index, the query vectors, the request's filters."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: LoadedIndex
    vectors: QueryVectors
    filters: dict[str, Any] | None = None
    k: int = CANDIDATES

    def _document(self, row: int, **scores: float) -> Document:
        metadata = dict(self.index.metadatas[row])
        metadata.update(scores)
        metadata["superseded"] = metadata["status"] == "superseded"
        return Document(page_content=self.index.texts[row], metadata=metadata,
                        id=self.index.chunk_ids[row])


class DenseRetriever(_IndexRetriever):
    """Passages nearest the query in Chroma (cosine)."""

    def rank(self, query: str) -> list[tuple[int, float]]:
        vector = self.vectors.vector(query)
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

    def rank(self, query: str) -> list[tuple[int, float]]:
        if not len(self.index.units):
            return []
        sims = self.index.unit_vectors @ self.vectors.vector(query)
        best = np.full(len(self.index.chunk_ids), -1.0, dtype=np.float32)
        np.maximum.at(best, self.index.unit_chunk_rows, sims)
        best[~filter_mask(self.index, self.filters)] = -1.0
        order = np.argsort(-best)[: self.k]
        return [(int(r), float(best[r])) for r in order if best[r] > -1.0]

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [self._document(row, sentence=score) for row, score in self.rank(query)]


class LexicalRetriever(_IndexRetriever):
    """BM25 over passages."""

    def rank(self, query: str) -> list[tuple[int, float]]:
        raw = self.index.lexical.scores(tokenize(query))
        scores = np.zeros(len(self.index.chunk_ids), dtype=np.float32)
        scores[self.index.lexical_rows] = raw
        scores[~filter_mask(self.index, self.filters)] = 0.0
        order = np.argsort(-scores)[: self.k]
        return [(int(r), float(scores[r])) for r in order if scores[r] > 0]

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [self._document(row, bm25=score) for row, score in self.rank(query)]


class HybridRetriever(_IndexRetriever):
    """RRF over dense passages, dense sentences and BM25; returns ``top_k`` Documents.

    Each Document's metadata carries ``score`` (fused), ``dense``, ``sentence``, ``bm25`` and
    ``rank``, so the answerer and the abstention check can read the evidence strength.
    """

    top_k: int = 5

    def with_filters(self, filters: Mapping[str, Any] | None) -> HybridRetriever:
        filter_mask(self.index, filters)  # validate names early, with a clear error
        return self.model_copy(update={"filters": dict(filters) if filters else None})

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        shared = {"index": self.index, "vectors": self.vectors, "filters": self.filters,
                  "k": self.k}
        rankings = {
            "dense": DenseRetriever(**shared).rank(query),
            "sentence": SentenceRetriever(**shared).rank(query),
            "bm25": LexicalRetriever(**shared).rank(query),
        }
        fused: dict[int, float] = {}
        evidence: dict[int, dict[str, float]] = {}
        for name, ranking in rankings.items():
            for rank, (row, score) in enumerate(ranking):
                fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
                evidence.setdefault(row, {})[name] = score
        for row in fused:
            if self.index.metadatas[row]["status"] == "superseded":
                fused[row] *= SUPERSEDED_WEIGHT
        ordered = sorted(fused, key=lambda r: -fused[r])[: self.top_k]
        return [
            self._document(row, score=fused[row], rank=rank + 1,
                           **{n: evidence[row].get(n, 0.0) for n in rankings})
            for rank, row in enumerate(ordered)
        ]
