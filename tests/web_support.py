"""Helpers for the web tests: corpus texts, app builders, gunicorn on loopback (no fixtures).

Fixtures live in ``web_fixtures.py``, loaded by the test modules as a pytest plugin.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from flask.testing import FlaskClient

from assistant import users
from assistant.db import session_scope, upgrade
from assistant.settings import REPO_ROOT, load_settings
from scripts.servers import LoopbackServer
from web import create_app

ANSWERED_QUESTION = "What must the constable do after taking a child into police protection?"
OUT_OF_SCOPE_QUESTION = "what's the speed limit on a motorway?"

SMALL_DOCUMENTS = {
    "alpha-guide": """# Alpha Guide

## Referrals

Officers must refer a child at risk of significant harm to children's social care without delay.

The referral is recorded on the crime system with the reasons for it.

## Custody records

Officers must never paste &lt;script&gt;alert("pwned")&lt;/script&gt; or \
&lt;img src=x onerror=alert(1)&gt; into the custody record of a child.
""",
    "old-guide": """# Old Guide

## Strategy discussions

A strategy discussion with children's social care must be held within 24 hours of a \
referral about significant harm.
""",
    "draft-procedure": """# Draft Procedure

## Return home interviews

Every child reported missing is offered a return home interview within 72 hours of being found.
""",
}
UNTRUSTED_SENTENCE = 'Officers must never paste <script>alert("pwned")</script>'
SUPERSEDED_QUESTION = "When must a strategy discussion with children's social care be held?"
DRAFT_QUESTION = "When is a child reported missing offered a return home interview?"


def _entry(doc_id: str, **fields: Any) -> dict[str, Any]:
    entry = {
        "id": doc_id, "title": doc_id.replace("-", " ").title(), "kind": "local-procedure",
        "publisher": "Test Constabulary", "edition": "1", "published": "2024-01",
        "status": "current", "superseded_by": None, "licence": "Open Government Licence v3.0",
        "source_url": f"https://example.org/{doc_id}", "audiences": ["officer"],
        "path": f"documents/{doc_id}.md", "supplied_by_deployment": False,
        "exclude_sections": [],
    }
    entry.update(fields)
    return entry


def write_small_corpus(root: Path) -> dict[str, Any]:
    """Write the small corpus under ``root`` and return settings for it (not yet built)."""
    corpus = root / "corpus"
    (corpus / "documents").mkdir(parents=True)
    for doc_id, text in SMALL_DOCUMENTS.items():
        (corpus / "documents" / f"{doc_id}.md").write_text(text, encoding="utf-8")
    entries = [
        _entry("alpha-guide", edition="2024 edition"),
        _entry("old-guide", edition="2019 edition", status="superseded",
               superseded_by="alpha-guide"),
        _entry("draft-procedure", status="draft", edition="Draft 0.3 (SAMPLE)"),
        _entry("missing-guide", path="documents/missing-guide.pdf",
               supplied_by_deployment=True),
    ]
    (corpus / "manifest.yaml").write_text(yaml.safe_dump({"documents": entries},
                                                         sort_keys=False), encoding="utf-8")
    return load_settings({"corpus_dir": str(corpus), "instance_dir": str(root / "instance")})


TEST_DATABASE_ENV = "SAFEGUIDE_TEST_DATABASE_URL"
TEST_PASSWORD = "correct horse battery staple"
NO_LIMIT = "100000 per minute"  # the rate-limit tests set their own


def database_url_for_tests(folder: Path | str) -> str:
    """The database the tests use: ``SAFEGUIDE_TEST_DATABASE_URL`` (e.g. a PostgreSQL
    server) when set, else a SQLite file in ``folder``. Every test database comes from here."""
    configured = os.environ.get(TEST_DATABASE_ENV)
    if configured:
        return configured
    Path(folder).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(folder) / 'test.db'}"


def username_for(role: str) -> str:
    return f"test-{role}"


def prepare_database(url: str) -> None:
    """Migrate ``url`` and make sure one active, unlocked test user per role exists."""
    upgrade(url)
    with session_scope(url) as session:
        for role in users.ROLES:
            user = users.find_user(session, username_for(role))
            if user is None:
                user = users.create_user(session, username_for(role), role, TEST_PASSWORD)
            users.set_password(user, TEST_PASSWORD)
            users.set_active(session, user, True)


def token_for(url: str, role: str) -> str:
    """A new API token of the test user with ``role``."""
    with session_scope(url) as session:
        return users.create_token(session, users.get_user(session, username_for(role)),
                                  "tests")[1]


def app_for(settings: dict[str, Any], **extra: Any) -> Flask:
    """The app over ``settings``'s index with a migrated test database. Its ``test_client()``
    calls as the officer test user (a bearer token); see :func:`client_as` for other roles."""
    url = extra.pop("database_url", None) or database_url_for_tests(settings["instance_dir"])
    config = {"corpus_dir": settings["corpus_dir"], "instance_dir": settings["instance_dir"],
              "TESTING": True, "database_url": url, "rate_limit_user": NO_LIMIT,
              "rate_limit_ip": NO_LIMIT, "rate_limit_login": NO_LIMIT, **extra}
    app = create_app(config)
    prepare_database(url)
    app.test_client_class = SignedInClient
    return app


class SignedInClient(FlaskClient):
    """A test client that sends the officer test user's API token with every request."""

    def __init__(self, *args: Any, role: str | None = "officer", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if role is not None:
            token = token_for(self.application.config["SAFEGUIDE_DATABASE_URL"], role)
            self.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"


def client_as(app: Flask, role: str | None) -> FlaskClient:
    """A client calling with a token of the test user with ``role``; None: anonymous."""
    return app.test_client(role=role)


ARTIFACTS = REPO_ROOT / "test-artifacts"  # git-ignored: screenshots of the browser tests


class GunicornServer(LoopbackServer):
    """The app served by real gunicorn (``gunicorn.conf.py``, ``app:app``) on a loopback port.

    ``with GunicornServer(settings, log_path) as server:`` starts gunicorn as a subprocess on
    a free port of 127.0.0.1 over the index of ``settings`` (``corpus_dir``, ``instance_dir``,
    passed as ``SAFEGUIDE_*`` variables) with a migrated test database (the test users of
    every role, :data:`TEST_PASSWORD`; ``server.headers`` carries an officer's API token),
    waits at most ``ready_seconds`` for ``/readyz`` to
    answer 200 and yields with ``server.url`` set. On leaving, also after a failure, gunicorn
    gets SIGTERM (a graceful stop) and, if it is still there after ``stop_seconds``, its whole
    process group gets SIGKILL. Its output (access log included) goes to ``log_path``.
    """

    name = "gunicorn"
    cwd = REPO_ROOT

    def __init__(self, settings: Mapping[str, Any], log_path: Path, *, workers: int = 1,
                 threads: int = 2, ready_seconds: float = 120, stop_seconds: float = 45,
                 env: Mapping[str, str] | None = None) -> None:
        super().__init__(Path(settings["instance_dir"]), log_path,
                         ready_seconds=ready_seconds, stop_seconds=stop_seconds)
        self.settings = settings
        self.workers, self.threads = workers, threads
        self.extra_env = dict(env or {})
        self.database_url = ""
        self.token = ""
        self.headers: dict[str, str] = {}
        self.secret_key = secrets.token_hex(32)  # per server: tests never share a fixed key

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prepare(self) -> None:
        """A migrated test database with the test users, and an officer token for clients."""
        if self.token:
            return
        self.database_url = self.extra_env.get("SAFEGUIDE_DATABASE_URL") or \
            database_url_for_tests(self.settings["instance_dir"])
        prepare_database(self.database_url)
        self.token = token_for(self.database_url, "officer")
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"]

    def environment(self) -> dict[str, str]:
        return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "ANONYMIZED_TELEMETRY": "False",
                "SAFEGUIDE_CORPUS_DIR": str(self.settings["corpus_dir"]),
                "SAFEGUIDE_INSTANCE_DIR": str(self.settings["instance_dir"]),
                "SAFEGUIDE_BIND": f"127.0.0.1:{self.port}",
                "SAFEGUIDE_WORKERS": str(self.workers), "SAFEGUIDE_THREADS": str(self.threads),
                "SAFEGUIDE_DATABASE_URL": self.database_url,
                "SAFEGUIDE_SECRET_KEY": self.secret_key,
                "SAFEGUIDE_RATE_LIMIT_USER": NO_LIMIT, "SAFEGUIDE_RATE_LIMIT_IP": NO_LIMIT,
                **self.extra_env}

    def is_ready(self) -> bool:
        """/readyz says ready (it answers 503 while the index loads)."""
        try:
            with urllib.request.urlopen(self.url + "/readyz", timeout=5) as response:
                return json.loads(response.read()).get("status") == "ready"
        except (OSError, ValueError):
            return False

    def log_tail(self, lines: int = 40) -> str:
        return super().log_tail(lines)
