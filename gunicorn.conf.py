"""gunicorn settings for SafeGuide (``make run``); values come from ``web.settings``.

The master preloads the app and the embedding model, so workers share the model's memory.
It must not open the index or encode anything before forking: a Chroma client opened in the
master hangs in forked workers, and torch's thread pool does not survive ``fork()``. Each
worker opens the index and runs one warm-up query after the fork (``post_worker_init``).
"""

from web.settings import load_web_settings

_web = load_web_settings()

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


def when_ready(server):
    """Preloaded: load the model in the master (loading only, no encode), print the URL."""
    from web import preload_model

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
