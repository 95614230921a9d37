"""The Flask web app: thin views over the core in :mod:`assistant`.

``create_app(config)`` builds the app (Flask's tutorial pattern); heavy objects (the
embedding model, the index) are created once, on first use or at gunicorn preload, and kept
in ``app.extensions["safeguide"]``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from assistant.pipeline import Assistant
from assistant.settings import load_settings

EXTENSION = "safeguide"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides settings (tests pass a temporary instance dir)."""
    app = Flask(__name__, instance_relative_config=False)
    overrides = dict(config or {})
    app.config["SAFEGUIDE"] = load_settings(overrides)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.extensions[EXTENSION] = {"assistant": None, "lock": threading.Lock()}
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    from web import api, pages

    app.register_blueprint(api.blueprint)
    app.register_blueprint(pages.blueprint)
    return app


def get_assistant() -> Assistant:
    """The app's assistant, loaded on first use (thread-safe)."""
    state = current_app.extensions[EXTENSION]
    if state["assistant"] is None:
        with state["lock"]:
            if state["assistant"] is None:
                state["assistant"] = Assistant.from_settings(current_app.config["SAFEGUIDE"])
    return state["assistant"]
