"""Large SPARQL results stream from the query process through a real htkg server, in constant memory.

The results are real: cross products over the release's own store, a few hundred thousand rows,
checked against a COUNT query or the store itself. The client is ``http.client`` reading the body
as it comes (it raises IncompleteRead when a chunked body ends without its last chunk).
"""

from __future__ import annotations

import csv
import http.client
import io
import os
import time
import zlib
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from rdflib import Graph

from sparql_expect import expected, expected_graph, same_graph

from htkg.config import Settings
from server import at_once

pytestmark = pytest.mark.server

PROV = "http://www.w3.org/ns/prov#"
# every statement × every prov:Entity: ~280k rows, ~60 MB of CSV
# cut at 280k rows (~60 MB of CSV) so that the answer does not grow with the curated data
ROWS = f"SELECT ?a ?b ?c ?x WHERE {{ ?a ?b ?c . ?x a <{PROV}Entity> }} LIMIT 280000"
# every statement × every prov:Bundle: ~470k rows, ~90 MB of CSV
BIG = f"SELECT ?a ?b ?c ?x WHERE {{ ?a ?b ?c . ?x a <{PROV}Bundle> }}"
# ~25k triples, ~2.7 MB of N-Triples: many chunks, small enough to compare as graphs
TRIPLES = (f"CONSTRUCT {{ ?x <urn:htkg:test:label> ?c }} WHERE {{ ?x a <{PROV}Bundle> . "
           "?a <http://www.w3.org/2000/01/rdf-schema#label> ?c }")
# the whole store with itself: ~16M rows, far more than any time limit here lets through
ENDLESS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
CHUNK = 64 * 1024


def _open(server, query: str, fmt: str, *, gzip: bool = False, **params):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("GET", "/sparql?" + urlencode({"query": query, "format": fmt, **params}),
                 headers={"Accept-Encoding": "gzip" if gzip else "identity"})
    return conn, conn.getresponse()


def _read_all(resp) -> tuple[bytes, float, bool]:
    """The body, seconds from now to its first bytes, and whether it ended cleanly."""
    start, first, parts = time.monotonic(), None, []
    try:
        while True:
            data = resp.read1(CHUNK)
            if not data:
                return b"".join(parts), first, True
            first = first if first is not None else time.monotonic() - start
            parts.append(data)
    except http.client.IncompleteRead:
        return b"".join(parts), first, False


def _get(server, query: str, fmt: str, **params) -> tuple[int, dict, bytes, bool]:
    conn, resp = _open(server, query, fmt, **params)
    with closing(conn):
        body, _, complete = _read_all(resp)
        return resp.status, resp.headers, body, complete


def _count(server, query: str) -> int:
    status, _, body, _ = _get(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {query} }} }}", "csv")
    assert status == 200
    return int(body.decode().split()[1])


def test_large_csv_streams_complete_and_counts_right(server):
    start = time.monotonic()
    conn, resp = _open(server, ROWS, "csv")
    with closing(conn):
        assert resp.status == 200
        assert resp.getheader("Transfer-Encoding") == "chunked" and resp.getheader("Content-Length") is None
        body, first, complete = _read_all(resp)
    total = time.monotonic() - start
    assert complete
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert rows[0] == ["a", "b", "c", "x"]
    assert len(rows) - 1 == _count(server, ROWS) > 200_000
    assert first < total / 2, f"first bytes after {first:.2f} s of {total:.2f} s: not streamed"


def test_large_tsv_and_json_parse_whole(server):
    expected_rows = _count(server, ROWS)
    status, _, body, complete = _get(server, ROWS, "tsv")
    assert status == 200 and complete
    assert len(body.decode("utf-8").splitlines()) - 1 == expected_rows
    status, _, body, complete = _get(server, ROWS, "json")
    assert status == 200 and complete
    assert sum(1 for _ in ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)) == expected_rows


@pytest.mark.parametrize("fmt", ["ntriples", "nquads"])
def test_streamed_graph_result_is_the_stores_graph(server, direct, fmt):
    status, headers, body, complete = _get(server, TRIPLES, fmt)
    assert status == 200 and complete and headers.get("Transfer-Encoding") == "chunked"
    if fmt == "nquads":
        quads = list(ox.parse(body, format=ox.RdfFormat.N_QUADS))
        assert all(q.graph_name == ox.DefaultGraph() for q in quads)
        body = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                            format=ox.RdfFormat.N_TRIPLES)
    got = Graph().parse(data=body, format="nt")
    want = expected_graph(expected(direct, TRIPLES))
    assert len(want) > 10_000 and same_graph(got, want)


def test_gzipped_stream_decodes_to_the_same_rows(server):
    conn, resp = _open(server, ROWS, "csv", gzip=True)
    with closing(conn):
        assert resp.getheader("Content-Encoding") == "gzip" and resp.getheader("ETag").endswith('-gz"')
        raw, _, complete = _read_all(resp)
    assert complete
    z = zlib.decompressobj(31)
    text = z.decompress(raw) + z.flush()
    assert z.eof, "the gzip stream has its trailer"
    assert text.count(b"\r\n") - 1 == _count(server, ROWS)


def test_time_limit_mid_stream_cuts_the_body_so_the_client_can_tell(server):
    start = time.monotonic()
    conn, resp = _open(server, ENDLESS, "csv", timeout="2")
    with closing(conn):
        assert resp.status == 200
        body, _, complete = _read_all(resp)
    assert not complete, "the body must not end cleanly when the limit cut it"
    # the query never finishes in time: what arrived was sent while it ran
    assert len(body) > 10 * CHUNK and b"\r\n" in body
    assert time.monotonic() - start < 2 + 1.5, "cut at the limit, not later"
    # the next queries are answered normally (by either worker)
    for _ in range(4):
        status, _, body, complete = _get(server, "ASK { ?s ?p ?o }", "json")
        assert status == 200 and complete and b"true" in body


def test_time_limit_mid_stream_cuts_a_gzipped_body_too(server):
    conn, resp = _open(server, ENDLESS, "csv", gzip=True, timeout="1")
    with closing(conn):
        raw, _, complete = _read_all(resp)
    z = zlib.decompressobj(31)
    z.decompress(raw)
    assert not complete and not z.eof


def _session_processes(server) -> dict[int, tuple[int, str, int]]:
    """pid → (parent pid, state, CPU ticks) of every process of the server (its own session)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == server.proc.pid:      # session id: the server started its own session
            out[int(entry.name)] = (int(fields[1]), fields[0], int(fields[11]) + int(fields[12]))
    return out


def _query_processes(server) -> dict[int, tuple[int, str, int]]:
    """The query processes: neither the server's main process nor its workers nor the workers' fork servers."""
    procs = _session_processes(server)
    workers = {pid for pid, (ppid, _, _) in procs.items() if ppid == server.proc.pid}
    forkservers = {pid for pid, (ppid, _, _) in procs.items() if ppid in workers}
    return {pid: p for pid, p in procs.items() if pid != server.proc.pid and pid not in workers | forkservers}


def test_client_going_away_mid_stream_frees_the_query_process(server):
    # more abandoned streams, one after another, than the server's two workers have query slots
    for i in range(4 * Settings().max_concurrent_queries):
        conn, resp = _open(server, ENDLESS, "tsv", i=str(i))
        assert resp.status == 200
        assert len(resp.read1(CHUNK)) > 0
        conn.sock.shutdown(2)
        conn.close()
    # several at once, also abandoned
    opened = [_open(server, ENDLESS, "csv", j=str(j)) for j in range(3)]
    for conn, resp in opened:
        resp.read1(CHUNK)
        conn.sock.shutdown(2)
        conn.close()
    time.sleep(1.5)   # a cancelled query process has a second to stop before it is killed

    # the server answers, more than max_concurrent_queries at once (no slot is still held)
    results, errors = at_once(lambda n: _get(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} # {n}", "csv"),
                              8, timeout=30)
    assert not errors and [r[0] for r in results] == [200] * 8

    # no query process is left evaluating: none of them uses CPU over half a second
    before = _query_processes(server)
    assert 0 < len(before) <= 2 * Settings().max_concurrent_queries, before   # workers × slots at most
    time.sleep(0.5)
    after = _query_processes(server)
    busy = [pid for pid in before if pid in after and after[pid][2] - before[pid][2] > 10]
    assert not busy, f"query processes still working after their clients left: {busy}"

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    with closing(conn):
        conn.request("GET", "/-/metrics")
        text = conn.getresponse().read().decode()
    cancels = [float(line.split()[-1]) for line in text.splitlines()
               if line.startswith("htkg_query_stream_cancels_total")]
    assert cancels and cancels[0] >= 11


def _worker_rss_kib(server) -> dict[int, int]:
    procs = _session_processes(server)
    out = {}
    for pid, (ppid, _, _) in procs.items():
        if ppid == server.proc.pid:
            status = Path(f"/proc/{pid}/status").read_text()
            out[pid] = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
    return out


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads process memory from /proc")
def test_server_worker_memory_does_not_grow_with_the_result(server):
    _get(server, ROWS, "csv")        # warm up both the code paths and a query process
    before = _worker_rss_kib(server)
    size = 0
    for _ in range(2):               # two workers: each most likely serves one of these
        status, _, body, complete = _get(server, BIG, "csv")
        assert status == 200 and complete
        size = len(body)
        del body
    after = _worker_rss_kib(server)
    assert size > 80 * 1024 * 1024
    growth = max(after[pid] - before.get(pid, after[pid]) for pid in after) * 1024
    assert growth < size / 8, f"a worker grew by {growth / 2**20:.1f} MiB serving {size / 2**20:.0f} MiB"
