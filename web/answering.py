"""One place that asks the core a question for the web: the API and the ask page share it.

It maps the core's failures to :class:`web.errors.WebError`, counts answers by status for
``/metrics`` and logs one line per answer with the request id, the status, the citation
count and the latency (as JSON fields with ``log_format = json``). The question's text is
never logged: it may hold a child's name or an address. Only its length is.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, g

from assistant.index import IndexNotBuiltError, LoadedIndex
from assistant.query import QuestionError
from web import elapsed_ms, get_assistant
from web.errors import WebError
from web.metrics import metrics_of
from web.present import answer_payload
from web.validation import AskRequest

log = logging.getLogger("safeguide.web")
NO_INDEX = "the guidance index is not built yet: run `make index`, then try again"


def answer(ask: AskRequest) -> dict[str, Any]:
    """The answer payload for ``ask`` (see :func:`web.present.answer_payload`)."""
    assistant = assistant_or_503()
    try:
        result = assistant.ask(ask.question, history=ask.history, filters=ask.filters)
    except QuestionError as exc:
        raise WebError(400, f"question: {exc}") from None
    except ValueError as exc:  # the core rejects unknown filter names and values
        raise WebError(400, f"filters: {exc}") from None
    payload = answer_payload(result)
    payload["request_id"] = g.request_id
    payload["index_version"] = assistant.index.version
    payload["latency_ms"] = round(elapsed_ms(), 1)
    metrics_of().answers.labels(result.status).inc()
    fields = {"request_id": g.request_id, "status": result.status, "items": len(result.items),
              "citations": len(result.citations), "question_chars": len(ask.question),
              "history_turns": len(ask.history), "latency_ms": payload["latency_ms"],
              "index_version": assistant.index.version, "mode": result.mode}
    log.info("answer request_id=%(request_id)s status=%(status)s mode=%(mode)s items=%(items)d "
             "citations=%(citations)d chars=%(question_chars)d turns=%(history_turns)d "
             "latency_ms=%(latency_ms).1f", fields, extra=fields)
    return payload


def assistant_or_503() -> Any:
    try:
        return get_assistant()
    except IndexNotBuiltError:
        raise WebError(503, NO_INDEX) from None


def loaded_index_or_none() -> LoadedIndex | None:
    try:
        return get_assistant().index
    except IndexNotBuiltError:
        return None


def corpus_dir() -> str:
    return current_app.config["SAFEGUIDE"]["corpus_dir"]
