"""A fake OpenID Connect identity provider on a loopback port, for the single sign-on tests.

It plays Microsoft Entra ID's part in the authorization-code flow without any network: a
discovery document, a JWKS with an RSA key generated for the run, and a token endpoint that
checks the client's credentials (HTTP Basic, Authlib's default, or form fields), the one-time
code and its redirect URI, then returns an access token and an RS256 ID token. The browser
step is played by the test: it reads ``state`` and ``nonce`` from the app's redirect and calls
:meth:`FakeIdentityProvider.authorize` with the claims the provider should vouch for, which
returns the code to bring back to the app's callback.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from joserfc import jwt
from joserfc.jwk import RSAKey

KEY_ID = "fake-idp-key-1"


def signing_key(kid: str = KEY_ID) -> RSAKey:
    """A fresh 2048-bit RSA key (a second one with the same ``kid`` plays an impostor's)."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@dataclass
class Grant:
    """What the provider remembers about one code until it is exchanged."""

    client_id: str
    redirect_uri: str
    claims: dict[str, Any]
    key: RSAKey


@dataclass
class FakeIdentityProvider:
    """``with FakeIdentityProvider() as idp:`` serves on 127.0.0.1 until the block ends."""

    client_id: str = "safeguide-test"
    client_secret: str = "not-a-real-secret"
    key: RSAKey = field(default_factory=signing_key)
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    token_delay: float = 0.0  # seconds the token endpoint waits before answering (a hung IdP)
    server: ThreadingHTTPServer | None = None

    @property
    def issuer(self) -> str:
        assert self.server is not None, "the provider is not running"
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def discovery(self) -> dict[str, Any]:
        base = self.issuer
        return {"issuer": base, "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token", "jwks_uri": f"{base}/keys",
                "response_types_supported": ["code"], "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                          "client_secret_post"]}

    def authorize(self, request: Mapping[str, list[str]], claims: Mapping[str, Any], *,
                  key: RSAKey | None = None) -> str:
        """The authorization endpoint after the user has signed in: check the app's request
        (``parse_qs`` of its redirect) and return a code for an ID token with ``claims`` on
        top of the standard ones (``iss``, ``aud``, ``iat``, ``exp``, and the request's
        ``nonce``; a claim given here wins, one given as None is left out). ``key`` signs
        instead of the published key."""
        assert request["client_id"] == [self.client_id], request
        assert request["response_type"] == ["code"], request
        assert "openid" in request["scope"][0].split(), request
        now = int(time.time())
        issued = {"iss": self.issuer, "aud": self.client_id, "iat": now, "nbf": now,
                  "exp": now + 3600, "nonce": request["nonce"][0],
                  "sub": secrets.token_urlsafe(16), **claims}
        issued = {name: value for name, value in issued.items() if value is not None}
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(self.client_id, request["redirect_uri"][0], issued,
                                  key or self.key)
        return code

    def token_response(self, headers: Mapping[str, str], body: str) -> tuple[int, dict]:
        """The token endpoint: client authentication, then a one-time code exchange."""
        form = {name: values[0] for name, values in parse_qs(body).items()}
        self.token_requests.append(form)
        time.sleep(self.token_delay)
        client_id, secret = form.get("client_id"), form.get("client_secret")
        scheme, _, credentials = headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic":
            client_id, _, secret = base64.b64decode(credentials).decode().partition(":")
        if (client_id, secret) != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}
        grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        if form.get("grant_type") != "authorization_code" or grant is None \
                or grant.redirect_uri != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        header = {"alg": "RS256", "kid": grant.key.kid, "typ": "JWT"}
        return 200, {"access_token": secrets.token_urlsafe(32), "token_type": "Bearer",
                     "expires_in": 3600, "scope": "openid email profile",
                     "id_token": jwt.encode(header, grant.claims, grant.key)}

    def __enter__(self) -> FakeIdentityProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path == "/.well-known/openid-configuration":
                    self._send(200, provider.discovery())
                elif self.path == "/keys":
                    self._send(200, {"keys": [provider.key.as_dict(private=False)]})
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                if self.path == "/token":
                    self._send(*provider.token_response(self.headers, body))
                else:
                    self._send(404, {"error": "not_found"})

            def _send(self, status: int, document: dict) -> None:
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
