"""Web security: the secret key, session cookies, CSRF, rate limits, HSTS, proxies.

- ``SECRET_KEY`` comes from ``SAFEGUIDE_SECRET_KEY``. With none set (one machine), a random
  key is generated once into ``instance_dir/secret_key`` (mode 0600) and reused after, and the
  log says so. There is no fixed key.
- CSRF (Flask-WTF): every unsafe request that is not a bearer-token call must carry the
  session's token, in the form field ``csrf_token`` or the ``X-CSRFToken`` header (the ask
  page's fetch calls send it from ``<meta name="csrf-token">``).
- Rate limits (Flask-Limiter) on questions, feedback and sign-in, per user and per client
  address, answered 429 with JSON under ``/api``; counters in ``ratelimit_storage_uri``
  (``memory://`` per process, ``redis://`` shared by every worker and host).
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limit, Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger("safeguide.web")
SECRET_FILE = "secret_key"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
QUESTION_ENDPOINTS = frozenset({"api.ask", "pages.ask_form"})
PER_ADDRESS_ENDPOINTS = QUESTION_ENDPOINTS | {"feedback.feedback"}
LOGIN_ENDPOINTS = frozenset({"auth.login"})
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    web = app.config["SAFEGUIDE_WEB"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(web["secret_key"],
                                              app.config["SAFEGUIDE"]["instance_dir"])
    app.config.update(
        SESSION_COOKIE_NAME="safeguide_session", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=bool(web["secure_cookies"]),
        WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None,
    )
    CSRFProtect(app)
    if int(web["trusted_proxies"]) > 0:
        hops = int(web["trusted_proxies"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    Limiter(
        _client_key, app=app, storage_uri=web["ratelimit_storage_uri"], headers_enabled=True,
        default_limits=[
            Limit(web["rate_limit_user"], key_function=_user_key, shared=True, scope="ask",
                  exempt_when=lambda: _exempt(QUESTION_ENDPOINTS)),
            Limit(web["rate_limit_ip"], key_function=_client_key, shared=True, scope="ip",
                  exempt_when=lambda: _exempt(PER_ADDRESS_ENDPOINTS)),
            Limit(web["rate_limit_login"], key_function=_client_key, shared=True,
                  scope="login", exempt_when=lambda: _exempt(LOGIN_ENDPOINTS)),
        ],
    )
    app.after_request(_security_headers)


def secret_key(configured: str, instance_dir: str) -> str:
    """The configured key, else the one generated once into the instance folder."""
    if configured:
        return configured
    path = Path(instance_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f".{SECRET_FILE}.{os.getpid()}")
        descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(staged, path)  # atomic; loses quietly to another process's key
            log.warning("no SAFEGUIDE_SECRET_KEY set: generated one into %s (mode 0600); "
                        "set SAFEGUIDE_SECRET_KEY when several hosts serve", path)
        except FileExistsError:
            pass
        finally:
            staged.unlink(missing_ok=True)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable secret key: delete it to make a new one")
    return key


def protect_from_csrf() -> None:
    """Check the CSRF token of an unsafe request (400 when missing or wrong)."""
    if request.method in UNSAFE_METHODS:
        current_app.extensions["csrf"].protect()


def _exempt(endpoints: frozenset[str]) -> bool:
    return request.endpoint not in endpoints or request.method not in UNSAFE_METHODS


def _client_key() -> str:
    return "ip:" + (get_remote_address() or "unknown")


def _user_key() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return _client_key()


def _security_headers(response: Any) -> Any:
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
