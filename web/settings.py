"""Web-only settings (serving, not answering), in one table like :mod:`assistant.settings`.

Same layering and prefix: defaults, then ``SAFEGUIDE_<NAME>`` environment variables, then
explicit overrides. ``gunicorn.conf.py`` reads the serving rows; the app factory reads the
request limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.settings import Setting, resolve

WEB_SETTINGS: tuple[Setting, ...] = (
    Setting("bind", "127.0.0.1:8000", "Address gunicorn listens on (host:port)."),
    Setting("workers", 2, "gunicorn worker processes (each holds the index; the model is shared)."),
    Setting("threads", 2, "Threads per gunicorn worker."),
    Setting("timeout", 60, "Seconds before gunicorn restarts a silent worker."),
    Setting("torch_threads", 1, "CPU threads torch uses per worker (0 = torch's default)."),
    Setting("max_body_kb", 64, "Largest request body accepted, in KiB (larger gets 413)."),
    Setting("history_turns", 10, "Most previous turns of a thread sent with a question."),
    Setting("log_format", "text",
            "Log lines as 'text' or 'json' (one JSON object per line, gunicorn's included)."),
    Setting("secret_key", "",
            "Signs session cookies and CSRF tokens; empty = generated once into "
            "instance_dir/secret_key (mode 0600). Set it (the same) on every host."),
    Setting("secure_cookies", False,
            "Session cookies only over HTTPS, and HSTS sent (set true behind TLS)."),
    Setting("session_hours", 12, "A sign-in lasts this long."),
    Setting("trusted_proxies", 0,
            "Reverse proxies in front (nginx: 1) whose X-Forwarded-For/Proto are trusted."),
    Setting("rate_limit_user", "30 per minute", "Questions per signed-in user (429 beyond)."),
    Setting("rate_limit_ip", "120 per minute", "Questions and feedback per client address."),
    Setting("rate_limit_login", "10 per minute", "Sign-in attempts per client address."),
    Setting("ratelimit_storage_uri", "memory://",
            "Where rate-limit counters live: memory:// (per process) or redis://host:6379 "
            "(shared by every worker and host)."),
    Setting("oidc_discovery_url", "",
            "OpenID Connect discovery URL (e.g. Entra ID's .../v2.0/.well-known/"
            "openid-configuration); empty = single sign-on off."),
    Setting("oidc_client_id", "", "OpenID Connect client (application) id."),
    Setting("oidc_client_secret", "", "OpenID Connect client secret (from the environment)."),
    Setting("oidc_label", "Microsoft Entra ID", "Name of the single sign-on button."),
    Setting("oidc_allowed_domains", "",
            "Comma-separated e-mail domains allowed to sign in by SSO; empty = any."),
    Setting("oidc_role_claim", "roles", "ID-token claim holding the user's app roles."),
    Setting("oidc_role_map", "",
            "Claim value to SafeGuide role, 'Value=role,...' (e.g. SafeGuide.Supervisor="
            "supervisor); the highest match wins."),
    Setting("oidc_default_role", "officer",
            "Role of a new SSO user whose claims match no mapping (empty = refuse them)."),
)

_NAMES = {s.name for s in WEB_SETTINGS}


def is_web_setting(name: str) -> bool:
    return name in _NAMES


def load_web_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Resolve every web setting: default, then environment, then ``overrides``."""
    return resolve(WEB_SETTINGS, overrides)
