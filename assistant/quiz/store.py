"""Quizzes in the database: create, load, list, save and delete the quizzes a trainer owns.

One row per quiz. The quiz itself (title, topics, sections, seed, items with their options
and sources) is stored as the JSON of :meth:`Quiz.to_dict`, because a quiz is a document
edited as a whole: the web layer always loads it whole, applies one pure operation of
:mod:`assistant.quiz.edit` and saves it whole; nothing queries single items. Reading it
back goes through :meth:`Quiz.from_dict`, which checks every rule again, so a row can never
hand the web layer a broken quiz, and a new optional item field needs no migration. The
title and the item counts are also columns, for the list page.

Two browser tabs (or two admins) editing one quiz must not silently overwrite each other:
every row has a ``version``, a save names the version it started from, and the update only
happens ``WHERE version = expected`` (one portable SQL statement, atomic on SQLite and
PostgreSQL); otherwise :class:`QuizConflictError`.

Ownership: a trainer sees and changes only the quizzes they created; a reader with
``sees_all`` (admins) sees every quiz. A quiz that is not there and one that belongs to
someone else are the same :class:`QuizNotFoundError`, so ids reveal nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, select, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.db import Base, UtcDateTime, utcnow
from assistant.quiz.model import Quiz, QuizError
from assistant.quiz.validate import validate_quiz
from assistant.users import User

TITLE_CHARS = 200


class QuizNotFoundError(LookupError):
    """No quiz with that id that this user may see."""


class QuizConflictError(RuntimeError):
    """The quiz changed since the caller loaded it (another tab saved first)."""

    def __init__(self, quiz_id: int, expected: int, current: int) -> None:
        super().__init__(f"quiz {quiz_id} is at version {current}, not {expected}: "
                         "it was changed elsewhere since it was opened")
        self.quiz_id = quiz_id
        self.expected = expected
        self.current = current


class StoredQuiz(Base):
    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_CHARS))
    items: Mapped[int] = mapped_column(Integer, default=0)
    approved: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


@dataclass(frozen=True)
class QuizRecord:
    """A stored quiz as the web layer sees it: the quiz, its version and who owns it."""

    id: int
    owner: str
    quiz: Quiz
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class QuizSummary:
    """A line of the quiz list (no items loaded)."""

    id: int
    owner: str
    title: str
    items: int
    approved: int
    updated_at: datetime


def create(session: Session, owner_id: int, quiz: Quiz) -> QuizRecord:
    """Store a new quiz owned by ``owner_id`` (version 1)."""
    now = utcnow()
    row = StoredQuiz(owner_id=owner_id, version=1, created_at=now, updated_at=now,
                     **_columns(validate_quiz(quiz)))
    session.add(row)
    session.flush()
    return _record(session, row)


def load(session: Session, quiz_id: int, user_id: int, sees_all: bool = False) -> QuizRecord:
    return _record(session, _row(session, quiz_id, user_id, sees_all))


def list_quizzes(session: Session, user_id: int, sees_all: bool = False) -> list[QuizSummary]:
    """The user's quizzes (every quiz with ``sees_all``), most recently changed first."""
    query = (select(StoredQuiz, User.username).join(User, User.id == StoredQuiz.owner_id)
             .order_by(StoredQuiz.updated_at.desc(), StoredQuiz.id.desc()))
    if not sees_all:
        query = query.where(StoredQuiz.owner_id == user_id)
    return [QuizSummary(id=row.id, owner=owner, title=row.title, items=row.items,
                        approved=row.approved, updated_at=row.updated_at)
            for row, owner in session.execute(query)]


def save(session: Session, quiz_id: int, user_id: int, quiz: Quiz, expected_version: int,
         sees_all: bool = False) -> QuizRecord:
    """Replace the stored quiz if it is still at ``expected_version``; the version goes up.

    Raises :class:`QuizConflictError` when another save came first (nothing is written),
    :class:`QuizNotFoundError` when the user may not see the quiz.
    """
    row = _row(session, quiz_id, user_id, sees_all)
    result = session.execute(
        update(StoredQuiz)
        .where(StoredQuiz.id == quiz_id, StoredQuiz.version == expected_version)
        .values(version=StoredQuiz.version + 1, updated_at=utcnow(),
                **_columns(validate_quiz(quiz)))
        .execution_options(synchronize_session=False))
    session.refresh(row)
    if result.rowcount != 1:
        raise QuizConflictError(quiz_id, expected_version, row.version)
    return _record(session, row)


def delete(session: Session, quiz_id: int, user_id: int, expected_version: int | None = None,
           sees_all: bool = False) -> None:
    """Delete the quiz; with ``expected_version``, only if nobody saved it since (else
    :class:`QuizConflictError`): a page out of date must not throw away newer work."""
    row = _row(session, quiz_id, user_id, sees_all)
    if expected_version is None:
        session.delete(row)
        session.flush()
        return
    result = session.execute(
        sql_delete(StoredQuiz)
        .where(StoredQuiz.id == quiz_id, StoredQuiz.version == expected_version)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise QuizConflictError(quiz_id, expected_version, row.version)
    session.expunge(row)


def _row(session: Session, quiz_id: int, user_id: int, sees_all: bool) -> StoredQuiz:
    row = session.get(StoredQuiz, quiz_id)
    if row is None or (not sees_all and row.owner_id != user_id):
        raise QuizNotFoundError(f"no quiz {quiz_id}")
    return row


def _columns(quiz: Quiz) -> dict[str, object]:
    if len(quiz.title) > TITLE_CHARS:
        raise QuizError(f"the title is longer than {TITLE_CHARS} characters", field="title")
    return {"title": quiz.title, "items": len(quiz.items),
            "approved": len(quiz.approved_items),
            "data": json.dumps(quiz.to_dict(), ensure_ascii=False)}


def _record(session: Session, row: StoredQuiz) -> QuizRecord:
    owner = session.get(User, row.owner_id)
    return QuizRecord(id=row.id, owner=owner.username if owner else "", version=row.version,
                      quiz=Quiz.from_dict(json.loads(row.data)), created_at=row.created_at,
                      updated_at=row.updated_at)
