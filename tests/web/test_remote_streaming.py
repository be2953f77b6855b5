"""With a remote store (a real ``oxigraph serve`` holding the release), large answers stream through a
real htkg server without being parsed, and named-query pages ask the store for one page.

The client is ``http.client`` reading the body as it comes: it raises IncompleteRead when a chunked
body ends without its last chunk, which is how a stream cut by the time limit or by the store going
away shows. The expected answers come from the store itself (a COUNT query, its own N-Triples).
"""

from __future__ import annotations

import csv
import http.client
import io
import os
import shutil
import time
import urllib.request
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import pytest
from rdflib import Graph

from htkg.config import Settings
from htkg.store.remote import RemoteStore
from htkg.web import create_app
from server import ServerProcess
# `remote`: an `oxigraph serve` holding the release, one per module that uses it
from test_sparql_remote import _store_helpers, remote  # noqa: F401

pytestmark = pytest.mark.server

PROV = "http://www.w3.org/ns/prov#"
# every statement × every prov:Entity, cut at 280k rows (~60 MB of CSV) so that its size does not grow
# with the curated data (uncut it passed 400k rows and the 5 s limit on a busy machine)
ROWS = f"SELECT ?a ?b ?c ?x WHERE {{ ?a ?b ?c . ?x a <{PROV}Entity> }} LIMIT 280000"
# ~25k triples, ~2.7 MB of N-Triples
TRIPLES = (f"CONSTRUCT {{ ?x <urn:htkg:test:label> ?c }} WHERE {{ ?x a <{PROV}Bundle> . "
           "?a <http://www.w3.org/2000/01/rdf-schema#label> ?c }")
# the whole store with itself, cut at 1M rows (~200 MB of CSV, seconds for the store to send): more than
# any time limit here lets through, yet a worker that read it whole would fail, not exhaust the machine
ENDLESS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 1000000"
ORDERED = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label ?s"
CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def served(remote, release_dir):
    """``htkg serve --store-url`` with one worker (so its memory can be watched)."""
    with ServerProcess(release_dir, workers=1, store_url=remote.query_url, query_timeout=5) as srv:
        yield srv


def _open(server, query: str, fmt: str, **params):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("GET", "/sparql?" + urlencode({"query": query, "format": fmt, **params}),
                 headers={"Accept-Encoding": "identity"})
    return conn, conn.getresponse()


def _read_all(resp) -> tuple[bytes, bool]:
    """The body and whether it ended cleanly."""
    parts = []
    try:
        while True:
            data = resp.read1(CHUNK)
            if not data:
                return b"".join(parts), True
            parts.append(data)
    except http.client.IncompleteRead:
        return b"".join(parts), False


def _get(server, query: str, fmt: str, **params) -> tuple[int, dict, bytes, bool]:
    conn, resp = _open(server, query, fmt, **params)
    with closing(conn):
        body, complete = _read_all(resp)
        return resp.status, resp.headers, body, complete


def _count(server, query: str) -> int:
    status, _, body, complete = _get(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {query} }} }}", "csv")
    assert status == 200 and complete
    return int(body.decode().split()[1])


def _from_store(remote, query: str, accept: str) -> bytes:
    """The store's own answer, asked directly."""
    req = urllib.request.Request(remote.query_url, data=query.encode(), method="POST",
                                 headers={"Content-Type": "application/sparql-query", "Accept": accept})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read()


def test_large_csv_arrives_chunked_and_complete(served):
    conn, resp = _open(served, ROWS, "csv")
    with closing(conn):
        assert resp.status == 200
        assert resp.getheader("Transfer-Encoding") == "chunked" and resp.getheader("Content-Length") is None
        assert resp.getheader("Content-Type") == "text/csv; charset=utf-8"
        body, complete = _read_all(resp)
    assert complete and len(body) > 10_000_000
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert rows[0] == ["a", "b", "c", "x"]
    assert len(rows) - 1 == _count(served, ROWS) > 200_000


def test_streamed_ntriples_are_the_stores_graph(served, remote):
    status, headers, body, complete = _get(served, TRIPLES, "ntriples")
    assert status == 200 and complete and headers.get("Transfer-Encoding") == "chunked"
    assert len(body) > 1_000_000
    got = Graph().parse(data=body, format="nt")
    want = Graph().parse(data=_from_store(remote, TRIPLES, "application/n-triples"), format="nt")
    assert len(want) > 10_000 and got.isomorphic(want)


def test_small_answer_is_sent_whole(served):
    status, headers, body, complete = _get(served, "SELECT (1 AS ?one) WHERE {}", "csv")
    assert status == 200 and complete and body == b"one\r\n1\r\n"
    assert headers.get("Content-Length") == str(len(body)) and "Transfer-Encoding" not in headers


def _vm(pid: int, key: str) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith(key + ":")))


def _worker_pid(server) -> int:
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads process memory from /proc")
def test_worker_peak_memory_does_not_grow_with_the_answer(served):
    _get(served, TRIPLES, "ntriples")          # warm up the code paths
    worker = _worker_pid(served)
    peak_before = _vm(worker, "VmHWM")         # the highest RSS the worker ever had, in KiB
    status, _, body, complete = _get(served, ROWS, "tsv")
    assert status == 200 and complete
    size = len(body)
    del body
    assert _worker_pid(served) == worker
    growth = (_vm(worker, "VmHWM") - peak_before) * 1024
    assert size > 50 * 1024 * 1024
    assert growth < size / 8, f"the worker's peak RSS grew by {growth / 2**20:.1f} MiB for {size / 2**20:.0f} MiB"


def test_time_limit_mid_stream_cuts_the_body(served):
    start = time.monotonic()
    conn, resp = _open(served, ENDLESS, "csv", timeout="1")
    with closing(conn):
        assert resp.status == 200
        body, complete = _read_all(resp)
    assert not complete, "the body must not end cleanly when the limit cut it"
    assert len(body) > 10 * CHUNK
    assert time.monotonic() - start < 1 + 1.5, "cut at the limit, not later"
    status, _, body, complete = _get(served, "ASK { ?s ?p ?o }", "json")
    assert status == 200 and complete and b"true" in body


def _cpu_ticks(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads process CPU time from /proc")
def test_client_going_away_closes_the_store_connection(served, remote):
    for i in range(3):
        conn, resp = _open(served, ENDLESS, "tsv", i=str(i))
        assert resp.status == 200 and len(resp.read1(CHUNK)) > 0
        conn.sock.shutdown(2)
        conn.close()
    time.sleep(0.5)
    # the limit is 5 s: a store still answering a query nobody reads would be busy for seconds yet
    before = _cpu_ticks(remote.proc.pid)
    time.sleep(1.0)
    assert _cpu_ticks(remote.proc.pid) - before < 20, "the store is still working for a client that left"
    status, _, _, complete = _get(served, "ASK { ?s ?p ?o }", "json")
    assert status == 200 and complete


def test_graph_format_for_a_select_is_406(served):
    status, _, body, _ = _get(served, ROWS, "turtle")
    assert status == 406 and b"text/csv" in body


def test_store_going_down_mid_stream_cuts_the_body_then_503(tmp_path, release_dir):
    helpers = _store_helpers()
    store = helpers.OxigraphServer(tmp_path / "db").start()
    try:
        helpers.publish(release_dir, store)
        with ServerProcess(release_dir, workers=1, store_url=store.query_url, query_timeout=10) as srv:
            conn, resp = _open(srv, ENDLESS, "csv")
            with closing(conn):
                assert resp.status == 200
                assert len(resp.read1(CHUNK)) > 0
                store.proc.kill()
                store.proc.wait(5)
                start = time.monotonic()
                _, complete = _read_all(resp)
            assert not complete, "a body cut by the store going away must not look complete"
            assert time.monotonic() - start < 5
            status, _, body, _ = _get(srv, ROWS, "csv")
            assert status == 503, body
            assert store.query_url.encode() in body
    finally:
        store.stop()


# ---- named queries


@pytest.fixture(scope="module")
def release_with_queries(tmp_path_factory, release_dir) -> Path:
    """A copy of the release with two more named queries: an ordered one and a huge one."""
    out = tmp_path_factory.mktemp("release-queries") / "release"
    shutil.copytree(release_dir, out)
    (out / "queries" / "labels-in-order.rq").write_text(f"# title: Labels in order\n{ORDERED}\n")
    (out / "queries" / "everything-twice.rq").write_text(f"# title: Everything twice\n{ENDLESS}\n")
    (out / "queries" / "labels-graph.rq").write_text(
        "# title: Labels as a graph\nCONSTRUCT { ?s <urn:htkg:test:label> ?label } WHERE "
        "{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }\n")
    return out


@pytest.fixture(scope="module")
def remote_app(remote, release_with_queries):
    return create_app(Settings(release_dir=str(release_with_queries), store_url=remote.query_url,
                               store_timeout=3, query_timeout=3, html_row_limit=7))


@pytest.mark.parametrize("offset", [0, 7, 140])
def test_query_page_is_the_slice_of_the_ordered_answer(remote, offset):
    store = RemoteStore(remote.query_url)
    whole = store.query(ORDERED).rows
    assert len(whole) > 150
    page, more = store.query_page(ORDERED, offset=offset, limit=7)
    assert page.variables == ["s", "label"]
    assert page.rows == whole[offset:offset + 7] and more
    last = len(whole) - 3
    page, more = store.query_page(ORDERED, offset=last, limit=7)
    assert page.rows == whole[last:] and not more
    page, more = store.query_page(ORDERED, offset=len(whole), limit=7)
    assert page.rows == [] and not more


def test_query_page_of_a_graph_is_the_slice_of_its_triples(remote):
    store = RemoteStore(remote.query_url)
    text = "CONSTRUCT { ?s <urn:htkg:test:label> ?l } WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    whole = store.query(text).triples
    page, more = store.query_page(text, offset=20, limit=10)
    assert len(whole) > 30 and page.triples == whole[20:30] and more


def test_query_page_of_a_huge_result_asks_for_one_page(remote):
    """Reading the whole answer would run into the 3 s limit and raise: getting the page proves it was not read."""
    store = RemoteStore(remote.query_url, timeout=3)
    page, more = store.query_page(ENDLESS, offset=100_000, limit=7)
    assert len(page.rows) == 7 and more and page.variables == ["a", "b", "c", "d", "e", "f"]


def test_named_query_page_shows_its_slice(remote_app, remote):
    whole = RemoteStore(remote.query_url).query(ORDERED).simple_rows()
    resp = remote_app.test_client().get("/queries/labels-in-order?page=3")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html
    assert "Rows 15–21; more follow" in html
    from markupsafe import escape
    for row in whole[14:21]:
        assert str(escape(row["label"])) in html


def test_named_query_page_of_a_huge_result_reads_one_page(remote_app):
    """The store's limit is 3 s: reading the whole answer would end in a 503, not in the page."""
    resp = remote_app.test_client().get("/queries/everything-twice?page=50")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert "Rows 344–350; more follow" in resp.get_data(as_text=True)


def test_named_query_graph_page(remote_app):
    resp = remote_app.test_client().get("/queries/labels-graph?page=2")
    assert resp.status_code == 200 and "Rows 8–14; more follow" in resp.get_data(as_text=True)


def test_named_query_api_streams_from_the_store(remote_app, remote):
    resp = remote_app.test_client().get("/api/queries/everything-twice?format=csv")
    assert resp.status_code == 200 and resp.is_streamed and resp.content_length is None
    chunks = iter(resp.response)
    first = next(chunks)
    assert first.startswith(b"a,b,c,d,e,f\r\n") and len(first) == CHUNK
    resp.close()   # the client goes away: the connection to the store is dropped
    resp = remote_app.test_client().get("/api/queries/labels-in-order?format=csv")
    body = resp.get_data()
    assert resp.status_code == 200 and body == _from_store(remote, ORDERED, "text/csv")
