"""``/-/metrics`` in the Prometheus text format: requests, latencies, query timeouts, refusals, cache hits.

Counted with ``prometheus_client``. Under ``htkg serve`` it runs in its multiprocess mode: each
server worker writes its counts into a memory-mapped file of its own in one directory per server
(``settings.extra["metrics_dir"]``, made by :func:`htkg.web.serve.serve`, which also sets
``PROMETHEUS_MULTIPROC_DIR`` to it, where the files go), so counting costs a
few microseconds and ``/-/metrics`` adds up every worker's files, whichever worker answers the
scrape. An app made in-process (tests, ``create_app()``) counts in memory in its own registry.
"""

from __future__ import annotations

import os
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector

from .http import ROUTE_KEY

__all__ = ["Metrics", "bp", "install", "BUCKETS"]

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# name (without htkg_ and _total) → (help, label names)
COUNTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "http_requests": ("HTTP requests answered, by method, route and status.", ("method", "route", "status")),
    "query_timeouts": ("SPARQL queries stopped at their time limit.", ()),
    "query_refusals": ("SPARQL requests refused (read-only policy, busy, limits), by reason.", ("reason",)),
    "query_crashes": ("Query processes that died on a query and were replaced.", ()),
    "query_spawns": ("Query processes started.", ()),
    "query_in_worker": ("SPARQL queries of a bounded shape answered in the server worker (bounded_query_cap).", ()),
    "query_streams": ("SPARQL answers streamed in chunks (larger than one chunk).", ()),
    "query_stream_cancels": ("Streamed answers stopped early (the client went away).", ()),
    "query_cache_hits": ("SPARQL results answered from the result cache.", ()),
    "query_cache_misses": ("SPARQL results that had to be computed.", ()),
    "response_cache_hits": ("Repeated GETs answered whole from the response cache, before the app.", ()),
}
disable_created_metrics()   # no *_created series: the multiprocess mode has none either

HISTOGRAMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "http_request_duration_seconds": ("Time to answer an HTTP request, by route.", ("route",)),
}


_PID = os.getpid()


def _forked() -> None:
    global _PID
    _PID = os.getpid()


os.register_at_fork(after_in_child=_forked)


def _pid() -> int:
    """This process's id, kept up to date across forks (prometheus_client names its files by it)."""
    return _PID


class Metrics:
    """The counters and histograms of one app; ``render()`` gives every worker's sum.

    ``directory``: the multiprocess directory shared by the workers of one server (None: in memory).
    """

    def __init__(self, directory=None):
        self.directory = str(directory) if directory else None
        if self.directory and not getattr(values.ValueClass, "_htkg", False):
            # what prometheus_client picks at import when PROMETHEUS_MULTIPROC_DIR is set (it may have been
            # imported before serve() set it; its files go into that directory), but told the process id
            # by _pid: its own os.getpid() is a system call on every count, 4% of a worker's time
            values.ValueClass = values.MultiProcessValue(process_identifier=_pid)
            values.ValueClass._htkg = True
        self.registry = CollectorRegistry(auto_describe=True)
        self._counters = {name: Counter(name, text, labels, namespace="htkg", registry=self.registry)
                          for name, (text, labels) in COUNTERS.items()}
        self._histograms = {name: Histogram(name, text, labels, namespace="htkg", buckets=BUCKETS,
                                            registry=self.registry)
                            for name, (text, labels) in HISTOGRAMS.items()}

    def inc(self, name: str, amount: float = 1.0, **labels) -> None:
        """Add to a counter of :data:`COUNTERS` (``name`` with or without ``_total``)."""
        counter = self._counters[name.removesuffix("_total")]
        (counter.labels(**labels) if labels else counter).inc(amount)

    def observe(self, name: str, value: float, **labels) -> None:
        histogram = self._histograms[name]
        (histogram.labels(**labels) if labels else histogram).observe(value)

    def total(self, name: str) -> float:
        """The sum of a counter over its labels, in this process (for tests)."""
        name = name.removesuffix("_total")
        return sum(s.value for m in self._counters[name].collect() for s in m.samples
                   if s.name == f"htkg_{name}_total")

    def render(self) -> bytes:
        if self.directory is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.directory)
        return generate_latest(registry)


bp = Blueprint("metrics", __name__)


@bp.get("/-/metrics")
def metrics():
    text = current_app.extensions["htkg_metrics"].render()
    return Response(text, content_type="text/plain; version=0.0.4; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def install(app: Flask, metrics: Metrics) -> None:
    """Count every request (errors included) and time it."""
    app.extensions["htkg_metrics"] = metrics

    @app.before_request
    def _start():
        g.htkg_started = time.perf_counter()

    @app.after_request
    def _count(resp):
        route = request.url_rule.rule if request.url_rule else "unmatched"
        request.environ[ROUTE_KEY] = route   # for the response cache, which counts its hits by route
        metrics.inc("http_requests", method=request.method, route=route, status=str(resp.status_code))
        if route == "/sparql" and 400 <= resp.status_code < 500:
            metrics.inc("query_refusals", reason=str(resp.status_code))
        started = g.get("htkg_started")
        if started is not None:
            metrics.observe("http_request_duration_seconds", time.perf_counter() - started, route=route)
        return resp
