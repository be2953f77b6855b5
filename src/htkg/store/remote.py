"""A remote SPARQL 1.1 store behind the :class:`~htkg.store.base.Store` protocol.

Two layers, as rdflib separates ``sparqlconnector`` from ``sparqlstore``:

- :class:`SparqlEndpoint` — the HTTP plumbing: one request through SPARQLWrapper, bytes and content
  type back, every transport failure mapped to an htkg exception (a store that cannot be reached is
  :class:`~htkg.errors.StoreUnavailable`, which the web layer answers with 503);
- :class:`RemoteStore` — the adapter: SPARQL results JSON and N-Triples turned into a
  :class:`~htkg.store.base.QueryResult` of pyoxigraph terms, like the embedded store's.

Nothing is cached between requests and every request opens its own connection, so a store that
comes back after an outage is used again by the very next request.
"""

from __future__ import annotations

import ast
import json
import re
import socket
import time
import urllib.error
from http.client import HTTPException
from typing import Iterable, Mapping

import pyoxigraph as ox
from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from ..errors import QueryError, QueryTimeout, StoreError, StoreUnavailable
from .base import QueryResult, Term, term_from_json
from .oxigraph import syntax_error

__all__ = ["SparqlEndpoint", "RemoteStore", "STAGING_PREFIX", "inject_values"]

USER_AGENT = "htkg (SPARQLWrapper)"
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
# Graphs a `publish --to` is still loading; never part of a release, hidden from graphs().
STAGING_PREFIX = "urn:htkg:staging:"
_KEYWORD = re.compile(r"(?i)\b(where|construct|select|ask|describe)\b")


class SparqlEndpoint:
    """HTTP to one SPARQL 1.1 query endpoint (and optionally its update endpoint)."""

    def __init__(self, query_url: str, timeout: float = 30.0, update_url: str | None = None):
        self.query_url = query_url
        self.update_url = update_url
        self.timeout = timeout

    def _client(self, sparql: str, accept: str | None, timeout: float | None) -> SPARQLWrapper:
        # A fresh client per request: SPARQLWrapper objects hold the query and are not thread-safe.
        client = SPARQLWrapper(self.query_url, updateEndpoint=self.update_url, agent=USER_AGENT)
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
        client.setOnlyConneg(True)
        client.setTimeout(max(1, round(min(timeout or self.timeout, self.timeout))))
        client.setQuery(sparql)
        if accept:
            client.addCustomHttpHeader("Accept", accept)
        return client

    def request(self, sparql: str, accept: str, *, default_graphs: Iterable[str] | None = None,
                named_graphs: Iterable[str] | None = None, timeout: float | None = None) -> tuple[bytes, str]:
        """Run a query; the response body and its content type."""
        client = self._client(sparql, accept, timeout)
        for g in default_graphs or ():
            client.addDefaultGraph(g)
        for g in named_graphs or ():
            client.addNamedGraph(g)
        with self._mapped_errors(sparql, timeout):
            response = client.query().response
            body = response.read()
            return body, response.headers.get("Content-Type", "application/octet-stream")

    def update(self, sparql: str, timeout: float | None = None) -> None:
        """Run a SPARQL Update on the update endpoint."""
        if not self.update_url:
            raise StoreError(f"no SPARQL update endpoint is configured for {self.query_url}")
        client = self._client(sparql, None, timeout)
        with self._mapped_errors(sparql, timeout):
            client.query().response.read()

    def _mapped_errors(self, sparql: str, timeout: float | None):
        return _ErrorMapper(self, sparql, timeout)


class _ErrorMapper:
    """Turns SPARQLWrapper's and urllib's exceptions into htkg's."""

    def __init__(self, endpoint: SparqlEndpoint, sparql: str, timeout: float | None):
        self.endpoint, self.sparql, self.timeout = endpoint, sparql, timeout

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None:
            return False
        url = self.endpoint.query_url
        if isinstance(exc, SPARQLWrapperException):
            status = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404,
                      "URITooLong": 414, "EndPointInternalError": 500}.get(type(exc).__name__, 0)
            raise _from_status(status, _body_of(exc), self.sparql, url) from None
        if isinstance(exc, urllib.error.HTTPError):
            raise _from_status(exc.code, exc.read().decode("utf-8", "replace"), self.sparql, url) from None
        if isinstance(exc, urllib.error.URLError):
            raise StoreUnavailable(f"the SPARQL store at {url} cannot be reached: {exc.reason}",
                                   hint="check that the store is running; htkg tries again on the next request") from None
        if isinstance(exc, (TimeoutError, socket.timeout)):
            raise QueryTimeout(min(self.timeout or self.endpoint.timeout, self.endpoint.timeout)) from None
        if isinstance(exc, (ConnectionError, HTTPException, OSError)):
            raise StoreUnavailable(f"the SPARQL store at {url} dropped the connection: {exc}",
                                   hint="check that the store is running; htkg tries again on the next request") from None
        return False


def _body_of(exc: SPARQLWrapperException) -> str:
    m = re.search(r"Response:\n(b(['\"]).*\2)\s*$", str(exc), re.S)
    if not m:
        return str(exc)
    try:
        return ast.literal_eval(m.group(1)).decode("utf-8", "replace")
    except (ValueError, SyntaxError):
        return m.group(1)


def _from_status(status: int, body: str, sparql: str, url: str) -> Exception:
    text = body.strip()[:2000]
    if status == 400:
        if re.search(r"(?i)(error at \d+:\d+|line \d+, column \d+|syntax|parse|lexical|encountered)", text):
            return syntax_error(SyntaxError(re.sub(r"^(?i:error at)", "error at", text)), sparql)
        return QueryError(f"the SPARQL store refused the query: {text}")
    if status in (502, 503, 504):
        return StoreUnavailable(f"the SPARQL store at {url} is unavailable ({status}): {text}")
    if status == 404:
        return StoreError(f"no SPARQL endpoint at {url} (404)", hint="check the store URL setting (HTKG_STORE_URL)")
    return StoreError(f"the SPARQL store at {url} failed ({status or 'error'}): {text}")


def inject_values(sparql: str, bindings: Mapping[str, Term]) -> str:
    """Bind variables by a ``VALUES`` block at the start of the query's WHERE group.

    SPARQL protocol has no parameter binding; this gives the same answers as pyoxigraph's
    substitutions for the named queries. Strings, IRIs and comments are skipped while looking for
    the group, so a ``{`` inside a literal never matters.

    >>> inject_values("SELECT ?x WHERE { ?x a ?t }", {"t": ox.NamedNode("http://e/T")})
    'SELECT ?x WHERE { VALUES (?t) { (<http://e/T>) } ?x a ?t }'
    """
    if not bindings:
        return sparql
    names = sorted(bindings)
    block = " VALUES (" + " ".join("?" + n for n in names) + ") { (" + \
        " ".join(str(bindings[n]) for n in names) + ") } "
    at = _where_brace(sparql)
    if at is None:
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    return sparql[:at + 1] + block.rstrip() + " " + sparql[at + 1:].lstrip()


def _where_brace(q: str) -> int | None:
    """Index of the ``{`` that opens the outermost WHERE group."""
    i, n = 0, len(q)
    form = None
    seen_where = False
    braces_at_top = 0
    while i < n:
        c = q[i]
        if c == "#":
            j = q.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c in "'\"":
            triple = q[i:i + 3] in ("'''", '"""')
            end = q.find(q[i:i + 3] if triple else c, i + (3 if triple else 1))
            while not triple and end > 0 and q[end - 1] == "\\":
                end = q.find(c, end + 1)
            i = n if end < 0 else end + (3 if triple else 1)
            continue
        if c == "<":
            m = re.match(r"<[^<>\"{}|^`\\\s]*>", q[i:])
            if m:
                i += m.end()
                continue
        m = _KEYWORD.match(q, i) if c.isalpha() and (i == 0 or not (q[i - 1].isalnum() or q[i - 1] in "?$_:")) else None
        if m:
            word = m.group(1).lower()
            if word == "where":
                seen_where = True
            elif form is None:
                form = word
            i = m.end()
            continue
        if c == "{":
            if seen_where or form in ("select", "ask", "describe") or (form == "construct" and braces_at_top == 1):
                return i
            braces_at_top += 1
            depth, i = 1, i + 1
            while i < n and depth:  # skip the CONSTRUCT template
                depth += {"{": 1, "}": -1}.get(q[i], 0)
                i += 1
            continue
        i += 1
    return None


class RemoteStore:
    """A remote SPARQL 1.1 endpoint, queried through SPARQLWrapper, as a :class:`Store`."""

    def __init__(self, query_url: str, timeout: float = 30.0, *, update_url: str | None = None,
                 endpoint: SparqlEndpoint | None = None, graphs_ttl: float = 60.0):
        self.endpoint = endpoint or SparqlEndpoint(query_url, timeout, update_url)
        # graphs() counts every quad of the store; the web layer asks per request, so the answer is
        # kept for graphs_ttl seconds (a publish shows up within that time)
        self.graphs_ttl = graphs_ttl
        self._graphs: tuple[float, dict[str, int]] | None = None

    @property
    def query_url(self) -> str:
        return self.endpoint.query_url

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None,
              timeout: float | None = None) -> QueryResult:
        text = inject_values(sparql, bindings) if bindings else sparql
        body, ctype = self.endpoint.request(text, f"{RESULTS_JSON}, {N_TRIPLES};q=0.9",
                                            default_graphs=default_graphs, named_graphs=named_graphs,
                                            timeout=timeout)
        media = ctype.split(";")[0].strip().lower()
        if media in (RESULTS_JSON, "application/json"):
            return _from_results_json(body)
        try:
            fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
            return QueryResult("graph", triples=[ox.Triple(q.subject, q.predicate, q.object)
                                                 for q in ox.parse(body, format=fmt)])
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"the SPARQL store answered {media} that cannot be read: {exc}") from None

    def query_raw(self, sparql: str, media_type: str, *, default_graphs: Iterable[str] | None = None,
                  named_graphs: Iterable[str] | None = None, timeout: float | None = None) -> tuple[bytes, str]:
        """Pass a query through unchanged: the store's own bytes in ``media_type`` and its content type."""
        return self.endpoint.request(sparql, media_type, default_graphs=default_graphs,
                                     named_graphs=named_graphs, timeout=timeout)

    def graphs(self) -> dict[str, int]:
        now = time.monotonic()
        if self._graphs is not None and now - self._graphs[0] < self.graphs_ttl:
            return dict(self._graphs[1])
        result = self.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        out = {}
        for row in result.rows:
            g = row["g"].value
            if not g.startswith(STAGING_PREFIX):
                out[g] = int(row["n"].value)
        self._graphs = (now, dict(sorted(out.items())))
        return dict(self._graphs[1])

    def __len__(self) -> int:
        return sum(self.graphs().values())

    def close(self) -> None:
        pass


def _from_results_json(body: bytes) -> QueryResult:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise StoreError(f"the SPARQL store answered JSON that cannot be read: {exc}") from None
    if "boolean" in data:
        return QueryResult("ask", boolean=bool(data["boolean"]))
    variables = list(data.get("head", {}).get("vars", []))
    rows = [{k: term_from_json(v) for k, v in b.items()} for b in data.get("results", {}).get("bindings", [])]
    return QueryResult("select", variables=variables, rows=rows)
