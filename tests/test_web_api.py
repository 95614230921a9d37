"""The JSON API, the probes and the error contract, over a real index and the real model.

Most tests go through ``app.test_client()`` (real Flask request handling); one starts real
gunicorn with ``gunicorn.conf.py`` on a loopback port (preload, fork, worker warm-up).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_support import (
    ANSWERED_QUESTION,
    OUT_OF_SCOPE_QUESTION,
    SMALL_DOCUMENTS,
    SUPERSEDED_QUESTION,
    app_for,
    database_url_for_tests,
    prepare_database,
    token_for,
)

from assistant.settings import REPO_ROOT, index_dir
from indexer.build import IndexBuilder
from scripts.child_processes import free_port
from web.openapi import SPEC
from web.settings import WEB_SETTINGS, load_web_settings

pytest_plugins = ["web_fixtures"]  # the web fixtures: shipped_app, client, small_app, ...

ANSWER_KEYS = {"answer", "items", "abstained", "status", "citations", "request_id",
               "latency_ms", "confidence", "nearest_topics", "notices"}
CITATION_KEYS = {"n", "document_id", "title", "edition", "status", "section", "page", "text",
                 "span", "url"}


def ask(client: FlaskClient, question: str, **fields: Any) -> Any:
    return client.post("/api/ask", json={"question": question, **fields})


def assert_json_error(response: Any, status: int, *needles: str) -> dict[str, Any]:
    assert response.status_code == status, response.data
    assert response.is_json, response.data
    body = response.get_json()
    assert set(body) >= {"error", "request_id"}
    assert body["request_id"] and body["request_id"] == response.headers["X-Request-ID"]
    for needle in needles:
        assert needle in body["error"], body["error"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


# --- answers ------------------------------------------------------------------------------


def test_answer_has_the_documented_shape(client: FlaskClient) -> None:
    response = ask(client, ANSWERED_QUESTION)
    assert response.status_code == 200
    body = response.get_json()
    assert ANSWER_KEYS <= set(body)
    assert body["abstained"] is False and body["status"] == "answered"
    assert body["items"] and body["citations"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert isinstance(body["latency_ms"], float)
    numbers = {c["n"] for c in body["citations"]}
    for item in body["items"]:
        assert item["citation"] in numbers
        assert body["citations"][item["ref"]]["span_text"] == item["text"]
        assert f"[{item['citation']}]" in body["answer"]
    for citation in body["citations"]:
        assert CITATION_KEYS <= set(citation)
        start, end = citation["span"]
        assert 0 <= start < end <= len(citation["text"])
        assert citation["text"][start:end] == citation["span_text"]
        assert citation["span_text"] in citation["text"]
        assert citation["url"].startswith(f"/documents/{citation['document_id']}?span=")
        assert citation["url"].endswith("#" + citation["chunk_id"])


def test_citation_url_span_points_at_the_quoted_words_in_the_document(
    client: FlaskClient,
) -> None:
    body = ask(client, ANSWERED_QUESTION).get_json()
    documents: dict[str, str] = {}
    for citation in body["citations"]:
        url = urlsplit(citation["url"])
        start, end = (int(x) for x in parse_qs(url.query)["span"][0].split("-"))
        doc_id = citation["document_id"]
        if doc_id not in documents:
            documents[doc_id] = client.get(f"/api/documents/{doc_id}").get_json()["text"]
        assert documents[doc_id][start:end] == citation["span_text"]


def test_out_of_scope_question_abstains_with_nearest_topics(client: FlaskClient) -> None:
    # The abstention threshold is calibrated (assistant/calibration.json); this question is
    # the issue's own example of one the guidance cannot answer.
    body = ask(client, OUT_OF_SCOPE_QUESTION).get_json()
    assert body["abstained"] is True and body["status"] == "abstained"
    assert body["items"] == [] and body["citations"] == []
    assert isinstance(body["nearest_topics"], list)
    assert len(body["topic_questions"]) == len(body["nearest_topics"])


def test_follow_up_accepts_history_as_strings_or_turns(client: FlaskClient) -> None:
    first = ask(client, "what is police protection?").get_json()
    for history in (["what is police protection?"],
                    [{"question": "what is police protection?", "answer": first["answer"]}]):
        response = ask(client, "and who must the constable inform?", history=history)
        assert response.status_code == 200
        assert response.get_json()["status"] in ("answered", "abstained")


def test_filters_restrict_the_sources(client: FlaskClient) -> None:
    body = ask(client, "police protection", filters={"document_id": "children-act-1989-s46-s21"}
               ).get_json()
    assert body["citations"]
    assert {c["document_id"] for c in body["citations"]} == {"children-act-1989-s46-s21"}


def test_superseded_source_is_flagged(small_app: Flask) -> None:
    body = ask(small_app.test_client(), SUPERSEDED_QUESTION).get_json()
    assert body["status"] == "answered"
    assert body["citations"][0]["status"] == "superseded"
    assert body["citations"][0]["superseded_by"] == "alpha-guide"
    assert any("superseded" in notice for notice in body["notices"])


# --- malformed requests -------------------------------------------------------------------

MALFORMED = [
    pytest.param({"data": "question=hi", "content_type": "application/x-www-form-urlencoded"},
                 "Content-Type: application/json", id="not-json-content-type"),
    pytest.param({"data": '{"question": ', "content_type": "application/json"},
                 "not valid JSON", id="broken-json"),
    pytest.param({"data": b'{"question": "\xff"}', "content_type": "application/json"},
                 "not valid JSON", id="not-utf8"),
    pytest.param({"data": "[" * 40000, "content_type": "application/json"},
                 "not valid JSON", id="deeply-nested"),
    pytest.param({"data": "", "content_type": "application/json"}, "empty", id="empty-body"),
    pytest.param({"json": ["question"]}, "JSON object", id="array-body"),
    pytest.param({"json": "what is police protection?"}, "JSON object", id="string-body"),
    pytest.param({"json": {}}, "missing field 'question'", id="missing-question"),
    pytest.param({"json": {"question": 42}}, "'question' must be a string, not a number",
                 id="question-number"),
    pytest.param({"json": {"question": None}}, "'question' must be a string, not null",
                 id="question-null"),
    pytest.param({"json": {"question": ["a"]}}, "'question' must be a string, not a list",
                 id="question-list"),
    pytest.param({"json": {"question": "   "}}, "question: the question is empty",
                 id="question-blank"),
    pytest.param({"json": {"question": "x" * 1001}}, "question: the question is 1001 characters",
                 id="question-too-long"),
    pytest.param({"json": {"question": "a\x00b"}}, "question: the question contains binary",
                 id="question-nul"),
    pytest.param({"json": {"question": "hi", "history": "earlier"}},
                 "'history' must be a list, not a string", id="history-string"),
    pytest.param({"json": {"question": "hi", "history": [7]}}, "'history[0]' must be",
                 id="history-item-number"),
    pytest.param({"json": {"question": "hi", "history": ["ok", {"question": 3}]}},
                 "'history[1].question' must be a string", id="history-turn-question"),
    pytest.param({"json": {"question": "hi", "history": [{"question": "q", "answer": 1}]}},
                 "'history[0].answer' must be a string", id="history-turn-answer"),
    pytest.param({"json": {"question": "hi", "history": ["q"] * 101}},
                 "'history' has 101 turns", id="history-too-long"),
    pytest.param({"json": {"question": "hi", "filters": ["status"]}},
                 "'filters' must be an object, not a list", id="filters-list"),
    pytest.param({"json": {"question": "hi", "filters": {"colour": "red"}}},
                 "unknown filter 'filters.colour'", id="filters-unknown"),
    pytest.param({"json": {"question": "hi", "filters": {"status": 1}}},
                 "'filters.status' must be a string", id="filters-value"),
    pytest.param({"json": {"question": "hi", "filter": {}}}, "unknown field 'filter'",
                 id="unknown-field"),
]


@pytest.mark.parametrize(("request_kwargs", "message"), MALFORMED)
def test_malformed_ask_is_a_400_naming_the_problem(client: FlaskClient,
                                                   request_kwargs: dict[str, Any],
                                                   message: str) -> None:
    assert_json_error(client.post("/api/ask", **request_kwargs), 400, message)


def test_oversized_body_is_a_413(client: FlaskClient) -> None:
    body = json.dumps({"question": "x" * (70 * 1024)})
    assert_json_error(client.post("/api/ask", data=body, content_type="application/json"),
                      413, "64 KiB")


def test_unknown_api_route_and_method_are_json(client: FlaskClient) -> None:
    assert_json_error(client.get("/api/nothing-here"), 404)
    response = client.get("/api/ask")
    assert_json_error(response, 405)
    assert "POST" in response.headers["Allow"]
    assert_json_error(client.delete("/api/documents"), 405)


def test_html_errors_are_friendly_pages(client: FlaskClient) -> None:
    for url in ("/no-such-page", "/documents/no-such-document"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert "Not found" in page and "Reference:" in page and "Traceback" not in page
    response = client.post("/documents")
    assert response.status_code == 405 and response.mimetype == "text/html"


# --- documents ----------------------------------------------------------------------------


def test_documents_list_joins_manifest_and_index(client: FlaskClient) -> None:
    body = client.get("/api/documents").get_json()
    assert body["index_version"]
    docs = {d["id"]: d for d in body["documents"]}
    act = docs["children-act-1989-s46-s21"]
    assert act["indexed"] and act["supplied"] and act["chunks"] > 0
    assert act["url"] == "/documents/children-act-1989-s46-s21"
    assert act["licence"] == "Open Government Licence v3.0" and act["published"]
    old = docs["working-together-2018"]
    assert old["status"] == "superseded" and old["superseded_by"] == "working-together-2023"
    assert old["supplied"] is False and old["indexed"] is False and old["url"] is None


def test_document_detail_has_metadata_and_reader_view(client: FlaskClient) -> None:
    body = client.get("/api/documents/children-act-1989-s46-s21").get_json()
    assert body["title"].startswith("Children Act 1989") and body["edition"]
    assert body["text"] and body["blocks"] and body["chunks"]
    for chunk in body["chunks"]:
        assert {"id", "start", "end", "section"} <= set(chunk)
        assert 0 <= chunk["start"] < chunk["end"] <= len(body["text"])


@pytest.mark.parametrize(("doc_id", "message"), [
    ("no-such-document", "no document with id 'no-such-document'"),
    ("working-together-2023", "its file has not been supplied"),
    ("..", "no document"),
    ("Bad_ID", "no document"),
])
def test_unknown_or_unsupplied_document_is_a_404(client: FlaskClient, doc_id: str,
                                                 message: str) -> None:
    assert_json_error(client.get(f"/api/documents/{doc_id}"), 404, message)


# --- probes -------------------------------------------------------------------------------


def test_healthz_and_readyz(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "ready" and body["chunks"] > 0 and body["index_version"]


def test_without_an_index_readyz_is_503_and_pages_explain(tmp_path: Path,
                                                          built_index: dict[str, Any]) -> None:
    empty = app_for({"corpus_dir": built_index["corpus_dir"],
                     "instance_dir": str(tmp_path / "empty-instance")})
    client = empty.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["status"] == "not ready"
    assert_json_error(ask(client, ANSWERED_QUESTION), 503, "make index")
    listing = client.get("/api/documents").get_json()
    assert listing["index_version"] is None
    assert all(not d["indexed"] for d in listing["documents"])
    assert client.get("/documents").status_code == 200
    page = client.post("/", data={"question": ANSWERED_QUESTION})
    assert page.status_code == 503 and "make index" in page.get_data(as_text=True)


def test_a_new_build_is_picked_up_without_a_restart(make_corpus: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import web

    settings = make_corpus(SMALL_DOCUMENTS)
    IndexBuilder(settings, index_dir(settings), progress=False).build()
    client = app_for(settings).test_client()
    first = client.get("/readyz").get_json()["index_version"]
    assert "gamma-note" not in {d["id"] for d in client.get("/api/documents").get_json()[
        "documents"]}
    settings = make_corpus({**SMALL_DOCUMENTS, "gamma-note": "# Gamma\n\n## Interviews\n\n"
                            "Achieving best evidence interviews are planned with the "
                            "local authority.\n"})
    IndexBuilder(settings, index_dir(settings), progress=False).build()
    monkeypatch.setattr(web, "RELOAD_CHECK_SECONDS", 0.0)
    second = client.get("/readyz").get_json()["index_version"]
    assert second != first
    assert client.get("/api/documents/gamma-note").status_code == 200


def test_an_unexpected_failure_is_a_500_without_a_traceback(
    make_corpus: Any, caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_corpus(SMALL_DOCUMENTS)
    IndexBuilder(settings, index_dir(settings), progress=False).build()
    client = app_for(settings).test_client()
    version = client.get("/readyz").get_json()["index_version"]
    # Break the build on disk under the running app: the reader view file disappears.
    (index_dir(settings) / "builds" / version / "documents" / "alpha-guide.json").unlink()
    body = assert_json_error(client.get("/api/documents/alpha-guide"), 500, "unexpected error")
    page = client.get("/documents/alpha-guide")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "Something went wrong" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    assert f"unhandled error request_id={body['request_id']}" in caplog.text


# --- OpenAPI ------------------------------------------------------------------------------


def test_openapi_describes_every_api_route(shipped_app: Flask, client: FlaskClient) -> None:
    served = client.get("/api/openapi.json").get_json()
    assert served == json.loads(json.dumps(SPEC))
    assert served["openapi"].startswith("3.")
    routes = set()
    for rule in shipped_app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/") or rule.rule in ("/healthz", "/readyz")):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
            assert path in served["paths"], f"{path} is not in the OpenAPI description"
            assert method.lower() in served["paths"][path], f"{method} {path} not described"
    described = {(p, m) for p, ops in served["paths"].items() for m in ops}
    assert described == routes, "the description lists routes the app does not have"


def test_openapi_references_resolve() -> None:
    text = json.dumps(SPEC)
    for ref in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
        node: Any = SPEC
        for part in ref.split("/"):
            node = node[part]


# --- privacy ------------------------------------------------------------------------------


def test_question_text_never_reaches_the_logs(client: FlaskClient,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Jayden Quarrington-Smythe at SW1A 2AA"
    ask(client, f"Can {secret} be taken into police protection?")  # held: personal data
    ask(client, f"Can {secret} be taken into police protection?", confirm_personal_data=True)
    client.post("/", data={"question": f"Where is {secret} staying tonight?",
                           "confirm_personal_data": "1"})
    ask(client, f"{secret} " + "x" * 1000)  # rejected: too long
    ask(client, "ok", history=[f"What about {secret}?"])
    assert caplog.records, "expected the answer log lines"
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for fragment in ("Jayden", "Quarrington", "SW1A", "2AA"):
        assert fragment not in logged
    answers = [r.getMessage() for r in caplog.records if r.getMessage().startswith("answer ")]
    assert len(answers) == 3
    assert all(re.search(r"request_id=\w+ .*latency_ms=\d", m) for m in answers)


# --- settings -----------------------------------------------------------------------------


def test_web_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEGUIDE_WORKERS", "5")
    monkeypatch.setenv("SAFEGUIDE_BIND", "0.0.0.0:9000")
    settings = load_web_settings()
    assert settings["workers"] == 5 and settings["bind"] == "0.0.0.0:9000"
    assert set(settings) == {s.name for s in WEB_SETTINGS}
    monkeypatch.setenv("SAFEGUIDE_WORKERS", "many")
    with pytest.raises(ValueError, match="SAFEGUIDE_WORKERS must be a whole number"):
        load_web_settings()


def test_app_factory_rejects_unknown_settings() -> None:
    from web import create_app

    with pytest.raises(KeyError, match="no_such_setting"):
        create_app({"no_such_setting": 1})


def test_smaller_body_limit_setting(built_index: dict[str, Any]) -> None:
    client = app_for(built_index, max_body_kb=1).test_client()
    assert_json_error(client.post("/api/ask", json={"question": "x" * 2000}), 413, "1 KiB")


# --- real gunicorn ------------------------------------------------------------------------


def _get(url: str, body: dict[str, Any] | None = None, timeout: float = 30,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_real_gunicorn_serves_answers_from_forked_workers(built_index: dict[str, Any],
                                                          tmp_path: Path) -> None:
    port = free_port()
    database = database_url_for_tests(tmp_path)
    prepare_database(database)
    token = {"Authorization": f"Bearer {token_for(database, 'officer')}"}
    env = {**os.environ, "SAFEGUIDE_CORPUS_DIR": built_index["corpus_dir"],
           "SAFEGUIDE_DATABASE_URL": database, "SAFEGUIDE_SECRET_KEY": secrets.token_hex(32),
           "SAFEGUIDE_INSTANCE_DIR": built_index["instance_dir"],
           "SAFEGUIDE_BIND": f"127.0.0.1:{port}", "SAFEGUIDE_WORKERS": "2",
           "SAFEGUIDE_THREADS": "2", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    log_path = tmp_path / "gunicorn.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log_path.open("w") as log:
        server = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "app:app"],
                                  cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    secret = "Ottoline Pemberton-Vasquez"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log_path.read_text()
            try:
                status, body = _get(base + "/readyz", timeout=5)
                if status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn not ready:\n" + log_path.read_text()
            time.sleep(0.5)
        assert body["status"] == "ready"
        for _ in range(6):  # bounded: six answers, spread over both workers
            status, body = _get(base + "/api/ask",
                                {"question": f"{ANSWERED_QUESTION} ({secret})",
                                 "confirm_personal_data": True}, headers=token)
            assert status == 200 and body["status"] == "answered", body
        status, body = _get(base + "/api/ask", {"question": 3}, headers=token)
        assert status == 400 and "'question' must be a string" in body["error"]
    finally:
        server.terminate()
        server.wait(timeout=60)
    output = log_path.read_text()
    assert f"SafeGuide is serving on http://127.0.0.1:{port}/" in output
    assert output.count('"POST /api/ask HTTP/1.1" 200') == 6
    assert len(set(re.findall(r"\[(\d+)\] \[INFO\] Booting worker", output))) == 2
    assert secret not in output and "Pemberton" not in output
