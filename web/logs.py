"""Log lines as text (the default) or as one JSON object per line (``log_format = json``).

A JSON line always has ``timestamp`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
``request_id`` (null outside a request) and ``pid`` (which gunicorn worker), plus whichever
of :data:`FIELDS` the call passed with ``extra=``. Only those names are copied: a record's
other attributes never reach the log, so a question's text cannot leak through a stray
``extra``. gunicorn uses the same
formatter for its own lines (``gunicorn.conf.py``), so a log shipper reads every line as JSON.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
FIELDS = (
    "status", "latency_ms", "citations", "items", "question_chars", "history_turns",
    "index_version", "method", "route", "path", "http_status", "mode",
)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _current_request_id(),
            "pid": record.process,
        }
        for name in FIELDS:
            if name in record.__dict__:
                data[name] = record.__dict__[name]
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def _current_request_id() -> str | None:
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover - flask is a runtime dependency
        return None
    return g.get("request_id") if has_request_context() else None


def make_formatter(log_format: str) -> logging.Formatter:
    if log_format not in LOG_FORMATS:
        raise ValueError(f"SAFEGUIDE_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, "
                         f"got {log_format!r}")
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure(log_format: str) -> None:
    """Send ``safeguide.*`` logs to stdout (gunicorn collects it), once per process.

    When something else already configured logging (gunicorn's ``logconfig_dict`` in JSON
    mode, pytest), the records propagate to its handlers instead.
    """
    formatter = make_formatter(log_format)
    logger = logging.getLogger("safeguide")
    logger.setLevel(logging.INFO)
    if not logging.getLogger().handlers and not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(formatter)
        logger.addHandler(handler)


def gunicorn_logconfig(log_format: str) -> dict | None:
    """gunicorn's ``logconfig_dict`` for ``log_format`` (None: gunicorn's own text logs).

    In JSON mode every logger (gunicorn's, the app's, Python warnings) writes JSON lines to
    stdout, and the app logs one ``request`` line per request in place of the access log.
    """
    make_formatter(log_format)  # validates
    if log_format != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json",
               "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "web.logs.JsonFormatter"}},
        "handlers": {"stdout": handler},
        "root": {"level": "INFO", "handlers": ["stdout"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
        },
    }
