"""The OpenAPI 3 description served at ``/api/openapi.json``, written by hand.

A test checks that every route under ``/api`` (and the probes) is described here.
"""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/responses/Error"}


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "SafeGuide API",
        "version": "1",
        "description": (
            "Cited answers from the indexed UK child-protection guidance. Every answer item "
            "is a verbatim sentence or list item of a source, with its citation. Questions "
            "are never logged, and stored only redacted in the audit log. Every call except "
            "/healthz and /readyz needs a personal API token (python -m assistant tokens "
            "create USER) as 'Authorization: Bearer <token>'; without one the answer is 401."
        ),
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/ask": {"post": {
            "summary": "Answer a question, or abstain with the nearest topics",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/AskRequest"}}}},
            "description": (
                "A question holding personal data is not answered at first: the reply is a "
                "PersonalDataWarning (the kinds and a redacted preview). Send it again with "
                "confirm_personal_data: true to have it answered, or edit it."),
            "responses": {
                "200": {"description": "An answer, an abstention, or the personal-data warning",
                        "content": {"application/json": {"schema": {"oneOf": [
                            {"$ref": "#/components/schemas/Answer"},
                            {"$ref": "#/components/schemas/PersonalDataWarning"}]}}}},
                "400": _ERROR, "401": _ERROR, "413": _ERROR, "429": _ERROR, "503": _ERROR,
            },
        }},
        "/api/feedback": {"post": {
            "summary": "Rate an answer shown to you: up or down, with a reason and a comment",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/FeedbackRequest"}}}},
            "responses": {
                "201": _json("#/components/schemas/FeedbackRecorded", "Stored"),
                "400": _ERROR, "401": _ERROR, "429": _ERROR,
            },
        }},
        "/api/documents": {"get": {
            "summary": "Every document: edition, date, status, licence, supplied or not",
            "responses": {"200": _json("#/components/schemas/DocumentList", "The documents"),
                          "401": _ERROR},
        }},
        "/api/documents/{document_id}": {"get": {
            "summary": "One document's metadata and reader view (text, blocks, chunks)",
            "parameters": [{"name": "document_id", "in": "path", "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]+$"}}],
            "responses": {
                "200": _json("#/components/schemas/DocumentDetail", "The document"),
                "401": _ERROR, "404": _ERROR, "503": _ERROR,
            },
        }},
        "/api/checklists": {"get": {
            "summary": "Every recording checklist (from local procedures' 'What to record')",
            "responses": {"200": _json("#/components/schemas/ChecklistList", "The checklists"),
                          "503": _ERROR},
        }},
        "/api/checklists/{checklist_id}": {"get": {
            "summary": "One checklist: its items, each with the source passage it cites",
            "parameters": [{"name": "checklist_id", "in": "path", "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]+$"}}],
            "responses": {
                "200": _json("#/components/schemas/Checklist", "The checklist"),
                "404": _ERROR, "503": _ERROR,
            },
        }},
        "/api/openapi.json": {"get": {
            "summary": "This description",
            "responses": {"200": {"description": "OpenAPI 3 document",
                                  "content": {"application/json": {}}}},
        }},
        "/healthz": {"get": {
            "summary": "The process is up (does not touch the index)",
            "security": [],
            "responses": {"200": _json("#/components/schemas/Status", "Up")},
        }},
        "/readyz": {"get": {
            "summary": "The index is loaded and answers a probe query",
            "security": [],
            "responses": {"200": _json("#/components/schemas/Status", "Ready"),
                          "503": _json("#/components/schemas/Status", "No usable index")},
        }},
    },
    "components": {
        "securitySchemes": {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "A personal API token (sg_...); revocable, stored hashed"}},
        "responses": {"Error": _json("#/components/schemas/Error",
                                     "An error (401: no or bad token; 429: rate limit, "
                                     "see Retry-After)")},
        "schemas": {
            "Error": {"type": "object", "required": ["error", "request_id"], "properties": {
                "error": {"type": "string", "description": "What is wrong, naming the field"},
                "request_id": {"type": "string"}}},
            "Status": {"type": "object", "required": ["status"], "properties": {
                "status": {"type": "string"}, "reason": {"type": "string"},
                "index_version": {"type": "string"}, "chunks": {"type": "integer"},
                "probe_ms": {"type": "number"}}},
            "AskRequest": {"type": "object", "required": ["question"],
                           "additionalProperties": False, "properties": {
                "question": {"type": "string", "maxLength": 1000,
                             "description": "Limit set by SAFEGUIDE_MAX_QUESTION_CHARS"},
                "history": {"type": "array", "maxItems": 100,
                            "description": "Earlier turns, oldest first; follow-ups use them",
                            "items": {"oneOf": [{"type": "string"}, {
                                "type": "object", "required": ["question"], "properties": {
                                    "question": {"type": "string"},
                                    "answer": {"type": "string"}}}]}},
                "filters": {"type": "object", "additionalProperties": False, "properties": {
                    name: {"oneOf": [{"type": "string"},
                                     {"type": "array", "items": {"type": "string"}}]}
                    for name in ("kind", "status", "document_id", "audience")}},
                "confirm_personal_data": {
                    "type": "boolean", "default": False,
                    "description": "Answer even though the question holds personal data"},
            }},
            "PersonalDataWarning": {"type": "object", "required": [
                "status", "personal_data", "redacted_question", "request_id"], "properties": {
                "status": {"type": "string", "enum": ["personal_data_warning"]},
                "message": {"type": "string"},
                "personal_data": {"type": "array", "items": {"type": "string"},
                                  "description": "Kinds found (NAME, DOB, POSTCODE, ...)"},
                "redacted_question": {"type": "string",
                                      "description": "The question as it would be stored"},
                "urgent_reply": {"type": "string", "nullable": True,
                                 "description": "Act-now text: shown at once, never held"},
                "request_id": {"type": "string"}}},
            "FeedbackRequest": {"type": "object", "required": ["request_id", "rating"],
                                "additionalProperties": False, "properties": {
                "request_id": {"type": "string", "description": "The answer's request_id"},
                "rating": {"type": "string", "enum": ["up", "down"]},
                "reason": {"type": "string", "enum": [
                    "inaccurate", "incomplete", "not_relevant", "out_of_date"]},
                "comment": {"type": "string", "maxLength": 1000,
                            "description": "Stored redacted"}}},
            "FeedbackRecorded": {"type": "object", "properties": {
                "status": {"type": "string", "enum": ["recorded"]}, "id": {"type": "integer"},
                "request_id": {"type": "string"}, "rating": {"type": "string"},
                "reason": {"type": "string"}}},
            "Item": {"type": "object", "properties": {
                "text": {"type": "string", "description": "Verbatim from the source (a "
                         "model's gate-checked sentence when kind is generated)"},
                "citation": {"type": "integer", "description": "Citation number n"},
                "kind": {"type": "string",
                         "enum": ["sentence", "list_item", "lead_in", "generated"]},
                "ref": {"type": "integer", "nullable": True,
                        "description": "Index of this item's own entry in citations"}}},
            "Citation": {"type": "object", "properties": {
                "n": {"type": "integer"}, "document_id": {"type": "string"},
                "chunk_id": {"type": "string"}, "title": {"type": "string"},
                "edition": {"type": "string"},
                "status": {"type": "string",
                           "enum": ["current", "superseded", "draft", "withdrawn"]},
                "superseded_by": {"type": "string", "nullable": True},
                "section": {"type": "string"},
                "page": {"type": "integer", "nullable": True},
                "text": {"type": "string", "description": "The whole cited passage"},
                "span": {"type": "array", "items": {"type": "integer"}, "minItems": 2,
                         "maxItems": 2, "description": "[start, end) of the item in text"},
                "span_text": {"type": "string"},
                "url": {"type": "string",
                        "description": "Reader link: /documents/<id>?span=S-E#<chunk_id>"},
                "source_url": {"type": "string"}}},
            "Answer": {"type": "object", "required": [
                "answer", "items", "abstained", "status", "citations", "request_id",
                "latency_ms"], "properties": {
                "question": {"type": "string"},
                "answer": {"type": "string", "description": "Plain text, items cited [n]"},
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                "abstained": {"type": "boolean"},
                "status": {"type": "string", "enum": ["answered", "abstained"]},
                "confidence": {"type": "number"},
                "nearest_topics": {"type": "array", "items": {"type": "string"}},
                "topic_questions": {"type": "array", "items": {"type": "string"}},
                "notices": {"type": "array", "items": {"type": "string"},
                            "description": "Superseded or draft sources used"},
                "urgent_reply": {"type": "string", "nullable": True,
                                 "description": "Act-now text for a child in danger now; "
                                                "show it above everything"},
                "personal_data": {"type": "array", "items": {"type": "string"},
                                  "description": "Kinds of personal data found in the "
                                                 "question (never the values)"},
                "citations": {"type": "array",
                              "items": {"$ref": "#/components/schemas/Citation"}},
                "offered_checklists": {
                    "type": "array", "description": "Recording checklists for this question",
                    "items": {"$ref": "#/components/schemas/ChecklistOffer"}},
                "request_id": {"type": "string"},
                "index_version": {"type": "string",
                                  "description": "The index build that answered"},
                "latency_ms": {"type": "number"},
                "mode": {"type": "string", "enum": ["extractive", "generative"],
                         "description": "generative: a language model's sentences, each "
                                        "checked against its cited passage"},
                "gate": {"type": "object", "nullable": True,
                         "description": "When a model was asked: prompt_version, model, "
                                        "sentences, kept, removed, reasons (counts), "
                                        "fallback (why the extractive answer is shown, or "
                                        "empty), generate_ms"}}},
            "ChecklistOffer": {"type": "object", "properties": {
                "id": {"type": "string"}, "title": {"type": "string"},
                "status": {"type": "string"},
                "reason": {"type": "string", "enum": ["retrieved", "topic"],
                           "description": "retrieved: a passage of its procedure was "
                                          "retrieved; topic: the question is near its topic"},
                "similarity": {"type": "number"},
                "url": {"type": "string", "description": "/checklists/<id>"}}},
            "ChecklistSummary": {"type": "object", "properties": {
                "id": {"type": "string"}, "title": {"type": "string"},
                "document_id": {"type": "string"}, "document_title": {"type": "string"},
                "edition": {"type": "string"},
                "status": {"type": "string", "description": "Its procedure's status; "
                                                           "draft = SAMPLE, not policy"},
                "audiences": {"type": "array", "items": {"type": "string"}},
                "items": {"type": "integer", "description": "Number of items"},
                "url": {"type": "string", "description": "The page: /checklists/<id>"}}},
            "ChecklistList": {"type": "object", "properties": {
                "index_version": {"type": "string"},
                "checklists": {"type": "array",
                               "items": {"$ref": "#/components/schemas/ChecklistSummary"}}}},
            "ChecklistItem": {"type": "object", "properties": {
                "position": {"type": "integer", "description": "1-based"},
                "text": {"type": "string"},
                "citation": {"type": "string", "description": "As written in the procedure"},
                "source": {"type": "object", "nullable": True,
                           "description": "The cited passage; null if it did not resolve",
                           "properties": {
                               "document_id": {"type": "string"}, "title": {"type": "string"},
                               "edition": {"type": "string"}, "status": {"type": "string"},
                               "chunk_id": {"type": "string"}, "section": {"type": "string"},
                               "text": {"type": "string"},
                               "span": {"type": "array", "items": {"type": "integer"}},
                               "span_text": {"type": "string"},
                               "url": {"type": "string"}}},
                "chunk_id": {"type": "string",
                             "description": "The procedure passage holding the item"},
                "procedure_url": {"type": "string"}}},
            "Checklist": {"allOf": [{"$ref": "#/components/schemas/ChecklistSummary"}, {
                "type": "object", "properties": {
                    "items": {"type": "array",
                              "items": {"$ref": "#/components/schemas/ChecklistItem"}},
                    "intro": {"type": "string"},
                    "problems": {"type": "array", "items": {"type": "string"}},
                    "index_version": {"type": "string"}}}]},
            "Document": {"type": "object", "properties": {
                "id": {"type": "string"}, "title": {"type": "string"},
                "kind": {"type": "string"}, "publisher": {"type": "string"},
                "edition": {"type": "string"}, "published": {"type": "string"},
                "status": {"type": "string"},
                "superseded_by": {"type": "string", "nullable": True},
                "licence": {"type": "string"}, "source_url": {"type": "string"},
                "audiences": {"type": "array", "items": {"type": "string"}},
                "supplied": {"type": "boolean", "description": "The file is present"},
                "indexed": {"type": "boolean"}, "chunks": {"type": "integer"},
                "url": {"type": "string", "nullable": True}}},
            "DocumentList": {"type": "object", "properties": {
                "index_version": {"type": "string", "nullable": True},
                "documents": {"type": "array",
                              "items": {"$ref": "#/components/schemas/Document"}}}},
            "DocumentDetail": {"allOf": [{"$ref": "#/components/schemas/Document"}, {
                "type": "object", "properties": {
                    "text": {"type": "string"},
                    "blocks": {"type": "array", "items": {"type": "object"}},
                    "chunks": {"type": "array", "items": {"type": "object"}}}}]},
        },
    },
}
