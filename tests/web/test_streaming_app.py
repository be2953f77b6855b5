"""Streamed SPARQL answers in-process: HEAD, conditional requests and the result cache around a stream."""

from __future__ import annotations

import pytest

from htkg.store.executor import CHUNK_BYTES

# ~2000 rows of the store: a few hundred KB, more than one chunk, less than the result cache's limit
MID = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 2000"
# the store with itself: far more than the cache keeps
LARGE = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 20000"


def _counter(app, name: str) -> float:
    return app.extensions["htkg_metrics"].total(name)


def test_a_mid_size_stream_is_cached_once_complete(client, app):
    query = MID + " # cached"
    first = client.get("/sparql", query_string={"query": query, "format": "csv"})
    assert first.is_streamed and first.headers.get("Content-Length") is None
    body = first.get_data()
    assert CHUNK_BYTES < len(body) < app.extensions["htkg_sparql_cache"].max_body
    hits = _counter(app, "query_cache_hits_total")
    again = client.get("/sparql", query_string={"query": query, "format": "csv"})
    assert _counter(app, "query_cache_hits_total") == hits + 1
    assert again.headers["Content-Length"] == str(len(body)) and again.get_data() == body


def test_a_large_stream_is_not_cached(client, app):
    query = LARGE + " # not cached"
    body = client.get("/sparql", query_string={"query": query, "format": "tsv"}).get_data()
    assert len(body) > app.extensions["htkg_sparql_cache"].max_body
    hits = _counter(app, "query_cache_hits_total")
    again = client.get("/sparql", query_string={"query": query, "format": "tsv"})
    assert again.is_streamed and _counter(app, "query_cache_hits_total") == hits
    again.close()


def test_head_of_a_large_answer_sends_no_body_and_frees_the_query_process(client, app):
    limit = app.extensions["htkg"].settings.max_concurrent_queries
    for i in range(limit + 2):   # a held slot each time would make the last ones 503
        resp = client.head("/sparql", query_string={"query": LARGE + f" # head {i}", "format": "csv"})
        assert resp.status_code == 200 and resp.get_data() == b""
        resp.close()
    resp = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", "format": "json"})
    assert resp.status_code == 200 and resp.get_json()["boolean"] is True


def test_if_none_match_answers_304_without_running_the_query(client, app):
    query = LARGE + " # conditional"
    resp = client.get("/sparql", query_string={"query": query, "format": "csv"})
    etag = resp.headers["ETag"]
    resp.close()
    misses = _counter(app, "query_cache_misses_total")
    streams = _counter(app, "query_streams_total")
    for _ in range(app.extensions["htkg"].settings.max_concurrent_queries + 2):
        again = client.get("/sparql", query_string={"query": query, "format": "csv"},
                           headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b""
    assert _counter(app, "query_cache_misses_total") == misses
    assert _counter(app, "query_streams_total") == streams


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_streamed_and_buffered_bodies_are_the_same_bytes(client, app, direct, fmt):
    """The child's chunked serialization writes what pyoxigraph writes in one go."""
    import pyoxigraph as ox
    from htkg.formats import by_name
    body = client.get("/sparql", query_string={"query": MID, "format": fmt}).get_data()
    whole = direct.store.query(MID, use_default_graph_as_union=True).serialize(
        format=getattr(ox.QueryResultsFormat, by_name(fmt).oxigraph))
    assert len(body) > CHUNK_BYTES and body == whole


def test_a_named_query_with_a_large_answer_streams_all_of_it(project_copy, tmp_path):
    """``/api/queries/NAME`` goes through the query process too: a large answer arrives in chunks, whole."""
    import csv
    import io

    from htkg.compiler.pipeline import build_release
    from htkg.config import Settings
    from htkg.web import create_app
    (project_copy / "queries" / "every-statement.rq").write_text(
        "# title: Every statement\n# description: Every triple of every named graph, with its graph.\n"
        "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?s ?p ?o\n", encoding="utf-8")
    release = build_release(project_copy, tmp_path / "release")[0]
    client = create_app(Settings(release_dir=str(release.path))).test_client()
    resp = client.get("/api/queries/every-statement", query_string={"format": "csv"})
    assert resp.status_code == 200 and resp.is_streamed and resp.headers.get("Content-Length") is None
    body = resp.get_data()
    assert len(body) > CHUNK_BYTES
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["g", "s", "p", "o"] and len(rows) - 1 == release.manifest["statistics"]["quads"]
