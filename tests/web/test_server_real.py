"""A real `htkg serve` on a loopback port, driven by SPARQLWrapper and plain HTTP."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode

import pytest
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.Wrapper import POST

from htkg.formats import by_name
from sparql_expect import (ASK_FALSE, ASK_TRUE, CONSTRUCT, SELECT, describe_query, expected, expected_graph,
                           expected_rows, graph_of, rows_of, same_graph)

pytestmark = pytest.mark.server

# a cross product of the whole store with itself three times: hours of work for the engine
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _wrapper(server, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    w = SPARQLWrapper(server.url + "/sparql")
    w.setQuery(query)
    w.setReturnFormat(fmt)
    if method == "POST":
        w.setMethod(POST)
    return w


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("query,fmt,name", [
    (SELECT, JSON, "json"), (SELECT, XML, "xml"), (SELECT, CSV, "csv"), (SELECT, TSV, "tsv"),
    (ASK_TRUE, JSON, "json"), (ASK_FALSE, XML, "xml"),
])
def test_sparqlwrapper_select_and_ask(server, direct, method, query, fmt, name):
    resp = _wrapper(server, query, fmt, method).query()
    assert resp.response.headers["Content-Type"].startswith(by_name(name).media_type)
    assert rows_of(resp.response.read(), name) == expected_rows(expected(direct, query))


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
@pytest.mark.parametrize("fmt,name", [(TURTLE, "turtle"), (N3, "turtle"), (RDFXML, "rdfxml"), (JSONLD, "jsonld")])
def test_sparqlwrapper_construct_and_describe(server, direct, method, form, fmt, name):
    query = CONSTRUCT if form == "CONSTRUCT" else describe_query(direct)
    resp = _wrapper(server, query, fmt, method).query()
    assert resp.response.headers["Content-Type"].startswith(by_name(name).media_type)
    assert same_graph(graph_of(resp.response.read(), name), expected_graph(expected(direct, query)))


@pytest.mark.parametrize("name", ["ntriples", "trig", "nquads"])
def test_sparqlwrapper_other_rdf_formats_by_accept(server, direct, name):
    """SPARQLWrapper has no constant for these: ask for them by Accept alone."""
    w = _wrapper(server, CONSTRUCT, TURTLE)
    w.setOnlyConneg(True)
    w.addCustomHttpHeader("Accept", by_name(name).media_type)
    resp = w.query()
    assert resp.response.headers["Content-Type"].startswith(by_name(name).media_type)
    assert same_graph(graph_of(resp.response.read(), name), expected_graph(expected(direct, CONSTRUCT)))


def _http(server, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(server.url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def _get(server, query: str, extra: str = "", headers=None):
    return _http(server, "GET", f"/sparql?query={quote(query)}{extra}", headers=headers)


def _form(server, fields: dict, headers=None):
    return _http(server, "POST", "/sparql", urlencode(fields).encode(),
                 {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


UPDATES = [
    "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
    "DELETE DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "WITH <urn:x:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "LOAD <file:///etc/passwd> INTO GRAPH <urn:x:g>",
    "CLEAR ALL", "CLEAR DEFAULT", "DROP GRAPH <urn:x:g>", "DROP ALL", "CREATE GRAPH <urn:x:g>",
    "ADD DEFAULT TO <urn:x:g>", "MOVE DEFAULT TO <urn:x:g>", "COPY DEFAULT TO <urn:x:g>",
    "INS\\u0045RT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
]


@pytest.mark.parametrize("how", ["update-param", "update-body", "query-param", "query-body"])
@pytest.mark.parametrize("update", UPDATES)
def test_every_update_form_is_refused_by_every_route(server, how, update):
    if how == "update-param":
        status, headers, body = _form(server, {"update": update})
    elif how == "update-body":
        status, headers, body = _http(server, "POST", "/sparql", update.encode(),
                                      {"Content-Type": "application/sparql-update"})
    elif how == "query-param":
        status, headers, body = _get(server, update)
    else:
        status, headers, body = _http(server, "POST", "/sparql", update.encode(),
                                      {"Content-Type": "application/sparql-query"})
    assert status == 403, body
    assert "read-only" in json.loads(body)["error"]["message"]
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_updates_changed_nothing(server, release):
    status, _, body = _get(server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                           headers={"Accept": "text/csv"})
    assert rows_of(body, "csv") == [(("n", str(release.statistics["quads"])),)]


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?q ?r } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE ?endpoint { ?s ?p ?o } } } }",
    "SELECT * WHERE { SERV\\u0049CE <http://example.org/sparql> { ?s ?p ?o } }",
    "ASK { FILTER EXISTS { SERVICE <file:///etc/passwd> { ?s ?p ?o } } }",
])
def test_service_anywhere_is_refused(server, query):
    status, headers, body = _get(server, query)
    assert status == 403, body
    assert "SERVICE" in json.loads(body)["error"]["message"]
    assert headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("query,iri", [
    ("SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }", "http://example.org/remote.ttl"),
    ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }", "file:///etc/passwd"),
    ("PREFIX ex: <http://example.org/> SELECT * FROM ex:g WHERE { ?s ?p ?o }", "http://example.org/g"),
    ("BASE <http://example.org/a/> SELECT * FROM <g> WHERE { ?s ?p ?o }", "http://example.org/a/g"),
])
def test_from_outside_the_store_is_refused_naming_the_iri(server, query, iri):
    status, _, body = _get(server, query)
    assert status == 400, body
    assert iri in json.loads(body)["error"]["message"]


def test_malformed_query_is_400_with_line_column_and_text(server):
    status, headers, body = _form(server, {"query": "SELECT ?s\nWHERE { ?s ?p ?o .\n  FILTER(?s = ) }"})
    assert status == 400
    err = json.loads(body)["error"]
    assert err["line"] == 3 and err["column"] >= 1 and "near" in err
    assert "line 3" in err["message"]


def test_oversize_body_is_413(server):
    status, headers, body = _http(server, "POST", "/sparql", b"ASK {} #" + b"x" * 1_100_000,
                                  {"Content-Type": "application/sparql-query"})
    assert status == 413
    assert "1000000 bytes" in json.loads(body)["error"]["message"]
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_overlong_query_is_413(server):
    status, _, body = _http(server, "POST", "/sparql", ("ASK {} #" + "x" * 150_000).encode(),
                            {"Content-Type": "application/sparql-query"})
    assert status == 413
    assert "100000" in json.loads(body)["error"]["message"]


@pytest.mark.parametrize("body,ctype", [
    (b"ASK { ?s ?p \"\xff\xfe\" }", "application/sparql-query"),
    (b"query=ASK%20%7B%20%3Fs%20%3Fp%20%22%FF%22%20%7D", "application/x-www-form-urlencoded"),
])
def test_non_utf8_body_is_400(server, body, ctype):
    status, _, text = _http(server, "POST", "/sparql", body, {"Content-Type": ctype})
    assert status == 400
    assert "UTF-8" in json.loads(text)["error"]["message"]


def test_unknown_format_is_406_listing_the_offer(server):
    status, _, body = _get(server, SELECT, headers={"Accept": "application/pdf"})
    assert status == 406
    assert "application/sparql-results+json" in json.loads(body)["error"]["message"]
    status, _, _ = _get(server, SELECT, extra="&format=docx")
    assert status == 406


def test_unsupported_body_type_is_415(server):
    status, _, _ = _http(server, "POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"})
    assert status == 415


def test_bad_timeout_parameter_is_400(server):
    assert _get(server, ASK_TRUE, extra="&timeout=soon")[0] == 400
    assert _get(server, ASK_TRUE, extra="&timeout=-1")[0] == 400


def test_deeply_nested_query_leaves_the_server_serving(server):
    for query in ("SELECT * WHERE { " + "{" * 4000 + " ?s ?p ?o " + "}" * 4000 + " }",
                  "ASK { FILTER(" + "(" * 4000 + "1" + ")" * 4000 + ") }"):
        status, _, body = _http(server, "POST", "/sparql", query.encode(),
                                {"Content-Type": "application/sparql-query"})
        assert 400 <= status < 600 and status != 502, body
        assert json.loads(body)["error"]["message"]
        assert _get(server, ASK_TRUE, headers={"Accept": "application/sparql-results+json"})[0] == 200


def test_runaway_query_is_stopped_while_others_are_answered(server, direct):
    """A query that would run for hours, limited to 2 s by the client; other queries keep coming back."""
    limit = 2.0
    outcome = {}

    def runaway():
        t0 = time.monotonic()
        outcome["status"], _, outcome["body"] = _get(server, RUNAWAY, extra=f"&timeout={limit:g}")
        outcome["seconds"] = time.monotonic() - t0

    thread = threading.Thread(target=runaway)
    thread.start()
    answered, failed, i = 0, [], 0
    want = expected_rows(expected(direct, SELECT))
    while thread.is_alive():
        i += 1
        status, _, body = _get(server, SELECT + f" # meanwhile {i}", headers={"Accept": "text/csv"})
        if status == 200 and rows_of(body, "csv") == want:
            answered += 1
        else:
            failed.append(status)
    thread.join(timeout=120)
    print(f"\nrunaway query stopped after {outcome['seconds']:.2f} s (limit {limit:g} s); "
          f"{answered} other queries answered meanwhile, {len(failed)} failed")
    assert outcome["status"] == 503, outcome["body"]
    assert f"{limit:g} s" in json.loads(outcome["body"])["error"]["message"]
    assert outcome["seconds"] < 5 * limit
    assert answered >= 1 and not failed
    # and the server still answers afterwards, with the server's own limit still in force
    assert _get(server, ASK_TRUE)[0] == 200


def test_metrics_add_up_the_workers(server):
    for i in range(6):
        _get(server, ASK_TRUE + f" # metrics {i}")
    status, headers, body = _http(server, "GET", "/-/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    text = body.decode()
    total = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                if line.startswith('htkg_http_requests_total{method="GET",route="/sparql",status="200"}'))
    assert total >= 6
    assert "htkg_query_timeouts_total" in text and "htkg_http_request_duration_seconds_bucket" in text


def test_query_exhausting_memory_leaves_the_server_serving(release_dir):
    """The query process may use 900 MiB; a sorted cross product of the store wants far more."""
    from server import ServerProcess
    greedy = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"
    with ServerProcess(release_dir, workers=1, query_memory_mb=900, query_timeout=60) as srv:
        t0 = time.monotonic()
        status, _, body = _http(srv, "POST", "/sparql", greedy.encode(), {"Content-Type": "application/sparql-query"})
        seconds = time.monotonic() - t0
        # a limit of this server, said as one (like the time limit), not "500 QueryCrashed"
        assert status == 503, body
        err = json.loads(body)["error"]
        assert "needed more memory than this server gives one query (900 MiB)" in err["message"]
        assert "ORDER BY" in err["hint"] and "/dumps/" in err["hint"]
        assert seconds < 60
        assert _get(srv, ASK_TRUE)[0] == 200
        assert srv.proc.poll() is None


def test_metrics_scraped_from_any_worker_count_every_request_exactly(server):
    """Each request on its own connection (so both workers answer some); every scrape sees them all."""
    def health_count() -> float:
        text = _http(server, "GET", "/-/metrics")[2].decode()
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("htkg_http_requests_total{") and 'route="/-/health"' in line)
    before = health_count()
    for _ in range(20):
        assert _http(server, "GET", "/-/health")[0] == 200
    counts = {health_count() for _ in range(6)}
    assert counts == {before + 20}
