"""Incremental, atomic index builds.

A document is re-parsed and re-embedded only when its file or its manifest entry changed;
unchanged documents are copied from the serving build (vectors included). Withdrawn and
removed documents are left out of the new build, so they stop answering the moment it
switches. A document that fails to parse keeps its previous indexed version (if any) and is
reported; nothing that was serving is lost because of bad input.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from assistant.embeddings import load_embeddings, model_label
from indexer import artifacts, store
from indexer.artifacts import UnitRecord
from indexer.blocks import ParseError
from indexer.checklists import is_procedure_markdown, read_checklists
from indexer.chunker import CHUNKER_VERSION, Chunk, ChunkedDocument, Unit, chunk_document
from indexer.keyphrases import section_topics
from indexer.lexical import LexicalIndex
from indexer.manifest import DocumentEntry, Manifest, ManifestError, load_manifest
from indexer.parsers import parse_file


@dataclass
class BuildReport:
    """What a build did; ``failed`` makes the CLI exit non-zero."""

    version: str | None = None
    documents: int = 0
    chunks: int = 0
    embedded_documents: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    not_supplied: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    up_to_date: bool = False

    def summary(self) -> str:
        verb = "index up to date" if self.up_to_date else f"built {self.version}"
        lines = [
            f"{verb}: {self.documents} documents, {self.chunks} chunks, "
            f"{len(self.embedded_documents)} (re)embedded, {len(self.skipped)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failed)} failed, {self.seconds:.1f} s"
        ]
        lines += [
            f"  not supplied (see `python -m indexer status`): {d}" for d in self.not_supplied
        ]
        lines += [f"  FAILED {reason}" for reason in self.failed]
        return "\n".join(lines)


# How long a build that stopped serving is kept (beyond the previous one, always kept), so
# the workers still answering from it finish and switch: far above web.RELOAD_CHECK_SECONDS
# and gunicorn's request timeout.
RETIRED_BUILD_GRACE_SECONDS = 300.0


def context_text(metadata: dict[str, Any], content: str) -> str:
    """What both indexes see: the passage with its section path and its section's topics,
    so a passage that never names its subject can still be found by it."""
    header = metadata["section"] or metadata["title"]
    if metadata.get("topics"):
        header += f"\nTopics: {metadata['topics']}"
    return f"{header}\n{content}"


def unit_embed_text(text: str, unit: Unit) -> str:
    """A list item is embedded with its lead-in; other units as they are."""
    if unit.context is None:
        return text[unit.start:unit.end]
    return f"{text[unit.context[0]:unit.context[1]]} {text[unit.start:unit.end]}"


def chunk_metadata(entry: DocumentEntry, chunk: Chunk, topics: str = "") -> dict[str, Any]:
    meta = entry.metadata()
    meta.update(
        topics=topics,
        chunk_id=chunk.id,
        position=chunk.position,
        section=chunk.section_label,
        section_top=chunk.section_path[0] if chunk.section_path else "",
        block_kind=chunk.block_kind,
        char_start=chunk.start,
        char_end=chunk.end,
        page_start=chunk.page_start if chunk.page_start is not None else -1,
        page_end=chunk.page_end if chunk.page_end is not None else -1,
    )
    return meta


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def entry_digest(entry: DocumentEntry) -> str:
    payload = {**entry.metadata(), "exclude_sections": list(entry.exclude_sections)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class IndexBuilder:
    """Builds the index described by ``corpus_dir/manifest.yaml`` into ``index_dir``."""

    def __init__(self, settings: Mapping[str, Any], index_dir: Path, progress: bool = True,
                 embeddings: Any = None):
        """``embeddings``: anything with ``embed_array(texts)``; default: the settings' model,
        loaded when a document needs embedding (``scripts/scale_sim.py`` passes its own)."""
        self.settings = settings
        self.index_dir = index_dir
        self.corpus_dir = Path(settings["corpus_dir"])
        self.model = settings["embedding_model"]
        self.label = model_label(self.model)
        self.progress = progress
        self.embeddings = embeddings

    def build(self, force: bool = False) -> BuildReport:
        started = time.perf_counter()
        report = BuildReport()
        manifest = load_manifest(self.corpus_dir / "manifest.yaml")  # ManifestError propagates
        report.failed.extend(manifest.errors)
        pointer = artifacts.read_pointer(self.index_dir)
        previous = pointer
        if pointer and (
            pointer["model_label"] != self.label or pointer["chunker_version"] != CHUNKER_VERSION
        ):
            previous = None  # a new model or chunker: nothing can be reused
        plan = self._plan(manifest, previous, force, report)
        plan["version"] = _next_version(pointer)
        plan["serving"] = pointer  # kept for a while after the switch, whatever its model
        if previous and not plan["changed"] and set(plan["keep"]) == set(previous["documents"]):
            report.up_to_date = True
            report.version = previous["version"]
            report.documents = len(previous["documents"])
            report.chunks = sum(d["chunks"] for d in previous["documents"].values())
            report.skipped = sorted(plan["keep"])
        else:
            self._write_build(plan, previous, report)
        report.seconds = time.perf_counter() - started
        return report

    def _plan(
        self, manifest: Manifest, previous: dict[str, Any] | None, force: bool, report: BuildReport
    ) -> dict[str, Any]:
        """Decide per document: keep the indexed copy, (re)index it, or leave it out."""
        old_docs = previous["documents"] if previous else {}
        keep: dict[str, dict[str, Any]] = {}
        changed: list[tuple[DocumentEntry, str, str]] = []
        for entry in manifest.entries:
            if not entry.indexable:
                continue
            if not entry.path.exists():
                if entry.supplied_by_deployment:
                    report.not_supplied.append(entry.id)
                else:
                    report.failed.append(
                        f"{entry.path}: file named by manifest entry {entry.id!r} does not exist"
                    )
                    self._keep_previous(entry.id, old_docs, keep)
                continue
            digest, meta = file_digest(entry.path), entry_digest(entry)
            old = old_docs.get(entry.id)
            if not force and old and old["file_hash"] == digest and old["meta_hash"] == meta:
                keep[entry.id] = old
            else:
                changed.append((entry, digest, meta))
        for doc_id in manifest.invalid_ids:  # a typo in its entry must not unpublish it
            self._keep_previous(doc_id, old_docs, keep)
        return {"keep": keep, "changed": changed, "manifest": manifest, "old": old_docs}

    @staticmethod
    def _keep_previous(doc_id: str, old_docs: dict[str, Any], keep: dict[str, Any]) -> None:
        if doc_id in old_docs:
            keep[doc_id] = old_docs[doc_id]

    def _write_build(
        self, plan: dict[str, Any], previous: dict[str, Any] | None, report: BuildReport
    ) -> None:
        version = plan["version"]
        folder = artifacts.build_dir(self.index_dir, version)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        client = store.open_client(self.settings, self.index_dir)
        name = store.collection_name(self.label, CHUNKER_VERSION, version)
        store.drop_collection(client, name)
        collection = store.create_collection(client, name)

        documents: dict[str, dict[str, Any]] = {}
        texts: dict[str, str] = {}
        units: list[UnitRecord] = []
        unit_vectors: list[np.ndarray] = []
        old_folder = artifacts.build_dir(self.index_dir, previous["version"]) if previous else None
        old_units = artifacts.load_units(old_folder) if old_folder else ([], np.zeros((0, 1)))

        parsed = self._parse_changed(plan, report)
        for doc_id, state in plan["keep"].items():
            records = store.get_collection(client, previous["collection"]).get(
                where={"document_id": doc_id}, include=["embeddings", "documents", "metadatas"]
            )
            store.add_records(
                collection,
                records["ids"],
                records["embeddings"],
                records["documents"],
                records["metadatas"],
            )
            texts.update(
                (i, context_text(m, d))
                for i, d, m in zip(records["ids"], records["documents"], records["metadatas"],
                                   strict=True)
            )
            artifacts.save_document(folder, doc_id, artifacts.load_document(old_folder, doc_id))
            rows = [i for i, u in enumerate(old_units[0]) if u.document_id == doc_id]
            units.extend(old_units[0][i] for i in rows)
            unit_vectors.append(old_units[1][rows])
            documents[doc_id] = state
            report.skipped.append(doc_id)

        if parsed:
            embeddings = self.embeddings or load_embeddings(self.model)
            for entry, digest, meta, chunked, checklists in tqdm(
                parsed, desc="embedding", unit="doc", disable=not self.progress
            ):
                self._add_document(
                    collection, folder, entry, chunked, embeddings, units, unit_vectors, texts
                )
                if checklists:
                    record = artifacts.load_document(folder, entry.id)
                    artifacts.save_document(folder, entry.id, {**record,
                                                                "checklists": checklists})
                documents[entry.id] = {
                    "file_hash": digest,
                    "meta_hash": meta,
                    "chunks": len(chunked.chunks),
                    "title": entry.title,
                    "edition": entry.edition,
                    "status": entry.status,
                }
                report.embedded_documents.append(entry.id)

        ids = list(texts)
        LexicalIndex.build(ids, [texts[i] for i in ids]).save(folder / "lexical")
        dim = unit_vectors[0].shape[1] if unit_vectors and unit_vectors[0].size else 384
        stacked = [v for v in unit_vectors if v.size]
        artifacts.save_units(folder, units, np.vstack(stacked) if stacked else np.zeros((0, dim)))
        report.removed = sorted(set(plan["old"]) - set(documents))
        state = {
            "version": version,
            "collection": name,
            "model": self.model or "packaged",
            "model_label": self.label,
            "chunker_version": CHUNKER_VERSION,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "documents": documents,
            "retired": retained_builds(plan["serving"], time.time()),
        }
        artifacts.write_pointer(self.index_dir, state)
        self._prune(
            client,
            keep={name} | {r["collection"] for r in state["retired"]},
            keep_versions={version} | {r["version"] for r in state["retired"]},
        )
        report.version = version
        report.documents = len(documents)
        report.chunks = sum(d["chunks"] for d in documents.values())

    def _parse_changed(self, plan: dict[str, Any], report: BuildReport) -> list[tuple]:
        parsed = []
        for entry, digest, meta in plan["changed"]:
            try:
                blocks = parse_file(entry.path)
                chunked = chunk_document(entry.id, blocks, entry.exclude_sections)
                if not chunked.chunks:
                    raise ParseError(entry.path, "no indexable text after excluded sections")
                checklists = (read_checklists(entry.path, entry.id, chunked)
                              if is_procedure_markdown(entry.kind, entry.path) else [])
            except ParseError as exc:
                report.failed.append(str(exc))
                self._keep_previous(entry.id, plan["old"], plan["keep"])
                continue
            parsed.append((entry, digest, meta, chunked, checklists))
        return parsed

    def _add_document(
        self,
        collection,
        folder: Path,
        entry: DocumentEntry,
        chunked: ChunkedDocument,
        embeddings,
        units: list[UnitRecord],
        unit_vectors: list[np.ndarray],
        texts: dict[str, str],
    ) -> None:
        chunks = chunked.chunks
        topics = section_topics(_top_section_texts(chunks))
        metadatas = [chunk_metadata(entry, c, topics.get(_top_section(c), "")) for c in chunks]
        contextual = [context_text(m, c.content) for m, c in zip(metadatas, chunks, strict=True)]
        vectors = embeddings.embed_array(contextual)
        store.add_records(collection, [c.id for c in chunks], vectors,
                          [c.content for c in chunks], metadatas)
        texts.update((c.id, t) for c, t in zip(chunks, contextual, strict=True))
        new_units = [
            UnitRecord(c.id, entry.id, u.start, u.end, u.kind) for c in chunks for u in c.units
        ]
        units.extend(new_units)
        unit_vectors.append(
            embeddings.embed_array([chunked.text[u.start : u.end] for u in new_units])
        )
        artifacts.save_document(folder, entry.id, artifacts.document_record(chunked))

    def _prune(self, client, keep: set[str], keep_versions: set[str]) -> None:
        """Drop collections and build folders other than the serving and the retained ones.

        Folders go first: a serving process that finds its build folder gone reloads before
        it queries (``web.get_assistant``), so it never reaches a dropped collection.
        """
        builds = self.index_dir / "builds"
        for folder in builds.iterdir():
            if folder.name not in keep_versions:
                shutil.rmtree(folder, ignore_errors=True)
        for collection in client.list_collections():
            if (
                collection.name.startswith(store.COLLECTION_PREFIX + "-")
                and collection.name not in keep
            ):
                client.delete_collection(collection.name)


def _top_section(chunk: Chunk) -> str:
    return chunk.section_path[0] if chunk.section_path else ""


def _top_section_texts(chunks: list[Chunk]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for chunk in chunks:
        texts[_top_section(chunk)] = texts.get(_top_section(chunk), "") + "\n" + chunk.content
    return texts


def retained_builds(serving: dict[str, Any] | None, now: float) -> list[dict[str, Any]]:
    """The builds a new build keeps beside itself: the one serving until now, always, and
    earlier ones retired less than :data:`RETIRED_BUILD_GRACE_SECONDS` ago.

    Serving processes look for a new build every couple of seconds and then switch, so a
    build that stopped serving minutes ago has no readers left except idle processes, which
    reload before answering (see :meth:`IndexBuilder._prune`). So two builds landing back to
    back never delete the build a busy worker is still answering from.
    """
    if not serving:
        return []
    retired = [{"version": serving["version"], "collection": serving["collection"],
                "retired_at": now}]
    retired += [old for old in serving.get("retired", [])
                if now - float(old["retired_at"]) < RETIRED_BUILD_GRACE_SECONDS]
    return retired


def _next_version(previous: dict[str, Any] | None) -> str:
    number = int(previous["version"].lstrip("v")) + 1 if previous else 1
    return f"v{number:06d}"


__all__ = ["BuildReport", "IndexBuilder", "ManifestError"]
