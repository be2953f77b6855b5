"""The SPARQL 1.1 Protocol at /sparql with the Flask test client: request × Accept → status, type, body.

Every expected answer is computed on the release's own store; RDF is compared as graphs.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, VOID

from htkg.formats import RDF_DATASET_FORMATS, RDF_GRAPH_FORMATS, RESULT_FORMATS
from htkg.namespaces import SD
from sparql_expect import (ASK_FALSE, ASK_TRUE, CONSTRUCT, SELECT, describe_query, expected, expected_graph,
                           expected_rows, graph_of, rows_of, same_graph)


def _send(client, how: str, query: str, headers=None, extra: str = ""):
    if how == "get":
        return client.get(f"/sparql?query={quote(query)}{extra}", headers=headers)
    if how == "form":
        data = {"query": query}
        for part in filter(None, extra.lstrip("&").split("&")):
            k, _, v = part.partition("=")
            data[k] = v
        return client.post("/sparql", data=data, headers=headers)
    return client.post(f"/sparql?{extra.lstrip('&')}", data=query.encode("utf-8"),
                       content_type="application/sparql-query", headers=headers)


HOWS = ("get", "form", "body")
RESULT_CASES = [(q, f.name, f.media_type) for q in (SELECT, ASK_TRUE, ASK_FALSE) for f in RESULT_FORMATS
                if not (q != SELECT and f.name in ("csv", "tsv"))]
GRAPH_CASES = [(q, f.name, f.media_type) for q in (CONSTRUCT, "DESCRIBE") for f in RDF_GRAPH_FORMATS + RDF_DATASET_FORMATS]


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("query,fmt,accept", RESULT_CASES)
def test_select_and_ask_in_every_results_format(client, direct, how, query, fmt, accept):
    resp = _send(client, how, query, headers={"Accept": accept})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == accept
    assert rows_of(resp.data, fmt) == expected_rows(expected(direct, query))


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("query,fmt,accept", GRAPH_CASES)
def test_construct_and_describe_in_every_rdf_format(client, direct, how, query, fmt, accept):
    if query == "DESCRIBE":
        query = describe_query(direct)
    resp = _send(client, how, query, headers={"Accept": accept})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == accept
    want = expected_graph(expected(direct, query))
    assert len(want) > 0
    assert same_graph(graph_of(resp.data, fmt), want)


# Accept headers with q-values and wildcards → the media type that must be chosen
NEGOTIATION = [
    (SELECT, "text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    (SELECT, "application/sparql-results+json;q=0.1, text/tab-separated-values;q=0.9", "text/tab-separated-values"),
    (SELECT, "*/*", "application/sparql-results+json"),
    (SELECT, "", "application/sparql-results+json"),
    (SELECT, "application/json", "application/sparql-results+json"),
    (CONSTRUCT, "application/ld+json;q=0.9, text/turtle;q=0.2", "application/ld+json"),
    (CONSTRUCT, "application/n-quads, application/trig;q=0.5", "application/n-quads"),
    (CONSTRUCT, "*/*", "text/turtle"),
    (CONSTRUCT, "text/*", "text/turtle"),
    (CONSTRUCT, "application/rdf+xml", "application/rdf+xml"),
]


@pytest.mark.parametrize("query,accept,media_type", NEGOTIATION)
def test_accept_with_q_values(client, query, accept, media_type):
    resp = _send(client, "get", query, headers={"Accept": accept} if accept else None)
    assert resp.status_code == 200
    assert resp.mimetype == media_type
    assert "Accept" in resp.headers.get("Vary", "")


# ?format= wins over Accept; names, extensions and media types all work
FORMAT_PARAM = [
    (SELECT, "csv", "text/csv"), (SELECT, "tsv", "text/tab-separated-values"), (SELECT, "xml", "application/sparql-results+xml"),
    (SELECT, "application/sparql-results+json", "application/sparql-results+json"),
    (CONSTRUCT, "ttl", "text/turtle"), (CONSTRUCT, "nt", "application/n-triples"), (CONSTRUCT, "trig", "application/trig"),
    (CONSTRUCT, "xml", "application/rdf+xml"), (CONSTRUCT, "json", "application/ld+json"),
]


@pytest.mark.parametrize("query,param,media_type", FORMAT_PARAM)
def test_format_parameter(client, query, param, media_type):
    resp = _send(client, "get", query, headers={"Accept": "image/png"}, extra=f"&format={quote(param)}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == media_type


@pytest.mark.parametrize("query,accept,offered", [
    (SELECT, "image/png", RESULT_FORMATS),
    (CONSTRUCT, "image/png", RDF_GRAPH_FORMATS + RDF_DATASET_FORMATS),
    (SELECT, "text/turtle", RESULT_FORMATS),
])
def test_406_lists_what_is_offered(client, query, accept, offered):
    resp = _send(client, "get", query, headers={"Accept": accept})
    assert resp.status_code == 406
    message = resp.get_json()["error"]["message"]
    for fmt in offered:
        assert fmt.media_type in message


def test_unknown_format_parameter_is_406(client):
    resp = _send(client, "get", SELECT, extra="&format=pdf")
    assert resp.status_code == 406


def test_dataset_parameters_restrict_to_the_store_graphs(client, direct, release):
    graphs = sorted(release.statistics["graphs"], key=lambda g: -release.statistics["graphs"][g])
    g = graphs[0]
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    resp = client.get(f"/sparql?query={quote(q)}&default-graph-uri={quote(g)}", headers={"Accept": "text/csv"})
    assert resp.status_code == 200
    want = expected(direct, q, default_graphs=[g]).rows[0]["n"].value
    assert rows_of(resp.data, "csv") == [(("n", want),)]
    assert int(want) == release.statistics["graphs"][g]
    q2 = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    resp = client.post("/sparql", data={"query": q2, "named-graph-uri": [graphs[0], graphs[1]]},
                       headers={"Accept": "application/sparql-results+json"})
    assert rows_of(resp.data, "json") == sorted([(("g", graphs[0]),), (("g", graphs[1]),)])


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_dataset_parameter_outside_the_store_is_400_naming_it(client, param):
    iri = "http://example.org/not-ours"
    resp = client.get(f"/sparql?query={quote(SELECT)}&{param}={quote(iri)}")
    assert resp.status_code == 400
    assert iri in resp.get_json()["error"]["message"]


def test_from_one_of_the_store_graphs_is_evaluated(client, direct, release):
    g = next(iter(release.statistics["graphs"]))
    q = f"SELECT (COUNT(*) AS ?n) FROM <{g}> WHERE {{ ?s ?p ?o }}"
    resp = _send(client, "get", q, headers={"Accept": "text/csv"})
    assert resp.status_code == 200
    assert rows_of(resp.data, "csv") == [(("n", str(release.statistics["graphs"][g])),)]


def test_bare_get_is_the_service_description(client, release):
    resp = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200 and resp.mimetype == "text/turtle"
    g = Graph().parse(data=resp.data, format="turtle")
    svc = next(g.subjects(RDF.type, SD.Service))
    assert str(svc).endswith("/sparql")
    assert (svc, SD.endpoint, svc) in g
    assert (svc, SD.feature, SD.UnionDefaultGraph) in g
    assert (svc, SD.supportedLanguage, SD.SPARQL11Query) in g
    formats = {str(o) for o in g.objects(svc, SD.resultFormat)}
    assert len(formats) == len(RESULT_FORMATS + RDF_GRAPH_FORMATS + RDF_DATASET_FORMATS)
    counts = {}
    for named in g.objects(next(g.objects(svc, SD.defaultDataset)), SD.namedGraph):
        graph = next(g.objects(named, SD.graph))
        counts[str(next(g.objects(named, SD.name)))] = int(next(g.objects(graph, VOID.triples)))
    assert counts == release.statistics["graphs"]
    default = next(g.objects(next(g.objects(svc, SD.defaultDataset)), SD.defaultGraph))
    assert (default, VOID.triples, Literal(release.statistics["triples"])) in g


def test_service_description_as_json_ld_is_the_same_graph(client):
    ttl = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).data, format="turtle")
    resp = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert resp.mimetype == "application/ld+json"
    assert same_graph(graph_of(resp.data, "jsonld"), ttl)


def test_browser_gets_the_editor(client, release):
    resp = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert release.version in resp.get_data(as_text=True)


def test_head_has_the_headers_and_no_body(client):
    get = _send(client, "get", SELECT, headers={"Accept": "text/csv"})
    head = client.head(f"/sparql?query={quote(SELECT)}", headers={"Accept": "text/csv"})
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["ETag"] == get.headers["ETag"]


def test_etag_and_last_modified_give_304(client):
    first = _send(client, "get", SELECT, headers={"Accept": "application/sparql-results+json"})
    assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    again = _send(client, "get", SELECT, headers={"Accept": "application/sparql-results+json",
                                                  "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    if first.headers.get("Last-Modified"):
        since = _send(client, "get", SELECT, headers={"Accept": "application/sparql-results+json",
                                                      "If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304
    other = _send(client, "get", SELECT, headers={"Accept": "text/csv", "If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


def test_gzip_when_asked(client, direct):
    resp = _send(client, "get", CONSTRUCT, headers={"Accept": "application/n-triples", "Accept-Encoding": "gzip"})
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in resp.headers["Vary"]
    import gzip
    assert same_graph(graph_of(gzip.decompress(resp.data), "ntriples"), expected_graph(expected(direct, CONSTRUCT)))
    plain = _send(client, "get", CONSTRUCT, headers={"Accept": "application/n-triples"})
    assert "Content-Encoding" not in plain.headers
    refused = _send(client, "get", CONSTRUCT, headers={"Accept": "application/n-triples",
                                                       "Accept-Encoding": "br, gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_cors_on_answers_errors_and_preflight(client):
    ok = _send(client, "get", ASK_TRUE)
    bad = _send(client, "get", "SELECT * WHERE {")
    pre = client.open("/sparql", method="OPTIONS", headers={"Origin": "https://example.org",
                                                            "Access-Control-Request-Method": "POST",
                                                            "Access-Control-Request-Headers": "Content-Type"})
    for resp in (ok, bad, pre):
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert bad.status_code == 400
    assert pre.status_code == 200 and "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in pre.headers["Access-Control-Allow-Headers"]


def test_repeated_query_is_answered_from_the_cache(client):
    q = SELECT + " # cache probe"
    before = _metric(client, "htkg_query_cache_hits_total")
    for _ in range(3):
        assert _send(client, "get", q, headers={"Accept": "text/csv"}).status_code == 200
    assert _metric(client, "htkg_query_cache_hits_total") >= before + 2


def test_metrics_count_requests_refusals_and_latency(client):
    _send(client, "get", "SELECT * WHERE {")
    text = client.get("/-/metrics").get_data(as_text=True)
    assert 'htkg_http_requests_total{method="GET",route="/sparql",status="400"}' in text
    assert 'htkg_query_refusals_total{reason="400"}' in text
    assert any(line.startswith("htkg_http_request_duration_seconds_bucket{") and 'le="+Inf"' in line
               and 'route="/sparql"' in line for line in text.splitlines())
    assert "# TYPE htkg_query_timeouts_total counter" in text


def _metric(client, name: str) -> float:
    for line in client.get("/-/metrics").get_data(as_text=True).splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_site_store_is_time_limited_and_answers_like_the_store(app, direct):
    """Other areas query through site().store: the executor, with the Store protocol's result."""
    from htkg.store.executor import QueryExecutor
    store = app.extensions["htkg"].store
    assert isinstance(store, QueryExecutor) and store.timeout == app.extensions["htkg"].settings.query_timeout
    got = store.query(SELECT)
    assert expected_rows(got) == expected_rows(expected(direct, SELECT))
    assert same_graph(expected_graph(store.query(CONSTRUCT)), expected_graph(expected(direct, CONSTRUCT)))
    assert store.query(ASK_TRUE).boolean is True
    assert store.graphs() == direct.graphs()
    iri = URIRef(next(iter(direct.graphs())))
    assert len(store.query("SELECT * WHERE { ?s ?p ?o }", default_graphs=[str(iri)]).rows) == direct.graphs()[str(iri)]


def test_protocol_dataset_wins_over_from(client, release):
    by_size = sorted(release.statistics["graphs"].items(), key=lambda kv: (kv[1], kv[0]))
    (small, _), (big, n_big) = by_size[0], by_size[-1]
    q = f"SELECT (COUNT(*) AS ?n) FROM <{small}> WHERE {{ ?s ?p ?o }}"
    resp = client.get(f"/sparql?query={quote(q)}&default-graph-uri={quote(big)}", headers={"Accept": "text/csv"})
    assert rows_of(resp.data, "csv") == [(("n", str(n_big)),)]


def test_unescaped_utf8_in_the_query_string_is_accepted(client, direct):
    q = 'ASK { ?s ?p ?o FILTER(?o != "Überprüfung — ✓") }'
    raw = b"query=" + q.encode("utf-8").replace(b" ", b"+")
    resp = client.get("/sparql", environ_overrides={"QUERY_STRING": raw.decode("latin-1")},
                      headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200
    assert rows_of(resp.data, "json") == expected_rows(expected(direct, q))


def test_named_graphs_alone_leave_the_default_graph_empty(client, release):
    g = next(iter(release.statistics["graphs"]))
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    resp = client.get(f"/sparql?query={quote(q)}&named-graph-uri={quote(g)}", headers={"Accept": "text/csv"})
    assert rows_of(resp.data, "csv") == [(("n", "0"),)]
    q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    resp = client.get(f"/sparql?query={quote(q)}&named-graph-uri={quote(g)}", headers={"Accept": "text/csv"})
    assert rows_of(resp.data, "csv") == [(("n", str(release.statistics["graphs"][g])),)]
