"""gunicorn settings. The model and index load once, before workers fork (preload)."""

import os

bind = os.environ.get("SAFEGUIDE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SAFEGUIDE_WORKERS", "2"))
threads = int(os.environ.get("SAFEGUIDE_THREADS", "2"))
timeout = 60
preload_app = True
accesslog = "-"
errorlog = "-"


def on_starting(server):  # noqa: ARG001 - gunicorn hook signature
    """Load the model and index in the master so forked workers share them."""
    from app import app

    with app.app_context():
        from web import get_assistant

        get_assistant()
