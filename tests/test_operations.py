"""Operations, in process: ``/metrics`` in Prometheus text format, and JSON log lines.

The same over real gunicorn with two workers (counters added up across workers, every line
of the server's output JSON) is checked in ``test_index_swap.py``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from web_support import ANSWERED_QUESTION, OUT_OF_SCOPE_QUESTION, SMALL_DOCUMENTS, app_for

from assistant.settings import index_dir
from indexer import artifacts
from indexer.build import IndexBuilder
from web.logs import JsonFormatter, gunicorn_logconfig

pytest_plugins = ["web_fixtures"]

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: FlaskClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = list(text_string_to_metric_families(response.get_data(as_text=True)))
    assert families, "no metrics"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in families for s in family.samples}


def requests_of(samples: Samples, route: str, method: str, status: str) -> float:
    key = (("method", method), ("route", route), ("status", status))
    return samples.get(("safeguide_http_requests_total", key), 0.0)


def test_metrics_parse_and_move_after_requests(client: FlaskClient) -> None:
    before = scrape(client)
    assert client.post("/api/ask", json={"question": ANSWERED_QUESTION}).status_code == 200
    assert client.post("/api/ask", json={"question": OUT_OF_SCOPE_QUESTION}).status_code == 200
    assert client.post("/api/ask", json={"question": ""}).status_code == 400
    assert client.get("/no/such/page").status_code == 404
    version = client.get("/readyz").get_json()["index_version"]
    after = scrape(client)

    def moved(name: str, labels: tuple[tuple[str, str], ...] = ()) -> float:
        return after.get((name, labels), 0.0) - before.get((name, labels), 0.0)

    assert requests_of(after, "/api/ask", "POST", "200") - \
        requests_of(before, "/api/ask", "POST", "200") == 2
    assert requests_of(after, "/api/ask", "POST", "400") - \
        requests_of(before, "/api/ask", "POST", "400") == 1
    assert requests_of(after, "unmatched", "GET", "404") - \
        requests_of(before, "unmatched", "GET", "404") == 1
    assert moved("safeguide_ask_latency_seconds_count") == 3
    assert moved("safeguide_ask_latency_seconds_sum") > 0
    assert moved("safeguide_ask_latency_seconds_bucket", (("le", "+Inf"),)) == 3
    assert moved("safeguide_answers_total", (("status", "answered"),)) == 1
    assert moved("safeguide_answers_total", (("status", "abstained"),)) == 1
    assert after[("safeguide_index_version", (("version", version),))] == 1


def test_server_errors_are_counted(shipped_app: Flask, client: FlaskClient,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("web.api.list_documents", broken)
    before = scrape(client).get(("safeguide_errors_total", (("kind", "server_error"),)), 0)
    assert client.get("/api/documents").status_code == 500
    after = scrape(client)
    assert after[("safeguide_errors_total", (("kind", "server_error"),))] == before + 1
    assert requests_of(after, "/api/documents", "GET", "500") >= 1


def test_a_failed_reload_is_counted_and_the_old_build_keeps_serving(
    make_corpus: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import web

    settings = make_corpus(SMALL_DOCUMENTS)
    IndexBuilder(settings, index_dir(settings), progress=False).build()
    client = app_for(settings).test_client()
    served = client.get("/readyz").get_json()["index_version"]
    state = artifacts.read_pointer(index_dir(settings))
    artifacts.write_pointer(index_dir(settings), {**state, "version": "v000099",
                                                  "collection": "sg-no-such-collection"})
    monkeypatch.setattr(web, "RELOAD_CHECK_SECONDS", 0.0)
    response = client.post("/api/ask", json={"question": "Who risk assesses a missing child?"})
    assert response.status_code == 200 and response.get_json()["index_version"] == served
    samples = scrape(client)
    assert samples[("safeguide_errors_total", (("kind", "index_reload"),))] >= 1
    assert samples[("safeguide_index_version", (("version", served),))] == 1


# --- JSON logs ----------------------------------------------------------------------------


def test_json_log_lines_carry_the_answer_fields_and_never_the_question(
    built_index: dict[str, Any], caplog: pytest.LogCaptureFixture,
) -> None:
    client = app_for(built_index, log_format="json").test_client()
    caplog.set_level(logging.INFO)
    secret = "Tallulah Fenwick-Oduya of 14 Larch Close"
    answered = client.post("/api/ask", json={
        "question": f"Must {secret} be told when a child is taken into police protection?",
        "confirm_personal_data": True})
    client.post("/api/ask", json={"question": f"{secret} " + "x" * 1200})  # too long: 400
    client.post("/api/ask", json={"question": "and what then?",
                                  "history": [f"Where does {secret} live?"]})

    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert lines
    records = []
    for line in lines:
        assert "\n" not in line
        record = json.loads(line)
        assert {"timestamp", "level", "logger", "message", "request_id", "pid"} <= set(record)
        assert record["timestamp"].endswith("Z")
        records.append(record)
    answers = [r for r in records if r["message"].startswith("answer ")]
    assert len(answers) == 2
    first = answers[0]
    assert first["request_id"] == answered.headers["X-Request-ID"]
    assert first["status"] == answered.get_json()["status"]
    assert first["citations"] == len(answered.get_json()["citations"])
    assert isinstance(first["latency_ms"], float)
    assert first["index_version"] == answered.get_json()["index_version"]
    requests = [r for r in records if r["message"].startswith("request ")]
    assert {r["http_status"] for r in requests} == {200, 400}
    assert {r["route"] for r in requests} == {"/api/ask"}
    text = "\n".join(lines)
    for fragment in ("Tallulah", "Fenwick", "Oduya", "Larch", "police protection"):
        assert fragment not in text


def test_json_formatter_copies_only_known_fields() -> None:
    record = logging.LogRecord("safeguide.web", logging.WARNING, __file__, 1, "hello %s",
                               ("world",), None)
    record.question = "a child's name"  # not a log field: must not be copied
    record.status = "answered"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello world" and line["level"] == "WARNING"
    assert line["status"] == "answered" and line["request_id"] is None
    assert "question" not in line


def test_log_format_is_checked_and_sets_gunicorns_logging() -> None:
    from web import create_app

    with pytest.raises(ValueError, match="SAFEGUIDE_LOG_FORMAT"):
        create_app({"log_format": "xml"})
    assert gunicorn_logconfig("text") is None
    config = gunicorn_logconfig("json")
    assert config is not None
    assert config["formatters"]["json"]["()"] == "web.logs.JsonFormatter"
