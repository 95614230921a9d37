"""Sign-in, roles, tokens, CSRF, rate limits and lockout, through real HTTP
on the Flask app (the small corpus's real index, a migrated test database)."""

from __future__ import annotations

import re
import stat
import tempfile
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_support import TEST_PASSWORD, app_for, client_as, username_for

from assistant import users
from assistant.db import session_scope, utcnow
from assistant.users import ROLES
from web import create_app
from web.security import SECRET_FILE, secret_key

pytest_plugins = ["web_fixtures"]
pytestmark = pytest.mark.database

QUESTION = "When must a referral be made to children's social care?"
PUBLIC = "public"
EVERYONE = frozenset(ROLES)
SUPERVISORS = frozenset({"supervisor", "admin"})
TRAINERS = frozenset({"trainer", "admin"})
# Who may use each endpoint, written out here (not read from web.auth.ACCESS) so a change
# of the app's table shows up as a failing test. A new route must be added here.
EXPECTED: dict[str, frozenset[str] | str] = {
    "api.healthz": PUBLIC, "api.readyz": PUBLIC, "metrics.metrics_view": PUBLIC, "static": PUBLIC,
    "auth.login_page": PUBLIC, "auth.login": PUBLIC, "auth.oidc_login": PUBLIC,
    "auth.oidc_callback": PUBLIC,
    "auth.logout": EVERYONE,
    "api.ask": EVERYONE, "api.documents": EVERYONE, "api.document": EVERYONE,
    "api.openapi": EVERYONE, "pages.ask_page": EVERYONE, "pages.ask_form": EVERYONE,
    "reader.documents": EVERYONE, "reader.document": EVERYONE, "feedback.feedback": EVERYONE,
    "feedback.feedback_form": EVERYONE,
    "checklists.api_list": EVERYONE, "checklists.api_checklist": EVERYONE,
    "checklists.checklists_page": EVERYONE, "checklists.checklist_page": EVERYONE,
    "oversight.audit_log": SUPERVISORS, "oversight.audit_csv": SUPERVISORS,
    "oversight.content_gap_report": SUPERVISORS,
    "oversight.user_list": frozenset({"admin"}),
    "account.tokens": EVERYONE, "account.create_token": "session only",
    "account.revoke_token": EVERYONE,
    **{f"quizzes.{view}": TRAINERS for view in (
        "quiz_list", "create_quiz", "quiz_page", "rename_quiz", "approve_every_item",
        "delete_quiz", "add_own_item", "edit_quiz_item", "delete_quiz_item", "move_quiz_item",
        "approve_quiz_item", "export_gift_file", "export_csv_file", "print_view")},
}
PATH_VALUES = {"document_id": "alpha-guide", "filename": "app.css", "token_id": "999999",
               "checklist_id": "no-such-checklist", "quiz_id": "999999",
               "item_id": "no-such-item"}


def _routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, concrete path) of every rule of a freshly built app."""
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"instance_dir": instance})
        rules = list(app.url_map.iter_rules())
    routes = []
    for rule in rules:
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: PATH_VALUES[m.group(1)], rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, path))
    return sorted(routes)


ROUTES = _routes()


def test_every_route_is_in_the_access_matrix() -> None:
    assert {endpoint for endpoint, _, _ in ROUTES} == set(EXPECTED)


def _call(client: FlaskClient, method: str, path: str) -> Any:
    response = _send(client, method, path)
    response.get_data()
    response.close()  # static files are streamed from an open file
    return response


def _send(client: FlaskClient, method: str, path: str) -> Any:
    if method == "GET":
        return client.get(path)
    if path == "/api/ask":
        return client.post(path, json={"question": QUESTION})
    if path == "/api/feedback":
        return client.post(path, json={"request_id": "none", "rating": "up"})
    if path == "/":
        return client.post(path, data={"question": QUESTION})
    return client.post(path, data={})


@pytest.mark.parametrize("role", [None, *ROLES], ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("endpoint, method, path", ROUTES,
                         ids=[f"{m} {p}" for _, m, p in ROUTES])
def test_role_boundaries(small_app: Flask, role: str | None, endpoint: str, method: str,
                         path: str) -> None:
    response = _call(client_as(small_app, role), method, path)
    allowed = EXPECTED[endpoint]
    location = urlsplit(response.headers.get("Location", ""))
    # (the sign-out's own redirect to /login carries no "next")
    sent_to_login = response.status_code == 302 and location.path == "/login" and \
        "next=" in location.query
    if allowed == PUBLIC:
        assert response.status_code not in (403, 500) and not sent_to_login, response.data
    elif allowed == "session only" and role is not None:  # these clients call with tokens
        assert response.status_code == 403 and b"signed-in page" in response.data
    elif role is None:
        if path.startswith("/api/"):
            assert response.status_code == 401 and response.is_json
            assert "sign in" in response.get_json()["error"]
        else:
            assert sent_to_login, (response.status_code, response.data[:200])
    elif role in allowed:
        assert response.status_code not in (401, 403, 500) and not sent_to_login, response.data
    else:
        assert response.status_code == 403, response.status_code


def test_probes_stay_open_and_the_api_refuses_anonymous_calls(small_app: Flask) -> None:
    anonymous = client_as(small_app, None)
    for path in ("/healthz", "/readyz", "/metrics"):
        assert anonymous.get(path).status_code == 200
    response = anonymous.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 401 and response.get_json()["request_id"]
    bad = anonymous.post("/api/ask", json={"question": QUESTION},
                         headers={"Authorization": "Bearer sg_not-a-token"})
    assert bad.status_code == 401 and "not valid" in bad.get_json()["error"]


# --- sessions, CSRF -----------------------------------------------------------------------


def _csrf(html: bytes) -> str:
    found = re.search(rb'name="csrf-token" content="([^"]+)"', html) or \
        re.search(rb'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1).decode()


def sign_in(app: Flask, username: str, password: str = TEST_PASSWORD) -> tuple[FlaskClient, Any]:
    """A browser-like client (cookies, no token) after posting the sign-in form."""
    client = client_as(app, None)
    token = _csrf(client.get("/login").data)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token, "next": "/documents"})
    return client, response


def test_sign_in_sets_a_hardened_cookie_and_sends_to_next(small_app: Flask) -> None:
    client, response = sign_in(small_app, username_for("officer"))
    assert response.status_code == 302 and response.headers["Location"] == "/documents"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("safeguide_session=") and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert client.get("/").status_code == 200


def test_next_never_leaves_the_site(small_app: Flask) -> None:
    client = client_as(small_app, None)
    token = _csrf(client.get("/login").data)
    response = client.post("/login", data={"username": username_for("officer"),
                                           "password": TEST_PASSWORD, "csrf_token": token,
                                           "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_csrf_is_required_on_forms_and_session_api_calls(small_app: Flask) -> None:
    anonymous = client_as(small_app, None)
    refused = anonymous.post("/login", data={"username": username_for("officer"),
                                             "password": TEST_PASSWORD})
    assert refused.status_code == 400 and b"CSRF" in refused.data
    client, _ = sign_in(small_app, username_for("officer"))
    token = _csrf(client.get("/").data)
    no_token = client.post("/api/ask", json={"question": QUESTION})
    assert no_token.status_code == 400 and "CSRF" in no_token.get_json()["error"]
    assert client.post("/", data={"question": QUESTION}).status_code == 400
    assert client.post("/logout").status_code == 400  # a forged sign-out is refused too
    answered = client.post("/api/ask", json={"question": QUESTION},
                           headers={"X-CSRFToken": token})
    assert answered.status_code == 200 and answered.get_json()["status"] == "answered"
    signed_out = client.post("/logout", data={"csrf_token": token})
    assert signed_out.status_code == 302
    assert client.post("/api/ask", json={"question": QUESTION},
                       headers={"X-CSRFToken": token}).status_code == 401


def test_bearer_calls_need_no_csrf_token(small_app: Flask) -> None:
    response = client_as(small_app, "custody").post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers  # token calls make no session


# --- tokens, lockout, disabled accounts ---------------------------------------------------


def _db(app: Flask) -> Any:
    return session_scope(app.config["SAFEGUIDE_DATABASE_URL"])


def test_a_revoked_token_stops_working_at_once(small_app: Flask) -> None:
    with _db(small_app) as session:
        token, secret = users.create_token(session, users.get_user(
            session, username_for("trainer")), "revocation test")
        token_id = token.id
    client = small_app.test_client(role=None)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/documents", headers=headers).status_code == 200
    with _db(small_app) as session:
        users.revoke_token(session, token_id)
        stored = session.get(users.ApiToken, token_id)
        assert stored.token_hash != secret and secret not in stored.token_hash  # hashed
    response = client.get("/api/documents", headers=headers)
    assert response.status_code == 401 and response.is_json


def test_lockout_after_repeated_failures_and_reset_unlocks(
        small_settings: dict[str, Any], database_url: str) -> None:
    app = app_for(small_settings, database_url=database_url, lockout_attempts=3,
                  lockout_minutes=15)
    with _db(app) as session:
        user = users.find_user(session, "lockout-test") or \
            users.create_user(session, "lockout-test", "officer", TEST_PASSWORD)
        users.set_password(user, TEST_PASSWORD)
    for _ in range(3):
        _, response = sign_in(app, "lockout-test", "wrong password, sorry")
        assert response.status_code == 401
    _, response = sign_in(app, "lockout-test")  # the right password, but locked now
    assert response.status_code == 401 and b"locked" in response.data
    with _db(app) as session:
        user = users.get_user(session, "lockout-test")
        assert user.is_locked() and not user.is_locked(utcnow() + timedelta(minutes=16))
        users.set_password(user, TEST_PASSWORD)  # what `users reset` does
    _, response = sign_in(app, "lockout-test")
    assert response.status_code == 302


def test_a_disabled_account_cannot_sign_in_and_loses_its_tokens(
        small_app: Flask) -> None:
    with _db(small_app) as session:
        user = users.find_user(session, "disable-test") or \
            users.create_user(session, "disable-test", "officer", TEST_PASSWORD)
        users.set_active(session, user, True)
        _, secret = users.create_token(session, user, "disable test")
    client, response = sign_in(small_app, "disable-test")
    assert response.status_code == 302
    with _db(small_app) as session:
        users.set_active(session, users.get_user(session, "disable-test"), False)
    assert client.get("/").status_code == 302  # the live session ends too
    response = client_as(small_app, None).get(
        "/api/documents", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    _, response = sign_in(small_app, "disable-test")
    assert response.status_code == 401


# --- rate limits ----------------------------------------------------------------------------


def test_questions_are_rate_limited_per_user_then_per_address(
        small_settings: dict[str, Any], database_url: str) -> None:
    app = app_for(small_settings, database_url=database_url, rate_limit_user="2 per minute",
                  rate_limit_ip="3 per minute")
    officer, custody = client_as(app, "officer"), client_as(app, "custody")
    for _ in range(2):
        assert officer.post("/api/ask", json={"question": QUESTION}).status_code == 200
    limited = officer.post("/api/ask", json={"question": QUESTION})
    assert limited.status_code == 429 and limited.is_json
    assert "Too many requests" in limited.get_json()["error"]
    assert int(limited.headers["Retry-After"]) > 0
    assert custody.post("/api/ask", json={"question": QUESTION}).status_code == 200
    # 3 questions from this address in the minute: the address limit refuses the fourth
    assert custody.post("/api/ask", json={"question": QUESTION}).status_code == 429
    assert officer.get("/api/documents").status_code == 200  # reading is not limited


def test_sign_in_attempts_are_rate_limited(small_settings: dict[str, Any],
                                           database_url: str) -> None:
    app = app_for(small_settings, database_url=database_url, rate_limit_login="2 per minute")
    for _ in range(2):
        _, response = sign_in(app, "nobody-here", "wrong password, sorry")
        assert response.status_code == 401
    _, response = sign_in(app, "nobody-here", "wrong password, sorry")
    assert response.status_code == 429


# --- secret key, HSTS -------------------------------------------------------------------------


def test_the_secret_key_is_generated_once_with_mode_0600(tmp_path: Any,
                                                         caplog: Any) -> None:
    first = secret_key("", str(tmp_path))
    assert len(first) >= 32 and "generated" in caplog.text
    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600
    assert secret_key("", str(tmp_path)) == first
    assert secret_key("configured-key-from-the-environment", str(tmp_path)) == \
        "configured-key-from-the-environment"
    assert secret_key("", str(tmp_path / "other")) != first  # never a fixed key


def test_hsts_only_with_secure_cookies(small_settings: dict[str, Any],
                                       database_url: str) -> None:
    plain = client_as(app_for(small_settings, database_url=database_url), None)
    assert "Strict-Transport-Security" not in plain.get("/healthz").headers
    secure = client_as(app_for(small_settings, database_url=database_url,
                               secure_cookies=True), None)
    response = secure.get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_users_create_and_revoke_their_own_tokens(small_app: Flask) -> None:
    client, _ = sign_in(small_app, username_for("custody"))
    page = client.get("/account/tokens")
    created = client.post("/account/tokens", data={"name": "my script",
                                                   "csrf_token": _csrf(page.data)})
    assert created.status_code == 201
    secret = re.search(rb'id="token-secret">(sg_[^<]+)<', created.data).group(1).decode()
    api = client_as(small_app, None)
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/documents", headers=headers).status_code == 200
    listed = client.get("/account/tokens").get_data(as_text=True)
    assert "my script" in listed and secret not in listed  # shown once only
    token_id = re.findall(r'/account/tokens/(\d+)/revoke', listed)[-1]
    others = client_as(small_app, "officer").post(f"/account/tokens/{token_id}/revoke")
    assert others.status_code == 404  # not yours
    assert api.get("/api/documents", headers=headers).status_code == 200
    revoked = client.post(f"/account/tokens/{token_id}/revoke",
                          data={"csrf_token": _csrf(page.data)})
    assert revoked.status_code == 302
    assert api.get("/api/documents", headers=headers).status_code == 401
