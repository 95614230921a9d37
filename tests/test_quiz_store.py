"""The quiz repository against the test database (``database_url``: SQLite or PostgreSQL):
round trip, optimistic concurrency, ownership."""

from __future__ import annotations

import pytest
from web_support import prepare_database, username_for

from assistant import users
from assistant.db import session_scope
from assistant.quiz import Option, Quiz, QuizError, Source, store
from assistant.quiz.edit import approve_item, edit_item
from assistant.quiz.model import Item

pytest_plugins = ["web_fixtures"]
pytestmark = pytest.mark.database


def _quiz(title: str = "Stored quiz") -> Quiz:
    source = Source("doc", "doc:abc", "A › B", "Quoted: {x} “curly” and ünïcode",
                    "/documents/doc?span=1-5#doc:abc", title="Doc", edition="2024")
    return Quiz(title=title, topics=("missing children",), seed=7, items=(
        Item(id="mc-1", kind="multiple_choice", stem="Pick one", answer="right",
             options=(Option("wrong", False, "no"), Option("right", True)),
             sources=(source,), section="A › B"),
        Item(id="nu-1", kind="numerical", stem="_____ hours", answer="72", feedback="72 hours",
             approved=True),
    ))


@pytest.fixture(scope="module")
def ids(database_url: str) -> dict[str, int]:
    """User ids of the trainer, the admin and a second trainer."""
    prepare_database(database_url)
    with session_scope(database_url) as session:
        other = users.find_user(session, "test-trainer-2") or \
            users.create_user(session, "test-trainer-2", "trainer", "a long enough password")
        return {"trainer": users.get_user(session, username_for("trainer")).id,
                "admin": users.get_user(session, username_for("admin")).id,
                "other": other.id}


def test_a_quiz_comes_back_exactly_as_it_was_saved(database_url, ids):
    quiz = _quiz()
    with session_scope(database_url) as session:
        created = store.create(session, ids["trainer"], quiz)
    assert created.version == 1 and created.owner == username_for("trainer")
    with session_scope(database_url) as session:
        loaded = store.load(session, created.id, ids["trainer"])
    assert loaded.quiz == quiz  # every field, options, sources, unicode, order
    assert loaded.created_at.utcoffset().total_seconds() == 0
    with session_scope(database_url) as session:
        summary = next(s for s in store.list_quizzes(session, ids["trainer"])
                       if s.id == created.id)
    assert (summary.title, summary.items, summary.approved) == ("Stored quiz", 2, 1)


def test_a_save_from_a_stale_version_is_refused_and_writes_nothing(database_url, ids):
    with session_scope(database_url) as session:
        record = store.create(session, ids["trainer"], _quiz())
    first_tab = edit_item(record.quiz, "mc-1", stem="Pick the right one")
    second_tab = approve_item(record.quiz, "mc-1")
    with session_scope(database_url) as session:
        saved = store.save(session, record.id, ids["trainer"], first_tab, record.version)
    assert saved.version == record.version + 1
    with pytest.raises(store.QuizConflictError) as refused, \
            session_scope(database_url) as session:
        store.save(session, record.id, ids["trainer"], second_tab, record.version)
    assert refused.value.current == saved.version and refused.value.expected == record.version
    with session_scope(database_url) as session:
        now = store.load(session, record.id, ids["trainer"])
    assert now.version == saved.version
    assert now.quiz.item("mc-1").stem == "Pick the right one"  # the first tab's edit stands
    assert not now.quiz.item("mc-1").approved  # the stale approval did not land
    with pytest.raises(store.QuizConflictError), session_scope(database_url) as session:
        store.delete(session, record.id, ids["trainer"], expected_version=record.version)
    with session_scope(database_url) as session:
        store.delete(session, record.id, ids["trainer"], expected_version=now.version)
    with pytest.raises(store.QuizNotFoundError), session_scope(database_url) as session:
        store.load(session, record.id, ids["trainer"])


def test_a_trainer_sees_only_their_own_quizzes_and_an_admin_sees_all(database_url, ids):
    with session_scope(database_url) as session:
        mine = store.create(session, ids["trainer"], _quiz("Mine"))
        theirs = store.create(session, ids["other"], _quiz("Theirs"))
    with session_scope(database_url) as session:
        listed = {s.id for s in store.list_quizzes(session, ids["trainer"])}
        assert mine.id in listed and theirs.id not in listed
        everything = {s.id: s.owner for s in store.list_quizzes(session, ids["admin"],
                                                                 sees_all=True)}
        assert everything[theirs.id] == "test-trainer-2" and mine.id in everything
        for attempt in (lambda: store.load(session, theirs.id, ids["trainer"]),
                        lambda: store.save(session, theirs.id, ids["trainer"], _quiz(), 1),
                        lambda: store.delete(session, theirs.id, ids["trainer"]),
                        lambda: store.load(session, 10**9, ids["admin"], sees_all=True)):
            with pytest.raises(store.QuizNotFoundError):
                attempt()
        assert store.load(session, theirs.id, ids["admin"], sees_all=True).quiz.title == \
            "Theirs"
    with session_scope(database_url) as session:
        store.delete(session, theirs.id, ids["admin"], sees_all=True)
    with pytest.raises(store.QuizNotFoundError), session_scope(database_url) as session:
        store.load(session, theirs.id, ids["other"])


def test_a_broken_quiz_is_never_stored(database_url, ids):
    with pytest.raises(QuizError, match="title"), session_scope(database_url) as session:
        store.create(session, ids["trainer"], _quiz("x" * (store.TITLE_CHARS + 1)))
    with pytest.raises(QuizError, match="title is empty"), \
            session_scope(database_url) as session:
        store.create(session, ids["trainer"], _quiz(" "))
