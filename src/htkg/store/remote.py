"""A remote SPARQL 1.1 store behind the :class:`~htkg.store.base.Store` protocol.

Two layers:

- :class:`SparqlEndpoint` — the HTTP plumbing, on the standard library (no client library guesses
  anything: what is a query and what an update is decided by htkg): one request, the response body
  read in chunks within the time limit, every transport failure mapped to an htkg exception naming
  the URL and the transport (a store that cannot be reached is :class:`~htkg.errors.StoreUnavailable`,
  which the web layer answers with 503);
- :class:`RemoteStore` — the adapter: the release's graphs named as the dataset of every query, SPARQL
  results JSON and N-Triples turned into a :class:`~htkg.store.base.QueryResult` of pyoxigraph terms
  (store-specific forms normalized), and answers in the client's own format streamed as they arrive
  (an :class:`~htkg.store.base.Answer`).

Transports (setting ``store_transport``): ``form`` (POST ``application/x-www-form-urlencoded``, the
default: every store answers it), ``get`` (``?query=`` in the URL; long queries may pass a server's URL
limit) and ``direct`` (POST ``application/sparql-query``; Virtuoso 7.2 never answers it).

What differs between stores and what htkg does about it (docs/scaling.md has the whole list):

- the dataset: a store's default graph may be the union of all its graphs (Virtuoso: its system
  graphs too; Oxigraph with ``--union-default-graph``, which then ignores ``FROM``) or empty. So the
  release's graphs are named as ``default-graph-uri`` and ``named-graph-uri`` of every query, and a
  query's own ``FROM``/``FROM NAMED`` are sent as those protocol parameters;
- the time limit: sent to the store where it has one (Virtuoso's ``timeout``, milliseconds, learned
  from its ``Server`` header), and the connection is closed when it passes. Virtuoso then answers
  what it has so far with ``X-SQL-State: S1TAT``: that is a timeout, not an answer;
- cut answers: Virtuoso stops at its ``ResultSetMaxRows`` with a 200 and ``X-SPARQL-MaxRows``: an
  :class:`AnswerTruncated` error, never a silently short answer;
- literal forms: blank node labels a store invents (``nodeID://b1``) get fresh labels, ``xsd:boolean``
  written ``1``/``0`` is read as ``true``/``false`` where htkg parses; bytes forwarded to a client are
  the store's own.

Nothing is cached between requests and every request opens its own connection, so a store that
comes back after an outage is used again by the very next request.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import netrc
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, replace
from http.client import HTTPException, IncompleteRead
from itertools import islice
from typing import Iterable, Mapping, NamedTuple, Sequence

import pyoxigraph as ox

from ..errors import ConfigError, QueryError, QueryTimeout, StoreError, StoreUnavailable
from ..formats import Format
from .base import ASK_TEXT, CHUNK_BYTES, Answer, QueryResult, Term, term_from_json, time_limit
from .bind import inject_values
from .oxigraph import syntax_error
from .policy import PARSE_LOCK, check_query, dataset_of, parsed_query

__all__ = ["SparqlEndpoint", "RemoteStore", "RemoteStream", "Credentials", "credentials_for",
           "AnswerTruncated", "StoreNotAcceptable", "STAGING_PREFIX", "RELEASE_GRAPH", "VERSION_PREDICATE",
           "TRANSPORTS", "paged_select", "graph_counts"]

USER_AGENT = "htkg"
RESULTS_JSON = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
NAMED_DATASET_MAX = 1000   # graphs named in every query; a release with more uses the store's default graph
# Graphs a `publish --to` is still loading; never part of a release, never in a query's dataset.
STAGING_PREFIX = "urn:htkg:staging:"
# The graph `publish` records the release's version in, beside the release's own graphs.
RELEASE_GRAPH = "urn:htkg:release"
VERSION_PREDICATE = "http://www.w3.org/2002/07/owl#versionInfo"
TRANSPORTS = {"form": "form POST", "get": "GET", "direct": "direct POST (application/sparql-query)"}
# the query every store answers for the triples per graph (Virtuoso answers `GRAPH ?g { }` with an
# unbound row)
GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


class StoreNotAcceptable(StoreError):
    """The store answered 406: it cannot write the answer in any of the media types asked for."""


class AnswerTruncated(StoreError):
    """The store cut the answer at its row limit and said so only in a header (Virtuoso's ``ResultSetMaxRows``)."""

    def __init__(self, url: str, rows: str):
        super().__init__(f"the SPARQL store at {url} cut the answer at {rows} rows (X-SPARQL-MaxRows): "
                         "it would be incomplete, so it is not sent",
                         hint="ask for fewer rows (LIMIT/OFFSET pages through them), or raise the store's "
                              "limit (Virtuoso: [SPARQL] ResultSetMaxRows in virtuoso.ini)")


class Credentials(NamedTuple):
    user: str
    password: str


def credentials_for(url: str, user: str | None = None, password: str | None = None) -> Credentials | None:
    """The credentials for ``url``: ``user``/``password`` (settings or environment) if given, else the
    ``machine`` entry of the host in ``~/.netrc`` (or ``$NETRC``), else None. Never a command-line flag."""
    if user:
        return Credentials(user, password or "")
    host = urllib.parse.urlsplit(url).hostname
    path = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
    if not host or not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (netrc.NetrcParseError, OSError) as exc:
        raise ConfigError("store_user", f"cannot read {path}: {exc}") from None
    return Credentials(entry[0], entry[2] or "") if entry else None


class SparqlEndpoint:
    """HTTP to one SPARQL 1.1 query endpoint (and optionally its update endpoint)."""

    def __init__(self, query_url: str, timeout: float = 30.0, update_url: str | None = None, *,
                 transport: str = "form", credentials: Credentials | None = None):
        if transport not in TRANSPORTS:
            raise ConfigError("store_transport", f"unknown transport {transport!r}",
                              hint="one of " + ", ".join(TRANSPORTS))
        self.query_url, self.update_url = query_url, update_url
        self.timeout, self.transport, self.credentials = timeout, transport, credentials
        self.server = ""   # the store's Server header, from its last answer: what it is

    @property
    def is_virtuoso(self) -> bool:
        return self.server.lower().startswith("virtuoso")

    @property
    def unfit_formats(self) -> frozenset[str]:
        """Formats this store writes wrongly, asked for in another and serialized by htkg: Virtuoso's
        TSV quotes its header and its IRIs and leaves newlines in literals; its JSON-LD drops language
        tags."""
        return frozenset({"tsv", "jsonld"}) if self.is_virtuoso else frozenset()

    def limit(self, timeout: float | None = None) -> float:
        """Seconds one request may take, answer included (:func:`~htkg.store.base.time_limit`)."""
        return time_limit(timeout, self.timeout)

    def where(self, url: str) -> str:
        return f"the SPARQL store at {url}, by {TRANSPORTS[self.transport]}"

    def open(self, sparql: str, accept: str, *, default_graphs: Iterable[str] | None = None,
             named_graphs: Iterable[str] | None = None, timeout: float | None = None) -> "RemoteStream":
        """Send a query; the response with its body not yet read (errors mapped to htkg's)."""
        limit = self.limit(timeout)
        params = []
        if self.is_virtuoso:
            # the dataset as its `define input:` pragmas: Virtuoso echoes every protocol graph as a
            # response header (more than http.client reads at 100 graphs); its own time limit, so it
            # stops working when htkg stops waiting
            sparql = "".join(f"define input:default-graph-uri <{g}> " for g in default_graphs or ()) + \
                "".join(f"define input:named-graph-uri <{g}> " for g in named_graphs or ()) + sparql
            params.append(("timeout", str(max(1, int(limit * 1000)))))
        else:
            params = [("default-graph-uri", g) for g in default_graphs or ()] + \
                     [("named-graph-uri", g) for g in named_graphs or ()]
        errors = _ErrorMapper(self, self.query_url, sparql, limit)
        response = self._send(self.query_url, "query", sparql, params, accept, limit, errors)
        headers = response.headers
        if headers.get("X-SQL-State", "").strip() == "S1TAT":   # Virtuoso's "anytime" partial answer
            response.close()
            raise QueryTimeout(limit, f"{self.where(self.query_url)}, which answered only what it had found")
        if headers.get("X-SPARQL-MaxRows"):
            response.close()
            raise AnswerTruncated(self.query_url, headers["X-SPARQL-MaxRows"].strip())
        return RemoteStream(response, errors, time.monotonic() + limit)

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
        limit = self.limit(timeout)
        errors = _ErrorMapper(self, self.update_url, sparql, limit)
        response = self._send(self.update_url, "update", sparql, [], "*/*", limit, errors)
        with contextlib.closing(RemoteStream(response, errors, time.monotonic() + limit)) as stream:
            b"".join(stream)

    def _send(self, url: str, field: str, text: str, params: list, accept: str, limit: float, errors):
        headers = {"Accept": accept, "User-Agent": USER_AGENT}
        if self.transport == "form":
            data = urllib.parse.urlencode([(field, text)] + params).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            req = urllib.request.Request(url, data=data, headers=headers, method="POST")
        elif self.transport == "get" and field == "query":
            req = urllib.request.Request(_with_params(url, [(field, text)] + params), headers=headers)
        else:   # direct POST (an update always goes by POST)
            headers["Content-Type"] = f"application/sparql-{field}; charset=utf-8"
            req = urllib.request.Request(_with_params(url, params), data=text.encode("utf-8"), headers=headers,
                                         method="POST")
        with errors:
            response = self.opener().open(req, timeout=limit)
        self.server = response.headers.get("Server", "") or ""
        return response

    def opener(self, *more_urls: str) -> urllib.request.OpenerDirector:
        """What sends requests: with the credentials, for the query and update URLs (and ``more_urls``)."""
        if self.credentials is None:
            return urllib.request.build_opener()
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        for url in (self.query_url, self.update_url, *more_urls):
            if url:
                passwords.add_password(None, url, *self.credentials)
        # Basic or Digest, whichever the store asks for (Virtuoso's -auth endpoints ask for Digest)
        return urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(passwords),
                                           urllib.request.HTTPDigestAuthHandler(passwords))


def _with_params(url: str, params: list) -> str:
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params) if params else url


class _ErrorMapper:
    """Turns urllib's and http.client's exceptions into htkg's, naming the URL that failed."""

    def __init__(self, endpoint: SparqlEndpoint, url: str, sparql: str, limit: float):
        self.endpoint, self.url, self.sparql, self.limit = endpoint, url, sparql, limit

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None:
            return False
        where = self.endpoint.where(self.url)
        again = "check that the store is running; htkg tries again on the next request"
        if isinstance(exc, urllib.error.HTTPError):
            with contextlib.closing(exc):
                body = exc.read().decode("utf-8", "replace")
            raise _from_status(exc.code, body, self.sparql, self.url) from None
        if isinstance(exc, urllib.error.URLError):
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise QueryTimeout(self.limit, f"{where}, had not answered") from None
            raise StoreUnavailable(f"{where} cannot be reached: {exc.reason}", hint=again) from None
        if isinstance(exc, (TimeoutError, socket.timeout)):
            raise QueryTimeout(self.limit, f"{where}, had not answered") from None
        if isinstance(exc, (ConnectionError, HTTPException, OSError)):
            raise StoreUnavailable(f"{where} dropped the connection: {exc}", hint=again) from None
        return False


class RemoteStream:
    """A store's response body, read :data:`CHUNK_BYTES` at a time within the time limit; iterate it for the chunks.

    Reading past the deadline raises :class:`~htkg.errors.QueryTimeout`; a connection that ends before
    the body does (a chunked body without its last chunk, fewer bytes than ``Content-Length``) raises
    :class:`~htkg.errors.StoreUnavailable`. ``close()`` drops the connection, so the store stops
    sending; the stream closes itself at the end of the body and on any error.
    """

    def __init__(self, response, errors: _ErrorMapper, deadline: float):
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


def _from_status(status: int, body: str, sparql: str, url: str) -> Exception:
    text = body.strip()[:2000]
    if status == 400:
        if re.search(r"(?i)(error at \d+:\d+|line \d+, column \d+|syntax|parse|lexical|encountered)", text):
            return syntax_error(SyntaxError(re.sub(r"^(?i:error at)", "error at", text)), sparql)
        return QueryError(f"the SPARQL store at {url} refused the query: {text}")
    if status in (502, 503, 504):
        return StoreUnavailable(f"the SPARQL store at {url} is unavailable ({status}): {text}")
    if status == 406:
        return StoreNotAcceptable(f"the SPARQL store at {url} cannot write the answer in the media types asked for: {text}")
    if status == 404:
        return StoreError(f"no SPARQL endpoint at {url} (404)", hint="check the store URL setting (HTKG_STORE_URL)")
    if status == 401:
        return StoreError(f"the SPARQL store at {url} asks for credentials (401)",
                          hint="set HTKG_STORE_USER and HTKG_STORE_PASSWORD, or a machine entry in ~/.netrc")
    return StoreError(f"the SPARQL store at {url} failed ({status or 'error'}): {text}")


# the prologue of a query: comments, PREFIX and BASE declarations
_PROLOGUE = re.compile(r"(?:\s+|#[^\n]*|(?i:prefix)\s*[^\s:<]*:\s*<[^<>\s]*>|(?i:base)\s*<[^<>\s]*>)*")


@functools.lru_cache(maxsize=256)
def _select_projection(sparql: str) -> str | None:
    """What a SELECT projects (``?a ?b``, or ``*``); None for another form or a SELECT with its own dataset."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery
    try:
        with PARSE_LOCK:
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


def _with_base(sparql: str, base_iri: str | None) -> str:
    """``BASE <base_iri>`` before a query that declares none, so its relative IRIs resolve as on the
    embedded store (against the endpoint's address)."""
    if not base_iri or re.search(r"(?i)^\s*base\s*<", _PROLOGUE.match(sparql).group(0), re.M):
        return sparql
    return f"BASE <{base_iri}>\n{sparql}"


def _format_of(content_type: str, formats: Sequence[Format]) -> Format | None:
    """Which of ``formats`` a response's content type is (an alias only when it names just one)."""
    media = content_type.split(";")[0].strip().lower()
    exact = [f for f in formats if f.media_type == media]
    alias = [f for f in formats if media in f.aliases]
    return exact[0] if exact else (alias[0] if len(alias) == 1 else None)


class _Terms:
    """Terms read from a store's answer, normalized: a blank node label the store invented that is not
    a valid label (Virtuoso's ``nodeID://b10001``) gets a fresh one, the same within one answer, and
    ``xsd:boolean`` written ``1``/``0`` becomes ``true``/``false``."""

    def __init__(self):
        self.blank: dict[str, ox.BlankNode] = {}

    def __call__(self, term: Term) -> Term:
        if isinstance(term, ox.Literal) and term.datatype.value == _BOOLEAN and term.value in ("1", "0"):
            return ox.Literal("true" if term.value == "1" else "false", datatype=term.datatype)
        return term

    def from_json(self, b: dict) -> Term:
        if b.get("type") == "bnode":
            label = b["value"]
            if label not in self.blank:
                try:
                    self.blank[label] = ox.BlankNode(label)
                except ValueError:
                    self.blank[label] = ox.BlankNode()
            return self.blank[label]
        if b.get("type") == "literal" and "lang" in b and "xml:lang" not in b:   # Virtuoso's CONSTRUCT JSON
            b = {**b, "xml:lang": b["lang"]}
        return self(term_from_json(b))

    def triple(self, t) -> ox.Triple:
        return ox.Triple(t.subject, t.predicate, self(t.object))


def graph_counts(endpoint: SparqlEndpoint, timeout: float | None = None) -> dict[str, int]:
    """Every named graph of the store (staging graphs too) → its number of triples."""
    body, _ = endpoint.request(GRAPH_COUNTS, RESULTS_JSON, timeout=timeout)
    result = _from_results_json(body)
    return {row["g"].value: int(row["n"].value) for row in result.rows if "g" in row and "n" in row}


class RemoteStore:
    """A remote SPARQL 1.1 endpoint holding a published release, as a :class:`Store`.

    ``release_graphs`` (graph IRI → triples, from the release's manifest) are the dataset of every
    query and what :meth:`graphs` answers; :meth:`verify` checks the store holds exactly that.
    """

    def __init__(self, query_url: str, timeout: float = 30.0, *, update_url: str | None = None,
                 endpoint: SparqlEndpoint | None = None, release_graphs: Mapping[str, int] | None = None,
                 transport: str = "form", credentials: Credentials | None = None,
                 named_max: int = NAMED_DATASET_MAX):
        self.endpoint = endpoint or SparqlEndpoint(query_url, timeout, update_url, transport=transport,
                                                   credentials=credentials)
        self.release_graphs = dict(sorted(release_graphs.items())) if release_graphs is not None else None
        # the release's graphs are named in every query, up to NAMED_DATASET_MAX of them; past that (a
        # 10M-statement release has 37k graphs: megabytes per request) the store's own default graph
        # must be the release, which verify() checks
        self.named_max = named_max
        named = self.release_graphs is not None and len(self.release_graphs) <= named_max
        self._names = list(self.release_graphs) if named else None
        self.store_default = self.release_graphs is not None and not named

    @property
    def query_url(self) -> str:
        return self.endpoint.query_url

    @property
    def timeout(self) -> float:
        return self.endpoint.timeout

    # -- the dataset ---------------------------------------------------------------------------

    def _dataset(self, sparql: str, default_graphs, named_graphs):
        """What the store is to evaluate: the protocol's dataset if given, else the query's own FROM /
        FROM NAMED (sent as protocol parameters: a store with a union default graph may ignore FROM),
        else the release's graphs."""
        if default_graphs is not None or named_graphs is not None:
            return (list(default_graphs) if default_graphs is not None else []), \
                (list(named_graphs) if named_graphs is not None else [])
        from_default, from_named = dataset_of(sparql)
        if from_default or from_named:
            return list(from_default), list(from_named)
        return self._names, self._names

    def _open(self, sparql: str, accept: str, *, bindings=None, default_graphs=None, named_graphs=None,
              timeout=None, base_iri=None) -> RemoteStream:
        text = _with_base(inject_values(sparql, bindings) if bindings else sparql, base_iri)
        default, named = self._dataset(sparql, default_graphs, named_graphs)
        return self.endpoint.open(text, accept, default_graphs=default, named_graphs=named, timeout=timeout)

    # -- the Store protocol --------------------------------------------------------------------

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None,
              timeout: float | None = None) -> QueryResult:
        accept = GRAPH_ACCEPT if parsed_query(sparql).returns_graph else RESULTS_JSON
        stream = self._open(sparql, accept, bindings=bindings, default_graphs=default_graphs,
                            named_graphs=named_graphs, timeout=timeout)
        with contextlib.closing(stream):
            body = b"".join(stream)
        return _parsed(body, stream.content_type, self.query_url)

    def query_page(self, sparql: str, *, offset: int, limit: int, bindings: Mapping[str, Term] | None = None,
                   timeout: float | None = None) -> tuple[QueryResult, bool]:
        """Rows ``offset`` to ``offset + limit`` of a SELECT (triples of a CONSTRUCT), and whether more follow.

        A SELECT goes to the store under ``LIMIT limit+1 OFFSET offset`` (:func:`paged_select`), so it
        sends only the page and one row more; a graph answer (or a SELECT with FROM) is read as it
        arrives up to one past the page, and the connection dropped there.
        """
        text = inject_values(sparql, bindings) if bindings else sparql
        paged = paged_select(text, offset, limit + 1, shape_of=sparql)
        if paged is not None:
            result = self.query(paged, timeout=timeout)
            return replace(result, rows=result.rows[:limit]), len(result.rows) > limit
        graph = parsed_query(sparql).returns_graph
        stream = self._open(text, GRAPH_ACCEPT if graph else RESULTS_JSON, timeout=timeout)
        terms = _Terms()
        with contextlib.closing(stream):
            media = stream.content_type.split(";")[0].strip().lower()
            reader = io.BufferedReader(_StreamReader(stream), CHUNK_BYTES)
            try:
                if media in (RESULTS_JSON, "application/json"):
                    solutions = ox.parse_query_results(reader, format=ox.QueryResultsFormat.JSON)
                    if isinstance(solutions, ox.QueryBoolean):
                        return QueryResult("ask", boolean=bool(solutions)), False
                    variables = [v.value for v in solutions.variables]
                    rows = [{v: terms(sol[v]) for v in variables if sol[v] is not None}
                            for sol in islice(solutions, offset, offset + limit + 1)]
                    return QueryResult("select", variables=variables, rows=rows[:limit]), len(rows) > limit
                fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
                triples = [terms.triple(q) for q in islice(ox.parse(reader, format=fmt), offset, offset + limit + 1)]
                return QueryResult("graph", triples=triples[:limit]), len(triples) > limit
            except (SyntaxError, ValueError) as exc:
                raise StoreError(f"the SPARQL store at {self.query_url} answered {media} that cannot be read: "
                                 f"{exc}") from None

    def answer(self, sparql: str, *, result_format: Format | None, graph_format: Format | None,
               bindings: Mapping[str, Term] | None = None, default_graphs: Iterable[str] | None = None,
               named_graphs: Iterable[str] | None = None, timeout: float | None = None,
               prefixes: Mapping[str, str] | None = None, check: bool = False, base_iri: str | None = None) -> Answer:
        """The store's own bytes in the negotiated format, forwarded as they arrive; a format the
        store cannot write (406, or another media type) is parsed and serialized here instead.

        ``check`` applies the read-only policy here, before anything is sent to the store.
        """
        checked = check_query(sparql, self.graphs()) if check else parsed_query(sparql)
        form = "graph" if checked.returns_graph else "ask" if checked.form == "ASK" else "select"
        fmt = graph_format if form == "graph" else result_format
        if fmt is None:
            return Answer(form, None, b"")
        stream = None
        try:
            # (an ASK answer is small: in CSV/TSV it is written here, in the form Jena reads)
            if fmt.name not in self.endpoint.unfit_formats and not (form == "ask" and fmt.name in ASK_TEXT):
                stream = self._open(sparql, fmt.media_type, bindings=bindings, default_graphs=default_graphs,
                                    named_graphs=named_graphs, timeout=timeout, base_iri=base_iri)
        except StoreNotAcceptable:
            stream = None
        if stream is not None and _format_of(stream.content_type, (fmt,)) is None:
            stream.close()
            stream = None
        if stream is None:   # the store cannot write that format: parse its answer, serialize it here
            text = _with_base(sparql, base_iri)
            result = self.query(text, bindings=bindings, default_graphs=default_graphs, named_graphs=named_graphs,
                                timeout=timeout)
            return Answer(form, fmt, result.serialize(fmt, prefixes))
        first = stream.read_chunk()
        return Answer(form, fmt, first, None if stream.done else stream)

    def graphs(self) -> dict[str, int]:
        """The release's graphs (given), else every named graph of the store but staging ones (asked)."""
        if self.release_graphs is not None:
            return dict(self.release_graphs)
        return {g: n for g, n in sorted(graph_counts(self.endpoint).items())
                if not g.startswith(STAGING_PREFIX) and g != RELEASE_GRAPH}

    def verify(self, version: str, timeout: float | None = None) -> None:
        """Refuse (a :class:`~htkg.errors.StoreError`) unless the store holds release ``version``: the
        version ``htkg publish`` recorded, and the release's triples in each of its graphs."""
        where = self.endpoint.where(self.query_url)
        fix = "publish the release into it with `htkg publish --to GRAPH-STORE-URL --release DIR`"
        endpoint = self.endpoint
        if timeout is not None:   # counting every quad may take longer than a query may
            endpoint = SparqlEndpoint(endpoint.query_url, timeout, endpoint.update_url,
                                      transport=endpoint.transport, credentials=endpoint.credentials)
        body, _ = endpoint.request(
            f"SELECT ?v WHERE {{ GRAPH <{RELEASE_GRAPH}> {{ <{RELEASE_GRAPH}> <{VERSION_PREDICATE}> ?v }} }}",
            RESULTS_JSON, timeout=timeout)
        found = sorted(r["v"].value for r in _from_results_json(body).rows if "v" in r)
        if found != [version]:
            raise StoreError(f"{where} does not hold release {version}: "
                             + (f"it holds release {', '.join(found)}" if found else "no htkg release was published into it"),
                             hint=fix)
        counts = graph_counts(endpoint, timeout)
        self.endpoint.server = endpoint.server
        wrong = [(g, n, counts.get(g, 0)) for g, n in (self.release_graphs or {}).items() if counts.get(g, 0) != n]
        if wrong:
            g, n, m = wrong[0]
            raise StoreError(f"{where} does not hold release {version} as published: graph <{g}> has {m} triples, "
                             f"the release {n}" + (f" ({len(wrong) - 1} more graphs differ)" if len(wrong) > 1 else ""),
                             hint=fix)
        if self.store_default:
            others = sorted(g for g in counts if g not in self.release_graphs and g != RELEASE_GRAPH)
            if others:
                raise StoreError(f"{where} holds graphs that are not release {version}'s (<{others[0]}>"
                                 + (f" and {len(others) - 1} more" if len(others) > 1 else "") + f"): the release has "
                                 f"{len(self.release_graphs)} graphs, more than htkg names in a query "
                                 f"({self.named_max}, store_named_graphs), so the store's default graph must be the "
                                 "release alone",
                                 hint="serve it from a store holding only this release, whose default graph is the "
                                      "union of its graphs (oxigraph serve --union-default-graph)")
            body, _ = endpoint.request("ASK { ?s ?p ?o }", RESULTS_JSON, timeout=timeout)
            if _from_results_json(body).boolean is not True:
                raise StoreError(f"{where} answers from an empty default graph: the release has "
                                 f"{len(self.release_graphs)} graphs, more than htkg names in a query "
                                 f"({self.named_max}, store_named_graphs), so the store's default graph must be the "
                                 "union of its graphs",
                                 hint="start it so (oxigraph serve --union-default-graph)")

    def __len__(self) -> int:
        return sum(self.graphs().values())

    def close(self) -> None:
        pass


def _parsed(body: bytes, content_type: str, url: str) -> QueryResult:
    media = content_type.split(";")[0].strip().lower()
    if media in (RESULTS_JSON, "application/json"):
        return _from_results_json(body)
    try:
        fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
        terms = _Terms()
        return QueryResult("graph", triples=[terms.triple(q) for q in ox.parse(body, format=fmt)])
    except (SyntaxError, ValueError) as exc:
        raise StoreError(f"the SPARQL store at {url} answered {media} that cannot be read: {exc}") from None


def _from_results_json(body: bytes) -> QueryResult:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise StoreError(f"the SPARQL store answered JSON that cannot be read: {exc}") from None
    if "boolean" in data:
        return QueryResult("ask", boolean=bool(data["boolean"]))
    terms = _Terms()
    variables = list(data.get("head", {}).get("vars", []))
    rows = [{k: terms.from_json(v) for k, v in b.items()} for b in data.get("results", {}).get("bindings", [])]
    return QueryResult("select", variables=variables, rows=rows)
