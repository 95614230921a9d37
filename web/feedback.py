"""``POST /api/feedback``: thumbs up or down on an answer, with a reason and a comment.

The answer is named by its ``request_id``; it must have been shown to the same user (its
audit row says so), and the stored row takes the citations and redacted question from that
audit row. The comment is redacted before it is stored.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
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
    if not body.get("request_id"):
        raise WebError(400, "missing field 'request_id' (the answer's request id)")
    try:
        with db() as session:
            row = record_feedback(
                session, user_id=current_user.id, username=current_user.username,
                request_id=body["request_id"], rating=body.get("rating", ""),
                reason=body.get("reason", ""), comment=body.get("comment", ""))
            stored = {"id": row.id, "request_id": row.request_id, "rating": row.rating,
                      "reason": row.reason}
    except FeedbackError as exc:
        raise WebError(400, str(exc), reasons=list(REASONS)) from None
    return jsonify({"status": "recorded", **stored}), 201
