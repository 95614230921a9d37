"""The SQL database: one declarative ``Base``, an engine per URL, sessions, migrations.

SQLite under the instance folder by default (one machine); any SQLAlchemy URL through the
``database_url`` setting or the conventional ``DATABASE_URL`` variable (PostgreSQL for several
servers). Everything here is portable SQL: no SQLite-only features, and datetimes are stored
timezone-aware and read back as UTC (SQLite drops the offset; :class:`UtcDateTime` restores it).
The schema is owned by Alembic (``migrations/``): ``python -m assistant db upgrade``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from assistant.settings import REPO_ROOT

MIGRATIONS_DIR = REPO_ROOT / "migrations"
DATABASE_FILE = "safeguide.db"
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


class Base(DeclarativeBase):
    """Every table of SafeGuide (users, audit, feedback, quizzes) hangs off this."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def database_url(settings: Mapping[str, Any]) -> str:
    """The setting, else ``DATABASE_URL``, else SQLite in the instance folder."""
    url = settings.get("database_url") or os.environ.get("DATABASE_URL", "")
    if url:
        return url
    path = Path(settings["instance_dir"]) / DATABASE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def engine_for(url: str) -> Engine:
    """One engine (connection pool) per URL per process, created on first use."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_engine(url, pool_pre_ping=True)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every pool: after ``fork()`` a child must not reuse its parent's connections."""
    with _lock:
        for engine in _engines.values():
            engine.dispose(close=False)
        _engines.clear()


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")  # several gunicorn workers write the audit
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the audit page) never block writers
    cursor.close()


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine_for(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
