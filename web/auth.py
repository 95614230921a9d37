"""Sign-in, roles and who may use what.

Every route needs a signed-in user unless it is in :data:`PUBLIC_ENDPOINTS` (the probes, the
metrics, the sign-in pages, static files): a new route is closed by default. :data:`ACCESS`
is the one table of which roles may use which area; views say their area with
``@require_roles(*ACCESS["audit"])``. People sign in with a local password (Argon2, locked
after repeated failures) or by OpenID Connect (:mod:`web.oidc`); scripts send a personal API
token as ``Authorization: Bearer sg_...``. Unauthenticated API calls get 401 JSON; pages
redirect to ``/login``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy.orm import Session

from assistant import users
from assistant.db import database_url, session_scope
from assistant.users import ADMIN, ROLES, SUPERVISOR, TRAINER
from web import oidc
from web.errors import WebError, wants_json

blueprint = Blueprint("auth", __name__)
log = logging.getLogger("safeguide.web")

EVERY_ROLE = ROLES
ACCESS: dict[str, tuple[str, ...]] = {
    "ask": EVERY_ROLE,          # the ask page and POST /api/ask
    "documents": EVERY_ROLE,    # the document list and the reader
    "checklists": EVERY_ROLE,
    "feedback": EVERY_ROLE,
    "tokens": EVERY_ROLE,       # their own API tokens (/account/tokens)
    "audit": (SUPERVISOR, ADMIN),         # the audit log and its CSV export
    "content_gaps": (SUPERVISOR, ADMIN),  # abstentions and answers rated down
    "quizzes": (TRAINER, ADMIN),
    "users": (ADMIN,),
}
PUBLIC_ENDPOINTS = frozenset({
    "api.healthz", "api.readyz", "metrics.metrics_view", "static",
    "auth.login_page", "auth.login", "auth.oidc_login", "auth.oidc_callback",
})
GENERIC_FAILURE = "That user name and password did not match, or the account is not active."
LOCKED = ("This account is locked after too many failed sign-ins. Try again later or ask an "
          "administrator to reset it.")


@dataclass(frozen=True)
class SignedIn:
    """The user of this request, detached from the database session (Flask-Login's user)."""

    id: int
    username: str
    role: str
    by_token: bool = False
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return str(self.id)

    @classmethod
    def of(cls, user: users.User, by_token: bool = False) -> SignedIn:
        return cls(id=user.id, username=user.username, role=user.role, by_token=by_token)


def init_app(app: Flask) -> None:
    app.config["SAFEGUIDE_DATABASE_URL"] = database_url(app.config["SAFEGUIDE"])
    web = app.config["SAFEGUIDE_WEB"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=int(web["session_hours"]))
    manager = LoginManager()
    manager.session_protection = "basic"
    manager.user_loader(_load_user)
    manager.unauthorized_handler(_unauthorized)
    manager.init_app(app)
    app.before_request(_require_sign_in)
    app.context_processor(lambda: {"can": can})
    app.register_blueprint(blueprint)
    oidc.init_app(app)


@contextmanager
def db() -> Iterator[Session]:
    """A database session for this app, committed when the block ends without error."""
    with session_scope(current_app.config["SAFEGUIDE_DATABASE_URL"]) as s:
        yield s


def _load_user(user_id: str) -> SignedIn | None:
    with db() as s:
        user = s.get(users.User, int(user_id)) if user_id.isdigit() else None
        return SignedIn.of(user) if user is not None and user.active else None


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def _user_for_token(secret: str) -> SignedIn | None:
    with db() as s:
        user = users.user_for_token(s, secret)
        return SignedIn.of(user, by_token=True) if user is not None else None


def _unauthorized() -> Any:
    if wants_json() or bearer_token() is not None:
        raise WebError(401, "sign in first: send 'Authorization: Bearer <token>' "
                            "(python -m assistant tokens create USER)")
    return redirect(url_for("auth.login_page", next=request.full_path.rstrip("?")))


def _require_sign_in() -> Any:
    """Before every request: who is asking (token or session), then the CSRF check.

    A bearer header decides even beside a session cookie, and a bad token is a 401. Token
    calls are exempt from CSRF: a browser never adds that header to a forged request.
    """
    secret = bearer_token()
    if secret is not None:
        user = _user_for_token(secret)
        if user is None:
            raise WebError(401, "the API token is not valid or has been revoked")
        g._login_user = user  # Flask-Login's per-request user; no session cookie is made
    if request.endpoint not in PUBLIC_ENDPOINTS and request.endpoint is not None:
        # (unmatched paths fall through to 404/405)
        if not current_user.is_authenticated:
            return _unauthorized()
    if secret is None:
        from web.security import protect_from_csrf

        protect_from_csrf()
    return None


def can(area: str) -> bool:
    """Whether the signed-in user's role may use ``area`` (templates use it for the nav)."""
    return bool(current_user.is_authenticated) and current_user.role in ACCESS[area]


def require_roles(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Refuse (403) a signed-in user whose role is not one of ``roles``."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"require_roles: unknown roles {sorted(unknown)}")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return _unauthorized()
            if current_user.role not in roles:
                raise WebError(403, "your role does not give access to this page")
            return view(*args, **kwargs)

        wrapped.roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorate


def start_session(user: users.User) -> None:
    """Sign ``user`` in: a fresh session (no fixation), permanent for ``session_hours``."""
    session.clear()
    session.permanent = True
    login_user(SignedIn.of(user))


def safe_next(target: str | None) -> str:
    """Only a local path: ``next`` must not send the user to another site after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("pages.ask_page")


@blueprint.get("/login")
def login_page() -> Any:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    return render_template("login.html", next=request.args.get("next", ""),
                           oidc_label=_oidc_label(), error=None, username="")


@blueprint.post("/login")
def login() -> Any:
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    settings = current_app.config["SAFEGUIDE"]
    with db() as s:
        result = users.authenticate(s, username, password,
                                    max_attempts=int(settings["lockout_attempts"]),
                                    lock_minutes=int(settings["lockout_minutes"]))
        if result.user is not None:
            start_session(result.user)
    if result.user is None:
        log.warning("sign-in refused: %s", result.reason,
                    extra={"request_id": g.get("request_id")})
        message = LOCKED if result.reason == "account locked" else GENERIC_FAILURE
        return render_template("login.html", next=request.form.get("next", ""),
                               oidc_label=_oidc_label(), error=message,
                               username=username), 401
    return redirect(safe_next(request.form.get("next")))


@blueprint.post("/logout")
def logout() -> Any:
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.login_page"))


@blueprint.get("/login/oidc")
def oidc_login() -> Any:
    return oidc.authorize_redirect()


@blueprint.get("/login/oidc/callback")
def oidc_callback() -> Any:
    with db() as s:
        user = oidc.sign_in_from_callback(s)
        start_session(user)
    return redirect(url_for("pages.ask_page"))


def _oidc_label() -> str | None:
    web = current_app.config["SAFEGUIDE_WEB"]
    return web["oidc_label"] if web["oidc_discovery_url"] else None
