"""The lean path of ``GET /sparql?query=…`` (htkg.web.sparql_lean) gives, request by request, exactly what the
Flask endpoint gives — status, every header, the body — and hands what it cannot answer to the endpoint
without evaluating anything twice."""

from __future__ import annotations

import gzip
import io
import json
import sys
from urllib.parse import urlencode

import pytest

from htkg.web.sparql_lean import LeanQueryPath

SELECT = "SELECT ?s ?p WHERE { ?s ?p ?o } ORDER BY ?s ?p LIMIT 30"
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5"
JSON = "application/sparql-results+json"


def _environ(query_string: str, **headers) -> dict:
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "QUERY_STRING": query_string, "SCRIPT_NAME": "",
           "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
           "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
           "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost"}
    env.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    return env


def _call(wsgi, env: dict):
    seen = {}

    def start(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers
    body = b"".join(wsgi(env, start))
    return seen["status"], {k.lower(): v for k, v in seen["headers"]}, body


@pytest.fixture(scope="module")
def lean(app) -> LeanQueryPath:
    path = app.extensions["htkg_response_cache"].app   # behind the cache, and the turns (htkg.turnstile)
    while not isinstance(path, LeanQueryPath) and hasattr(path, "app"):
        path = path.app
    assert isinstance(path, LeanQueryPath)
    return path


@pytest.fixture
def endpoint_calls(app, monkeypatch):
    """How many times the Flask endpoint ran (the lean path answers without it)."""
    calls = []
    view = app.view_functions["sparql.endpoint"]

    def counted(*args, **kwargs):
        calls.append(1)
        return view(*args, **kwargs)
    monkeypatch.setitem(app.view_functions, "sparql.endpoint", counted)
    return calls


def _misses(app) -> float:
    return app.extensions["htkg_metrics"].total("query_cache_misses")


CASES = [
    (SELECT, {"Accept": JSON}),
    (SELECT, {"Accept": JSON, "Accept-Encoding": "gzip, deflate"}),
    (SELECT, {"Accept": "application/sparql-results+xml"}),
    (SELECT, {"Accept": "text/csv"}),
    (SELECT, {"Accept": "text/tab-separated-values"}),
    (SELECT, {"Accept": "*/*"}),
    (SELECT, {}),
    (SELECT, {"Accept": "text/csv;q=0.5, application/sparql-results+json"}),
    (ASK, {"Accept": JSON}),
    (CONSTRUCT, {"Accept": JSON}),                       # a graph answer in Turtle for a results-only client
    (CONSTRUCT, {"Accept": "application/sparql-results+xml, text/turtle"}),
    ("SELECT ?x WHERE { ?x ?y ?z } LIMIT 3 # é ünïcode", {"Accept": JSON}),
]


@pytest.mark.parametrize("query,headers", CASES, ids=[f"{q.split()[0]}-{h}" for q, h in CASES])
def test_the_lean_answer_is_the_endpoints_answer(app, lean, endpoint_calls, query, headers):
    qs = urlencode({"query": query})
    lean_status, lean_headers, lean_body = _call(lean, _environ(qs, **headers))
    assert endpoint_calls == [], "the lean path answered by itself"
    flask_status, flask_headers, flask_body = _call(lean.app, _environ(qs, **headers))
    assert endpoint_calls == [1]
    assert lean_status == flask_status == "200 OK"
    assert lean_headers == flask_headers
    assert lean_body == flask_body
    if "gzip" in headers.get("Accept-Encoding", ""):
        assert lean_headers["content-encoding"] == "gzip" and json.loads(gzip.decompress(lean_body))


@pytest.mark.parametrize("query_string,headers", [
    (urlencode({"query": SELECT, "format": "json"}), {}),                    # another parameter
    (urlencode({"query": SELECT, "timeout": "5"}), {"Accept": JSON}),
    (urlencode({"query": SELECT}), {"Accept": "text/turtle"}),                # no results format acceptable
    (urlencode({"query": SELECT}), {"Accept": JSON, "If-None-Match": '"x"'}),  # conditional
    ("", {"Accept": "text/html"}),                                            # the service description
    (urlencode({"query": "ASK {} #" + "x" * 9000}), {"Accept": JSON}),       # over the address limit: 414
])
def test_other_requests_go_to_the_endpoint_untouched(app, lean, endpoint_calls, query_string, headers):
    misses = _misses(app)
    status, _headers, _body = _call(lean, _environ(query_string, **headers))
    # (a 414 is Flask's answer before any view runs)
    assert endpoint_calls == ([] if status.startswith("414") else [1])
    assert status.split()[0] in {"200", "406", "304", "414"}
    assert _misses(app) - misses <= 1


@pytest.mark.parametrize("query,status,words", [
    ("SELECT ?s WHERE { ?s ?p }", "400", "line 1"),
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "403", "SERVICE"),
])
def test_a_refusal_is_handed_to_the_endpoint_once(app, lean, endpoint_calls, query, status, words):
    """The store refused the query in the lean path: the endpoint renders that refusal (its one error
    format) without sending the query to the store again."""
    qs = urlencode({"query": query})
    misses = _misses(app)
    got_status, headers, body = _call(lean, _environ(qs, Accept=JSON))
    assert endpoint_calls == [1] and _misses(app) == misses + 1
    assert got_status.startswith(status) and words in json.loads(body)["error"]["message"]
    ref_status, ref_headers, ref_body = _call(lean.app, _environ(qs, Accept=JSON))
    assert (got_status, headers, body) == (ref_status, ref_headers, ref_body)


def test_a_streamed_answer_is_handed_to_the_endpoint_once(app, lean, endpoint_calls):
    """An answer larger than one chunk streams: the endpoint streams the answer the lean path already has."""
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } # streamed"
    qs = urlencode({"query": query})
    misses = _misses(app)
    status, headers, body = _call(lean, _environ(qs, Accept="text/csv"))
    assert endpoint_calls == [1] and _misses(app) == misses + 1
    assert status == "200 OK" and "content-length" not in headers and len(body) > 64 * 1024
    # the whole answer, once read, is remembered (it is under the result cache's limit): the endpoint's own
    # answer comes from there, whole, with its length
    ref_status, ref_headers, ref_body = _call(lean.app, _environ(qs, Accept="text/csv"))
    assert ref_status == status and body == ref_body and ref_headers["etag"] == headers["etag"]
