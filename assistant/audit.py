"""The audit log: one append-only row per question answered, abstained on, refused or held.

A row says who asked (user and role at the time), when, under which request id, the question
*as redacted* (:func:`assistant.personal_data.redact`: the raw text is never stored), what
happened (``answered``, ``abstained``, ``refused`` by the input guardrails, or ``warned``:
held for the personal-data warning), the citations shown and the latency. Rows are never
updated (the ORM refuses); the only delete is :func:`purge`, the retention rule.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TextIO

from sqlalchemy import Boolean, Float, Integer, String, Text, delete, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.db import Base, UtcDateTime, utcnow
from assistant.personal_data import redact
from assistant.spreadsheet import safe_cell

ANSWERED, ABSTAINED, REFUSED, WARNED = "answered", "abstained", "refused", "warned"
STATUSES = (ANSWERED, ABSTAINED, REFUSED, WARNED)
MAX_STORED_CHARS = 4000
CSV_COLUMNS = ("id", "at", "username", "role", "request_id", "status", "question",
               "personal_data", "urgent", "citations", "latency_ms", "index_version")


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    username: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    personal_data: Mapped[str] = mapped_column(String(200), default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    citations: Mapped[str] = mapped_column(Text, default="[]")
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    index_version: Mapped[str] = mapped_column(String(100), default="")


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper: object, connection: object, target: AuditEvent) -> None:
    raise PermissionError("the audit log is append-only")


@dataclass(frozen=True)
class AuditEntry:
    """What the web layer knows about one question; :func:`record` redacts before storing."""

    username: str
    role: str
    request_id: str
    question: str
    status: str
    user_id: int | None = None
    personal_data: Sequence[str] = ()
    urgent: bool = False
    citations: Sequence[dict[str, object]] = field(default_factory=list)
    latency_ms: float = 0.0
    index_version: str = ""


def record(session: Session, entry: AuditEntry) -> AuditEvent:
    if entry.status not in STATUSES:
        raise ValueError(f"unknown audit status {entry.status!r}")
    row = AuditEvent(
        at=utcnow(), user_id=entry.user_id, username=entry.username, role=entry.role,
        request_id=entry.request_id[:64], question=redact(entry.question[:MAX_STORED_CHARS]),
        status=entry.status, personal_data=",".join(sorted(set(entry.personal_data))),
        urgent=entry.urgent, citations=json.dumps(list(entry.citations)),
        latency_ms=round(entry.latency_ms, 1), index_version=entry.index_version[:100])
    session.add(row)
    session.flush()
    return row


def cited(citations: Iterable[dict[str, object]]) -> list[dict[str, object]]:
    """The part of each shown citation worth keeping: which passage and which span."""
    return [{key: c.get(key) for key in ("n", "document_id", "chunk_id", "edition", "span")}
            for c in citations]


def events(session: Session, *, limit: int | None = 200, status: str | None = None,
           since: datetime | None = None) -> list[AuditEvent]:
    """Newest first."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if status:
        query = query.where(AuditEvent.status == status)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def stream_events(session: Session, since: datetime | None = None) -> Iterator[AuditEvent]:
    """Every row, newest first, fetched in batches (for exports of a large log)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    yield from session.scalars(query.execution_options(yield_per=500))


def find_event(session: Session, request_id: str) -> AuditEvent | None:
    return session.scalar(select(AuditEvent).where(AuditEvent.request_id == request_id)
                          .order_by(AuditEvent.id.desc()).limit(1))


def purge(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Delete rows older than ``retention_days``; returns how many went."""
    if retention_days < 1:
        raise ValueError("the retention period must be at least one day")
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    result = session.execute(delete(AuditEvent).where(AuditEvent.at < cutoff))
    return int(result.rowcount or 0)


def csv_lines(rows: Iterable[AuditEvent]) -> Iterator[str]:
    """CSV, a header row then one line per row (streamed: the log may be large); cells a
    spreadsheet would run as formulas are quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield _drain(buffer)
    for row in rows:
        writer.writerow([safe_cell(value) for value in (
            row.id, row.at.isoformat(), row.username, row.role, row.request_id, row.status,
            row.question, row.personal_data, row.urgent, row.citations, row.latency_ms,
            row.index_version)])
        yield _drain(buffer)


def write_csv(rows: Iterable[AuditEvent], out: TextIO) -> None:
    for line in csv_lines(rows):
        out.write(line)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
