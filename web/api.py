"""The JSON API: ``POST /api/ask``, documents, health and readiness."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import asdict
from typing import Any

from flask import Blueprint, jsonify, request

from assistant.index import IndexNotBuiltError
from assistant.query import QuestionError
from web import get_assistant

blueprint = Blueprint("api", __name__)
log = logging.getLogger("safeguide.api")


def _error(status: int, message: str, request_id: str) -> Any:
    return jsonify({"error": message, "request_id": request_id}), status


@blueprint.post("/api/ask")
def ask() -> Any:
    request_id = uuid.uuid4().hex[:12]
    started = time.perf_counter()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "body must be a JSON object: {\"question\": \"...\"}", request_id)
    if "question" not in body:
        return _error(400, "missing field 'question'", request_id)
    history = body.get("history", [])
    filters = body.get("filters")
    if not isinstance(history, list):
        return _error(400, "'history' must be a list", request_id)
    if filters is not None and not isinstance(filters, dict):
        return _error(400, "'filters' must be an object", request_id)
    try:
        answer = get_assistant().ask(body["question"], history=history, filters=filters)
    except QuestionError as exc:
        return _error(400, f"question: {exc}", request_id)
    except ValueError as exc:
        return _error(400, str(exc), request_id)
    latency = (time.perf_counter() - started) * 1000
    # The question may hold personal data: log its length, never its text.
    log.info("ask request_id=%s status=%s chars=%d citations=%d latency_ms=%.1f",
             request_id, answer.status, len(str(body["question"])), len(answer.citations),
             latency)
    return jsonify({
        "answer": answer.text,
        "items": [asdict(i) for i in answer.items],
        "abstained": answer.abstained,
        "status": answer.status,
        "confidence": answer.confidence,
        "nearest_topics": answer.nearest_topics,
        "notices": answer.notices,
        "citations": [
            {"n": c.n, "document_id": c.document_id, "title": c.title, "edition": c.edition,
             "status": c.status, "section": c.section, "page": c.page, "text": c.text,
             "span": list(c.span), "url": c.url}
            for c in answer.citations
        ],
        "request_id": request_id,
        "latency_ms": round(latency, 1),
    })


@blueprint.get("/api/documents")
def documents() -> Any:
    index = get_assistant().index
    return jsonify({"version": index.version, "documents": [
        {"id": doc_id, **{k: v for k, v in state.items() if k in ("title", "edition", "status",
                                                                   "chunks")}}
        for doc_id, state in sorted(index.state["documents"].items())
    ]})


@blueprint.get("/healthz")
def healthz() -> Any:
    return jsonify({"status": "ok"})


@blueprint.get("/readyz")
def readyz() -> Any:
    try:
        assistant = get_assistant()
    except IndexNotBuiltError as exc:
        return jsonify({"status": "not ready", "reason": str(exc)}), 503
    return jsonify({"status": "ready", "index_version": assistant.index.version,
                    "chunks": len(assistant.index.chunk_ids)})
