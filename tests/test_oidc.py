"""Single sign-on by OpenID Connect, the whole round trip through the real Flask app against a
fake identity provider on loopback (:mod:`fake_idp`): the redirect, the token exchange, the
ID token's signature, issuer, audience and nonce, claims to user, domains, roles and disabled
accounts. Every refusal is checked for what the user sees and for no session afterwards."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from fake_idp import FakeIdentityProvider, signing_key
from flask import Flask
from flask.testing import FlaskClient
from web_support import app_for, client_as

from assistant import users
from assistant.db import session_scope
from web import oidc
from web.oidc import domain_allowed, mapped_role

pytest_plugins = ["web_fixtures"]
pytestmark = pytest.mark.database

DOMAIN = "force.police.uk"
ROLE_MAP = "SafeGuide.Supervisor=supervisor,SafeGuide.Custody=custody"
DID_NOT_COMPLETE = "single sign-on did not complete; try again"


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeIdentityProvider]:
    with FakeIdentityProvider() as provider:
        yield provider


@pytest.fixture(scope="module")
def sso_app(small_settings: dict[str, Any], database_url: str,
            idp: FakeIdentityProvider) -> Flask:
    """The app signing in through ``idp``: only ``force.police.uk``, roles mapped, no
    default role (the Entra ID set-up that docs/deployment.md recommends)."""
    return app_for(small_settings, database_url=database_url,
                   oidc_discovery_url=idp.discovery_url, oidc_client_id=idp.client_id,
                   oidc_client_secret=idp.client_secret, oidc_allowed_domains=DOMAIN,
                   oidc_role_map=ROLE_MAP, oidc_default_role="")


def new_email(domain: str = DOMAIN) -> str:
    """A user name no other test (or earlier run on the same database) has used."""
    return f"Sso.{secrets.token_hex(4)}@{domain}"


def start(client: FlaskClient) -> dict[str, list[str]]:
    """GET /login/oidc: the authorization request the browser is sent to, as parsed query."""
    response = client.get("/login/oidc")
    assert response.status_code == 302
    return parse_qs(urlsplit(response.headers["Location"]).query)


def callback(client: FlaskClient, **params: str) -> Any:
    return client.get(f"/login/oidc/callback?{urlencode(params)}")


def sign_in_via(idp: FakeIdentityProvider, client: FlaskClient, claims: dict[str, Any],
                **authorize: Any) -> Any:
    """The browser's round trip: the app's redirect, the provider's code, the callback."""
    request = start(client)
    code = idp.authorize(request, claims, **authorize)
    return callback(client, code=code, state=request["state"][0])


def signed_in(client: FlaskClient) -> bool:
    """Whether the client's session opens a page that needs sign-in (else: to /login)."""
    response = client.get("/")
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).path == "/login"
        return False
    assert response.status_code == 200
    return True


def stored_user(url: str, username: str) -> tuple[str, bool, bool] | None:
    """(role, active, has a local password) of ``username``'s row, or None."""
    with session_scope(url) as session:
        user = users.find_user(session, username)
        if user is None:
            return None
        return user.role, user.active, user.password_hash is not None


def assert_refused(response: Any, status: int, message: str, client: FlaskClient) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)
    assert not signed_in(client)


def test_single_sign_on_is_off_by_default(small_app: Flask) -> None:
    anonymous = client_as(small_app, None)
    assert b"sign-in-sso" not in anonymous.get("/login").data
    assert anonymous.get("/login/oidc").status_code == 404
    assert anonymous.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_configured_single_sign_on_redirects_to_the_provider(
        sso_app: Flask, idp: FakeIdentityProvider) -> None:
    anonymous = client_as(sso_app, None)
    page = anonymous.get("/login").data
    assert b"sign-in-sso" in page and b"Microsoft Entra ID" in page
    response = anonymous.get("/login/oidc")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{idp.issuer}/authorize"
    query = parse_qs(target.query)
    assert query["client_id"] == [idp.client_id] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://localhost/login/oidc/callback"]
    assert "openid" in query["scope"][0].split()
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20


def test_sso_roles_and_domains_map_from_settings() -> None:
    role_map = "SafeGuide.Supervisor=supervisor,SafeGuide.Custody=custody"
    assert mapped_role(["SafeGuide.Custody", "SafeGuide.Supervisor"], role_map) == "supervisor"
    assert mapped_role(["Other"], role_map) is None and mapped_role(None, role_map) is None
    assert domain_allowed("a.officer@force.police.uk", "force.police.uk, @other.uk")
    assert not domain_allowed("someone@gmail.com", "force.police.uk")
    assert domain_allowed("anyone@anywhere.org", "")
    with pytest.raises(users.UserError):
        mapped_role(["X"], "X=superuser")


def test_a_first_sign_in_creates_the_user_with_the_mapped_role(
        sso_app: Flask, idp: FakeIdentityProvider, database_url: str) -> None:
    browser = client_as(sso_app, None)
    assert not signed_in(browser)
    email = new_email()
    exchanges = len(idp.token_requests)
    response = sign_in_via(idp, browser, {"email": email, "preferred_username": email,
                                          "roles": ["SafeGuide.Custody",
                                                    "SafeGuide.Supervisor", "Other"]})
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/"
    assert len(idp.token_requests) == exchanges + 1  # the code really went to the provider
    assert signed_in(browser)
    assert browser.get("/audit").status_code == 200  # a supervisor's page
    assert stored_user(database_url, email) == ("supervisor", True, False)  # lower-cased name
    assert stored_user(database_url, email.lower()) == ("supervisor", True, False)


def test_a_later_sign_in_follows_the_role_assigned_in_the_provider(
        sso_app: Flask, idp: FakeIdentityProvider, database_url: str) -> None:
    """Entra ID's ``preferred_username`` serves when the token has no ``email``."""
    email = new_email().lower()
    first = client_as(sso_app, None)
    sign_in_via(idp, first, {"preferred_username": email, "roles": ["SafeGuide.Supervisor"]})
    assert stored_user(database_url, email) == ("supervisor", True, False)
    again = client_as(sso_app, None)
    response = sign_in_via(idp, again, {"preferred_username": email,
                                        "roles": ["SafeGuide.Custody"]})
    assert response.status_code == 302 and signed_in(again)
    assert stored_user(database_url, email) == ("custody", True, False)
    assert again.get("/audit").status_code == 403


def test_a_user_outside_the_allowed_domains_is_refused(
        sso_app: Flask, idp: FakeIdentityProvider, database_url: str) -> None:
    email = new_email("gmail.com")
    browser = client_as(sso_app, None)
    response = sign_in_via(idp, browser, {"email": email, "roles": ["SafeGuide.Supervisor"]})
    assert_refused(response, 403, "accounts of this domain may not sign in here", browser)
    assert stored_user(database_url, email) is None


def test_a_user_with_no_mapped_role_and_no_default_role_is_refused(
        sso_app: Flask, idp: FakeIdentityProvider, database_url: str) -> None:
    email = new_email()
    browser = client_as(sso_app, None)
    response = sign_in_via(idp, browser, {"email": email, "roles": ["Other.App"]})
    assert_refused(response, 403, "your account has no SafeGuide role", browser)
    assert stored_user(database_url, email) is None


@pytest.mark.parametrize("forgery", ["wrong nonce", "another key", "another key id",
                                     "another audience", "another audience, our azp",
                                     "another issuer", "no issuer", "expired"])
def test_an_id_token_that_does_not_verify_is_refused(
        sso_app: Flask, idp: FakeIdentityProvider, database_url: str, forgery: str) -> None:
    email = new_email()
    claims: dict[str, Any] = {"email": email, "roles": ["SafeGuide.Supervisor"]}
    key = None
    if forgery == "wrong nonce":
        claims["nonce"] = "a-nonce-from-another-sign-in"
    elif forgery == "another key":
        key = signing_key()  # the same key id as the published key: the signature decides
    elif forgery == "another key id":
        key = signing_key("impostor-key")
    elif forgery == "another audience":
        claims["aud"] = "some-other-application"
    elif forgery == "another audience, our azp":  # a token for another app of the tenant
        claims.update(aud=["some-other-application"], azp=idp.client_id)
    elif forgery == "no issuer":
        claims["iss"] = None
    elif forgery == "another issuer":
        claims["iss"] = "https://login.microsoftonline.com/another-tenant/v2.0"
    else:
        claims["exp"] = claims["iat"] = 1_000_000_000
    browser = client_as(sso_app, None)
    response = sign_in_via(idp, browser, claims, key=key)
    assert_refused(response, 401, DID_NOT_COMPLETE, browser)
    assert stored_user(database_url, email) is None


def test_a_disabled_local_account_with_the_same_name_stays_out(
        sso_app: Flask, idp: FakeIdentityProvider, database_url: str) -> None:
    email = new_email().lower()
    with session_scope(database_url) as session:
        user = users.create_user(session, email, "officer", password=None)
        users.set_active(session, user, False)
    browser = client_as(sso_app, None)
    response = sign_in_via(idp, browser, {"email": email, "roles": ["SafeGuide.Supervisor"]})
    assert_refused(response, 403, "this account is disabled", browser)
    assert stored_user(database_url, email) == ("officer", False, False)  # role untouched


def test_a_forged_missing_or_replayed_state_is_refused(
        sso_app: Flask, idp: FakeIdentityProvider, database_url: str) -> None:
    email = new_email()
    claims = {"email": email, "roles": ["SafeGuide.Supervisor"]}
    browser = client_as(sso_app, None)
    request = start(browser)
    code = idp.authorize(request, claims)
    assert_refused(callback(browser, code=code, state="forged-state"), 401, DID_NOT_COMPLETE,
                   browser)
    assert_refused(callback(browser, code=code), 401, DID_NOT_COMPLETE, browser)
    # a state issued to another browser (a login CSRF) is not this browser's
    attacker = client_as(sso_app, None)
    assert_refused(callback(attacker, code=code, state=request["state"][0]), 401,
                   DID_NOT_COMPLETE, attacker)
    assert stored_user(database_url, email) is None
    # the real one still works once; the provider refuses its code a second time
    assert callback(browser, code=code, state=request["state"][0]).status_code == 302
    assert signed_in(browser)
    replay = client_as(sso_app, None)
    assert_refused(callback(replay, code=code, state=start(replay)["state"][0]), 401,
                   DID_NOT_COMPLETE, replay)


def test_the_provider_refusing_the_client_or_the_user_is_a_clear_refusal(
        sso_app: Flask, small_settings: dict[str, Any], database_url: str,
        idp: FakeIdentityProvider) -> None:
    browser = client_as(sso_app, None)
    request = start(browser)
    denied = callback(browser, error="access_denied", state=request["state"][0],
                      error_description="The user cancelled")
    assert_refused(denied, 401, DID_NOT_COMPLETE, browser)
    wrong_secret = app_for(small_settings, database_url=database_url,
                           oidc_discovery_url=idp.discovery_url, oidc_client_id=idp.client_id,
                           oidc_client_secret="a-stale-secret", oidc_allowed_domains=DOMAIN)
    browser = client_as(wrong_secret, None)
    exchanges = len(idp.token_requests)
    response = sign_in_via(idp, browser, {"email": new_email()})
    assert len(idp.token_requests) == exchanges + 1
    assert_refused(response, 401, DID_NOT_COMPLETE, browser)


def test_a_provider_that_hangs_is_a_refusal_not_a_stuck_worker(
        small_settings: dict[str, Any], database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oidc, "PROVIDER_TIMEOUT_SECONDS", 0.5)
    with FakeIdentityProvider(token_delay=5) as slow:
        app = app_for(small_settings, database_url=database_url,
                      oidc_discovery_url=slow.discovery_url, oidc_client_id=slow.client_id,
                      oidc_client_secret=slow.client_secret)
        browser = client_as(app, None)
        started = time.monotonic()
        response = sign_in_via(slow, browser, {"email": new_email()})
        assert time.monotonic() - started < 4
        assert_refused(response, 401, DID_NOT_COMPLETE, browser)
