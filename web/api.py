"""The JSON API: ``POST /api/ask``, the documents, the OpenAPI description, the probes."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, current_app, g, jsonify

from assistant.index import IndexNotBuiltError
from web import get_assistant
from web.answering import answer, assistant_or_503, corpus_dir, loaded_index_or_none
from web.catalogue import find_document, list_documents, unavailable_reason
from web.errors import WebError
from web.openapi import SPEC
from web.validation import parse_ask, read_json_object

blueprint = Blueprint("api", __name__)
PROBE_QUESTION = "police protection"
log = logging.getLogger("safeguide.web")


@blueprint.post("/api/ask")
def ask() -> Any:
    settings, web = current_app.config["SAFEGUIDE"], current_app.config["SAFEGUIDE_WEB"]
    ask_request = parse_ask(read_json_object(), int(settings["max_question_chars"]),
                            int(web["history_turns"]))
    return jsonify(answer(ask_request))


@blueprint.get("/api/documents")
def documents() -> Any:
    index = loaded_index_or_none()
    return jsonify({"index_version": index.version if index else None,
                    "documents": list_documents(corpus_dir(), index)})


@blueprint.get("/api/documents/<document_id>")
def document(document_id: str) -> Any:
    index = assistant_or_503().index
    record = find_document(corpus_dir(), index, document_id)
    if record is None:
        raise WebError(404, f"no document with id {document_id!r}")
    if not record["indexed"]:
        raise WebError(404, f"document {document_id!r} is listed but "
                            f"{unavailable_reason(record)}")
    return jsonify({**record, **index.document(document_id)})


@blueprint.get("/api/openapi.json")
def openapi() -> Any:
    return jsonify(SPEC)


@blueprint.get("/healthz")
def healthz() -> Any:
    return jsonify({"status": "ok"})


@blueprint.get("/readyz")
def readyz() -> Any:
    """Ready when the index is loaded and a probe query through retrieval returns passages."""
    try:
        assistant = get_assistant()
    except IndexNotBuiltError as exc:
        return jsonify({"status": "not ready", "reason": str(exc)}), 503
    started = time.perf_counter()
    try:
        passages = assistant.retriever.invoke(PROBE_QUESTION)
    except Exception:  # any failure of the probe means "not ready", not a 500
        log.exception("readiness probe failed request_id=%s", g.get("request_id", ""))
        return jsonify({"status": "not ready", "reason": "the probe query failed"}), 503
    probe_ms = round((time.perf_counter() - started) * 1000, 1)
    if not passages:
        return jsonify({"status": "not ready", "reason": "the index returned no passages",
                        "index_version": assistant.index.version}), 503
    return jsonify({"status": "ready", "index_version": assistant.index.version,
                    "chunks": len(assistant.index.chunk_ids), "probe_ms": probe_ms})
