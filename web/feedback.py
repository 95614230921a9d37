"""Thumbs up or down on an answer, with a reason and a comment: ``POST /api/feedback``
(JSON, what the page's script sends) and ``POST /feedback`` (the page's form when
JavaScript is off: public-sector pages must work without it).

The answer is named by its ``request_id``; it must have been shown to the same user (its
audit row says so), and the stored row takes the citations and redacted question from that
audit row. The comment is redacted before it is stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user

from assistant.feedback import REASONS, FeedbackError, record_feedback
from web.auth import ACCESS, db, require_roles
from web.errors import WebError
from web.validation import read_json_object

blueprint = Blueprint("feedback", __name__)
FIELDS = ("request_id", "rating", "reason", "comment")


@blueprint.post("/api/feedback")
@require_roles(*ACCESS["feedback"])
def feedback() -> Any:
    body = read_json_object()
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise WebError(400, f"unknown field {unknown[0]!r} (expected {', '.join(FIELDS)})")
    for name in FIELDS:
        if name in body and not isinstance(body[name], str):
            raise WebError(400, f"'{name}' must be a string")
    return jsonify({"status": "recorded", **_record(body)}), 201


@blueprint.post("/feedback")
@require_roles(*ACCESS["feedback"])
def feedback_form() -> Any:
    """The no-JavaScript form: a page saying it was recorded, or why not (400)."""
    body = {name: request.form.get(name, "") for name in FIELDS}
    try:
        _record(body)
    except WebError as error:
        return render_template("feedback_sent.html", error=error.message), error.status
    return render_template("feedback_sent.html", error=None)


def _record(body: dict[str, Any]) -> dict[str, Any]:
    if not body.get("request_id"):
        raise WebError(400, "missing field 'request_id' (the answer's request id)")
    try:
        with db() as session:
            row = record_feedback(
                session, user_id=current_user.id, username=current_user.username,
                request_id=body["request_id"], rating=body.get("rating", ""),
                reason=body.get("reason", ""), comment=body.get("comment", ""))
            return {"id": row.id, "request_id": row.request_id, "rating": row.rating,
                    "reason": row.reason}
    except FeedbackError as exc:
        raise WebError(400, str(exc), reasons=list(REASONS)) from None
