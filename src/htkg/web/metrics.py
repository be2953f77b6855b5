"""``/-/metrics`` in the Prometheus text format: requests, latencies, query timeouts, refusals, cache hits.

Each server worker counts in memory and, after every request, writes a snapshot to a directory
shared by the workers of one ``htkg serve`` (``settings.extra["metrics_dir"]``, set by
:func:`htkg.web.serve.serve`); ``/-/metrics`` adds up the snapshots of the workers still alive, so a
scrape sees the whole server whichever worker answers it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import defaultdict
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, g, request

__all__ = ["Metrics", "bp", "install", "BUCKETS"]

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

_HELP = {
    "http_requests_total": ("counter", "HTTP requests answered, by method, route and status."),
    "http_request_duration_seconds": ("histogram", "Time to answer an HTTP request, by route."),
    "query_timeouts_total": ("counter", "SPARQL queries stopped at their time limit."),
    "query_refusals_total": ("counter", "SPARQL requests refused (read-only policy, busy, limits), by reason."),
    "query_crashes_total": ("counter", "Query processes that died on a query and were replaced."),
    "query_spawns_total": ("counter", "Query processes started."),
    "query_cache_hits_total": ("counter", "SPARQL results answered from the result cache."),
    "query_cache_misses_total": ("counter", "SPARQL results that had to be computed."),
}


def _key(labels: dict) -> str:
    return json.dumps(sorted(labels.items()))


class Metrics:
    """Counters and histograms of one process; ``render()`` adds the other workers' snapshots."""

    def __init__(self, directory: str | os.PathLike | None = None):
        self.directory = Path(directory) if directory else None
        self._lock = threading.Lock()
        self.counters: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.histograms: dict[str, dict[str, list[float]]] = defaultdict(dict)
        self._write_lock = threading.Lock()

    def inc(self, name: str, amount: float = 1.0, **labels) -> None:
        name = name if name.endswith("_total") else name + "_total"
        with self._lock:
            self.counters[name][_key(labels)] += amount

    def observe(self, name: str, value: float, **labels) -> None:
        with self._lock:
            h = self.histograms[name].setdefault(_key(labels), [0.0] * (len(BUCKETS) + 2))
            for i, bound in enumerate(BUCKETS):
                if value <= bound:
                    h[i] += 1
            h[-2] += 1          # count (= the +Inf bucket)
            h[-1] += value      # sum

    def snapshot(self) -> dict:
        with self._lock:
            return {"counters": {n: dict(v) for n, v in self.counters.items()},
                    "histograms": {n: {k: list(h) for k, h in v.items()} for n, v in self.histograms.items()}}

    def flush(self) -> None:
        """Write this worker's snapshot for the others to read (a small file; a fraction of a millisecond)."""
        if self.directory is None:
            return
        with self._write_lock:
            tmp = self.directory / f".{os.getpid()}.tmp"
            tmp.write_text(json.dumps(self.snapshot()), encoding="utf-8")
            tmp.replace(self.directory / f"{os.getpid()}.json")

    def _all_snapshots(self) -> list[dict]:
        if self.directory is None:
            return [self.snapshot()]
        self.flush()
        out = []
        for path in self.directory.glob("*.json"):
            pid = int(path.stem)
            if pid != os.getpid() and not _alive(pid):
                continue
            try:
                out.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
        return out

    def render(self) -> str:
        counters: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        hists: dict[str, dict[str, list[float]]] = defaultdict(dict)
        for snap in self._all_snapshots():
            for name, series in snap["counters"].items():
                for k, v in series.items():
                    counters[name][k] += v
            for name, series in snap["histograms"].items():
                for k, h in series.items():
                    acc = hists[name].setdefault(k, [0.0] * len(h))
                    hists[name][k] = [a + b for a, b in zip(acc, h)]
        lines = []
        for name in sorted(set(_HELP) | set(counters) | set(hists)):
            kind, text = _HELP.get(name, ("counter", name))
            full = "htkg_" + name
            lines += [f"# HELP {full} {text}", f"# TYPE {full} {kind}"]
            if kind == "histogram":
                for k, h in sorted(hists.get(name, {}).items()):
                    labels = dict(json.loads(k))
                    for bound, n in zip(BUCKETS, h):
                        lines.append(f"{full}_bucket{_labels(labels, le=repr(bound))} {n:g}")
                    lines.append(f"{full}_bucket{_labels(labels, le='+Inf')} {h[-2]:g}")
                    lines.append(f"{full}_count{_labels(labels)} {h[-2]:g}")
                    lines.append(f"{full}_sum{_labels(labels)} {h[-1]:.6f}")
            else:
                series = counters.get(name) or {_key({}): 0.0}
                for k, v in sorted(series.items()):
                    lines.append(f"{full}{_labels(dict(json.loads(k)))} {v:g}")
        return "\n".join(lines) + "\n"


def _labels(labels: dict, **more) -> str:
    items = {**labels, **more}
    if not items:
        return ""
    esc = lambda v: str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return "{" + ",".join(f'{k}="{esc(v)}"' for k, v in items.items()) + "}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
        metrics.inc("http_requests", method=request.method, route=route, status=str(resp.status_code))
        if route == "/sparql" and 400 <= resp.status_code < 500:
            metrics.inc("query_refusals", reason=str(resp.status_code))
        started = g.get("htkg_started")
        if started is not None:
            metrics.observe("http_request_duration_seconds", time.perf_counter() - started, route=route)
        metrics.flush()
        return resp
