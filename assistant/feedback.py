"""Feedback on answers and the content-gap report built from it and from the audit log.

An officer rates an answer up or down, with a reason when down and an optional comment. The
row keeps the request id and the citations that were shown (copied from the audit row, so
the client cannot claim other sources) and the question as redacted there. The comment is
redacted too. The content-gap report lists what supervisors should fix first: questions
the assistant abstained on and answers rated down, grouped by redacted question, most
frequent first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.audit import ABSTAINED, AuditEvent, find_event
from assistant.db import Base, UtcDateTime, utcnow
from assistant.personal_data import redact

UP, DOWN = "up", "down"
RATINGS = (UP, DOWN)
REASONS = ("inaccurate", "incomplete", "not_relevant", "out_of_date")
MAX_COMMENT_CHARS = 1000


class FeedbackError(ValueError):
    """Feedback that cannot be stored (unknown answer, bad rating or reason)."""


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    rating: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(30), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    question: Mapped[str] = mapped_column(Text, default="")
    citations: Mapped[str] = mapped_column(Text, default="[]")


@dataclass
class Gap:
    """One line of the content-gap report."""

    question: str
    last_seen: datetime
    abstained: int = 0
    rated_down: int = 0
    reasons: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return self.abstained + self.rated_down


def record_feedback(session: Session, *, user_id: int | None, username: str, request_id: str,
                    rating: str, reason: str = "", comment: str = "") -> Feedback:
    """Store feedback on an answer the same user was shown (found by its audit row)."""
    if rating not in RATINGS:
        raise FeedbackError(f"'rating' must be one of {', '.join(RATINGS)}")
    if reason and reason not in REASONS:
        raise FeedbackError(f"'reason' must be one of {', '.join(REASONS)}")
    if len(comment) > MAX_COMMENT_CHARS:
        raise FeedbackError(f"'comment' is longer than {MAX_COMMENT_CHARS} characters")
    shown = find_event(session, request_id)
    if shown is None or shown.username != username or shown.status == "warned":
        raise FeedbackError(f"no answer with request id {request_id!r} was shown to you")
    row = Feedback(at=utcnow(), user_id=user_id, request_id=request_id, rating=rating,
                   reason=reason, comment=redact(comment.strip()), question=shown.question,
                   citations=shown.citations)
    session.add(row)
    session.flush()
    return row


def content_gaps(session: Session, limit: int = 100) -> list[Gap]:
    """Abstained questions and answers rated down, by redacted question, most frequent first."""
    gaps: dict[str, Gap] = {}
    abstained = session.execute(
        select(AuditEvent.question, func.count(), func.max(AuditEvent.at))
        .where(AuditEvent.status == ABSTAINED).group_by(AuditEvent.question))
    for question, count, last in abstained:
        gaps[question] = Gap(question=question, last_seen=last, abstained=count)
    rated = session.execute(
        select(Feedback.question, Feedback.reason, func.count(), func.max(Feedback.at))
        .where(Feedback.rating == DOWN).group_by(Feedback.question, Feedback.reason))
    for question, reason, count, last in rated:
        gap = gaps.setdefault(question, Gap(question=question, last_seen=last))
        gap.rated_down += count
        gap.last_seen = max(gap.last_seen, last)
        if reason:
            gap.reasons.add(reason)
    report = sorted(gaps.values(),
                    key=lambda gap: (-gap.total, -gap.last_seen.timestamp(), gap.question))
    return report[:limit]
