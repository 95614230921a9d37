"""One place that asks the core a question for the web: the API and the ask page share it.

It maps the core's failures to :class:`web.errors.WebError`, counts answers by status for
``/metrics`` and logs one line per answer with the request id, the status, the citation
count and the latency (as JSON fields with ``log_format = json``). The question's text is
never logged: it may hold a child's name or an address. Only its length is.

Personal data: a question in which :mod:`assistant.personal_data` finds any is *held*: the
reply is a warning (``status: "personal_data_warning"``, the kinds, a redacted preview, no
answer) until the request confirms with ``confirm_personal_data``. Every outcome (answered,
abstained, refused by the input guardrails, held) is written to the audit log, redacted,
before the reply leaves; an answer that cannot be audited is not shown.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, g
from flask_login import current_user

from assistant import audit
from assistant.index import IndexNotBuiltError, LoadedIndex
from assistant.personal_data import detect, redact
from assistant.query import QuestionError, clean_question
from assistant.urgent import is_immediate_risk, urgent_reply
from web import elapsed_ms, get_assistant
from web.auth import db
from web.errors import WebError
from web.metrics import metrics_of
from web.present import answer_payload, plain_text
from web.validation import AskRequest

log = logging.getLogger("safeguide.web")
NO_INDEX = "the guidance index is not built yet: run `make index`, then try again"
PERSONAL_DATA_WARNING = "personal_data_warning"
WARNING_TEXT = ("Your question seems to contain personal data. The guidance does not need it: "
                "edit the question to leave it out, or ask anyway (what is stored is redacted).")


def answer(ask: AskRequest) -> dict[str, Any]:
    """The answer payload for ``ask`` (see :func:`web.present.answer_payload`), or the
    personal-data warning when the question holds personal data and is not confirmed."""
    assistant = assistant_or_503()
    max_chars = int(current_app.config["SAFEGUIDE"]["max_question_chars"])
    try:
        text = clean_question(ask.question, max_chars)
    except QuestionError as exc:
        _audit(ask.question, audit.REFUSED)
        raise WebError(400, f"question: {exc}") from None
    kinds = sorted({finding.kind for finding in detect(text)})
    if kinds and not ask.confirm_personal_data:
        _audit(text, audit.WARNED, personal_data=kinds)
        return {"status": PERSONAL_DATA_WARNING, "message": WARNING_TEXT,
                "personal_data": kinds, "redacted_question": redact(text),
                "urgent_reply": plain_text(urgent_reply()) if is_immediate_risk(text) else None,
                "request_id": g.request_id}
    try:
        result = assistant.ask(text, history=ask.history, filters=ask.filters)
    except QuestionError as exc:
        _audit(text, audit.REFUSED, personal_data=kinds)
        raise WebError(400, f"question: {exc}") from None
    except ValueError as exc:  # the core rejects unknown filter names and values
        _audit(text, audit.REFUSED, personal_data=kinds)
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
    _audit(text, result.status, personal_data=result.personal_data,
           urgent=bool(result.urgent_reply), citations=audit.cited(payload["citations"]),
           index_version=assistant.index.version)
    return payload


def _audit(question: str, status: str, **details: Any) -> None:
    """One audit row for this request (the question is redacted by :func:`audit.record`)."""
    user = current_user
    entry = audit.AuditEntry(username=user.username, role=user.role, user_id=user.id,
                             request_id=g.request_id, question=question, status=status,
                             latency_ms=elapsed_ms(), **details)
    with db() as session:
        audit.record(session, entry)


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
