"""The Flask web app: thin views over the core in :mod:`assistant`.

``create_app(config)`` builds the app (Flask's tutorial pattern). The assistant (embedding
model plus loaded index) is created once per process on first use and kept in
``app.extensions["safeguide"]``. Under gunicorn the master preloads only the *model*
(:func:`preload_model`); each worker opens the index after the fork (:func:`warm_up`),
because a Chroma client opened before ``fork()`` hangs in the children.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, g, request

from assistant.generative.provider import chat_model
from assistant.pipeline import Assistant
from assistant.settings import index_dir, load_settings
from indexer.artifacts import read_pointer
from web import logs
from web.settings import is_web_setting, load_web_settings

EXTENSION = "safeguide"
WARM_UP_QUESTION = "police protection"
RELOAD_CHECK_SECONDS = 2.0
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("safeguide.web")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app.

    ``config`` mixes three kinds of keys: core settings (``instance_dir``, ``top_k``: see
    :data:`assistant.settings.SETTINGS`), web settings (:data:`web.settings.WEB_SETTINGS`)
    and upper-case Flask config (``TESTING``). An unknown key is an error.
    """
    config = dict(config or {})
    flask_config = {k: config.pop(k) for k in list(config) if k.isupper()}
    web_config = {k: config.pop(k) for k in list(config) if is_web_setting(k)}

    app = Flask(__name__)
    app.config["SAFEGUIDE"] = load_settings(config)
    chat_model(app.config["SAFEGUIDE"])  # bad or disallowed model settings stop the start
    app.config["SAFEGUIDE_WEB"] = load_web_settings(web_config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["SAFEGUIDE_WEB"]["max_body_kb"]) * 1024
    app.json.sort_keys = False
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.config.update(flask_config)
    app.extensions[EXTENSION] = {"assistant": None, "lock": threading.Lock(), "checked": 0.0}
    logs.configure(app.config["SAFEGUIDE_WEB"]["log_format"])

    from web import (
        account,
        api,
        auth,
        checklists,
        errors,
        feedback,
        metrics,
        oversight,
        pages,
        quizzes,
        reader,
        security,
    )

    metrics.init_app(app)

    app.register_blueprint(errors.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(reader.blueprint)
    app.register_blueprint(checklists.blueprint)
    app.register_blueprint(feedback.blueprint)
    app.register_blueprint(oversight.blueprint)
    app.register_blueprint(account.blueprint)
    app.register_blueprint(quizzes.blueprint)
    app.before_request(_start_request)
    auth.init_app(app)  # sign-in and CSRF checks run after the request id is set
    security.init_app(app)  # then the rate limits, which key on the signed-in user
    app.after_request(_finish_request)
    app.after_request(metrics.record_response)
    return app


def get_assistant() -> Assistant:
    """The app's assistant, loaded on first use and reloaded when a new build lands.

    Raises :class:`assistant.index.IndexNotBuiltError` while no index exists; the next call
    tries again, so a server started before the first build becomes ready once it lands.
    At most every :data:`RELOAD_CHECK_SECONDS` it reads the index pointer: after
    ``make index`` each process switches to the new build (the model is reused), long before
    the builder prunes the one it was reading (``RETIRED_BUILD_GRACE_SECONDS``). A process
    whose build folder has gone (it was idle that long) reloads before it answers.
    """
    state = current_app.extensions[EXTENSION]
    settings = current_app.config["SAFEGUIDE"]
    if state["assistant"] is None:
        with state["lock"]:
            if state["assistant"] is None:
                state["assistant"] = Assistant.from_settings(settings)
                state["checked"] = time.monotonic()
                _metrics().index_loaded(state["assistant"].index.version)
    elif not state["assistant"].index.folder.exists():
        # This process sat idle through several builds and its build was pruned: wait for
        # the reload (another thread may be doing it) instead of querying a dropped store.
        _reload_if_rebuilt(state, settings, wait=True)
    elif time.monotonic() - state["checked"] > RELOAD_CHECK_SECONDS:
        _reload_if_rebuilt(state, settings)
    return state["assistant"]


def _reload_if_rebuilt(state: dict[str, Any], settings: Mapping[str, Any],
                       wait: bool = False) -> None:
    if not state["lock"].acquire(blocking=wait):
        return  # another thread is checking or reloading; keep serving the current build
    try:
        state["checked"] = time.monotonic()
        pointer = read_pointer(index_dir(settings))
        current = state["assistant"]
        if pointer and pointer.get("version") != current.index.version:
            state["assistant"] = Assistant.from_settings(settings)
            _metrics().index_loaded(state["assistant"].index.version)
            log.info("index reloaded: %s -> %s", current.index.version,
                     state["assistant"].index.version,
                     extra={"index_version": state["assistant"].index.version})
    except Exception:  # a half-written or broken build must not take the service down
        _metrics().errors.labels("index_reload").inc()
        log.exception("index reload failed; still serving the previous build")
    finally:
        state["lock"].release()


def preload_model(app: Flask) -> None:
    """Load the embedding model only: safe in gunicorn's master before it forks.

    The index is *not* opened here (Chroma's client does not survive ``fork()``) and nothing
    is encoded (torch's thread pool must not start in the master).
    """
    from assistant.embeddings import load_embeddings

    load_embeddings(app.config["SAFEGUIDE"]["embedding_model"])


def warm_up(app: Flask) -> bool:
    """In a worker: open the index and run one query so the first request is not slow.

    Returns False (and logs why) when there is no index yet; requests then get 503/friendly
    errors until one is built.
    """
    from assistant.db import dispose_engines
    from assistant.index import IndexNotBuiltError

    dispose_engines()  # database connections made before the fork are the master's
    with app.app_context():
        try:
            get_assistant().retriever.invoke(WARM_UP_QUESTION)
        except IndexNotBuiltError as exc:
            log.warning("no index yet: %s", exc)
            return False
    return True


def _metrics() -> Any:
    from web.metrics import metrics_of

    return metrics_of()


def _start_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex[:12]
    g.started = time.perf_counter()


def _finish_request(response: Any) -> Any:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if current_app.config["SAFEGUIDE_WEB"]["log_format"] == "json":
        # In place of gunicorn's access log: the path only, never the query string.
        rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
        log.info("request %s %s %s", request.method, rule, response.status_code, extra={
            "request_id": g.get("request_id"), "method": request.method, "route": rule,
            "http_status": response.status_code, "latency_ms": round(elapsed_ms(), 1)})
    return response


def elapsed_ms() -> float:
    """Milliseconds since this request started."""
    return (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
