"""htkg benchmarks (not part of the test suite): build steps, endpoint throughput and latency side by
side with ``oxigraph serve-read-only`` on the same data, and the site's pages.

    .venv/bin/python bench/run.py                         # 10k and 100k, raw results in bench/results/
    .venv/bin/python bench/run.py --sizes 10k,100k,1M     # the full run (about half an hour on 2 cores)
    .venv/bin/python bench/run.py --sizes 100k --reuse DIR --baseline OTHER/.venv/bin   # before/after

Load comes from ``wrk`` (the Debian package; a C program, so it takes little CPU from the servers),
driven by ``bench/wrk/paths.lua``, which cycles through a list of request paths and, for uncached
measurements, gives every query its own trailing comment so that no cache can answer it. The servers
are measured in turn within each round (htkg, Oxigraph, and ``--baseline``'s htkg when given), so
that all see the same machine load; the median of ``--runs`` rounds is kept. Everything runs on
127.0.0.1, every loop is bounded. Sizes run one after the other, smallest first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
BIN = Path(PY).parent
BASE = "https://w3id.org/htkg/"
PFX = ("PREFIX org: <http://www.w3.org/ns/org#> PREFIX schema: <https://schema.org/> "
       "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX htkg: <https://w3id.org/htkg/def/> ")


def size_of(text: str) -> int:
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * mult)


# --------------------------------------------------------------------------------------------
# build steps, measured in a child process (time and peak RSS per step)
# --------------------------------------------------------------------------------------------

class _Peak:
    """Samples this process's RSS every 20 ms; ``take()`` gives the peak since the last take."""

    def __init__(self):
        self.peak = 0
        self.stop = False
        threading.Thread(target=self._run, daemon=True).start()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self):
        while not self.stop:
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)

    def take(self) -> int:
        p, self.peak = max(self.peak, self.rss()), self.rss()
        return p


def build_steps(project: Path, out: Path) -> dict:
    """``htkg build``'s own pipeline (``build_release``: on-disk work store, parse → enrich → validate →
    freeze with dumps and metadata), timed step by step through its progress messages, and the
    libraries' own costs on the same release: pyoxigraph load and serialize."""
    import pyoxigraph as ox
    from htkg.compiler.pipeline import build_release

    peak = _Peak()
    steps: dict = {}
    freeze_steps: dict = {}
    last = [time.perf_counter(), None]

    def progress(msg):   # a message starts a step: it ends the one before
        now = time.perf_counter()
        if last[1] is not None:
            secs, rss = round(now - last[0], 3), round(peak.take() / 2**20)
            if last[1] in ("parse", "enrich", "validate"):
                steps[last[1] if last[1] != "validate" else "validate (pyshacl)"] = {"seconds": secs, "peak_rss_mb": rss}
            else:
                freeze_steps[last[1]] = secs
                f = steps.setdefault("freeze", {"seconds": 0.0, "peak_rss_mb": 0})
                f["seconds"] = round(f["seconds"] + secs, 3)
                f["peak_rss_mb"] = max(f["peak_rss_mb"], rss)
        last[:] = [now, msg]

    def timed(name, fn):
        t = time.perf_counter()
        value = fn()
        steps[name] = {"seconds": round(time.perf_counter() - t, 3), "peak_rss_mb": round(peak.take() / 2**20)}
        return value

    release, _report = build_release(project, out, progress=progress)
    progress("end")
    steps["freeze"]["substeps"] = freeze_steps
    # the libraries' own costs on the same release: pyoxigraph bulk load, and every dump format
    # serialized by pyoxigraph from its store straight to files (no Python per triple)
    nq = out / "dumps" / "htkg.nq"
    lib_dir = Path(tempfile.mkdtemp(prefix="bench-lib-", dir=out.parent))
    lib = ox.Store(str(lib_dir / "store"))
    timed("lib: pyoxigraph load", lambda: lib.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS))

    def serialize_all():
        for ext, fmt in (("nq", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG), ("jsonld", ox.RdfFormat.JSON_LD)):
            lib.dump(output=str(lib_dir / f"all.{ext}"), format=fmt)
        union = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
        for ext, fmt in (("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES), ("rdf", ox.RdfFormat.RDF_XML)):
            lib.query(union).serialize(output=str(lib_dir / f"all.{ext}"), format=fmt)

    timed("lib: pyoxigraph serialize (6 formats)", serialize_all)
    lib = None   # the on-disk store closes before its folder goes
    shutil.rmtree(lib_dir, ignore_errors=True)
    peak.stop = True
    stats = release.manifest["statistics"]
    return {"triples_enriched": stats["triples"], "quads": stats["quads"], "steps": steps}


# --------------------------------------------------------------------------------------------
# servers and load
# --------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str, proc: subprocess.Popen, limit: float = 120) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} not ready after {limit} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


WRK_SCRIPT = HERE / "wrk" / "paths.lua"


def load(port: int, paths: list[str], duration: float, concurrency: int, accept: str, unique: bool = False) -> dict:
    """wrk: ``concurrency`` keep-alive connections on 2 threads for ``duration`` s, cycling through
    ``paths``; throughput of 2xx answers and latency (wrk's, over every answer).

    ``unique``: every request's query text ends with its own comment (``#<thread>-<n>``, added by
    ``bench/wrk/paths.lua``), so that no result cache can answer it (the paths must end with the
    ``query`` parameter). wrk is a C program: it takes far less CPU from the servers than a Python
    load generator did.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as f:
        f.write("\n".join(paths) + "\n")
    # a salt of its own for every run: without it each round repeated the texts of the round before, which
    # htkg's response cache (64 MB a worker: a whole 5 s round of small answers) still held, so "uncached"
    # rounds after the first were partly answered from the cache (runs before 2026-12-07 12:00)
    env = dict(os.environ, WRK_PATHS=f.name, WRK_UNIQUE="1" if unique else "0", WRK_ACCEPT=accept,
               WRK_SALT=secrets.token_hex(4))
    try:
        out = subprocess.run(["wrk", "-t", str(min(2, concurrency)), "-c", str(concurrency),
                              "-d", f"{max(1, round(duration))}s", "--timeout", "60s", "-s", str(WRK_SCRIPT),
                              f"http://127.0.0.1:{port}"], env=env, capture_output=True, text=True,
                             timeout=duration + 120, check=True).stdout
    finally:
        os.unlink(f.name)
    r = json.loads(out.strip().splitlines()[-1])
    ok = r["requests"] - r["non2xx"]
    return {"rps": round(ok / r["seconds"], 1), "p50_ms": round(r["p50_ms"], 2), "p99_ms": round(r["p99_ms"], 2),
            "requests": r["requests"], "errors": r["non2xx"] + r["socket_errors"],
            "statuses": r["statuses"]}


def median_of(runs: list[dict]) -> dict:
    out = {}
    for key in ("rps", "p50_ms", "p99_ms"):
        values = [r[key] for r in runs if r[key] is not None]
        out[key] = round(statistics.median(values), 2) if values else None
    out["errors"] = sum(r["errors"] for r in runs)
    out["statuses"] = {}
    for r in runs:
        for code, n in r.get("statuses", {}).items():
            out["statuses"][code] = out["statuses"].get(code, 0) + n
    out["runs"] = len(runs)
    return out


HEAVY = {"group by"}


def queries(agencies: int, rng: random.Random) -> dict[str, list[str]]:
    """Per query kind, a list of query texts (varied so that no cache can answer them)."""
    def agency():
        return f"<{BASE}id/org/synth-agency-{rng.randrange(agencies)}>"

    def dept():
        return f"<{BASE}id/org/synth-dept-{rng.randrange(max(1, agencies // 12))}>"
    n = 64
    return {
        "lookup": [f"SELECT ?p ?o WHERE {{ {agency()} ?p ?o }}" for _ in range(n)],
        "2-hop join": [PFX + f"SELECT ?office ?award ?value WHERE {{ ?office org:subOrganizationOf {agency()} . "
                       "?award schema:funder ?office ; schema:amount ?m . ?m schema:value ?value }" for _ in range(n)],
        "group by": [PFX + f"SELECT ?funder (COUNT(?a) AS ?awards) (SUM(?v) AS ?total) WHERE {{ ?a a htkg:Funding ; "
                     f"schema:funder ?funder ; schema:amount ?m . ?m schema:value ?v }} GROUP BY ?funder "
                     f"ORDER BY DESC(?total) LIMIT {10 + k}" for k in range(n)],
        "property path": [PFX + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x org:subOrganizationOf+ {dept()} }}"
                          for _ in range(n)],
    }


def endpoint_bench(release: Path, store_path: Path, agencies: int, args, remote: Path | None = None) -> dict:
    """htkg on the on-disk store vs ``oxigraph serve-read-only`` on it; or, with ``remote`` (a scratch
    directory), htkg on a remote ``oxigraph serve`` loaded by ``htkg publish`` vs that same server."""
    hp, op = free_port(), free_port()
    env = dict(os.environ, HTKG_LOG_LEVEL="warning")
    out: dict = {"queries": {}, "pages": {}}
    if remote is None:
        oxi = subprocess.Popen([str(BIN / "oxigraph"), "serve-read-only", "--location", str(store_path),
                                "--union-default-graph", "--bind", f"127.0.0.1:{op}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        store_args = ["--store-path", str(store_path)]
    else:
        oxi = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--location", str(remote),
                                "--union-default-graph", "--bind", f"127.0.0.1:{op}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        store_args = ["--store-url", f"http://127.0.0.1:{op}/query"]
    try:
        wait_http(op, "/query?query=ASK%7B%7D", oxi)
        if remote is not None:
            out["publish_s"] = timed_run([str(BIN / "htkg"), "publish", "--to", f"http://127.0.0.1:{op}/store",
                                          "--release", str(release)], stdout=subprocess.DEVNULL)
            print(f"    publish {out['publish_s']} s", flush=True)
    except BaseException:
        stop(oxi)
        raise
    htkg = subprocess.Popen([str(BIN / "htkg"), "serve", "--release-dir", str(release), *store_args,
                             "--port", str(hp), "--workers", str(args.workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # --baseline: another install of htkg (an earlier commit) on the same store, measured in turn with
    # the two others, so that "before" and "after" see the same machine load
    bp, base = None, None
    if args.baseline:
        bp = free_port()
        base = subprocess.Popen([str(args.baseline / "htkg"), "serve", "--release-dir", str(release), *store_args,
                                 "--port", str(bp), "--workers", str(args.workers)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(hp, "/-/health", htkg)
        if base is not None:
            wait_http(bp, "/-/health", base)
        rng = random.Random(5)
        accept = "application/sparql-results+json"
        all_queries = {k: v for k, v in queries(agencies, rng).items() if k not in args.skip_queries}
        # warm-up, not measured: every query process started, stores opened, first queries compiled
        for texts in all_queries.values():
            for port, path in ((hp, "/sparql?"), (op, "/query?"), (bp, "/sparql?")):
                if port is not None:
                    load(port, [path + urllib.parse.urlencode({"query": q}) for q in texts[:4]], 1, args.concurrency,
                         accept)
        out["htkg_server"] = _server_header(hp)
        if base is not None:
            out["baseline"] = {"label": args.baseline_label, "server": _server_header(bp)}
        for kind, texts in all_queries.items():
            row = {}
            for mode in ("uncached", "repeated"):
                use = texts if mode == "uncached" else texts[:1]
                hpaths = ["/sparql?" + urllib.parse.urlencode({"query": q}) for q in use]
                opaths = ["/query?" + urllib.parse.urlencode({"query": q}) for q in use]
                h, o, b = [], [], []
                # a heavy query takes seconds under 16 clients: measured longer, so that many complete
                seconds = max(args.duration, args.heavy_duration) if kind in HEAVY else args.duration
                for _ in range(args.runs):  # interleaved: the servers see the same machine load
                    h.append(load(hp, hpaths, seconds, args.concurrency, accept, mode == "uncached"))
                    o.append(load(op, opaths, seconds, args.concurrency, accept, mode == "uncached"))
                    if bp is not None:
                        b.append(load(bp, hpaths, seconds, args.concurrency, accept, mode == "uncached"))
                hm, om = median_of(h), median_of(o)
                row[mode] = {"htkg": hm, "oxigraph": om,
                             "throughput_ratio": round(hm["rps"] / om["rps"], 3) if om["rps"] else None,
                             "p99_ratio": round(hm["p99_ms"] / om["p99_ms"], 3) if hm["p99_ms"] and om["p99_ms"] else None}
                line = (f"    {kind:14} {mode:9} htkg {hm['rps']:8} rps p99 {hm['p99_ms']} ms | "
                        f"oxigraph {om['rps']:8} rps p99 {om['p99_ms']} ms")
                if b:
                    bm = row[mode]["baseline"] = median_of(b)
                    row[mode]["baseline_ratio"] = round(bm["rps"] / om["rps"], 3) if om["rps"] else None
                    line += f" | baseline {bm['rps']:8} rps p99 {bm['p99_ms']} ms"
                print(line, flush=True)
            out["queries"][kind] = row

        def agency_iri() -> str:
            return BASE + "id/org/synth-agency-" + str(rng.randrange(agencies))

        pages = {
            "resource page (HTML)": ([f"/id/org/synth-agency-{rng.randrange(agencies)}" for _ in range(64)], "text/html"),
            "resource page (Turtle)": ([f"/id/org/synth-agency-{rng.randrange(agencies)}" for _ in range(64)], "text/turtle"),
            "explorer node data": ([f"/api/node?iri={urllib.parse.quote(BASE + 'id/org/synth-agency-' + str(rng.randrange(agencies)))}"
                                    for _ in range(64)], "application/json"),
            "explorer graph data": (["/api/graph"], "application/json"),
            # named queries with one agency as the parameter: its relations, and the funding it gives
            "named query page (HTML)": ([f"/queries/relations-of-an-entity?entity={urllib.parse.quote(agency_iri())}"
                                         for _ in range(64)], "text/html"),
            "named query API (JSON)": ([f"/api/queries/who-funds-whom?funder={urllib.parse.quote(agency_iri())}"
                                        for _ in range(64)], "application/sparql-results+json"),
        }
        if _status(hp, "/search?q=agency") != 404:
            pages["search"] = ([f"/search?q=synth+agency+{rng.randrange(agencies)}" for _ in range(64)], "text/html")
        else:
            print("    (no /search on this server: not measured)", flush=True)
        # each page twice: "first visit", every URL new (a trailing parameter made unique per request, which
        # the pages ignore: no cache in front can answer), then the same URLs again and again
        measured = {}
        for name, (paths, acc) in pages.items():
            if "named query" not in name:   # a named query refuses parameters it does not declare (400)
                sep = [("&" if "?" in p else "?") + "v=" for p in paths]
                measured[name + " — first visit"] = ([p + s for p, s in zip(paths, sep)], acc, True)
            measured[name + " — repeated"] = (paths, acc, False)
        measured["dump download (N-Quads, gzip)"] = (["/dumps/htkg.nq.gz"], "*/*", False)
        for name, (paths, acc, unique) in measured.items():
            runs, base_runs = [], []
            for _ in range(args.runs):
                runs.append(load(hp, paths, args.duration, args.page_concurrency, acc, unique))
                if bp is not None:
                    base_runs.append(load(bp, paths, args.duration, args.page_concurrency, acc, unique))
            p = out["pages"][name] = median_of(runs)
            line = f"    {name:46} {p['rps']:8} rps p50 {p['p50_ms']} ms p99 {p['p99_ms']} ms, failed {p['errors']}"
            if base_runs:
                bm = p["baseline"] = median_of(base_runs)
                line += f" | baseline {bm['rps']:8} rps p50 {bm['p50_ms']} ms p99 {bm['p99_ms']} ms"
            print(line, flush=True)
        # memory per worker: RSS of the htkg server's processes after the load
        out["htkg_rss_mb"] = _tree_rss(htkg.pid)
        out["oxigraph_rss_mb"] = _tree_rss(oxi.pid)
    finally:
        stop(htkg)
        stop(oxi)
        if base is not None:
            stop(base)
    return out


def _status(port: int, path: str) -> int:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def _server_header(port: int) -> str:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.request("GET", "/-/health")
        r = c.getresponse()
        r.read()
        return r.getheader("Server") or ""
    finally:
        c.close()


def descendants(pid: int, limit: int = 1000) -> list[int]:
    """``pid`` and every process below it, through the children of each of its threads (query processes
    are started from request threads, which a walk of the main thread's children alone misses)."""
    out, todo = [], [pid]
    while todo and len(out) < limit:   # bounded walk
        p = todo.pop()
        out.append(p)
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
            except OSError:
                pass
    return out


def _tree_rss(pid: int) -> dict:
    """RSS in MiB of a process and all its descendants (server main process, workers, query processes)."""
    out = {}
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        out[str(p)] = round(int(line.split()[1]) / 1024)
        except OSError:
            pass
    return out


# --------------------------------------------------------------------------------------------

def timed_run(cmd: list[str], **kw) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, **kw)
    return round(time.perf_counter() - t, 2)


def bench_size(n: int, args, work: Path) -> dict:
    here = work / f"{n}"
    shutil.rmtree(here, ignore_errors=True)
    here.mkdir(parents=True)
    project, release, store = here / "project", here / "release", here / "store"
    result: dict = {"size": n}
    print(f"== {n} triples", flush=True)
    result["synth_s"] = timed_run([str(BIN / "htkg"), "synth", "--triples", str(n), "--out", str(project),
                                   "--root", str(ROOT)], stdout=subprocess.DEVNULL)
    agencies = max(1, _count_agencies(project))
    result["agencies"] = agencies
    print("  build steps ...", flush=True)
    child = subprocess.run([PY, __file__, "_build", str(project), str(release)],
                           capture_output=True, text=True, timeout=args.build_limit)
    if child.returncode:
        raise RuntimeError(child.stderr[-3000:])
    result["build"] = json.loads(child.stdout.strip().splitlines()[-1])
    for k, v in result["build"]["steps"].items():
        print(f"    {k:40} {v}", flush=True)
    result["load_s"] = timed_run([str(BIN / "htkg"), "load", "--release", str(release), "--store-path", str(store)],
                                 stdout=subprocess.DEVNULL)
    print(f"  on-disk load {result['load_s']} s; endpoint ...", flush=True)
    result["endpoint"] = endpoint_bench(release, store, agencies, args)
    if args.remote and n <= size_of(args.remote_max):
        print("  remote backend ...", flush=True)
        result["remote"] = endpoint_bench(release, store, agencies, args, remote=here / "remote-store")
    if not args.keep:
        shutil.rmtree(here, ignore_errors=True)
    return result


def reuse_size(n: int, args) -> dict:
    """The endpoint measurements only, on ``args.reuse``/release and ``args.reuse``/store (kept by ``--keep``)."""
    release, store = args.reuse / "release", args.reuse / "store"
    stats = json.loads((release / "manifest.json").read_text())["statistics"]
    agencies = _count_agencies_in(store) or 1
    print(f"== {n} triples: reusing {args.reuse} ({stats['quads']} quads, {agencies} agencies); endpoint ...", flush=True)
    return {"size": n, "reused": args.reuse.name, "agencies": agencies,
            "statistics": {"quads": stats["quads"], "triples": stats["triples"]},
            "endpoint": endpoint_bench(release, store, agencies, args)}


def _count_agencies_in(store: Path) -> int:
    """The synthetic agencies (``id/org/synth-agency-N``, not their offices) in an on-disk store."""
    import pyoxigraph as ox
    q = (f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a <{BASE}def/GovernmentUnit> "
         f"FILTER(REGEX(STR(?a), \"/synth-agency-[0-9]+$\")) }}")
    st = ox.Store.read_only(str(store))
    return int(next(iter(st.query(q, use_default_graph_as_union=True)))["n"].value)


def _count_agencies(project: Path) -> int:
    n = 0
    for p in (project / "data").glob("synth-*.trig"):
        with open(p, encoding="utf-8") as f:
            n += sum(1 for line in f if line.startswith("  orgs:synth-agency-") and " a htkg:GovernmentUnit" in line
                     and "-office-" not in line)
    return n


def _wrk_version() -> str:
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).split()[1] if (out.stdout or out.stderr).split()[1:] else "?"


def machine() -> dict:
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f.readline().split(":")[1].strip()
    except OSError:
        pass
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    import pyoxigraph
    import rdflib
    import pyshacl
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "pyoxigraph": pyoxigraph.__version__, "rdflib": rdflib.__version__, "pyshacl": pyshacl.__version__,
            "load_average_at_start": os.getloadavg()}


def _endpoint_table(e: dict, title: str) -> list[str]:
    base = e.get("baseline")
    out = [f"{title}" + (f" (htkg is `{e.get('htkg_server', '?')}`; baseline: {base['label']}, "
                         f"`{base['server'] or '?'}`)" if base else "") + ":", ""]
    head = ("| query | mode | htkg rps | htkg p50 / p99 ms | oxigraph rps | oxigraph p50 / p99 ms | "
            "throughput ratio | p99 ratio | failed (htkg/oxigraph) |")
    rule = "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    if base:
        head += " baseline rps | baseline p50 / p99 ms | baseline ratio |"
        rule += "---:|---:|---:|"
    out += [head, rule]
    for kind, modes in e["queries"].items():
        for mode, r in modes.items():
            h, o = r["htkg"], r["oxigraph"]
            row = (f"| {kind} | {mode} | {h['rps']} | {h['p50_ms']} / {h['p99_ms']} | {o['rps']} | "
                   f"{o['p50_ms']} / {o['p99_ms']} | **{r['throughput_ratio']}×** | {r['p99_ratio']}× | "
                   f"{h['errors']}/{o['errors']} |")
            if "baseline" in r:
                b = r["baseline"]
                row += f" {b['rps']} | {b['p50_ms']} / {b['p99_ms']} | {r['baseline_ratio']}× |"
            out.append(row)
    out += ["", "| page | rps | p50 ms | p99 ms | failed |" + (" baseline rps | baseline p50 / p99 ms |" if base else ""),
            "|---|---:|---:|---:|---:|" + ("---:|---:|" if base else "")]
    for name, r in e["pages"].items():
        row = f"| {name} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} |"
        if "baseline" in r:
            row += f" {r['baseline']['rps']} | {r['baseline']['p50_ms']} / {r['baseline']['p99_ms']} |"
        out.append(row)
    rss = e.get("htkg_rss_mb") or {}
    out += ["", f"RSS after the load (MiB): htkg processes {sorted(rss.values(), reverse=True)} "
            f"(total {sum(rss.values())}), oxigraph {sum((e.get('oxigraph_rss_mb') or {}).values())}", ""]
    return out


def report(paths: list[Path]) -> str:
    """The recorded runs as Markdown tables (for bench/RESULTS.md)."""
    out = []
    for path in paths:
        rec = json.loads(path.read_text())
        m = rec["machine"]
        out += [f"### Run of {rec['date']} (`{path.name}`)", "",
                f"- command: `{rec['command']}`",
                f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; Python {m['python']}, "
                f"pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}, pyshacl {m['pyshacl']}; "
                f"load average at start {', '.join(f'{x:.1f}' for x in m['load_average_at_start'])}",
                f"- load: {rec['settings']['concurrency']} concurrent keep-alive clients "
                f"({rec.get('load_generator', 'Python threads')}), "
                f"{rec['settings']['duration']} s per measurement, median of {rec['settings']['runs']} runs; "
                f"htkg with {rec['settings']['workers']} workers on the on-disk store, "
                "`oxigraph serve-read-only --union-default-graph` on the same store directory", ""]
        for size in rec["sizes"]:
            if "build" not in size:   # --reuse: the endpoint of an earlier build
                out += [f"#### {size['size']:,} statements synthesized: the release and store in "
                        f"`{size['reused']}`, not rebuilt ({size['statistics']['quads']:,} quads, "
                        f"{size['agencies']:,} agencies)", ""]
                out += _endpoint_table(size["endpoint"], "htkg (on-disk store) vs oxigraph serve-read-only")
                continue
            b = size["build"]
            out += [f"#### {size['size']:,} statements synthesized → {b['triples_enriched']:,} triples after "
                    f"enrichment, {b['quads']:,} quads released ({size['agencies']:,} agencies)", "",
                    "| build step | seconds | peak RSS (MiB) |", "|---|---:|---:|"]
            out.append(f"| synth (`htkg synth`) | {size['synth_s']} | |")
            for name, st in b["steps"].items():
                secs = st.get("seconds")
                out.append(f"| {name} | {secs if secs is not None else 'skipped: ' + st.get('skipped', '')} | "
                           f"{st.get('peak_rss_mb', '')} |")
                for sub, v in (st.get("substeps") or {}).items():
                    out.append(f"| &nbsp;&nbsp;freeze: {sub} | {v} | |")
            out.append(f"| on-disk store (`htkg load`) | {size['load_s']} | |")
            lib = sum(st["seconds"] for n, st in b["steps"].items() if n.startswith("lib:"))
            ours = sum(st["seconds"] or 0 for n, st in b["steps"].items() if not n.startswith("lib:"))
            val = (b["steps"].get("validate (pyshacl)") or b["steps"].get("validate") or {}).get("seconds") or 0
            out += ["", f"Build {ours:.1f} s vs the libraries' own cost {lib + val:.1f} s (pyoxigraph load + "
                    f"serialize {lib:.1f} s, pyshacl validate {val:.1f} s): **{ours / (lib + val):.2f}×**"
                    + ("" if val else " (validation skipped at this size, so the ratio leaves it out)"), ""]
            out += _endpoint_table(size["endpoint"], "htkg (on-disk store) vs oxigraph serve-read-only")
            if "remote" in size:
                out += _endpoint_table(size["remote"], f"htkg (remote store: oxigraph serve, loaded by htkg "
                                                       f"publish in {size['remote'].get('publish_s')} s) vs that oxigraph serve")
    return "\n".join(out) + "\n"


def main(argv=None) -> None:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "_build":
        _, _, project, out = sys.argv
        print(json.dumps(build_steps(Path(project), Path(out))))
        return
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "report":
        sys.stdout.write(report([Path(p) for p in sys.argv[2:]]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k", help="comma-separated sizes (statements synthesized)")
    ap.add_argument("--runs", type=int, default=3, help="repetitions per measurement (the median is kept)")
    ap.add_argument("--duration", type=float, default=3.0, help="seconds per load measurement")
    ap.add_argument("--concurrency", type=int, default=16, help="concurrent clients (wrk connections)")
    ap.add_argument("--heavy-duration", type=float, default=20.0, help="seconds per measurement of a heavy query")
    ap.add_argument("--page-concurrency", type=int, default=4, help="concurrent clients for the pages")
    ap.add_argument("--workers", type=int, default=2, help="htkg server worker processes")
    ap.add_argument("--build-limit", type=int, default=3600, help="seconds the build of one size may take")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "htkg-bench", help="scratch directory")
    ap.add_argument("--remote", action="store_true",
                    help="also measure htkg serving from a remote oxigraph serve loaded by htkg publish")
    ap.add_argument("--remote-max", default="100k", help="largest size measured with --remote")
    ap.add_argument("--keep", action="store_true", help="keep the generated projects, releases and stores")
    ap.add_argument("--skip-queries", default="", type=lambda t: {x.strip() for x in t.split(",") if x.strip()},
                    metavar="KINDS", help="query kinds not to measure, e.g. 'group by' at 10M, where it runs past "
                                          "htkg's time limit and Oxigraph, which has none, keeps running it")
    ap.add_argument("--reuse", type=Path, default=None, metavar="DIR",
                    help="measure only the endpoint, on DIR/release and DIR/store (from --keep, or htkg build + "
                         "htkg load of a synth project); --sizes names its one size")
    ap.add_argument("--baseline", type=Path, default=None, metavar="BINDIR",
                    help="the bin directory of another htkg install (an earlier commit), measured in turn on the "
                         "same store as 'baseline'")
    ap.add_argument("--baseline-label", default="baseline", help="what --baseline is (recorded), e.g. a commit")
    ap.add_argument("--results", type=Path, default=HERE / "results", help="folder for the raw JSON")
    args = ap.parse_args(argv)
    started = dt.datetime.now(dt.timezone.utc)
    # directories are recorded by name only: no path of the machine that ran it goes into the results
    shown = [Path(a).name if (args.reuse and a == str(args.reuse)) or (args.baseline and a == str(args.baseline))
             else a for a in sys.argv[1:]]
    record = {"date": started.isoformat(timespec="seconds"), "command": "python bench/run.py " + " ".join(shown),
              "machine": machine(), "settings": {k: (v.name if isinstance(v, Path) else str(v))
                                                 for k, v in vars(args).items() if k not in ("work", "results")},
              "load_generator": "wrk " + _wrk_version(), "sizes": []}
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"{started.strftime('%Y%m%dT%H%M%S')}.json"
    for text in args.sizes.split(","):
        record["sizes"].append(reuse_size(size_of(text), args) if args.reuse else bench_size(size_of(text), args, args.work))
        out.write_text(json.dumps(record, indent=1))
    print(f"raw results: {out}")


if __name__ == "__main__":
    main()
