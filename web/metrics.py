"""Prometheus metrics at ``GET /metrics`` (text exposition format).

- ``safeguide_http_requests_total{route,method,status}``: every response, by URL rule
  (``/api/documents/<document_id>``, not the concrete path, so labels stay few);
  ``route="unmatched"`` for addresses no rule matches.
- ``safeguide_ask_latency_seconds``: histogram of ``POST /api/ask``, as the server saw it.
- ``safeguide_answers_total{status}``: ``answered`` or ``abstained`` (API and ask page).
- ``safeguide_errors_total{kind}``: ``server_error`` (any 5xx response) and
  ``index_reload`` (a new build that failed to load; the previous one keeps serving).
- ``safeguide_index_version{version}``: 1 for each build a live worker serves, 0 for
  builds it has left.

Under gunicorn every worker is a process with its own counters. ``gunicorn.conf.py`` sets
``PROMETHEUS_MULTIPROC_DIR`` before the app is imported, so ``prometheus_client`` keeps the
values in per-process files there and a scrape (answered by any worker) adds them up: the
figures cover all workers of the host. Without that variable (tests, ``flask run``) they are
this process's own.
"""

from __future__ import annotations

import os
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

EXTENSION = "safeguide_metrics"
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
ASK_ROUTE = "/api/ask"
# The classic text format (version 0.0.4): every Prometheus server reads it, and our metric
# names need nothing newer.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

blueprint = Blueprint("metrics", __name__)


class Metrics:
    """The app's metrics, in their own registry (several apps can live in one test process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "safeguide_http_requests", "HTTP responses by route, method and status.",
            ["route", "method", "status"], registry=self.registry)
        self.ask_latency = Histogram(
            "safeguide_ask_latency_seconds", "Server-side latency of POST /api/ask.",
            buckets=LATENCY_BUCKETS, registry=self.registry)
        self.answers = Counter(
            "safeguide_answers", "Answers given, by status (answered or abstained).",
            ["status"], registry=self.registry)
        self.errors = Counter(
            "safeguide_errors", "Failures: server_error (5xx response), index_reload.",
            ["kind"], registry=self.registry)
        self.index_version = Gauge(
            "safeguide_index_version", "1 for the index build a live worker serves.",
            ["version"], multiprocess_mode="livemax", registry=self.registry)
        self._serving: str | None = None

    def observe_response(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        if route == ASK_ROUTE and method == "POST":
            self.ask_latency.observe(seconds)
        if status >= 500:
            self.errors.labels("server_error").inc()

    def index_loaded(self, version: str) -> None:
        """This process now serves ``version``."""
        if self._serving == version:
            return
        if self._serving is not None:
            self.index_version.labels(self._serving).set(0)
        self.index_version.labels(version).set(1)
        self._serving = version

    def exposition(self) -> bytes:
        path = os.environ.get(MULTIPROCESS_ENV)
        if not path:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=path)
        return generate_latest(registry)


def init_app(app: Flask) -> Metrics:
    metrics = Metrics()
    app.extensions[EXTENSION] = metrics
    app.register_blueprint(blueprint)
    return metrics


def metrics_of(app: Flask | None = None) -> Metrics:
    return (app or current_app).extensions[EXTENSION]


def record_response(response: Any) -> Any:
    """``after_request``: count the response, time ``/api/ask``."""
    rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    metrics_of().observe_response(rule, request.method, response.status_code, seconds)
    return response


@blueprint.get("/metrics")
def metrics_view() -> Response:
    return Response(metrics_of().exposition(), content_type=CONTENT_TYPE)
