"""Zero-downtime index updates, and operations, checked on real gunicorn under load.

One scenario, run once for the module: gunicorn (``gunicorn.conf.py``, 2 workers x 2
threads, JSON logs) serves a small corpus; three client threads ask questions continuously
(a new connection each time, as behind nginx, so both workers answer); meanwhile this
process rebuilds the index twice, back to back, into the same instance folder
(``IndexBuilder(...).build()``, as ``make index`` does): the first update adds a sentence,
the second edits another document and lands before the workers have looked for the first
(they look every ``RELOAD_CHECK_SECONDS``), so it retires the build they are answering
from. Bounded in time (about 10 s of load, at most :data:`HARD_LIMIT_SECONDS`) and in
requests (:data:`MAX_REQUESTS`, a safety cap that a normal run does not reach).

The tests then read the recorded responses, ``/metrics`` and the log.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import SMALL_DOCUMENTS, manifest_entry, write_manifest
from prometheus_client.parser import text_string_to_metric_families
from web_support import GunicornServer, app_for

from assistant.settings import index_dir, load_settings
from indexer.build import IndexBuilder
from web import RELOAD_CHECK_SECONDS

NEW_SENTENCE = ("Officers must switch on body-worn video before they enter a home where a child "
                "may be at risk.")
NEW_QUESTION = "When must officers switch on body-worn video?"
EDITED_SENTENCE = "Every report of a missing child is risk assessed by the duty inspector."
VERSION_2 = {
    **SMALL_DOCUMENTS,
    "alpha-guide": SMALL_DOCUMENTS["alpha-guide"] + f"\n## Body-worn video\n\n{NEW_SENTENCE}\n",
}
VERSION_3 = {
    **VERSION_2,
    "beta-procedure": SMALL_DOCUMENTS["beta-procedure"].replace(
        "Every report of a missing child is risk assessed by the duty sergeant.",
        EDITED_SENTENCE),
}
QUESTIONS = (
    NEW_QUESTION,
    "How long can a constable keep a child in police protection?",
    "Who risk assesses a report of a missing child?",
    "What goes on the crime system when I refer a child to social care?",
    "Does a child in custody need an appropriate adult for interviews?",
    "what's the speed limit on a motorway?",
)
CLIENT_THREADS = 3
PAUSE_SECONDS = 0.05  # between one thread's requests: steady load, not flat out
MAX_REQUESTS = 1500
LOAD_BEFORE_BUILD_SECONDS = 1.5
# After the last build: every worker looks within RELOAD_CHECK_SECONDS, then reloads.
SETTLED_SECONDS = RELOAD_CHECK_SECONDS + 3.0
LOAD_AFTER_BUILD_SECONDS = SETTLED_SECONDS + 2.0
HARD_LIMIT_SECONDS = 45.0
ANSWER_KEYS = {"answer", "items", "status", "abstained", "citations", "request_id",
               "index_version", "latency_ms"}


@dataclass
class Exchange:
    question: str
    started: float
    ended: float
    status: int | None = None
    body: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class SwapRun:
    url: str
    log_path: Path
    headers: dict[str, str] = field(default_factory=dict)  # the officer's API token
    exchanges: list[Exchange] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # v1, after build 1, after build 2
    build_started: float = 0.0
    build_done: float = 0.0
    load_stopped: float = 0.0
    metrics_text: str = ""
    readyz_versions: set[str] = field(default_factory=set)


def write_corpus(root: Path, documents: dict[str, str]) -> dict[str, Any]:
    """The small corpus under ``root/corpus`` (as conftest's ``make_corpus`` writes it)."""
    corpus = root / "corpus"
    for doc_id, text in documents.items():
        path = corpus / "documents" / f"{doc_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    write_manifest(corpus, [manifest_entry(doc_id) for doc_id in documents])
    return load_settings({"corpus_dir": str(corpus), "instance_dir": str(root / "instance")})


def _ask_continuously(run: SwapRun, offset: int, stop: threading.Event,
                      lock: threading.Lock) -> None:
    """One client: a new connection per request (as behind nginx), so both workers answer."""
    host, port = run.url.removeprefix("http://").split(":")
    serial = offset
    while not stop.is_set():
        question = QUESTIONS[serial % len(QUESTIONS)]
        serial += CLIENT_THREADS
        exchange = Exchange(question, time.monotonic(), 0.0)
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            connection.request("POST", "/api/ask", json.dumps({"question": question}),
                               {"Content-Type": "application/json", "Connection": "close",
                                **run.headers})
            response = connection.getresponse()
            exchange.status, raw = response.status, response.read()
            exchange.body = json.loads(raw)
        except Exception as exc:  # a failed request is a result to count, not a crash
            exchange.error = repr(exc)
        finally:
            connection.close()
        exchange.ended = time.monotonic()
        with lock:
            run.exchanges.append(exchange)
            if len(run.exchanges) >= MAX_REQUESTS:
                stop.set()
        time.sleep(PAUSE_SECONDS)


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def swap_run(tmp_path_factory: pytest.TempPathFactory, embeddings: Any) -> Iterator[SwapRun]:
    root = tmp_path_factory.mktemp("swap")
    settings = write_corpus(root, SMALL_DOCUMENTS)
    first = IndexBuilder(settings, index_dir(settings), progress=False).build()
    assert not first.failed, first.summary()
    with GunicornServer(settings, root / "gunicorn.log", workers=2, threads=2,
                        env={"SAFEGUIDE_LOG_FORMAT": "json"}) as server:
        run = SwapRun(url=server.url, log_path=server.log_path, headers=server.headers,
                      versions=[first.version])
        stop, lock = threading.Event(), threading.Lock()
        clients = [threading.Thread(target=_ask_continuously, args=(run, n, stop, lock),
                                    daemon=True) for n in range(CLIENT_THREADS)]
        started = time.monotonic()
        for client in clients:
            client.start()
        try:
            stop.wait(LOAD_BEFORE_BUILD_SECONDS)
            run.build_started = time.monotonic()
            for documents in (VERSION_2, VERSION_3):  # back to back
                report = IndexBuilder(write_corpus(root, documents), index_dir(settings),
                                      progress=False).build()
                assert not report.failed and not report.up_to_date, report.summary()
                run.versions.append(report.version)
            run.build_done = time.monotonic()
            stop.wait(max(0.0, min(LOAD_AFTER_BUILD_SECONDS,
                                   started + HARD_LIMIT_SECONDS - time.monotonic())))
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=60)
        run.load_stopped = time.monotonic()
        for _ in range(4):  # two workers: ask more than once to reach both, likely
            run.readyz_versions.add(json.loads(_get(server.url + "/readyz")[1])["index_version"])
        run.metrics_text = _get(server.url + "/metrics")[1].decode()
        yield run


# --- zero downtime ------------------------------------------------------------------------


def test_an_idle_worker_whose_build_was_pruned_reloads_before_answering(
    make_corpus: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In process: the app sits on v1 (it never looks for builds here) while v2 and v3 land
    and v1 is pruned; its next request reloads instead of querying the dropped collection."""
    import web

    monkeypatch.setattr("indexer.build.RETIRED_BUILD_GRACE_SECONDS", 0.0)
    monkeypatch.setattr(web, "RELOAD_CHECK_SECONDS", 3600.0)
    settings = make_corpus(SMALL_DOCUMENTS)
    IndexBuilder(settings, index_dir(settings), progress=False).build()
    client = app_for(settings).test_client()
    first = client.post("/api/ask", json={"question": NEW_QUESTION}).get_json()
    for documents in (VERSION_2, VERSION_3):
        IndexBuilder(make_corpus(documents), index_dir(settings), progress=False).build()
    assert not (index_dir(settings) / "builds" / first["index_version"]).exists()

    response = client.post("/api/ask", json={"question": NEW_QUESTION})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["index_version"] == "v000003"
    assert NEW_SENTENCE in response.get_json()["answer"]



def test_no_request_fails_while_index_updates_land(swap_run: SwapRun) -> None:
    exchanges = swap_run.exchanges
    during = [e for e in exchanges
              if swap_run.build_started <= e.started <= swap_run.build_done + SETTLED_SECONDS]
    assert len(exchanges) >= 100 and len(during) >= 20, (len(exchanges), len(during))
    failed = [e for e in exchanges if e.error or e.status != 200 or e.body is None
              or not ANSWER_KEYS <= set(e.body)
              or e.body["status"] not in ("answered", "abstained")]
    assert not failed, f"{len(failed)} of {len(exchanges)} failed, e.g. {failed[:3]}\n" + \
        "\n".join(swap_run.log_path.read_text(errors="replace").splitlines()[-20:])


def test_answers_after_the_switch_come_from_the_new_build(swap_run: SwapRun) -> None:
    v1, _v2, v3 = swap_run.versions
    before = [e for e in swap_run.exchanges if e.ended < swap_run.build_started]
    settled = [e for e in swap_run.exchanges
               if e.started > swap_run.build_done + SETTLED_SECONDS and e.body]
    assert before and settled, (len(before), len(settled))
    assert {e.body["index_version"] for e in before} == {v1}
    assert {e.body["index_version"] for e in settled} == {v3}
    assert swap_run.readyz_versions == {v3}
    new = [e for e in settled if e.question == NEW_QUESTION]
    assert new and all(e.body["status"] == "answered" and NEW_SENTENCE in e.body["answer"]
                       for e in new)
    assert all(NEW_SENTENCE not in e.body["answer"]
               for e in before if e.question == NEW_QUESTION)


# --- operations: /metrics adds up both workers; every log line is JSON ----------------------


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_add_up_every_worker(swap_run: SwapRun) -> None:
    samples = _samples(swap_run.metrics_text)
    asked = len(swap_run.exchanges)
    assert samples[("safeguide_ask_latency_seconds_count", ())] == asked
    assert samples[("safeguide_http_requests_total", (("method", "POST"), ("route", "/api/ask"),
                                                      ("status", "200")))] == asked
    answers = {labels: v for (name, labels), v in samples.items()
               if name == "safeguide_answers_total"}
    assert sum(answers.values()) == asked
    versions = {dict(labels)["version"]: v for (name, labels), v in samples.items()
                if name == "safeguide_index_version"}
    assert versions[swap_run.versions[-1]] == 1
    assert versions.get(swap_run.versions[0], 0) == 0


def test_every_log_line_is_json_without_question_text(swap_run: SwapRun) -> None:
    lines = [line for line in swap_run.log_path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")
    for record in records:
        assert {"timestamp", "level", "logger", "message", "request_id", "pid"} <= set(record)
    answers = [r for r in records if r["message"].startswith("answer ")]
    assert len(answers) == len(swap_run.exchanges)
    assert len({r["pid"] for r in answers}) == 2  # both workers answered (and were counted)
    assert all(r["request_id"] and r["status"] in ("answered", "abstained")
               and isinstance(r["latency_ms"], float) and "citations" in r for r in answers)
    assert {r["index_version"] for r in answers} >= set(swap_run.versions[::2])
    text = "\n".join(lines).lower()
    for question in QUESTIONS:
        assert question.lower() not in text
    assert "body-worn" not in text
