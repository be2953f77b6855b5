"""A remote SPARQL 1.1 store behind the :class:`~htkg.store.base.Store` protocol.

Two layers, as rdflib separates ``sparqlconnector`` from ``sparqlstore``:

- :class:`SparqlEndpoint` — the HTTP plumbing: one request through SPARQLWrapper, bytes and content
  type back, every transport failure mapped to an htkg exception (a store that cannot be reached is
  :class:`~htkg.errors.StoreUnavailable`, which the web layer answers with 503);
- :class:`RemoteStore` — the adapter: SPARQL results JSON and N-Triples turned into a
  :class:`~htkg.store.base.QueryResult` of pyoxigraph terms, like the embedded store's.

Large answers need not pass through Python terms: :meth:`RemoteStore.query_stream` asks the store for
the client's own format and hands back its bytes as they arrive (a :class:`RemoteAnswer`: the first
chunk of :data:`CHUNK_BYTES`, then a :class:`RemoteStream` of the rest), and
:meth:`RemoteStore.query_page` asks for one page of a SELECT (``LIMIT``/``OFFSET`` around it as a
sub-select) or reads a graph answer only up to its page. The time limit covers the whole answer:
reading the body past it raises :class:`~htkg.errors.QueryTimeout`; a store that drops the connection
mid-body raises :class:`~htkg.errors.StoreUnavailable`, so a stream that fails is never mistaken for
a complete one.

Nothing is cached between requests and every request opens its own connection, so a store that
comes back after an outage is used again by the very next request.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import json
import re
import socket
import threading
import time
import urllib.error
from dataclasses import dataclass, replace
from http.client import HTTPException, IncompleteRead
from itertools import islice
from typing import Iterable, Mapping, Sequence

import pyoxigraph as ox
from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from ..errors import QueryError, QueryTimeout, StoreError, StoreUnavailable
from ..formats import Format
from .base import CHUNK_BYTES, QueryResult, Term, term_from_json
from .bind import inject_values
from .oxigraph import syntax_error

__all__ = ["SparqlEndpoint", "RemoteStore", "RemoteAnswer", "RemoteStream", "StoreNotAcceptable",
           "STAGING_PREFIX", "CHUNK_BYTES", "inject_values", "paged_select"]

USER_AGENT = "htkg (SPARQLWrapper)"
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
# Graphs a `publish --to` is still loading; never part of a release, hidden from graphs().
STAGING_PREFIX = "urn:htkg:staging:"


class StoreNotAcceptable(StoreError):
    """The store answered 406: it cannot write the answer in any of the media types asked for."""


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

    def limit(self, timeout: float | None = None) -> float:
        """Seconds one request may take, answer included: a caller may lower the store's limit, never raise it."""
        return min(timeout or self.timeout, self.timeout)

    def open(self, sparql: str, accept: str, *, default_graphs: Iterable[str] | None = None,
             named_graphs: Iterable[str] | None = None, timeout: float | None = None) -> "RemoteStream":
        """Send a query; the response with its body not yet read (errors until then mapped as by :meth:`request`)."""
        client = self._client(sparql, accept, timeout)
        for g in default_graphs or ():
            client.addDefaultGraph(g)
        for g in named_graphs or ():
            client.addNamedGraph(g)
        limit = self.limit(timeout)
        deadline = time.monotonic() + limit
        errors = self._mapped_errors(sparql, timeout)
        with errors:
            response = client.query().response
        return RemoteStream(response, errors, deadline)

    def request(self, sparql: str, accept: str, *, default_graphs: Iterable[str] | None = None,
                named_graphs: Iterable[str] | None = None, timeout: float | None = None) -> tuple[bytes, str]:
        """Run a query; the whole response body (read within the time limit) and its content type."""
        stream = self.open(sparql, accept, default_graphs=default_graphs, named_graphs=named_graphs,
                           timeout=timeout)
        with contextlib.closing(stream):
            return b"".join(stream), stream.content_type

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


class RemoteStream:
    """A store's response body, read :data:`CHUNK_BYTES` at a time within the time limit; iterate it for the chunks.

    Reading past the deadline raises :class:`~htkg.errors.QueryTimeout`; a connection that ends before
    the body does (a chunked body without its last chunk, fewer bytes than ``Content-Length``) raises
    :class:`~htkg.errors.StoreUnavailable`. ``close()`` drops the connection, so the store stops
    sending; the stream closes itself at the end of the body and on any error.
    """

    def __init__(self, response, errors: "_ErrorMapper", deadline: float):
        self._response, self._errors, self.deadline = response, errors, deadline
        self.content_type = response.headers.get("Content-Type", "application/octet-stream")
        self.done = False   # the body has been read to its end (or the stream closed)

    def __iter__(self) -> "RemoteStream":
        return self

    def __next__(self) -> bytes:
        chunk = self.read_chunk()
        if not chunk:
            raise StopIteration
        return chunk

    def read_chunk(self) -> bytes:
        """The next :data:`CHUNK_BYTES` of the body (fewer only at its end; ``b""`` after it)."""
        parts, size = [], 0
        try:
            with self._errors:
                while size < CHUNK_BYTES and not self.done:
                    data = self._read1(CHUNK_BYTES - size)
                    if not data:
                        self.done = True
                    parts.append(data)
                    size += len(data)
        except BaseException:
            self.close()
            raise
        if self.done:
            self.close()
        return b"".join(parts)

    def _read1(self, n: int) -> bytes:
        response = self._response
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the time limit passed while the answer was being read")
        # each read waits at most until the deadline, however slowly the store sends
        sock = getattr(getattr(response.fp, "raw", None), "_sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.settimeout(remaining)
        data = response.read1(n)
        if not data and not response.chunked and response.length:
            raise IncompleteRead(b"", response.length)   # http.client ends such a body quietly
        return data

    def close(self) -> None:
        self.done = True
        self._response.close()


class _StreamReader(io.RawIOBase):
    """A :class:`RemoteStream` as a binary file, for pyoxigraph's parsers to read lazily."""

    def __init__(self, stream: RemoteStream):
        self.stream, self.pending = stream, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self.pending:
            self.pending = self.stream.read_chunk()
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


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
    if status == 406:
        return StoreNotAcceptable(f"the SPARQL store at {url} cannot write the answer in the media types asked for: {text}")
    if status == 404:
        return StoreError(f"no SPARQL endpoint at {url} (404)", hint="check the store URL setting (HTKG_STORE_URL)")
    return StoreError(f"the SPARQL store at {url} failed ({status or 'error'}): {text}")


# the prologue of a query: comments, PREFIX and BASE declarations
_PROLOGUE = re.compile(r"(?:\s+|#[^\n]*|(?i:prefix)\s*[^\s:<]*:\s*<[^<>\s]*>|(?i:base)\s*<[^<>\s]*>)*")
# rdflib's parser runs one query at a time here, as in the endpoint's policy
_PARSE_LOCK = threading.Lock()


@functools.lru_cache(maxsize=256)
def _select_projection(sparql: str) -> str | None:
    """What a SELECT projects (``?a ?b``, or ``*``); None for another form or a SELECT with its own dataset."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery
    try:
        with _PARSE_LOCK:
            body = parseQuery(sparql)[1]
    except (ParseException, RecursionError):
        return None
    # FROM cannot go inside a sub-select; CompValue.get returns the key itself when it is missing
    if body.name != "SelectQuery" or dict.get(body, "datasetClause"):
        return None
    names = [dict.get(p, "var") or dict.get(p, "evar") for p in dict.get(body, "projection") or ()]
    return " ".join("?" + str(n) for n in names) if names else "*"


def paged_select(sparql: str, offset: int, limit: int, *, shape_of: str | None = None) -> str | None:
    """A SELECT as a sub-select under ``LIMIT``/``OFFSET``, projecting the same variables in the same order.

    None when ``sparql`` is not a SELECT that can be wrapped (another form, FROM, no plain prologue).
    ``shape_of``: the text to read the projection from (the query before values were bound into it).

    >>> print(paged_select("PREFIX e: <http://e/> SELECT ?x (1 AS ?one) { ?x a e:T } ORDER BY ?x # x", 20, 11))
    PREFIX e: <http://e/> SELECT ?x ?one WHERE {
    SELECT ?x (1 AS ?one) { ?x a e:T } ORDER BY ?x # x
    } LIMIT 11 OFFSET 20
    >>> paged_select("ASK { ?s ?p ?o }", 0, 10) is None
    True
    """
    projection = _select_projection(shape_of or sparql)
    at = _PROLOGUE.match(sparql).end()
    if projection is None or not re.match(r"(?i)select\b", sparql[at:]):
        return None
    return f"{sparql[:at]}SELECT {projection} WHERE {{\n{sparql[at:]}\n}} LIMIT {limit} OFFSET {offset}"


def _format_of(content_type: str, formats: Sequence[Format]) -> Format | None:
    """Which of ``formats`` a response's content type is (an alias only when it names just one)."""
    media = content_type.split(";")[0].strip().lower()
    exact = [f for f in formats if f.media_type == media]
    alias = [f for f in formats if media in f.aliases]
    return exact[0] if exact else (alias[0] if len(alias) == 1 else None)


@dataclass(frozen=True)
class RemoteAnswer:
    """The store's own bytes in ``format``: the whole ``body``, or its first chunk and the ``stream`` of the rest."""

    format: Format
    body: bytes
    stream: RemoteStream | None = None

    @property
    def form(self) -> str:
        """``"graph"`` or ``"select"`` (an ASK answer is a results format too, and small)."""
        return "select" if self.format.kind == "results" else "graph"


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

    def query_stream(self, sparql: str, formats: Sequence[Format], *, bindings: Mapping[str, Term] | None = None,
                     default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None,
                     timeout: float | None = None) -> RemoteAnswer | None:
        """The store's own bytes in one of ``formats`` (the query's form picks which), as they arrive.

        Give at most one results format and one graph format. The first chunk is read here, so
        whatever fails before it raises as from :meth:`query`; None when the store cannot write any
        of ``formats`` (it answers 406, or another media type): parse :meth:`query` instead.
        """
        text = inject_values(sparql, bindings) if bindings else sparql
        try:
            stream = self.endpoint.open(text, ", ".join(f.media_type for f in formats),
                                        default_graphs=default_graphs, named_graphs=named_graphs, timeout=timeout)
        except StoreNotAcceptable:
            return None
        fmt = _format_of(stream.content_type, formats)
        if fmt is None:
            stream.close()
            return None
        first = stream.read_chunk()
        return RemoteAnswer(fmt, first, None if stream.done else stream)

    def query_page(self, sparql: str, *, offset: int, limit: int,
                   bindings: Mapping[str, Term] | None = None) -> tuple[QueryResult, bool]:
        """Rows ``offset`` to ``offset + limit`` of a SELECT (triples of a CONSTRUCT), and whether more follow.

        A SELECT goes to the store under ``LIMIT limit+1 OFFSET offset`` (:func:`paged_select`), so it
        sends only the page and one row more; a graph answer (or a SELECT with FROM) is read as it
        arrives up to one past the page, and the connection dropped there.
        """
        text = inject_values(sparql, bindings) if bindings else sparql
        paged = paged_select(text, offset, limit + 1, shape_of=sparql)
        if paged is not None:
            result = self.query(paged)
            return replace(result, rows=result.rows[:limit]), len(result.rows) > limit
        stream = self.endpoint.open(text, f"{RESULTS_JSON}, {N_TRIPLES};q=0.9")
        with contextlib.closing(stream):
            media = stream.content_type.split(";")[0].strip().lower()
            reader = io.BufferedReader(_StreamReader(stream), CHUNK_BYTES)
            try:
                if media in (RESULTS_JSON, "application/json"):
                    solutions = ox.parse_query_results(reader, format=ox.QueryResultsFormat.JSON)
                    if isinstance(solutions, ox.QueryBoolean):
                        return QueryResult("ask", boolean=bool(solutions)), False
                    variables = [v.value for v in solutions.variables]
                    rows = [{v: sol[v] for v in variables if sol[v] is not None}
                            for sol in islice(solutions, offset, offset + limit + 1)]
                    return QueryResult("select", variables=variables, rows=rows[:limit]), len(rows) > limit
                fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
                triples = [ox.Triple(q.subject, q.predicate, q.object)
                           for q in islice(ox.parse(reader, format=fmt), offset, offset + limit + 1)]
                return QueryResult("graph", triples=triples[:limit]), len(triples) > limit
            except (SyntaxError, ValueError) as exc:
                raise StoreError(f"the SPARQL store answered {media} that cannot be read: {exc}") from None

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
