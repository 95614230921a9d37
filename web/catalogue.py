"""The documents list: the manifest (every document, supplied or not) joined with the index.

A manifest entry whose file is missing is listed as "not supplied"; a withdrawn one as
withdrawn; a document still in the serving index but no longer in the manifest keeps the
metadata its chunks carry.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from assistant.index import LoadedIndex
from indexer.manifest import ManifestError, load_manifest

log = logging.getLogger("safeguide.web")
DOCUMENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,80}$")
FIELDS = ("title", "kind", "publisher", "edition", "published", "status", "superseded_by",
          "licence", "source_url")


def list_documents(corpus_dir: Path | str, index: LoadedIndex | None) -> list[dict[str, Any]]:
    """One record per document, in manifest order, then index-only documents by id."""
    indexed = index.state["documents"] if index else {}
    chunk_meta = _first_chunk_metadata(index)
    records: dict[str, dict[str, Any]] = {}
    try:
        manifest = load_manifest(Path(corpus_dir) / "manifest.yaml")
        entries = manifest.entries
        for problem in manifest.errors:
            log.warning("manifest: %s", problem)
    except ManifestError as exc:
        log.warning("manifest unreadable: %s", exc)
        entries = []
    for entry in entries:
        records[entry.id] = {
            "id": entry.id, **{f: getattr(entry, f) for f in FIELDS},
            "audiences": list(entry.audiences),
            "supplied": entry.path.exists(),
            "indexed": entry.id in indexed,
            "chunks": indexed.get(entry.id, {}).get("chunks", 0),
        }
    for doc_id in sorted(set(indexed) - set(records)):
        meta = chunk_meta.get(doc_id, {})
        records[doc_id] = {
            "id": doc_id, **{f: meta.get(f) or indexed[doc_id].get(f) for f in FIELDS},
            "audiences": [a for a in ("officer", "custody", "trainer")
                          if meta.get(f"audience_{a}")],
            "supplied": True, "indexed": True, "chunks": indexed[doc_id].get("chunks", 0),
        }
    for record in records.values():
        record["superseded_by"] = record["superseded_by"] or None
        record["url"] = f"/documents/{record['id']}" if record["indexed"] else None
    return list(records.values())


def find_document(corpus_dir: Path | str, index: LoadedIndex | None,
                  document_id: str) -> dict[str, Any] | None:
    if not DOCUMENT_ID.match(document_id):
        return None
    return next((d for d in list_documents(corpus_dir, index) if d["id"] == document_id), None)


def _first_chunk_metadata(index: LoadedIndex | None) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for meta in index.metadatas if index else []:
        result.setdefault(meta["document_id"], meta)
    return result


def unavailable_reason(record: dict[str, Any]) -> str:
    """Why a listed document cannot be read or cited."""
    if not record["supplied"]:
        return "its file has not been supplied to this deployment"
    if record["status"] == "withdrawn":
        return "it has been withdrawn"
    return "it is not in the current index (run `make index`)"
