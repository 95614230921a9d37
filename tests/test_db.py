"""The database layer: migrations build exactly the models' schema; times stay UTC."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import assistant.audit  # noqa: F401  (registers its tables on Base)
import assistant.feedback  # noqa: F401
import assistant.quiz.store  # noqa: F401
from assistant import users
from assistant.db import Base, current_revision, engine_for, session_scope, upgrade

pytest_plugins = ["web_fixtures"]
pytestmark = pytest.mark.database


def test_migrations_build_the_models_schema(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)  # idempotent
    assert current_revision(database_url) == "0002"
    with engine_for(database_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], "the models changed: add a migration (python -m assistant db ...)"


def test_times_are_stored_and_read_as_utc(database_url: str) -> None:
    upgrade(database_url)
    with session_scope(database_url) as session:
        user = users.find_user(session, "utc-test") or \
            users.create_user(session, "utc-test", "officer", "a long enough password")
        user_id = user.id
    with session_scope(database_url) as session:
        created = session.get(users.User, user_id).created_at
        assert created.tzinfo is not None and created.utcoffset().total_seconds() == 0
    with pytest.raises(Exception, match="naive datetime"), \
            session_scope(database_url) as session:
        session.get(users.User, user_id).locked_until = datetime(2030, 1, 1)
        session.flush()
