"""Check the serving index against the corpus and report drift.

Drift is anything a build would change or anything the store lost: a document whose file or
manifest entry changed since the build, a document missing from the index or present but no
longer in the manifest, a collection whose ids or counts differ from what the build recorded,
a lexical index out of step with the vectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from indexer import artifacts, store
from indexer.build import entry_digest, file_digest
from indexer.lexical import LexicalIndex
from indexer.manifest import load_manifest


def verify_index(settings: Mapping[str, Any], index_dir: Path) -> list[str]:
    """Return a list of human-readable problems; empty means the index matches."""
    pointer = artifacts.read_pointer(index_dir)
    if pointer is None:
        return [f"{index_dir}: no index built (run `python -m indexer build`)"]
    problems: list[str] = []
    manifest = load_manifest(Path(settings["corpus_dir"]) / "manifest.yaml")
    indexed = pointer["documents"]
    expected = {e.id: e for e in manifest.entries if e.indexable and e.path.exists()}
    for doc_id, entry in expected.items():
        state = indexed.get(doc_id)
        if state is None:
            problems.append(f"{doc_id}: in the corpus but not indexed")
        elif state["file_hash"] != file_digest(entry.path):
            problems.append(f"{doc_id}: file changed since the build")
        elif state["meta_hash"] != entry_digest(entry):
            problems.append(f"{doc_id}: manifest entry changed since the build")
    for doc_id in set(indexed) - set(expected):
        problems.append(f"{doc_id}: indexed but withdrawn, missing or not in the manifest")

    client = store.open_client(settings, index_dir)
    try:
        collection = store.get_collection(client, pointer["collection"])
    except Exception as exc:  # noqa: BLE001 - any store failure is drift to report
        return problems + [f"collection {pointer['collection']}: cannot be opened ({exc})"]
    records = store.get_all(collection, ["metadatas"])
    by_doc: dict[str, int] = {}
    for meta in records["metadatas"]:
        by_doc[meta["document_id"]] = by_doc.get(meta["document_id"], 0) + 1
    for doc_id, state in indexed.items():
        if by_doc.get(doc_id, 0) != state["chunks"]:
            problems.append(f"{doc_id}: {by_doc.get(doc_id, 0)} chunks stored, "
                            f"{state['chunks']} recorded by the build")
    folder = artifacts.build_dir(index_dir, pointer["version"])
    lexical_ids = set(LexicalIndex.load(folder / "lexical").chunk_ids)
    if lexical_ids != set(records["ids"]):
        problems.append(f"lexical index has {len(lexical_ids)} chunks, "
                        f"vector store {len(records['ids'])}: they differ")
    return problems
