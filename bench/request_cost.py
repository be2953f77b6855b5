"""Where one uncached query request's CPU goes, measured without a load generator (not part of the tests).

    .venv/bin/python bench/request_cost.py DIR                     # DIR/release and DIR/store, as kept by run.py --keep
    .venv/bin/python bench/request_cost.py DIR --kind "property path" --requests 3000 --cprofile 25
    .venv/bin/python bench/request_cost.py DIR --bounded-query-cap 0   # lookups through query processes too

Three layers, each timed on the same queries (every text unique, so no cache answers), one request at a time:

1. **engine**: pyoxigraph alone in this process — the query evaluated and serialized as SPARQL JSON;
2. **executor**: the store behind its query processes (``htkg.store.executor``): CPU of this process
   (pickling, the pipe) and of the query processes (the engine plus their own Python); a lookup or a
   one-predicate path within ``--bounded-query-cap`` is evaluated in this process instead
   (``htkg.store.bounded``; ``--bounded-query-cap 0`` sends every query to a query process);
3. **app**: the whole WSGI app as a server worker runs it (response cache, lean path or Flask, hooks),
   CPU of this process; ``--cprofile N`` prints its N most expensive functions.

The difference between layers is what each adds. Under real load (``run.py``) every figure grows with
context switches between the processes; this script gives the floor.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run as bench  # noqa: E402  (the same queries as the throughput runs)


def _descendants_cpu() -> float:
    """Seconds of CPU used so far by this process's descendants (the query processes), alive ones included."""
    total = 0
    for pid in bench.descendants(os.getpid())[1:]:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _timed(fn, n: int) -> tuple[float, float]:
    """(CPU ms of this process, CPU ms of its descendants) per call of ``fn(i)``."""
    for i in range(min(200, n)):   # warm-up: processes started, stores opened
        fn(10_000_000 + i)
    own, kids = time.process_time(), _descendants_cpu()
    for i in range(n):
        fn(i)
    return 1000 * (time.process_time() - own) / n, 1000 * (_descendants_cpu() - kids) / n


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", type=Path, help="directory with release/ and store/ (run.py --keep)")
    ap.add_argument("--kind", default="lookup", help="lookup, 2-hop join, property path")
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--cprofile", type=int, default=0, metavar="N", help="print the app's N costliest functions")
    ap.add_argument("--bounded-query-cap", type=int, default=None, metavar="N",
                    help="the setting bounded_query_cap (default: its default; 0: every query to a query process)")
    args = ap.parse_args(argv)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="htkg-profile-metrics-"))
    import pyoxigraph as ox
    from htkg.config import Settings
    from htkg.dataset.release import open_release
    from htkg.formats import by_name
    from htkg.store.factory import open_store
    from htkg.web.app import create_app

    release, store_path = args.dir / "release", args.dir / "store"
    agencies = bench._count_agencies_in(store_path) or 1
    texts = bench.queries(agencies, random.Random(5))[args.kind]

    def text(i: int) -> str:
        return f"{texts[i % len(texts)]} #{i}"
    print(f"{args.kind}, {args.requests} requests, one at a time, on {args.dir}")

    engine = ox.Store.read_only(str(store_path))
    own, _ = _timed(lambda i: engine.query(text(i), use_default_graph_as_union=True).serialize(
        format=ox.QueryResultsFormat.JSON), args.requests)
    print(f"  engine    pyoxigraph query + JSON serialization   {own:.3f} ms")
    del engine

    cap = {} if args.bounded_query_cap is None else {"bounded_query_cap": args.bounded_query_cap}
    settings = Settings(release_dir=str(release), store_path=str(store_path), **cap).resolved()
    executor = open_store(settings, open_release(release), isolate=True)
    json_fmt, turtle = by_name("json"), by_name("turtle")
    own, kids = _timed(lambda i: executor.answer(text(i), result_format=json_fmt, graph_format=turtle,
                                                 check=True), args.requests)
    print(f"  executor  this process {own:.3f} ms + query processes {kids:.3f} ms = {own + kids:.3f} ms")
    executor.close()

    app = create_app(settings)

    def request(i: int) -> None:
        env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "SCRIPT_NAME": "",
               "QUERY_STRING": urllib.parse.urlencode({"query": text(i)}), "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
               "HTTP_HOST": "127.0.0.1:8000", "HTTP_ACCEPT": "application/sparql-results+json",
               "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "REMOTE_ADDR": "127.0.0.1"}
        status = []
        b"".join(app.wsgi_app(env, lambda s, h, e=None: status.append(s)))
        if not status or not status[0].startswith("200"):
            raise SystemExit(f"the app answered {status} to {text(i)!r}")
    own, kids = _timed(request, args.requests)
    print(f"  app       server worker {own:.3f} ms + query processes {kids:.3f} ms = {own + kids:.3f} ms")
    if args.cprofile:
        prof = cProfile.Profile()
        prof.enable()
        for i in range(args.requests):
            request(20_000_000 + i)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.cprofile)


if __name__ == "__main__":
    main()
