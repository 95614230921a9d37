"""The review workflow as pure functions: each takes a quiz and returns a new one.

The web layer calls these and saves the result with :mod:`assistant.quiz.store`; none
mutates its input, and each raises :class:`QuizError` for an unknown item or a change that
breaks a rule, leaving the quiz as it was. Editing an item withdraws its approval: the
reviewed text has changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from assistant.quiz.model import Item, Option, Quiz, QuizError
from assistant.quiz.validate import validate_item, validate_quiz

EDITABLE_FIELDS = ("stem", "question", "answer", "feedback", "options")


def edit_item(quiz: Quiz, item_id: str, **changes: Any) -> Quiz:
    """Change an item's text or options (``options`` as Options or dicts); unapproves it.

    Changing the correct option's text of a multiple-choice item updates ``answer`` with it.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise QuizError(f"cannot edit {', '.join(unknown)}", field=unknown[0], item_id=item_id)
    item = quiz.item(item_id)
    if "options" in changes:
        changes["options"] = tuple(o if isinstance(o, Option) else Option(**o)
                                   for o in changes["options"])
        if item.kind == "multiple_choice" and "answer" not in changes:
            correct = next((o for o in changes["options"] if o.correct), None)
            changes["answer"] = correct.text if correct else ""
    edited = validate_item(replace(item, **changes, approved=False))
    return _with_items(quiz, [edited if i.id == item_id else i for i in quiz.items])


def delete_item(quiz: Quiz, item_id: str) -> Quiz:
    quiz.item(item_id)
    return _with_items(quiz, [i for i in quiz.items if i.id != item_id])


def move_item(quiz: Quiz, item_id: str, position: int) -> Quiz:
    """Put an item at ``position`` (0-based) in the quiz order."""
    item = quiz.item(item_id)
    if not 0 <= position < len(quiz.items):
        raise QuizError(f"position {position} is outside 0..{len(quiz.items) - 1}",
                        field="position", item_id=item_id)
    rest = [i for i in quiz.items if i.id != item_id]
    rest.insert(position, item)
    return _with_items(quiz, rest)


def reorder(quiz: Quiz, item_ids: list[str]) -> Quiz:
    """Put the items in the given order; the ids must be exactly the quiz's ids."""
    if sorted(item_ids) != sorted(i.id for i in quiz.items):
        raise QuizError("the new order must list every item exactly once", field="items")
    return _with_items(quiz, [quiz.item(i) for i in item_ids])


def add_item(quiz: Quiz, kind: str, stem: str, *, question: str = "", answer: str = "",
             feedback: str = "", options: list[Option] | list[dict[str, Any]] = (),
             position: int | None = None) -> Quiz:
    """Add a trainer's own item (no sources: the trainer vouches for it), at the end or
    at ``position``. It starts unapproved, like generated items."""
    parsed = tuple(o if isinstance(o, Option) else Option(**o) for o in options)
    if kind == "multiple_choice" and not answer:
        answer = next((o.text for o in parsed if o.correct), "")
    item = Item(id=_own_id(quiz, kind, stem), kind=kind, stem=stem, question=question,
                options=parsed, answer=answer, feedback=feedback, origin="trainer")
    validate_item(item)
    items = list(quiz.items)
    items.insert(len(items) if position is None else position, item)
    return _with_items(quiz, items)


def approve_item(quiz: Quiz, item_id: str, approved: bool = True) -> Quiz:
    item = quiz.item(item_id)
    return _with_items(quiz, [replace(item, approved=approved) if i.id == item_id else i
                              for i in quiz.items])


def approve_all(quiz: Quiz) -> Quiz:
    return _with_items(quiz, [replace(i, approved=True) for i in quiz.items])


def rename(quiz: Quiz, title: str) -> Quiz:
    return validate_quiz(replace(quiz, title=title))


def _with_items(quiz: Quiz, items: list[Item]) -> Quiz:
    return validate_quiz(replace(quiz, items=tuple(items)))


def _own_id(quiz: Quiz, kind: str, stem: str) -> str:
    taken = {i.id for i in quiz.items}
    for n in range(len(taken) + 1):
        digest = hashlib.sha256(f"{kind}\n{stem}\n{n}".encode()).hexdigest()[:10]
        if f"own-{digest}" not in taken:
            return f"own-{digest}"
    raise AssertionError("unreachable: one of len(taken)+1 ids is free")
