"""One place that asks the core a question for the web: the API and the ask page share it.

It maps the core's failures to :class:`web.errors.WebError` and logs one line per answer
with the request id and latency. The question's text is never logged: it may hold a child's
name or an address. Only its length is.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, g

from assistant.index import IndexNotBuiltError, LoadedIndex
from assistant.query import QuestionError
from web import elapsed_ms, get_assistant
from web.errors import WebError
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
    payload["latency_ms"] = round(elapsed_ms(), 1)
    log.info("answer request_id=%s status=%s items=%d citations=%d chars=%d turns=%d "
             "latency_ms=%.1f", g.request_id, result.status, len(result.items),
             len(result.citations), len(ask.question), len(ask.history),
             payload["latency_ms"])
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
