"""The serving index, loaded once per process: vectors in Chroma, the rest in memory.

Loading reads ``current.json`` and opens exactly the build it names, so a rebuild that
lands while this process runs cannot mix two builds in one answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.models.Collection import Collection

from indexer import artifacts, store
from indexer.artifacts import UnitRecord
from indexer.lexical import LexicalIndex


class IndexNotBuiltError(RuntimeError):
    """No build has completed in the index folder."""


@dataclass
class LoadedIndex:
    """Everything retrieval and answering read, for one build version."""

    version: str
    state: dict[str, Any]
    folder: Path
    collection: Collection
    lexical: LexicalIndex
    chunk_ids: list[str]
    texts: list[str]
    metadatas: list[dict[str, Any]]
    chunk_vectors: np.ndarray
    units: list[UnitRecord]
    unit_vectors: np.ndarray
    unit_rows_by_chunk: dict[str, list[int]]

    @classmethod
    def load(cls, settings: Mapping[str, Any], index_dir: Path) -> LoadedIndex:
        pointer = artifacts.read_pointer(index_dir)
        if pointer is None:
            raise IndexNotBuiltError(
                f"no index in {index_dir}: run `python -m indexer build` first"
            )
        folder = artifacts.build_dir(index_dir, pointer["version"])
        client = store.open_client(settings, index_dir)
        collection = store.get_collection(client, pointer["collection"])
        records = store.get_all(collection, ["documents", "metadatas", "embeddings"])
        order = sorted(range(len(records["ids"])),
                       key=lambda i: (records["metadatas"][i]["document_id"],
                                      records["metadatas"][i]["position"]))
        units, vectors = artifacts.load_units(folder)
        rows: dict[str, list[int]] = {}
        for row, unit in enumerate(units):
            rows.setdefault(unit.chunk_id, []).append(row)
        return cls(
            version=pointer["version"], state=pointer, folder=folder, collection=collection,
            lexical=LexicalIndex.load(folder / "lexical"),
            chunk_ids=[records["ids"][i] for i in order],
            texts=[records["documents"][i] for i in order],
            metadatas=[records["metadatas"][i] for i in order],
            chunk_vectors=np.asarray([records["embeddings"][i] for i in order],
                                     dtype=np.float32).reshape(len(order), -1),
            units=units, unit_vectors=vectors, unit_rows_by_chunk=rows,
        )

    @cached_property
    def row_of(self) -> dict[str, int]:
        return {chunk_id: row for row, chunk_id in enumerate(self.chunk_ids)}

    @cached_property
    def lexical_rows(self) -> np.ndarray:
        """For each lexical-index row, the matching row in ``chunk_ids``."""
        return np.array([self.row_of[c] for c in self.lexical.chunk_ids], dtype=np.int64)

    @cached_property
    def unit_chunk_rows(self) -> np.ndarray:
        """For each unit, the row of its chunk."""
        return np.array([self.row_of[u.chunk_id] for u in self.units], dtype=np.int64)

    @cached_property
    def section_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Per chunk, the mean vector of its top-level section and of its own section.

        A passage inherits the topic of the section around it: "Authorising officers often
        don't record..." is about police protection because its section is.
        """
        return (self._centroids(lambda m: (m["document_id"], m["section_top"])),
                self._centroids(lambda m: (m["document_id"], m["section"])))

    def _centroids(self, key: Any) -> np.ndarray:
        groups: dict[Any, list[int]] = {}
        for row, meta in enumerate(self.metadatas):
            groups.setdefault(key(meta), []).append(row)
        result = np.zeros_like(self.chunk_vectors)
        for rows in groups.values():
            mean = self.chunk_vectors[rows].mean(axis=0)
            result[rows] = mean / (np.linalg.norm(mean) or 1.0)
        return result

    @cached_property
    def unit_texts(self) -> list[str]:
        """The text of every unit, sliced from its passage."""
        texts = []
        for unit, row in zip(self.units, self.unit_chunk_rows, strict=True):
            offset = self.metadatas[row]["char_start"]
            texts.append(self.texts[row][unit.start - offset:unit.end - offset])
        return texts

    @cached_property
    def vocabulary(self) -> set[str]:
        """Every word of the indexed text, for typo correction and coverage checks."""
        return {w for text in self.texts for w in re.findall(r"[a-z0-9]+", text.lower())}

    def document(self, document_id: str) -> dict[str, Any]:
        """The reader view (canonical text, blocks, chunk offsets) of one document."""
        return artifacts.load_document(self.folder, document_id)
