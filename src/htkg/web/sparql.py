"""``/sparql``: the SPARQL 1.1 Protocol endpoint and its Service Description.

- query by GET ``?query=``, POST form (``query=``) or POST ``application/sparql-query``;
  ``default-graph-uri`` / ``named-graph-uri`` restricted to the store's own graphs;
- SELECT/ASK as SPARQL JSON, XML, CSV, TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD,
  RDF/XML, TriG, N-Quads — by ``Accept`` (q-values) or ``?format=``; 406 listing what is offered;
- a bare GET answers the Service Description (Turtle, JSON-LD, …; the query editor for a browser);
- read-only (:mod:`htkg.store.policy`), time-limited (:mod:`htkg.store.executor`, ``?timeout=`` may lower
  the limit), with a small result cache keyed to the release.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, request, url_for

from ..errors import QueryRefused
from ..formats import RDF_DATASET_FORMATS, RDF_GRAPH_FORMATS, RESULT_FORMATS, Format, by_name, negotiate
from ..publish.service import service_description
from .http import Streamed, cacheable, not_acceptable, not_modified
from ..store.policy import check_graphs, refuse_update
from .site import site

__all__ = ["bp", "ResultCache", "evaluate", "evaluate_in", "first_rows", "ROW_CAP_PARAM", "ROW_CAP_HEADER", "HANDED_OVER",
           "result_content_type", "etag_key"]

bp = Blueprint("sparql", __name__)
bp.record_once(lambda state: state.app.extensions.setdefault("htkg_sparql_cache", ResultCache()))

GRAPH_RESULT_FORMATS = RDF_GRAPH_FORMATS + RDF_DATASET_FORMATS
SD_FORMATS = (by_name("html"),) + RDF_GRAPH_FORMATS
# what ?format= means for a graph result when it names a results format (SPARQLWrapper sends these)
_GRAPH_ALIASES = {"xml": "rdfxml", "rdf+xml": "rdfxml", "json": "jsonld", "json-ld": "jsonld", "n3": "turtle",
                  "nt": "ntriples", "n-triples": "ntriples"}
_TEXT = {"text/csv", "text/tab-separated-values"}
ROW_CAP_PARAM = "max-rows"        # ?max-rows=N: the first N rows of a SELECT (the query editor sends it)
ROW_CAP_HEADER = "HTKG-Row-Cap"   # on an answer cut to its first N rows: N
# environ key under which the lean path (htkg.web.sparql_lean) hands over what the store already answered for
# this request: ("error", the exception) or ("answer", the store's Answer), so that nothing is evaluated twice
HANDED_OVER = "htkg.sparql.handed_over"


class ResultCache:
    """A small LRU of serialized results, keyed to (release version, query, dataset, format)."""

    def __init__(self, entries: int = 256, max_body: int = 1_000_000):
        self.entries, self.max_body = entries, max_body
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def counted_get(self, key, metrics):
        """:meth:`get`, counted as a hit or a miss in ``metrics`` (if any)."""
        value = self.get(key)
        if metrics:
            metrics.inc("query_cache_hits" if value is not None else "query_cache_misses")
        return value

    def put(self, key, value) -> None:
        if len(value[2]) > self.max_body:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.entries:
                self._data.popitem(last=False)


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    handed = request.environ.get(HANDED_OVER)
    if handed is not None and handed[0] == "error":
        raise handed[1]
    params = _params()
    if "update" in params or request.mimetype == "application/sparql-update":
        raise refuse_update()
    queries = params.get("query", [])
    if not queries:
        if request.method == "POST":
            raise QueryRefused("no query: send query=… (form) or a body of type application/sparql-query")
        return _service_description()
    if len(queries) > 1:
        raise QueryRefused("more than one query parameter")
    return _answer(queries[0], params)


def _params() -> dict[str, list[str]]:
    """Query-string and body parameters, decoded strictly as UTF-8 (400 otherwise)."""
    out: dict[str, list[str]] = {}
    s = site()
    if request.content_length is not None and request.content_length > s.settings.max_body_bytes:
        _too_large()
    sources = [request.query_string]
    if request.method == "POST":
        body = request.get_data(cache=True)
        if request.mimetype == "application/x-www-form-urlencoded":
            sources.append(body)
        elif request.mimetype == "application/sparql-query":
            out.setdefault("query", []).append(_utf8(body, "the request body"))
        elif request.mimetype == "application/sparql-update":
            return {"update": [""]}
        else:
            raise QueryRefused(f"unsupported request body type {request.mimetype or '(none)'!r}: use "
                               "application/x-www-form-urlencoded or application/sparql-query", status=415)
    for raw in sources:
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise QueryRefused("the parameters are not valid UTF-8 (percent-encode UTF-8 bytes)") from None
        for k, v in pairs:
            out.setdefault(k, []).append(v)
    return out


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryRefused(f"{what} is not valid UTF-8 (byte {exc.start})") from None


def _too_large():
    limit = site().settings.max_body_bytes
    raise QueryRefused(f"the request body is larger than this server's limit of {limit} bytes",
                       hint="send a shorter query", status=413)


def _answer(query: str, params: dict[str, list[str]]) -> Response:
    s = site()
    limit = s.settings.max_query_chars
    if len(query) > limit:
        raise QueryRefused(f"the query is {len(query)} characters long; this server accepts at most {limit}",
                           status=413)
    graphs = s.graph_names()
    default = params.get("default-graph-uri") or None
    named = params.get("named-graph-uri") or None
    check_graphs(default or (), graphs, "default-graph-uri")
    check_graphs(named or (), graphs, "named-graph-uri")
    # SPARQL 1.1 Protocol §2.1.4: a dataset given in the request is exactly that dataset
    if default is not None and named is None:
        named = []
    elif named is not None and default is None:
        default = []
    result_fmt, graph_fmt = _formats(params)
    if result_fmt is None and graph_fmt is None:
        return not_acceptable(RESULT_FORMATS + GRAPH_RESULT_FORMATS)
    timeout = _timeout(params)
    cap = _row_cap(params, result_fmt)

    metrics = current_app.extensions.get("htkg_metrics")
    cache: ResultCache = current_app.extensions["htkg_sparql_cache"]
    key = (s.version, query, tuple(default) if default is not None else None,
           tuple(named) if named is not None else None,
           result_fmt.name if result_fmt else None, graph_fmt.name if graph_fmt else None, cap)
    tag_key = etag_key(key)
    unchanged = not_modified(key=tag_key)   # before any work: the release, hence the answer, is the same
    if unchanged is not None:
        return unchanged
    handed = request.environ.pop(HANDED_OVER, None)   # the lean path's answer to this very request
    cached = None if handed is not None else cache.counted_get(key, metrics)
    stream = None
    if cached is not None:
        form, fmt_name, body = cached
    else:
        if handed is not None:
            answer = handed[1]
            form, fmt_name, body, stream = (answer.form, answer.format.name if answer.format else None,
                                            answer.body, answer.stream)
        else:
            form, fmt_name, body, stream = evaluate(query, result_fmt, graph_fmt, graphs=graphs, default=default,
                                                    named=named, timeout=timeout)
        if fmt_name is not None and stream is None:
            cache.put(key, (form, fmt_name, body))
    if fmt_name is None:
        if stream is not None:
            stream.close()
        return not_acceptable(GRAPH_RESULT_FORMATS if form == "graph" else RESULT_FORMATS)
    fmt = by_name(fmt_name)
    capped = False
    if cap is not None and form == "select":    # the first rows only: read them, stop the query
        body, capped = first_rows(body, stream, cap)
        stream = None
        if not capped:
            cache.put(key, (form, fmt_name, body))
    if stream is not None:
        body = Streamed(body, stream, cache.max_body, lambda whole: cache.put(key, (form, fmt_name, whole)))
    resp = Response(body, content_type=result_content_type(fmt))
    if capped:
        resp.headers[ROW_CAP_HEADER] = str(cap)
    return cacheable(resp, key=tag_key)


def result_content_type(fmt: Format) -> str:
    """The ``Content-Type`` of an answer in ``fmt`` (CSV and TSV say their charset)."""
    return f"{fmt.media_type}; charset=utf-8" if fmt.media_type in _TEXT else fmt.content_type


def etag_key(key: tuple) -> str:
    """What a query's ETag depends on besides the URL and ``Accept``: the result-cache key's dataset,
    formats and row cap (``key[2:]``; the release version and the query are in the URL's part)."""
    return "|".join(str(k) for k in key[2:])


def _row_cap(params, result_fmt: Format | None) -> int | None:
    """``max-rows=N`` (this server's own parameter, sent by the query editor): at most N rows of a SELECT."""
    raw = (params.get(ROW_CAP_PARAM) or [None])[0]
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 1_000_000):
        raise QueryRefused(f"{ROW_CAP_PARAM} must be a number of rows from 1 to 1000000, got {raw[:40]!r}")
    if result_fmt is None or result_fmt.name != "json":
        raise QueryRefused(f"{ROW_CAP_PARAM} applies to SPARQL JSON results only (format=json)",
                           hint=f"leave {ROW_CAP_PARAM} out to get every row in another format")
    return int(raw)


def first_rows(first: bytes, stream, cap: int) -> tuple[bytes, bool]:
    """SPARQL JSON results cut to their first ``cap`` bindings: ``(valid JSON, whether rows were left out)``.

    Reads the answer (its first chunk, then ``stream``) only as far as the row after the cap, then closes
    the stream, which stops the query. Bindings are the objects one level inside the ``bindings`` array
    (``{"head":{…},"results":{"bindings":[{…},…]}}``: depth 4); strings are skipped.
    """
    chunks = [first]
    out = bytearray()
    depth, in_string, escaped, rows = 0, False, False, 0
    source = iter(stream) if stream is not None else iter(())
    try:
        while chunks:
            data = chunks.pop()
            for i, byte in enumerate(data):
                if in_string:
                    if escaped:
                        escaped = False
                    elif byte == 0x5C:     # backslash
                        escaped = True
                    elif byte == 0x22:     # quote
                        in_string = False
                elif byte == 0x22:
                    in_string = True
                elif byte in (0x7B, 0x5B):     # { [
                    if depth == 3 and byte == 0x7B and rows == cap:   # a row past the cap: cut before it
                        out += data[:i]
                        return bytes(out).rstrip().rstrip(b",") + b"]}}", True
                    depth += 1
                elif byte in (0x7D, 0x5D):     # } ]
                    depth -= 1
                    if depth == 3 and byte == 0x7D:
                        rows += 1
            out += data
            nxt = next(source, None)
            if nxt is not None:
                chunks.append(nxt)
        return bytes(out), False
    finally:
        if stream is not None:
            stream.close()


def evaluate(query: str, result_fmt: Format | None, graph_fmt: Format | None, *, graphs=None,
             default=None, named=None, timeout: float | None = None, bindings=None):
    """``(form, format name, body, stream)`` of a query on the site's store: the stream (or None)
    gives the rest of a large body. ``graphs`` given: an outside query, which must pass the read-only
    policy (applied by the store before anything is evaluated); else the query is the site's own
    (a named query) and is trusted."""
    answer = evaluate_in(site(), query, result_fmt, graph_fmt, graphs=graphs, default=default, named=named,
                         timeout=timeout, bindings=bindings)
    return answer.form, (answer.format.name if answer.format else None), answer.body, answer.stream


def evaluate_in(s, query: str, result_fmt: Format | None, graph_fmt: Format | None, *, graphs=None,
                default=None, named=None, timeout: float | None = None, bindings=None):
    """:func:`evaluate` on the site ``s``, giving the store's :class:`~htkg.store.base.Answer` (no request
    context needed: the lean path calls it before Flask)."""
    return s.store.answer(query, result_format=result_fmt, graph_format=graph_fmt, bindings=bindings,
                          default_graphs=default, named_graphs=named, timeout=timeout, prefixes=s.prefixes,
                          check=graphs is not None, base_iri=s.endpoint_iri())


def _formats(params) -> tuple[Format | None, Format | None]:
    """The format for a results answer and for a graph answer: ``?format=`` if given, else ``Accept``."""
    wanted = (params.get("format") or params.get("output") or [None])[0]
    if wanted:
        fmt = by_name(wanted)
        result_fmt = fmt if fmt in RESULT_FORMATS else None
        alias = by_name(_GRAPH_ALIASES.get(wanted.strip().lower(), wanted))
        graph_fmt = alias if alias in GRAPH_RESULT_FORMATS else None
        return result_fmt, graph_fmt
    accept = request.headers.get("Accept")
    result_fmt, graph_fmt = negotiate(accept, RESULT_FORMATS), negotiate(accept, GRAPH_RESULT_FORMATS)
    if graph_fmt is None and result_fmt is not None:
        # a client that names only results formats may still send CONSTRUCT/DESCRIBE (rdflib's
        # SPARQLStore(returnFormat="json") does): a graph in Turtle, which it reads by its content type
        graph_fmt = by_name("turtle")
    return result_fmt, graph_fmt


def _timeout(params) -> float | None:
    raw = (params.get("timeout") or [None])[0]
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise QueryRefused(f"timeout must be a number of seconds, got {raw!r}") from None
    if not value > 0:
        raise QueryRefused(f"timeout must be more than 0 seconds, got {raw!r}")
    return value


def _service_description() -> Response:
    s = site()
    fmt = negotiate(request.headers.get("Accept"), SD_FORMATS[1:] + SD_FORMATS[:1]) \
        if "format" not in request.args else by_name(request.args["format"])
    if fmt is None or fmt not in SD_FORMATS:
        return not_acceptable(SD_FORMATS)
    endpoint_url = url_for("sparql.endpoint", _external=True)
    if fmt.name == "html":
        from .workbench import editor_html
        html = editor_html(url_for("sparql.endpoint"))
        return cacheable(Response(html, content_type=fmt.content_type))
    graph = service_description(endpoint_url, s.release.statistics, version=s.version,
                                timeout=s.settings.query_timeout)
    body = graph.serialize(format=fmt.rdflib, encoding="utf-8")
    return cacheable(Response(body, content_type=fmt.content_type), key=endpoint_url)

