"""The same answers through a Chroma server as through the embedded store.

A real server from the installed package (``chroma run`` on a free loopback port, its data
in a temporary folder) is started once for the module and always stopped. The shipped corpus
is built into it (``chroma_host``/``chroma_port`` set, a temporary instance folder for the
build folders and ``current.json``), then questions go through both the server index and the
embedded one built by the ``built_index`` fixture: the nearest passages Chroma returns, the
ranked passages and the answers must be the same.

Skipped only when the ``chroma`` command is missing outside CI; in CI that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.pipeline import Assistant
from assistant.settings import index_dir, load_settings
from indexer import store
from indexer.build import IndexBuilder
from scripts.servers import ChromaServer, chroma_command

# Written for this test: what officers, custody staff and trainers ask, plus two questions
# the shipped guidance does not cover (both stores must abstain alike).
QUESTIONS = (
    "How long can a child stay in police protection?",
    "What does a constable have to do once a child has been taken into police protection?",
    "Who must be told when a child is removed under section 46?",
    "Is the local authority obliged to accommodate a child who has been charged and "
    "refused bail?",
    "What did the inspectors say about the quality of strategy discussions?",
    "Are return home interviews carried out when missing children come back?",
    "how does the force deal with referrals about online child sexual abuse",
    "Do frontline officers recognise the signs of child criminal exploitation?",
    "How long do children in custody wait for an appropriate adult?",
    "Can the designated officer let a child in police protection go home?",
    "What is the fine for speeding on a motorway?",
    "How do I renew a firearms certificate?",
)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    if chroma_command() is None:
        if os.environ.get("CI"):
            pytest.fail("the chroma command (chromadb's server) is missing in CI")
        pytest.skip("the chroma command is not installed")
    root = tmp_path_factory.mktemp("chroma-server")
    with ChromaServer(root / "data", root / "chroma.log") as server:
        yield server


@pytest.fixture(scope="module")
def server_index(chroma_server: ChromaServer, built_index: dict[str, Any],
                 tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The shipped corpus built into the Chroma server (build folders in a temp instance)."""
    settings = load_settings({
        "corpus_dir": built_index["corpus_dir"],
        "instance_dir": str(tmp_path_factory.mktemp("server-instance")),
        "chroma_host": "127.0.0.1", "chroma_port": chroma_server.port,
    })
    report = IndexBuilder(settings, index_dir(settings), progress=False).build()
    assert report.failed == [] and report.chunks > 100, report.summary()
    return settings


@pytest.fixture(scope="module")
def assistants(server_index: dict[str, Any],
               built_index: dict[str, Any]) -> tuple[Assistant, Assistant]:
    return Assistant.from_settings(built_index), Assistant.from_settings(server_index)


def test_the_index_lives_on_the_server(server_index: dict[str, Any],
                                       assistants: tuple[Assistant, Assistant]) -> None:
    embedded, served = assistants
    assert not (index_dir(server_index) / "chroma").exists()  # no embedded store was made
    client = store.open_client(server_index, index_dir(server_index))
    assert type(client).__name__ != "PersistentClient"
    assert served.index.state["collection"] in {c.name for c in client.list_collections()}
    assert served.index.collection.count() == embedded.index.collection.count()
    assert served.index.chunk_ids == embedded.index.chunk_ids


def test_nearest_passages_are_the_same(assistants: tuple[Assistant, Assistant],
                                       embeddings: Any) -> None:
    embedded, served = assistants
    for question in QUESTIONS:
        vector = [embeddings.embed_query(question)]
        ours = embedded.index.collection.query(query_embeddings=vector, n_results=20,
                                               include=["distances"])
        theirs = served.index.collection.query(query_embeddings=vector, n_results=20,
                                               include=["distances"])
        # HNSW is approximate and its graph depends on how it was built: the head of the
        # ranking must agree exactly, the tail may swap a neighbour or two.
        assert theirs["ids"][0][:10] == ours["ids"][0][:10], question
        assert len(set(theirs["ids"][0]) & set(ours["ids"][0])) >= 17, question
        ours_by_id = dict(zip(ours["ids"][0], ours["distances"][0], strict=True))
        for chunk_id, distance in zip(theirs["ids"][0], theirs["distances"][0], strict=True):
            if chunk_id in ours_by_id:
                assert distance == pytest.approx(ours_by_id[chunk_id], abs=1e-5), question


def test_answers_are_the_same(assistants: tuple[Assistant, Assistant]) -> None:
    embedded, served = assistants
    statuses = set()
    for question in QUESTIONS:
        ours, theirs = embedded.ask(question), served.ask(question)
        assert [p.id for p in theirs.passages] == [p.id for p in ours.passages], question
        assert theirs.status == ours.status, question
        assert theirs.text == ours.text, question
        assert [(c.chunk_id, c.span) for c in theirs.citations] == \
            [(c.chunk_id, c.span) for c in ours.citations], question
        statuses.add(ours.status)
    assert statuses == {"answered", "abstained"}


def test_reads_are_paged_and_complete(assistants: tuple[Assistant, Assistant],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``store.get_all`` pages (the embedded store cannot return 33k+ records at once)."""
    monkeypatch.setattr(store, "READ_BATCH", 40)
    for assistant in assistants:
        collection = assistant.index.collection
        whole = collection.get(include=["metadatas"])
        paged = store.get_all(collection, ["metadatas"])
        assert len(paged["ids"]) == len(whole["ids"]) > 40 * 2
        assert dict(zip(paged["ids"], paged["metadatas"], strict=True)) == \
            dict(zip(whole["ids"], whole["metadatas"], strict=True))


# --- the client settings ------------------------------------------------------------------


def test_ssl_and_auth_header_reach_the_http_client(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(store.chromadb, "HttpClient", lambda **kwargs: seen.update(kwargs))
    store.open_client({"chroma_host": "chroma.internal", "chroma_port": 443,
                       "chroma_ssl": True, "chroma_auth_header": "Authorization: Bearer s3cr3t"},
                      tmp_path)
    assert seen["host"] == "chroma.internal" and seen["port"] == 443 and seen["ssl"] is True
    assert seen["headers"] == {"Authorization": "Bearer s3cr3t"}
    store.open_client({"chroma_host": "h", "chroma_port": 8000}, tmp_path)
    assert seen["ssl"] is False and seen["headers"] is None
    assert not (tmp_path / "chroma").exists()


@pytest.mark.parametrize("header, expected", [
    ("", None),
    ("X-Chroma-Token: abc", {"X-Chroma-Token": "abc"}),
    ("Authorization:Bearer a:b", {"Authorization": "Bearer a:b"}),
])
def test_auth_header_is_parsed(header: str, expected: dict[str, str] | None) -> None:
    assert store.auth_headers(header) == expected


@pytest.mark.parametrize("header", ["Bearer s3cr3t", "Authorization:", ": s3cr3t",
                                    "X Token: s3cr3t"])
def test_a_malformed_auth_header_is_refused_without_echoing_it(header: str) -> None:
    with pytest.raises(ValueError, match="SAFEGUIDE_CHROMA_AUTH_HEADER") as error:
        store.auth_headers(header)
    assert "s3cr3t" not in str(error.value)


def test_chroma_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEGUIDE_CHROMA_SSL", "true")
    monkeypatch.setenv("SAFEGUIDE_CHROMA_AUTH_HEADER", "X-Chroma-Token: t")
    settings = load_settings()
    assert settings["chroma_ssl"] is True
    assert settings["chroma_auth_header"] == "X-Chroma-Token: t"
