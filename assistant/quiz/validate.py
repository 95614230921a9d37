"""The rules every item obeys, whoever wrote it: checked after generation and every edit."""

from __future__ import annotations

import math

from assistant.quiz.model import ITEM_KINDS, Item, Quiz, QuizError

MIN_OPTIONS = 2
MAX_OPTIONS = 6


def validate_item(item: Item) -> Item:
    """Return ``item`` unchanged, or raise :class:`QuizError` naming the field at fault."""
    fail = _failer(item)
    if not item.id.strip():
        fail("an item needs an id", "id")
    if item.kind not in ITEM_KINDS:
        fail(f"unknown kind {item.kind!r} (use {', '.join(ITEM_KINDS)})", "kind")
    if not item.stem.strip():
        fail("the stem is empty", "stem")
    if item.kind == "multiple_choice":
        _check_options(item, fail)
    elif item.options:
        fail(f"a {item.kind} item has no options", "options")
    if item.kind == "scenario" and not item.answer.strip():
        fail("a scenario needs a model answer", "answer")
    if item.kind == "true_false" and item.answer not in ("true", "false"):
        fail(f"a true/false answer is 'true' or 'false', not {item.answer!r}", "answer")
    if item.kind == "numerical" and not _is_number(item.answer):
        fail(f"a numerical answer must be a number, not {item.answer!r}", "answer")
    return item


def validate_quiz(quiz: Quiz) -> Quiz:
    """Every item valid, ids unique, a title: the state the web layer may store."""
    if not quiz.title.strip():
        raise QuizError("the quiz title is empty", field="title")
    seen: set[str] = set()
    for item in quiz.items:
        validate_item(item)
        if item.id in seen:
            raise QuizError("two items share this id", field="id", item_id=item.id)
        seen.add(item.id)
    return quiz


def _check_options(item: Item, fail) -> None:
    if not MIN_OPTIONS <= len(item.options) <= MAX_OPTIONS:
        fail(f"needs {MIN_OPTIONS} to {MAX_OPTIONS} options, has {len(item.options)}", "options")
    for n, option in enumerate(item.options):
        if not option.text.strip():
            fail(f"option {n + 1} is empty", f"options[{n}].text")
    correct = [o for o in item.options if o.correct]
    if len(correct) != 1:
        fail(f"needs exactly one correct option, has {len(correct)}", "options")
    texts = [o.text.strip().lower() for o in item.options]
    if len(set(texts)) != len(texts):
        fail("two options have the same text", "options")
    if item.answer and item.answer != correct[0].text:
        fail("the answer differs from the correct option's text", "answer")


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _failer(item: Item):
    def fail(message: str, field: str) -> None:
        raise QuizError(message, field=field, item_id=item.id)
    return fail
