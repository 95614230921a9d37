"""Fixtures for the web tests, loaded as a plugin: ``pytest_plugins = ["web_fixtures"]``.

They reuse ``built_index`` and ``embeddings`` from conftest.py (the shipped corpus, built
once per session) and add a small corpus with a superseded, a draft and a not-supplied
document and document text that looks like HTML, to test labels and escaping.

``live_server`` and ``small_live_server`` are real gunicorn (``gunicorn.conf.py``, one
worker) on a free loopback port, started on first use and stopped at the end of the session,
also when tests fail. Their logs (access log included) are in the session's temporary
folder, ``gunicorn*/``; a server that fails to start reports the log's tail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_support import GunicornServer, app_for, database_url_for_tests, write_small_corpus

from assistant.settings import index_dir
from indexer.build import IndexBuilder


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The one test database of the session's apps (``SAFEGUIDE_TEST_DATABASE_URL`` or a
    SQLite file): parametrize here to run the suite against another database."""
    return database_url_for_tests(tmp_path_factory.mktemp("database"))


@pytest.fixture(scope="session")
def shipped_app(built_index: dict[str, Any], database_url: str) -> Flask:
    """The app over the shipped corpus's real index (real model, real Chroma)."""
    return app_for(built_index, database_url=database_url)


@pytest.fixture
def client(shipped_app: Flask) -> FlaskClient:
    return shipped_app.test_client()


@pytest.fixture(scope="session")
def small_settings(tmp_path_factory: pytest.TempPathFactory, embeddings: Any) -> dict[str, Any]:
    """The small corpus, built once per session."""
    settings = write_small_corpus(tmp_path_factory.mktemp("web-small"))
    report = IndexBuilder(settings, index_dir(settings), progress=False).build()
    assert not report.failed, report.summary()
    return settings


@pytest.fixture(scope="session")
def small_app(small_settings: dict[str, Any], database_url: str) -> Flask:
    return app_for(small_settings, database_url=database_url)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, built_index: dict[str, Any],
                database_url: str) -> Iterator[GunicornServer]:
    """gunicorn serving the shipped corpus's index."""
    log_path = tmp_path_factory.mktemp("gunicorn") / "shipped.log"
    with GunicornServer(built_index, log_path,
                        env={"SAFEGUIDE_DATABASE_URL": database_url}) as server:
        yield server


@pytest.fixture(scope="session")
def small_live_server(tmp_path_factory: pytest.TempPathFactory, small_settings: dict[str, Any],
                      database_url: str) -> Iterator[GunicornServer]:
    """gunicorn serving the small corpus (labels, escaping)."""
    log_path = tmp_path_factory.mktemp("gunicorn") / "small.log"
    with GunicornServer(small_settings, log_path,
                        env={"SAFEGUIDE_DATABASE_URL": database_url}) as server:
        yield server
