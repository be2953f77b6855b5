"""The lean path of ``GET /sparql?query=…``: the common query request answered without Flask's dispatch.

A small query's own work (pyoxigraph parses, evaluates and serializes it in a query process) costs about
0.17 ms of CPU; Flask's request context, routing, hooks and response object cost about twice that again
in the server worker (cProfile of the app in process, 100k synthetic release). This WSGI step, between
the response cache and Flask, answers the request the endpoint would answer — the same body and the
same headers, which ``tests/web/test_sparql_lean.py`` checks against the Flask path request by request —
when the request is the plain case:

- ``GET /sparql`` whose query string is exactly one ``query`` parameter (valid UTF-8, within
  ``max_query_chars``, an address within the 414 limit), no conditional or range header, a results format
  the ``Accept`` header allows;
- the store answers in one piece (no stream) in a format that was asked for.

Everything else goes to Flask untouched. Work already done is handed over rather than redone: when the
store refused the query (syntax, policy, time limit …) or answered with a stream or in a format that
must be refused, the outcome rides in the WSGI environ (:data:`HANDED_OVER`) and the Flask endpoint
takes it from there, so errors, streams and 406s keep their single implementation, and no query is
evaluated twice. The query still goes through the same store object, so isolation (a killable query
process), the time limit and the read-only policy are exactly those of the Flask path.
"""

from __future__ import annotations

import functools
import time
from urllib.parse import unquote_plus

from ..errors import HtkgError
from ..formats import RESULT_FORMATS, by_name, negotiate
from .errors import MAX_URL_BYTES, request_target_bytes
from .http import (EXPOSED_HEADERS, GZIP_MIN, GZIP_SUFFIX, ROUTE_KEY, accepts_gzip, cache_control, gzipped,
                   last_modified_header, release_etag)
from .sparql import GRAPH_RESULT_FORMATS, HANDED_OVER, etag_key, evaluate_in, result_content_type

__all__ = ["LeanQueryPath", "HANDED_OVER"]

_NOT_LEAN = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE", "HTTP_IF_MATCH", "HTTP_IF_RANGE",
             "HTTP_IF_UNMODIFIED_SINCE")


@functools.lru_cache(maxsize=256)
def _formats(accept: str | None):
    """The results format and the graph format for an ``Accept`` header (clients send few distinct ones)."""
    result_fmt = negotiate(accept, RESULT_FORMATS)
    return result_fmt, (negotiate(accept, GRAPH_RESULT_FORMATS) or by_name("turtle")) if result_fmt else None


class LeanQueryPath:
    """WSGI middleware in front of the Flask app (``flask_app`` gives the site, the caches and metrics)."""

    def __init__(self, wsgi_app, flask_app):
        self.app, self.flask_app = wsgi_app, flask_app
        self._site = None

    def __call__(self, environ, start_response):
        if (environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql"
                or environ.get("SCRIPT_NAME") or any(h in environ for h in _NOT_LEAN)
                or request_target_bytes(environ) > MAX_URL_BYTES):   # the endpoint's 414
            return self.app(environ, start_response)
        started = time.perf_counter()
        query = self._single_query(environ.get("QUERY_STRING", ""))
        if query is None:
            return self.app(environ, start_response)
        s = self._site or self._load()
        if len(query) > s.settings.max_query_chars:
            return self.app(environ, start_response)
        accept = environ.get("HTTP_ACCEPT")
        result_fmt, graph_fmt = _formats(accept)
        if result_fmt is None:
            return self.app(environ, start_response)
        ext = self.flask_app.extensions
        metrics, cache = ext.get("htkg_metrics"), ext["htkg_sparql_cache"]
        key = (s.version, query, None, None, result_fmt.name, graph_fmt.name, None)
        cached = cache.counted_get(key, metrics)
        if cached is not None:
            form, fmt_name, body = cached
        else:
            try:
                answer = evaluate_in(s, query, result_fmt, graph_fmt, graphs=s.graph_names())
            except HtkgError as exc:
                environ[HANDED_OVER] = ("error", exc)
                return self.app(environ, start_response)
            if answer.stream is not None or answer.format is None:
                environ[HANDED_OVER] = ("answer", answer)
                return self.app(environ, start_response)
            form, fmt_name, body = answer.form, answer.format.name, answer.body
            cache.put(key, (form, fmt_name, body))
        fmt = by_name(fmt_name)
        headers = self._headers(s, environ, fmt, key, accept)
        if len(body) >= GZIP_MIN and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING")):
            body = gzipped(body)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept, Accept-Encoding"
            headers["ETag"] = headers["ETag"][:-1] + GZIP_SUFFIX + '"'
        headers["Content-Length"] = str(len(body))
        environ[ROUTE_KEY] = "/sparql"
        if metrics:
            metrics.inc("http_requests", method="GET", route="/sparql", status="200")
            metrics.observe("http_request_duration_seconds", time.perf_counter() - started, route="/sparql")
        start_response("200 OK", list(headers.items()))
        return [body]

    def _load(self):
        self._site = self.flask_app.extensions["htkg"]
        return self._site

    @staticmethod
    def _single_query(raw: str) -> str | None:
        """The query of a query string that holds exactly one ``query`` parameter and nothing else, else None."""
        if not raw.startswith("query=") or "&" in raw or ";" in raw:
            return None
        try:   # what parse_qsl does with one pair, without its splitting
            query = unquote_plus(raw[len("query="):].encode("latin-1").decode("utf-8"), encoding="utf-8",
                                 errors="strict")
        except (UnicodeError, ValueError):
            return None
        return query or None

    @staticmethod
    def _headers(s, environ, fmt, key, accept) -> dict[str, str]:
        """What the Flask path's ``Response`` + :func:`~htkg.web.http.cacheable` + the CORS hook set."""
        etag = release_etag(s.version, f"/sparql?{environ.get('QUERY_STRING', '')}", accept or "", etag_key(key))
        headers = {"Content-Type": result_content_type(fmt), "ETag": f'"{etag}"'}
        modified = last_modified_header(s)
        if modified:
            headers["Last-Modified"] = modified
        headers["Cache-Control"] = cache_control(s.settings)
        headers["Vary"] = "Accept"
        headers["Access-Control-Allow-Origin"] = s.settings.cors_origin
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return headers
