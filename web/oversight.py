"""Pages for supervisors and admins: the audit log (and its CSV), the content-gap report and
the user list. Everything shown here was redacted before it was stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context

from assistant import audit, users
from assistant.db import utcnow
from assistant.feedback import content_gaps
from web.auth import ACCESS, db, require_roles
from web.errors import WebError

blueprint = Blueprint("oversight", __name__)
PAGE_ROWS = 200


@blueprint.get("/audit")
@require_roles(*ACCESS["audit"])
def audit_log() -> Any:
    status = request.args.get("status") or None
    if status is not None and status not in audit.STATUSES:
        raise WebError(400, f"unknown status {status!r} (use {', '.join(audit.STATUSES)})")
    with db() as session:
        rows = audit.events(session, limit=PAGE_ROWS, status=status)
        shown = [{"row": row, "citations": json.loads(row.citations or "[]")} for row in rows]
    return render_template("audit.html", rows=shown, status=status, statuses=audit.STATUSES,
                           limit=PAGE_ROWS)


@blueprint.get("/audit.csv")
@require_roles(*ACCESS["audit"])
def audit_csv() -> Any:
    def lines() -> Iterator[str]:
        with db() as session:
            yield from audit.csv_lines(audit.stream_events(session))

    name = f"safeguide-audit-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@blueprint.get("/content-gaps")
@require_roles(*ACCESS["content_gaps"])
def content_gap_report() -> Any:
    with db() as session:
        gaps = content_gaps(session)
    return render_template("content_gaps.html", gaps=gaps)


@blueprint.get("/admin/users")
@require_roles(*ACCESS["users"])
def user_list() -> Any:
    with db() as session:
        people = [{"username": u.username, "role": u.role, "active": u.active,
                   "locked": u.is_locked(), "sso_only": u.password_hash is None,
                   "last_login_at": u.last_login_at,
                   "tokens": sum(1 for t in u.tokens if t.revoked_at is None)}
                  for u in users.list_users(session)]
    return render_template("users.html", people=people)
