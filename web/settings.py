"""Web-only settings (serving, not answering), in one table like :mod:`assistant.settings`.

Same layering and prefix: defaults, then ``SAFEGUIDE_<NAME>`` environment variables, then
explicit overrides. ``gunicorn.conf.py`` reads the serving rows; the app factory reads the
request limits.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from assistant.settings import ENV_PREFIX, Setting

WEB_SETTINGS: tuple[Setting, ...] = (
    Setting("bind", "127.0.0.1:8000", "Address gunicorn listens on (host:port)."),
    Setting("workers", 2, "gunicorn worker processes (each holds the index; the model is shared)."),
    Setting("threads", 2, "Threads per gunicorn worker."),
    Setting("timeout", 60, "Seconds before gunicorn restarts a silent worker."),
    Setting("torch_threads", 1, "CPU threads torch uses per worker (0 = torch's default)."),
    Setting("max_body_kb", 64, "Largest request body accepted, in KiB (larger gets 413)."),
    Setting("history_turns", 10, "Most previous turns of a thread sent with a question."),
)

_NAMES = {s.name for s in WEB_SETTINGS}


def is_web_setting(name: str) -> bool:
    return name in _NAMES


def load_web_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Resolve every web setting: default, then environment, then ``overrides``."""
    resolved: dict[str, Any] = {}
    for setting in WEB_SETTINGS:
        raw = os.environ.get(ENV_PREFIX + setting.name.upper())
        resolved[setting.name] = setting.default if raw is None else _coerce(setting, raw)
    for name, value in (overrides or {}).items():
        if name not in _NAMES:
            raise KeyError(f"unknown web setting {name!r}")
        resolved[name] = value
    return resolved


def _coerce(setting: Setting, raw: str) -> Any:
    if isinstance(setting.default, int):
        try:
            return int(raw)
        except ValueError as exc:
            env = ENV_PREFIX + setting.name.upper()
            raise ValueError(f"{env} must be a whole number, got {raw!r}") from exc
    return raw
