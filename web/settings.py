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
)

_NAMES = {s.name for s in WEB_SETTINGS}


def is_web_setting(name: str) -> bool:
    return name in _NAMES


def load_web_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Resolve every web setting: default, then environment, then ``overrides``."""
    return resolve(WEB_SETTINGS, overrides)
