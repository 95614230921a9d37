"""The vector store: Chroma, embedded by default, a Chroma server when a setting names one.

We always pass our own embeddings: Chroma's default embedder downloads a model, which this
product must never do. Collection names carry the embedding model, the chunker version and
the build version, so vectors of different models can never mix and a rebuild can switch
atomically from one collection to the next.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb  # noqa: E402  (telemetry must be off before chromadb is imported)
from chromadb.api import ClientAPI  # noqa: E402
from chromadb.api.models.Collection import Collection  # noqa: E402
from chromadb.config import Settings as ChromaSettings  # noqa: E402

COLLECTION_PREFIX = "sg"
_WRITE_BATCH = 1000
# Reads are paged: the embedded store (SQLite) fails to return the metadata of more than
# 32,766 records in one call ("too many SQL variables"), so an index of 33k+ passages could
# not be opened at all; a page also bounds one HTTP response from a Chroma server.
READ_BATCH = 10_000


def open_client(settings: Mapping[str, Any], index_dir: Path) -> ClientAPI:
    """An embedded ``PersistentClient`` under ``index_dir``, or an ``HttpClient``.

    With ``chroma_host`` set, only the vectors live on the server: the build folders
    (lexical index, unit vectors, reader documents) and ``current.json`` stay under
    ``index_dir``, so every host that serves must see the same index folder.
    """
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.get("chroma_host"):
        return chromadb.HttpClient(
            host=settings["chroma_host"], port=int(settings["chroma_port"]),
            ssl=bool(settings.get("chroma_ssl", False)),
            headers=auth_headers(settings.get("chroma_auth_header", "")),
            settings=chroma_settings,
        )
    index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma_settings)


def auth_headers(header: str) -> dict[str, str] | None:
    """``"Authorization: Bearer T"`` -> ``{"Authorization": "Bearer T"}``; empty -> None."""
    if not header or not header.strip():
        return None
    name, sep, value = header.partition(":")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value or any(c.isspace() for c in name):
        # The value is a credential: never echo it back in the message.
        raise ValueError("SAFEGUIDE_CHROMA_AUTH_HEADER must look like 'Name: value', "
                         "e.g. 'Authorization: Bearer <token>' or 'X-Chroma-Token: <token>'")
    return {name: value}


def collection_name(model_label: str, chunker_version: int, build_version: str) -> str:
    return f"{COLLECTION_PREFIX}-{model_label}-c{chunker_version}-{build_version}"


def create_collection(client: ClientAPI, name: str) -> Collection:
    """A fresh cosine collection with no embedding function (we supply vectors)."""
    return client.create_collection(
        name, embedding_function=None, metadata={"hnsw:space": "cosine"}
    )


def get_collection(client: ClientAPI, name: str) -> Collection:
    return client.get_collection(name, embedding_function=None)


def add_records(collection: Collection, ids: list[str], embeddings: Any,
                documents: list[str], metadatas: list[dict[str, Any]]) -> None:
    """Add in batches (Chroma caps the size of one write)."""
    for lo in range(0, len(ids), _WRITE_BATCH):
        hi = lo + _WRITE_BATCH
        collection.add(
            ids=ids[lo:hi], embeddings=embeddings[lo:hi],
            documents=documents[lo:hi], metadatas=metadatas[lo:hi],
        )


def get_all(collection: Collection, include: list[str]) -> dict[str, list[Any]]:
    """Every record of ``collection`` (``ids`` plus the ``include`` fields), read in pages."""
    result: dict[str, list[Any]] = {"ids": [], **{field: [] for field in include}}
    offset = 0
    while True:
        page = collection.get(include=include, limit=READ_BATCH, offset=offset)
        for field in result:
            result[field].extend(page[field])
        if len(page["ids"]) < READ_BATCH:
            return result
        offset += READ_BATCH


def drop_collection(client: ClientAPI, name: str) -> None:
    """Delete a collection if it exists (old builds are dropped after a switch)."""
    if name in {c.name for c in client.list_collections()}:
        client.delete_collection(name)
