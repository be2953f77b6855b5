"""Serving with granian, a Rust HTTP server for WSGI apps (never Flask's development server).

``settings.workers`` worker processes, each with ``max_concurrent_queries + 2`` threads for the app
(a query holds its thread while its query process works); HTTP parsing, keep-alive and the writing
of answers happen in Rust. What the server itself limits: the request head (request line and headers
together, ``max_request_head_bytes``: 431 above it) and at most 100 headers (431). The body size
(``max_body_bytes``: 413) and the query length are the app's. ``SIGTERM`` / ``SIGINT`` stop accepting,
let the answers under way finish for up to 10 s, then stop the workers.

What the app builds at start lives as long as the worker, so each worker moves it out of the garbage
collector's sight once built (``gc.freeze()``): a full collection over it took 16–25 ms (measured with
``gc.callbacks`` on the 100k release), a stop of every request of that worker, about once every 20,000
requests.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from functools import partial

from ..config import Settings

__all__ = ["serve", "ACCESS_LOG_FORMAT"]

# the access log, one line per request (stdout): who, when, what, the answer's status, how long
ACCESS_LOG_FORMAT = '%(addr)s - - [%(time)s] "%(method)s %(path)s?%(query_string)s %(protocol)s" %(status)d %(dt_ms).1fms'
_SHUTDOWN_SECONDS = 10


def serve(settings: Settings) -> None:
    """Run granian in the foreground with ``settings.workers`` worker processes."""
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server
    # the workers count into memory-mapped files in one directory (prometheus_client's multiprocess
    # mode, see htkg.web.metrics), which reads the directory from the environment
    settings.extra.setdefault("metrics_dir", tempfile.mkdtemp(prefix="htkg-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = settings.extra["metrics_dir"]
    from .app import create_app
    create_app(settings)  # fail fast, before starting workers, on a missing release or bad settings
    server = Server(
        "htkg.web.app:create_app", address=settings.host, port=settings.port, interface=Interfaces.WSGI,
        workers=settings.workers, blocking_threads=max(2, settings.max_concurrent_queries + 2),
        http1_settings=HTTP1Settings(max_buffer_size=settings.max_request_head_bytes),
        log_level=LogLevels(settings.log_level), log_access=True, log_access_format=ACCESS_LOG_FORMAT,
        workers_kill_timeout=_SHUTDOWN_SECONDS, respawn_failed_workers=True)
    try:
        server.serve(target_loader=partial(_load, settings), wrap_loader=True)
    finally:
        shutil.rmtree(settings.extra["metrics_dir"], ignore_errors=True)


def _load(settings: Settings, _target: str):
    """Each worker's app, built from the server's settings."""
    from .app import create_app
    app = create_app(settings)
    gc.collect()
    gc.freeze()   # the app's objects (release, caches' holders, prefix maps …): out of later collections
    return app
