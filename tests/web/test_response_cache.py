"""The response cache in front of Flask: a repeated GET gets the same answer without reaching the app,
and nothing that varies (format, encoding, host, conditional requests, streams, errors) is mixed up."""

from __future__ import annotations

import gzip
import json

import pytest
from rdflib import Graph

from htkg.config import Settings
from htkg.web import create_app

SELECT = "SELECT ?s WHERE { ?s a ?c } ORDER BY ?s LIMIT 40"   # over 500 bytes: gzipped when asked


def _hits(app) -> float:
    return app.extensions["htkg_metrics"].total("response_cache_hits")


def _query(client, query: str, accept: str, **headers):
    return client.get("/sparql", query_string={"query": query}, headers={"Accept": accept, **headers})


def test_a_repeated_get_is_answered_whole_from_the_cache_and_counted(client, app):
    q = SELECT + " # response cache: repeat"
    first = _query(client, q, "application/sparql-results+json")
    hits = _hits(app)
    requests = app.extensions["htkg_metrics"].total("http_requests")
    again = _query(client, q, "application/sparql-results+json")
    assert _hits(app) == hits + 1
    assert app.extensions["htkg_metrics"].total("http_requests") == requests + 1
    assert again.status_code == 200 and again.get_data() == first.get_data()
    for header in ("ETag", "Cache-Control", "Content-Type", "Content-Length", "Vary", "Access-Control-Allow-Origin"):
        assert again.headers.get(header) == first.headers.get(header), header
    assert len(json.loads(again.get_data())["results"]["bindings"]) == 40


def test_each_format_and_encoding_is_kept_apart(client, app):
    q = SELECT + " # response cache: formats"
    answers = {}
    for _ in range(2):
        for accept in ("application/sparql-results+json", "text/csv", "application/sparql-results+xml"):
            for encoding in ("identity", "gzip"):
                resp = _query(client, q, accept, **{"Accept-Encoding": encoding})
                answers.setdefault((accept, encoding), set()).add(resp.get_data())
                assert resp.mimetype == accept
                assert (resp.headers.get("Content-Encoding") == "gzip") == (encoding == "gzip")
    assert all(len(bodies) == 1 for bodies in answers.values())
    csv_plain = next(iter(answers[("text/csv", "identity")]))
    assert gzip.decompress(next(iter(answers[("text/csv", "gzip")]))) == csv_plain
    assert csv_plain.splitlines()[0] == b"s"


def test_conditional_and_head_requests_still_get_their_own_answers(client):
    q = SELECT + " # response cache: conditional"
    first = _query(client, q, "text/csv")
    _query(client, q, "text/csv")
    not_modified = _query(client, q, "text/csv", **{"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    head = client.head("/sparql", query_string={"query": q}, headers={"Accept": "text/csv"})
    assert head.status_code == 200 and head.get_data() == b""


def test_errors_and_streams_are_not_kept(client, app):
    hits = _hits(app)
    for _ in range(2):
        assert _query(client, "SELECT * WHERE {", "text/csv").status_code == 400
    big = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 20000 # response cache: stream"
    for _ in range(2):
        resp = _query(client, big, "text/tab-separated-values")
        assert resp.is_streamed and resp.headers.get("Content-Length") is None
        resp.close()
    assert client.get("/-/metrics").status_code == 200
    assert _hits(app) == hits


@pytest.mark.parametrize("host", ["data.example.gov", "kg.example.org"])
def test_each_public_host_gets_its_own_urls_behind_a_proxy(release_dir, host):
    app = create_app(Settings(release_dir=str(release_dir), trust_proxy=True))
    client = app.test_client()
    bodies = []
    for asked in ("data.example.gov", "kg.example.org", host):
        resp = client.get("/sparql", headers={"Accept": "text/turtle", "X-Forwarded-Host": asked,
                                               "X-Forwarded-Proto": "https"})
        bodies.append((asked, resp.get_data()))
    for asked, body in bodies:
        graph = Graph().parse(data=body, format="turtle")
        endpoints = {str(s) for s in graph.subjects() if str(s).endswith("/sparql")}
        assert endpoints == {f"https://{asked}/sparql"}, (asked, endpoints)
    assert _hits(app) >= 1   # the third request repeats one of the first two
