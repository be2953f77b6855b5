"""Limits that hold for real: time limit, crashes and memory exhaustion of the query engine, concurrency,
proxies, and hostile input that never produces a 500."""

from __future__ import annotations

import threading
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from htkg.formats import by_name
from htkg.config import Settings
from htkg.errors import QueryTimeout
from htkg.web import create_app
from htkg.store.executor import QueryCrashed, QueryExecutor
from sparql_expect import ASK_TRUE, SELECT, expected, expected_rows
from htkg.store import open_store

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def executor(release, direct):
    ex = QueryExecutor(open_store(Settings(), release), release, timeout=1.5, max_concurrent=2, memory_mb=900)
    yield ex
    ex.close()


@pytest.fixture(scope="module")
def strict_app(release_dir):
    """An app with a short time limit and one query at a time."""
    app = create_app(Settings(release_dir=str(release_dir), query_timeout=2, max_concurrent_queries=1))
    yield app
    app.extensions["htkg"].store.close()


def test_timeout_kills_the_query_and_a_fresh_process_answers_next(executor, direct):
    t0 = time.monotonic()
    with pytest.raises(QueryTimeout, match="1.5 s"):
        executor.query(RUNAWAY)
    assert time.monotonic() - t0 < 5 * 1.5
    assert expected_rows(executor.query(SELECT)) == expected_rows(expected(direct, SELECT))


def test_a_client_may_lower_the_limit_never_raise_it(executor):
    assert executor.limit(0.5) == 0.5
    assert executor.limit(600) == 1.5
    assert executor.limit(None) == 1.5
    with pytest.raises(QueryTimeout, match="1.5 s"):
        executor.query(RUNAWAY, timeout=600)


def test_engine_crash_is_an_error_and_the_next_query_is_answered(executor, direct):
    """pyoxigraph aborts the whole process on very deep nesting: only the child dies."""
    n = 300_000
    deep = "SELECT * WHERE { " + "{" * n + " ?s ?p ?o " + "}" * n + " }"
    with pytest.raises(QueryCrashed, match="query engine failed on it|more memory") as caught:
        executor.query(deep)
    assert caught.value.status == 503
    assert expected_rows(executor.query(SELECT)) == expected_rows(expected(direct, SELECT))


def test_memory_exhaustion_is_an_error_and_the_next_query_is_answered(release):
    """A sorted cross product needs far more than the 900 MiB the child may use (long before 30 s)."""
    ex = QueryExecutor(open_store(Settings(), release), release, timeout=30, max_concurrent=1, memory_mb=900)
    try:
        greedy = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"
        t0 = time.monotonic()
        with pytest.raises(QueryCrashed, match="900 MiB"):
            ex.query(greedy)
        print(f"\nmemory-hungry query stopped after {time.monotonic() - t0:.2f} s")
        assert ex.query(ASK_TRUE).boolean is True
    finally:
        ex.close()


def test_too_many_concurrent_queries_is_503(strict_app):
    client = strict_app.test_client()
    store = strict_app.extensions["htkg"].store
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.setdefault(
        "runaway", client.get(f"/sparql?query={quote(RUNAWAY)}").status_code))
    thread.start()
    deadline = time.monotonic() + 30
    while store._slots.free > 0 and time.monotonic() < deadline:  # the runaway holds the only slot
        time.sleep(0.02)
    busy = strict_app.test_client().get(f"/sparql?query={quote(ASK_TRUE + ' # busy')}")
    thread.join(timeout=60)
    assert busy.status_code == 503
    assert "too many queries" in busy.get_json()["error"]["message"]
    assert busy.headers["Retry-After"]
    assert outcome["runaway"] == 503


def test_forwarded_headers_only_when_trusted(release_dir):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.gov", "Accept": "text/turtle"}
    plain = create_app(Settings(release_dir=str(release_dir))).test_client().get("/sparql", headers=headers)
    assert b"https://data.example.gov/sparql" not in plain.data
    trusting = create_app(Settings(release_dir=str(release_dir), trust_proxy=True)).test_client()
    assert b"<https://data.example.gov/sparql>" in trusting.get("/sparql", headers=headers).data
    rfc7239 = trusting.get("/sparql", headers={"Forwarded": 'for=192.0.2.1;proto=https;host="kg.example.org"',
                                               "Accept": "text/turtle"})
    assert b"<https://kg.example.org/sparql>" in rfc7239.data


# ---- hostile input ------------------------------------------------------------------------------

TOKENS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "?s", "?p", "?o", "*", ".",
          "FILTER", "OPTIONAL", "UNION", "GRAPH", "SERVICE", "FROM", "NAMED", "INSERT", "DELETE", "DATA",
          "LOAD", "CLEAR", "DROP", "PREFIX", "BASE", "ex:", "<http://example.org/a>", "<file:///etc/passwd>",
          '"x"', "'y'@en", "1", "LIMIT", "ORDER BY", "VALUES", "BIND", "AS", "\\u0053", ";", ",", "#", "\n",
          "\x00", "\ud7ff", "LIMIT 1"]

junk_query = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join),
)
junk_params = st.dictionaries(
    st.sampled_from(["query", "update", "format", "timeout", "default-graph-uri", "named-graph-uri", "output"]),
    st.one_of(st.text(max_size=40), junk_query), max_size=4)


@pytest.fixture(scope="module")
def junk_client(release_dir):
    app = create_app(Settings(release_dir=str(release_dir), query_timeout=1, max_concurrent_queries=2))
    yield app.test_client()
    app.extensions["htkg"].store.close()


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=junk_query, accept=st.sampled_from(["*/*", "text/csv", "text/turtle", "application/x-junk", ""]))
def test_junk_query_text_never_500(junk_client, query, accept):
    for resp in (junk_client.get("/sparql", query_string={"query": query}, headers={"Accept": accept}),
                 junk_client.post("/sparql", data=query.encode("utf-8", "surrogatepass"),
                                  content_type="application/sparql-query")):
        assert resp.status_code < 500 or resp.status_code == 503, resp.get_data(as_text=True)
        assert resp.headers["Access-Control-Allow-Origin"] == "*"


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=junk_params, method=st.sampled_from(["GET", "POST"]))
def test_junk_parameters_never_500(junk_client, params, method):
    if method == "GET":
        resp = junk_client.get("/sparql", query_string=params, headers={"Accept": "*/*"})
    else:
        resp = junk_client.post("/sparql", data=params)
    assert resp.status_code < 500 or resp.status_code == 503, resp.get_data(as_text=True)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300), ctype=st.sampled_from(
    ["application/sparql-query", "application/x-www-form-urlencoded", "application/sparql-update",
     "text/plain", "multipart/form-data"]))
def test_junk_bodies_never_500(junk_client, body, ctype):
    resp = junk_client.post("/sparql", data=body, content_type=ctype)
    assert resp.status_code < 500 or resp.status_code == 503, resp.get_data(as_text=True)


def test_a_query_process_uses_the_prefixes_of_each_request(release):
    """The prefixes go to a query process only when they change ("as before" otherwise): a graph answer
    always has the prefixes its own request gave, in any order of requests on the same process."""
    from rdflib import Graph
    ex = QueryExecutor(open_store(Settings(), release), release, timeout=30, max_concurrent=1, memory_mb=900)
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a ?o ; ?p ?o } LIMIT 3"
    turtle = by_name("turtle")
    first = {"pa": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
    second = {"pb": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
    try:
        bodies = [ex.answer(construct, result_format=None, graph_format=turtle, prefixes=p).body
                  for p in (first, first, second, first, None)]
    finally:
        ex.close()
    declared = [[line for line in b.decode().splitlines() if line.startswith("@prefix")] for b in bodies]
    assert declared[0] == declared[1] == declared[3] == ["@prefix pa: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> ."]
    assert declared[2] == ["@prefix pb: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> ."]
    assert declared[4] == []
    graphs = [Graph().parse(data=b, format="turtle") for b in bodies]
    assert all(len(g) == len(graphs[0]) > 0 for g in graphs)
