"""Helpers for the web tests: corpus texts, app and server builders (no fixtures here).

Fixtures live in ``web_fixtures.py``, loaded by the test modules as a pytest plugin.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from assistant.settings import load_settings
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


def app_for(settings: dict[str, Any], **extra: Any) -> Flask:
    return create_app({"corpus_dir": settings["corpus_dir"],
                       "instance_dir": settings["instance_dir"], "TESTING": True, **extra})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The app on a loopback port, served by werkzeug in a daemon thread."""

    def __init__(self, app: Flask) -> None:
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
