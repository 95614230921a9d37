"""The ask page. With JavaScript it talks to ``/api/ask``; without, the form posts here and
the same answer is rendered on the server, thread kept in hidden ``history`` fields.

Questions travel only in POST bodies (never in a URL), so they stay out of access logs and
browser history.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from web.answering import PERSONAL_DATA_WARNING, answer
from web.errors import WebError
from web.validation import parse_ask

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def ask_page() -> Any:
    return _render()


@blueprint.post("/")
def ask_form() -> Any:
    settings, web = current_app.config["SAFEGUIDE"], current_app.config["SAFEGUIDE_WEB"]
    max_chars, turns = int(settings["max_question_chars"]), int(web["history_turns"])
    history = [h for h in request.form.getlist("history") if h.strip()][-turns:]
    body = {"question": request.form.get("question", ""), "history": history,
            "confirm_personal_data": request.form.get("confirm_personal_data") == "1"}
    try:
        payload = answer(parse_ask(body, max_chars, turns))
    except WebError as error:  # shown on the page, beside the question, not as an error page
        return _render(error=error.message, question=body["question"],
                       history=history), error.status
    if payload["status"] == PERSONAL_DATA_WARNING:  # edit it, or ask anyway
        return _render(warning=payload, question=body["question"], history=history)
    return _render(turn=payload, history=[*history, payload["question"]][-turns:])


def _render(turn: dict[str, Any] | None = None, error: str | None = None,
            question: str = "", history: list[str] | None = None,
            warning: dict[str, Any] | None = None) -> str:
    return render_template(
        "ask.html", turn=turn, error=error, question=question, history=history or [],
        warning=warning, max_chars=int(current_app.config["SAFEGUIDE"]["max_question_chars"]),
    )
