"""The ask page: a plain form that works without JavaScript."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from assistant.query import QuestionError
from web import get_assistant

blueprint = Blueprint("pages", __name__)


@blueprint.route("/", methods=["GET", "POST"])
def ask_page() -> Any:
    question = request.form.get("question", "") if request.method == "POST" else ""
    answer, error = None, None
    if request.method == "POST":
        try:
            answer = get_assistant().ask(question)
        except QuestionError as exc:
            error = str(exc)
    return render_template("ask.html", question=question, answer=answer, error=error)
