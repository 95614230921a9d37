"""One error type, rendered as JSON under ``/api`` (and the probes) and as a page elsewhere.

Views raise :class:`WebError` with a status and a message meant for the person or client
that sent the request; Flask's own HTTP errors (404, 405, 413) and anything unexpected go
through the same renderer. A 500 never shows a stack trace; it is logged with the request id.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

blueprint = Blueprint("errors", __name__)
log = logging.getLogger("safeguide.web")

JSON_PREFIXES = ("/api/", "/healthz", "/readyz")
TITLES = {
    400: "That request could not be read",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Request too large",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Not ready yet",
}
MESSAGES = {
    404: "There is no page at this address.",
    405: "This address does not accept that method.",
    429: "Too many requests: wait a minute, then try again.",
    500: "An unexpected error stopped this request. It has been logged.",
}


class WebError(Exception):
    """A failure the requester can act on: ``status`` and a human-readable ``message``."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def wants_json() -> bool:
    return request.path == "/api" or request.path.startswith(JSON_PREFIXES)


def render_error(status: int, message: str, headers: dict[str, str] | None = None,
                 **extra: Any) -> Any:
    request_id = g.get("request_id", "")
    if wants_json():
        response = jsonify({"error": message, "request_id": request_id, **extra})
    else:
        response = render_template("error.html", status=status,
                                   title=TITLES.get(status, "Error"), message=message,
                                   request_id=request_id)
    return response, status, headers or {}


@blueprint.app_errorhandler(WebError)
def handle_web_error(error: WebError) -> Any:
    return render_error(error.status, error.message, **error.extra)


@blueprint.app_errorhandler(HTTPException)
def handle_http_error(error: HTTPException) -> Any:
    status = error.code or 500
    headers = {}
    if status == 405:
        allowed = error.get_response().headers.get("Allow")
        if allowed:
            headers["Allow"] = allowed
    if status == 413:
        limit = request.max_content_length or 0
        message = f"the request body is larger than the {limit // 1024} KiB limit"
    else:
        message = MESSAGES.get(status) or error.description or TITLES.get(status, "Error")
    return render_error(status, message, headers)


@blueprint.app_errorhandler(Exception)
def handle_unexpected(error: Exception) -> Any:
    # The traceback goes to the log (with the request id), never to the client.
    log.exception("unhandled error request_id=%s path=%s", g.get("request_id", ""),
                  request.path)
    return render_error(500, MESSAGES[500])
