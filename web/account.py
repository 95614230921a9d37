"""``/account/tokens``: every signed-in user manages their own personal API tokens.

A new token's secret is shown once, on the page that created it; the list shows names,
dates and state, never secrets. Revoking works on the user's own tokens only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from assistant import users
from web.auth import ACCESS, db, require_roles
from web.errors import WebError

blueprint = Blueprint("account", __name__)


@blueprint.get("/account/tokens")
@require_roles(*ACCESS["tokens"])
def tokens() -> Any:
    return _render()


@blueprint.post("/account/tokens")
@require_roles(*ACCESS["tokens"])
def create_token() -> Any:
    if getattr(current_user, "by_token", False):  # a stolen token must not mint more
        raise WebError(403, "tokens are created from a signed-in page, not with a token")
    with db() as session:
        user = session.get(users.User, current_user.id)
        _, secret = users.create_token(session, user, request.form.get("name", ""))
    return _render(secret=secret), 201


@blueprint.post("/account/tokens/<int:token_id>/revoke")
@require_roles(*ACCESS["tokens"])
def revoke_token(token_id: int) -> Any:
    with db() as session:
        token = session.get(users.ApiToken, token_id)
        if token is None or token.user_id != current_user.id:
            raise WebError(404, "you have no token with that id")
        users.revoke_token(session, token_id)
    return redirect(url_for("account.tokens"))


def _render(secret: str | None = None) -> str:
    with db() as session:
        owned = [{"id": t.id, "name": t.name, "created_at": t.created_at,
                  "last_used_at": t.last_used_at, "revoked": t.revoked_at is not None}
                 for t in users.list_tokens(session, session.get(users.User, current_user.id))]
    return render_template("tokens.html", tokens=owned, secret=secret)
