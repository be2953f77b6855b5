"""Serving with gunicorn (never Flask's development server)."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from ..config import Settings

__all__ = ["serve", "REQUEST_LINE_BOUND"]

# The longest request line gunicorn reads. Its own ceiling is 8190 bytes (gunicorn.http.message.MAX_REQUEST_LINE,
# where a larger limit_request_line is cut back to it) and its only way past is 0, no limit at all. Addresses
# between the app's limit (web.errors.MAX_URL_BYTES, 8 KB) and this bound reach the app, which answers a page
# saying to POST; longer ones still stop at gunicorn (its own bare 414), so a client cannot make a worker read
# without end.
REQUEST_LINE_BOUND = 64 * 1024


def _raise_request_line_ceiling() -> None:
    import gunicorn.http.message as message
    message.MAX_REQUEST_LINE = max(message.MAX_REQUEST_LINE, REQUEST_LINE_BOUND)


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict):
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from .app import create_app
        return create_app(self.settings)


def serve(settings: Settings) -> None:
    """Run gunicorn in the foreground with ``settings.workers`` worker processes."""
    import os
    import tempfile
    # the workers count into memory-mapped files in one directory (prometheus_client's multiprocess
    # mode, see htkg.web.metrics), which reads the directory from the environment
    settings.extra.setdefault("metrics_dir", tempfile.mkdtemp(prefix="htkg-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = settings.extra["metrics_dir"]
    from .app import create_app
    create_app(settings)  # fail fast, before forking, on a missing release or bad settings
    options = {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "worker_class": "gthread",
        "threads": max(2, settings.max_concurrent_queries + 2),
        "timeout": int(settings.query_timeout * 3 + 30),
        "graceful_timeout": 10,
        "accesslog": "-",
        "loglevel": settings.log_level,
        "limit_request_line": REQUEST_LINE_BOUND,
        "forwarded_allow_ips": "*" if settings.trust_proxy else "127.0.0.1",
        # gunicorn 27's control socket has one fixed path per user: servers side by side would fight for it
        "control_socket_disable": True,
    }
    _raise_request_line_ceiling()
    try:
        _Gunicorn(settings, options).run()
    finally:
        import shutil
        shutil.rmtree(settings.extra["metrics_dir"], ignore_errors=True)
