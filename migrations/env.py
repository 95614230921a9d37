"""Alembic environment, configured by :func:`assistant.db.alembic_config` (no alembic.ini).

``python -m assistant db upgrade`` runs it; new revisions: ``python -m assistant db revision
-m "what changed"`` (autogenerate compares ``assistant.db.Base`` with the database).
"""

from __future__ import annotations

from alembic import context

import assistant.audit  # noqa: F401  (the tables register on Base when imported)
import assistant.feedback  # noqa: F401
import assistant.quiz.store  # noqa: F401
import assistant.users  # noqa: F401
from assistant.db import Base, engine_for

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "alembic_config() sets sqlalchemy.url"
    with engine_for(url).connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
