"""Single sign-on by OpenID Connect (Authlib's Flask client), off unless configured.

Set ``oidc_discovery_url`` (Microsoft Entra ID: ``https://login.microsoftonline.com/<tenant>/
v2.0/.well-known/openid-configuration``), ``oidc_client_id`` and ``oidc_client_secret``; the
sign-in page then offers the button. The ID token's e-mail (or ``preferred_username``) is the
user name; its domain must be in ``oidc_allowed_domains`` when that is set. The role comes from
the ``oidc_role_claim`` claim through ``oidc_role_map`` (the highest mapped role wins); a
first-time user with no mapped role gets ``oidc_default_role`` (or is refused when that is
empty). An existing local account keeps its role unless the claims map to one, and a disabled
account stays out. Local accounts keep working beside SSO.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import current_app, url_for
from sqlalchemy.orm import Session

from assistant import users
from assistant.db import utcnow
from web.errors import WebError

CLIENT = "sso"
PROVIDER_TIMEOUT_SECONDS = 10  # discovery, keys, token: a hung provider must not hold a worker
log = logging.getLogger("safeguide.web")


def init_app(app: Any) -> None:
    web = app.config["SAFEGUIDE_WEB"]
    if not web["oidc_discovery_url"]:
        return
    if not web["oidc_client_id"]:
        raise ValueError("oidc_discovery_url is set but oidc_client_id is empty")
    oauth = OAuth(app)
    oauth.register(CLIENT, server_metadata_url=web["oidc_discovery_url"],
                   client_id=web["oidc_client_id"], client_secret=web["oidc_client_secret"],
                   client_kwargs={"scope": "openid email profile",
                                  "default_timeout": PROVIDER_TIMEOUT_SECONDS})
    app.extensions["safeguide_oidc"] = oauth


def _client() -> Any:
    oauth = current_app.extensions.get("safeguide_oidc")
    if oauth is None:
        raise WebError(404, "single sign-on is not configured")
    return oauth.create_client(CLIENT)


def authorize_redirect() -> Any:
    return _client().authorize_redirect(url_for("auth.oidc_callback", _external=True))


def sign_in_from_callback(session: Session) -> users.User:
    """The user the identity provider vouched for, created on first sign-in."""
    client = _client()  # outside the try: "not configured" is a 404, not a failed sign-in
    try:
        token = client.authorize_access_token(claims_options=_id_token_rules(client))
    except Exception as exc:  # Authlib raises several types: state mismatch, bad token...
        log.warning("single sign-on failed: %s", type(exc).__name__)
        raise WebError(401, "single sign-on did not complete; try again") from None
    claims = token.get("userinfo") or {}
    username = str(claims.get("email") or claims.get("preferred_username") or "").lower()
    web = current_app.config["SAFEGUIDE_WEB"]
    if "@" not in username:
        raise WebError(403, "the identity provider gave no e-mail address")
    if not domain_allowed(username, web["oidc_allowed_domains"]):
        raise WebError(403, "accounts of this domain may not sign in here")
    role = mapped_role(claims.get(web["oidc_role_claim"]), web["oidc_role_map"])
    user = users.find_user(session, username)
    if user is None:
        role = role or web["oidc_default_role"]
        if not role:
            raise WebError(403, "your account has no SafeGuide role; ask an administrator")
        user = users.create_user(session, username, role, password=None)
    elif not user.active:
        raise WebError(403, "this account is disabled")
    elif role:
        user.role = role
    user.last_login_at = utcnow()
    return user


def _id_token_rules(client: Any) -> dict[str, Any]:
    """The ID token must come from the discovery document's issuer and name this app in
    ``aud``: Authlib checks ``aud`` only when told to (by default a token for another app of
    the same tenant passed if its ``azp`` named ours), and these options replace its ``iss``
    default, so both are given."""
    issuer = client.load_server_metadata().get("issuer")
    if not issuer:
        raise ValueError("the identity provider's discovery document has no issuer")
    return {"iss": {"essential": True, "values": [issuer]},
            "aud": {"essential": True, "values": [client.client_id]}}


def domain_allowed(username: str, allowed: str) -> bool:
    domains = {d.strip().lower().lstrip("@") for d in allowed.split(",") if d.strip()}
    return not domains or username.rpartition("@")[2] in domains


def mapped_role(claim: Any, role_map: str) -> str | None:
    """The highest SafeGuide role that a value of the claim maps to (``'Value=role,...'``)."""
    mapping = {}
    for pair in role_map.split(","):
        value, _, role = pair.partition("=")
        if value.strip() and role.strip():
            mapping[value.strip()] = users.check_role(role.strip())
    values = claim if isinstance(claim, list) else [claim] if claim else []
    roles = [mapping[v] for v in values if isinstance(v, str) and v in mapping]
    return max(roles, key=users.ROLES.index) if roles else None
