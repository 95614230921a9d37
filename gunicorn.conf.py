"""gunicorn settings for SafeGuide (``make run``); values come from ``web.settings``.

``/metrics`` adds up the counters of every worker (``PROMETHEUS_MULTIPROC_DIR``, see
:mod:`web.metrics`); ``SAFEGUIDE_LOG_FORMAT=json`` turns every log line into JSON.

The master preloads the app and the embedding model, so workers share the model's memory.
It must not open the index or encode anything before forking: a Chroma client opened in the
master hangs in forked workers, and torch's thread pool does not survive ``fork()``. Each
worker opens the index and runs one warm-up query after the fork (``post_worker_init``).
"""

import glob
import logging
import os
import shutil
import tempfile

from web.logs import gunicorn_logconfig
from web.settings import load_web_settings

_web = load_web_settings()


def _metrics_dir() -> tuple[str, bool]:
    """Where the workers keep their Prometheus counters, so ``/metrics`` adds them up.

    Must be set before ``prometheus_client`` is imported (the app is imported after this
    file). An operator's ``PROMETHEUS_MULTIPROC_DIR`` is emptied of old counter files;
    otherwise a fresh temporary folder is made and removed on exit. gunicorn reads this file
    again on HUP: the folder made at start is kept then.
    """
    marker = "SAFEGUIDE_METRICS_MASTER"
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path and os.environ.get(marker) == str(os.getpid()):
        return path, os.environ.get("SAFEGUIDE_METRICS_OWNED") == "1"
    owned = not path
    if owned:
        path = tempfile.mkdtemp(prefix="safeguide-metrics-")
    else:
        os.makedirs(path, exist_ok=True)
        for name in ("counter", "gauge", "histogram", "summary"):
            for stale in glob.glob(os.path.join(path, f"{name}_*.db")):
                os.remove(stale)
    os.environ.update({"PROMETHEUS_MULTIPROC_DIR": path, marker: str(os.getpid()),
                       "SAFEGUIDE_METRICS_OWNED": "1" if owned else "0"})
    return path, owned


_METRICS_DIR, _METRICS_DIR_OWNED = _metrics_dir()

bind = _web["bind"]
workers = int(_web["workers"])
threads = int(_web["threads"])
worker_class = "gthread"
timeout = int(_web["timeout"])
graceful_timeout = 30
keepalive = 5
preload_app = True
control_socket_disable = True  # no runtime control socket: nothing to manage, no shared path
accesslog = "-"  # stdout; the request line only: questions travel in POST bodies, never URLs
errorlog = "-"
loglevel = "info"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
logconfig_dict = gunicorn_logconfig(_web["log_format"]) or {}
if logconfig_dict:  # JSON lines: the app logs each request itself (route, status, latency)
    accesslog = None
    logging.captureWarnings(True)


def when_ready(server):
    """Preloaded: load the model in the master (loading only, no encode), print the URL."""
    from web import preload_model

    if logconfig_dict:  # a progress bar is not a JSON line
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    preload_model(server.app.wsgi())
    host, _, port = bind.rpartition(":")
    server.log.info("SafeGuide is serving on http://%s:%s/", host or "127.0.0.1", port)


def post_worker_init(worker):
    """In each worker after the fork: torch threads, then open the index and warm up."""
    if int(_web["torch_threads"]) > 0:
        import torch

        torch.set_num_threads(int(_web["torch_threads"]))
    from web import warm_up

    try:
        warm_up(worker.wsgi)
    except Exception:  # a failed warm-up must not stop the worker: requests report it
        worker.log.exception("warm-up failed; the first request will retry")


def child_exit(server, worker):
    """A worker is gone: drop its live gauges (the index version it served)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _METRICS_DIR)


def on_exit(server):
    if _METRICS_DIR_OWNED:
        shutil.rmtree(_METRICS_DIR, ignore_errors=True)
