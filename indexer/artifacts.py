"""What a build leaves on disk beside the vectors, and the pointer that makes it current.

Layout under the index folder::

    current.json                 # the build that serves; replaced atomically (os.replace)
    chroma/                      # embedded Chroma store (one collection per build)
    builds/<version>/documents/<id>.json   # canonical text, blocks, chunk offsets (reader view)
    builds/<version>/lexical/              # BM25 index over the same chunks
    builds/<version>/units.json, units.npy # sentences/list items and their vectors (answerer)

A build writes a new version folder and a new collection, then swaps ``current.json``: a
failed or interrupted build never touches what is serving.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.chunker import ChunkedDocument

POINTER = "current.json"


@dataclass(frozen=True)
class UnitRecord:
    """A quotable span of a chunk, with offsets into its document's canonical text."""

    chunk_id: str
    document_id: str
    start: int
    end: int
    kind: str


def build_dir(index_dir: Path, version: str) -> Path:
    return index_dir / "builds" / version


def read_pointer(index_dir: Path) -> dict[str, Any] | None:
    """The serving build's state, or None when no build has completed."""
    path = index_dir / POINTER
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write_pointer(index_dir: Path, state: dict[str, Any]) -> None:
    """Atomically make ``state`` the serving build."""
    tmp = index_dir / (POINTER + ".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, index_dir / POINTER)


def document_record(chunked: ChunkedDocument) -> dict[str, Any]:
    """The reader's view of a document: its text, blocks and chunk offsets."""
    return {
        "text": chunked.text,
        "blocks": [
            {"kind": p.block.kind, "level": p.block.level, "page": p.block.page,
             "start": p.start, "end": p.end}
            for p in chunked.blocks
        ],
        "chunks": [
            {"id": c.id, "start": c.start, "end": c.end, "section": c.section_label,
             "page_start": c.page_start, "page_end": c.page_end}
            for c in chunked.chunks
        ],
    }


def save_document(folder: Path, document_id: str, record: dict[str, Any]) -> None:
    target = folder / "documents"
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{document_id}.json").write_text(json.dumps(record), encoding="utf-8")


def load_document(folder: Path, document_id: str) -> dict[str, Any]:
    return json.loads((folder / "documents" / f"{document_id}.json").read_text(encoding="utf-8"))


def save_units(folder: Path, units: list[UnitRecord], vectors: np.ndarray) -> None:
    (folder / "units.json").write_text(
        json.dumps([asdict(u) for u in units]), encoding="utf-8"
    )
    np.save(folder / "units.npy", vectors.astype(np.float32))


def load_units(folder: Path) -> tuple[list[UnitRecord], np.ndarray]:
    raw = json.loads((folder / "units.json").read_text(encoding="utf-8"))
    return [UnitRecord(**u) for u in raw], np.load(folder / "units.npy")
