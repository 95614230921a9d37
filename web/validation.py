"""Reading ``POST /api/ask`` bodies: every rejection names the field and the problem.

The question's *content* is checked by the core (:func:`assistant.query.clean_question`:
empty, too long, binary); here we check the envelope (JSON object, field names and types).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import request

from web.errors import WebError

FIELDS = ("question", "history", "filters", "confirm_personal_data")
FILTER_NAMES = ("kind", "status", "document_id", "audience")


@dataclass(frozen=True)
class AskRequest:
    question: str
    history: list[dict[str, str]]
    filters: dict[str, str | list[str]] | None
    confirm_personal_data: bool = False


def read_json_object() -> dict[str, Any]:
    """The request body as a JSON object, or a 400 :class:`WebError` saying what is wrong.

    Reading the body first lets Flask's size limit answer 413 before any parsing.
    """
    raw = request.get_data(cache=True)
    if not request.is_json:
        raise WebError(400, "the body must be JSON: send Content-Type: application/json")
    if not raw.strip():
        raise WebError(400, 'the body is empty: send {"question": "..."}')
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise WebError(400, "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise WebError(400, 'the body must be a JSON object: {"question": "..."}')
    return body


def parse_ask(body: dict[str, Any], max_chars: int, max_turns: int) -> AskRequest:
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise WebError(400, f"unknown field {unknown[0]!r} (expected {', '.join(FIELDS)})")
    if "question" not in body:
        raise WebError(400, "missing field 'question'")
    question = body["question"]
    if not isinstance(question, str):
        raise WebError(400, f"'question' must be a string, not {_type(question)}")
    confirm = body.get("confirm_personal_data", False)
    if not isinstance(confirm, bool):
        raise WebError(400, f"'confirm_personal_data' must be true or false, not {_type(confirm)}")
    return AskRequest(question=question,
                      history=_history(body.get("history"), max_chars, max_turns),
                      filters=_filters(body.get("filters")), confirm_personal_data=confirm)


def _history(value: Any, max_chars: int, max_turns: int) -> list[dict[str, str]]:
    """Previous turns, oldest first: strings or ``{"question": str, "answer"?: str}``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise WebError(400, f"'history' must be a list, not {_type(value)}")
    if len(value) > 100:
        raise WebError(400, f"'history' has {len(value)} turns; the limit is 100")
    turns = []
    for position, turn in enumerate(value):
        where = f"history[{position}]"
        if isinstance(turn, str):
            turn = {"question": turn}
        if not isinstance(turn, dict):
            raise WebError(400, f"'{where}' must be a string or an object, not {_type(turn)}")
        text = turn.get("question")
        if not isinstance(text, str):
            raise WebError(400, f"'{where}.question' must be a string, not {_type(text)}")
        if len(text) > max_chars:
            raise WebError(400, f"'{where}.question' is longer than {max_chars} characters")
        answer = turn.get("answer", "")
        if not isinstance(answer, str):
            raise WebError(400, f"'{where}.answer' must be a string, not {_type(answer)}")
        turns.append({"question": text, "answer": answer[:4000]})
    return turns[-max_turns:] if max_turns > 0 else []


def _filters(value: Any) -> dict[str, str | list[str]] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise WebError(400, f"'filters' must be an object, not {_type(value)}")
    for name, wanted in value.items():
        if name not in FILTER_NAMES:
            raise WebError(400, f"unknown filter 'filters.{name}' "
                                f"(use {', '.join(FILTER_NAMES)})")
        values = wanted if isinstance(wanted, list) else [wanted]
        if not all(isinstance(v, str) for v in values):
            raise WebError(400, f"'filters.{name}' must be a string or a list of strings")
    return value or None


def _type(value: Any) -> str:
    return {type(None): "null", bool: "a boolean", int: "a number", float: "a number",
            str: "a string", list: "a list", dict: "an object"}.get(type(value), "a value")
