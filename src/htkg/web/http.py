"""HTTP plumbing shared by every blueprint: CORS everywhere, caching keyed to the release, negotiation."""

from __future__ import annotations

import functools
import gzip
from typing import Callable
import hashlib
import threading
import time
import zlib
from email.utils import format_datetime, parsedate_to_datetime
import datetime as dt
from collections import OrderedDict

from flask import Flask, Response, g, request
from werkzeug.http import parse_accept_header

from ..dataset.queries import PAGE_PARAM
from ..errors import QueryParameterError
from ..formats import Format, negotiate, by_extension, by_name
from .errors import error_response
from .site import site

__all__ = ["install", "choose_format", "cacheable", "Streamed", "not_modified", "not_acceptable", "behind_proxy",
           "ResponseCache", "compressible", "drain_body", "large_file_chunks", "release_etag", "cache_control", "last_modified_header",
           "gzipped", "accepts_gzip", "EXPOSED_HEADERS", "GZIP_MIN", "GZIP_SUFFIX", "page_param", "page_out_of_range", "PAGE_PARAM"]

GZIP_MIN = 500        # smaller answers are sent as they are
_DRAIN_FACTOR = 16     # a refused body up to this many times max_body_bytes is read before the answer goes
_DRAIN_CHUNK = 64 * 1024
_FILE_CHUNK = 1 << 20  # a file (a dump, an asset) goes to the server in pieces of this size
GZIP_SUFFIX = "-gz"   # a gzipped body is another representation: its ETag differs
# what a browser's script may read of an answer from another origin (CORS)
EXPOSED_HEADERS = "ETag, Last-Modified, Content-Length, Content-Type, Link, Vary, HTKG-Row-Cap"


def install(app: Flask) -> None:
    @app.after_request
    def _cors(resp: Response) -> Response:
        s = site()
        resp.headers["Access-Control-Allow-Origin"] = s.settings.cors_origin
        resp.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if request.method == "OPTIONS":
            resp.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = request.headers.get(
                "Access-Control-Request-Headers", "Accept, Content-Type, If-None-Match, If-Modified-Since")
            resp.headers["Access-Control-Max-Age"] = "86400"
        return resp

    @app.after_request
    def _drain_refused_body(resp: Response) -> Response:
        if resp.status_code == 413:
            drain_body(request.environ, _DRAIN_FACTOR * site().settings.max_body_bytes)
        return resp

    @app.after_request
    def _gzip(resp: Response) -> Response:
        if not _wants_gzip(resp):
            return resp
        if resp.is_streamed:
            resp.response = _GzipStream(resp.response)
            resp.headers.pop("Content-Length", None)
        else:
            resp.set_data(gzipped(resp.get_data()))
        resp.headers["Content-Encoding"] = "gzip"
        resp.vary.add("Accept-Encoding")
        etag, weak = resp.get_etag()
        if etag:
            resp.set_etag(etag + GZIP_SUFFIX, weak=weak)
        return resp


def large_file_chunks(wsgi_app):
    """Give the app a ``wsgi.file_wrapper`` that reads files in 1 MiB pieces, when the server offers none.

    Without one, werkzeug's ``send_file`` hands the server 8 KiB at a time; granian takes each piece from
    Python under the GIL, so a 1.2 MB dump download was 150 round trips (751 downloads/s against 930 with
    gunicorn, whose own file wrapper uses ``sendfile``). A server's own wrapper is kept.
    """
    def app(environ, start_response):
        environ.setdefault("wsgi.file_wrapper", _file_in_large_pieces)
        return wsgi_app(environ, start_response)
    return app


def _file_in_large_pieces(file, buffer_size: int = 8192):
    from werkzeug.wsgi import FileWrapper
    return FileWrapper(file, max(buffer_size, _FILE_CHUNK))


def drain_body(environ: dict, cap: int) -> bool:
    """Read and drop what is left of a request body the app refused (413) before answering, up to ``cap`` bytes.

    A server that answers and closes while the client is still sending makes the client's kernel see a reset:
    the client reports a broken pipe instead of the 413 (seen with granian under load: 17 of 200 1.1 MB POSTs).
    Reading the rest first, as nginx's lingering close does, lets the answer arrive. A body over ``cap`` (or of
    unknown length) is not read: the answer says ``Connection: close`` and the client may see the reset.
    Returns whether the body was read to its end.
    """
    try:
        left = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        return False
    if left < 0 or left > cap:
        return False
    stream = environ.get("wsgi.input")
    while left > 0 and stream is not None:
        chunk = stream.read(min(left, _DRAIN_CHUNK))
        if not chunk:
            break
        left -= len(chunk)
    return True


def compressible(mimetype: str | None) -> bool:
    """Text, JSON, XML and the RDF text formats; not images, archives or already compressed data."""
    m = (mimetype or "").lower()
    return m.startswith("text/") or m.endswith(("json", "xml", "javascript")) or m in {
        "application/n-triples", "application/n-quads", "application/trig", "application/sparql-query",
        "image/svg+xml"}


def _wants_gzip(resp: Response) -> bool:
    if resp.direct_passthrough or resp.status_code < 200 or resp.status_code in (204, 304):
        return False
    if "Content-Encoding" in resp.headers or not compressible(resp.mimetype):
        return False
    if not accepts_gzip(request.headers.get("Accept-Encoding")):
        return False
    return resp.is_streamed or (resp.content_length or len(resp.get_data())) >= GZIP_MIN


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (absent, or ``gzip;q=0``: no)."""
    return bool(accept_encoding) and parse_accept_header(accept_encoding).quality("gzip") > 0


def gzipped(body: bytes) -> bytes:
    """A whole body gzipped, byte for byte the same each time (no timestamp): its ETag can name it."""
    return gzip.compress(body, compresslevel=6, mtime=0)


class _GzipStream:
    """A streamed body gzipped as it goes: each chunk is flushed, so the client gets it without waiting.

    ``close()`` is passed on (it frees what produces the body). A body cut short lacks the gzip trailer.
    """

    def __init__(self, inner):
        self.inner = inner

    def __iter__(self):
        z = zlib.compressobj(6, zlib.DEFLATED, 31)   # 31: the gzip container
        for chunk in self.inner:
            out = z.compress(chunk) + z.flush(zlib.Z_SYNC_FLUSH)
            if out:
                yield out
        yield z.flush()

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


def page_param(last: int | Callable[[], int], *, hint: str = "") -> int:
    """``?page=`` of an HTML view, from 1 to ``last`` (1 when absent); else a 400 naming the parameter.

    The one paging rule of the site: pages are numbered from 1 to the last page that holds rows (1 for
    an empty view). ``last`` may be a function, called only to word the error when the number of pages
    is not known before reading (a named query's results). :func:`page_out_of_range` is the same error
    for a number that turned out to be past the end.
    """
    given = request.args.getlist(PAGE_PARAM)
    if not given:
        return 1
    if len(given) > 1:
        raise QueryParameterError(PAGE_PARAM, f"given {len(given)} times; give it once")
    raw = given[0].strip()
    known = last if isinstance(last, int) else None
    if raw.isascii() and raw.isdigit() and len(raw) <= 12 and 1 <= int(raw) and (known is None or int(raw) <= known):
        return int(raw)
    raise page_out_of_range(given[0], known if known is not None else last(), hint=hint)


def page_out_of_range(given: str | int, last: int, *, hint: str = "") -> QueryParameterError:
    """The error for a page number that is not a page of the view (it has pages 1 to ``last``)."""
    pages = "page 1 (there is only one page)" if last <= 1 else f"a page number from 1 to {last}"
    return QueryParameterError(PAGE_PARAM, f"expected {pages}, got {str(given)[:40]!r}" + (f" ({hint})" if hint else ""))


class ResponseCache:
    """Whole answers to repeated GETs, kept in front of Flask (WSGI middleware), so that a repeat costs
    a dictionary lookup instead of the app's routing, negotiation and validators.

    Only what :func:`cacheable` marked as bound to the release (``Cache-Control: public``, an ``ETag``)
    with status 200 and a ``Content-Length`` up to ``max_entry`` bytes is kept; streams, errors,
    ``no-store`` answers and anything with ``Set-Cookie`` never are. The key is everything such an
    answer depends on: path, query string, ``Accept``, ``Accept-Encoding`` (the ``Vary`` headers),
    host, scheme and script name (after the proxy headers when ``trust_proxy`` is set). Conditional
    and range requests and other methods go to the app. The release never changes under a running
    server, so entries only leave by LRU, within ``max_total`` bytes. A hit is counted like any request
    (``http_requests_total`` of its route, its duration) and in ``response_cache_hits_total``.
    """

    _BYPASS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE", "HTTP_CACHE_CONTROL")

    def __init__(self, wsgi_app, metrics=None, *, max_entry: int = 1 << 20, max_total: int = 64 << 20):
        self.app, self.metrics = wsgi_app, metrics
        self.max_entry, self.max_total = max_entry, max_total
        self._data: OrderedDict = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or any(h in environ for h in self._BYPASS):
            return self.app(environ, start_response)
        started = time.perf_counter()
        key = (environ.get("PATH_INFO"), environ.get("QUERY_STRING"), environ.get("HTTP_ACCEPT"),
               environ.get("HTTP_ACCEPT_ENCODING"), environ.get("HTTP_HOST"), environ.get("wsgi.url_scheme"),
               environ.get("SCRIPT_NAME"))
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
        if hit is not None:
            status, headers, body, route = hit
            start_response(status, list(headers))
            self._count(route, started)
            return [body]
        answer = {}

        def start(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.app(environ, start)
        if not self._keepable(answer):
            return body
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        self._put(key, (answer["status"], tuple(answer["headers"]), data, environ.get(ROUTE_KEY)))
        return [data]

    def clear(self) -> None:
        """Forget every answer (for tests that change the app under a running client)."""
        with self._lock:
            self._data.clear()
            self._size = 0

    def _keepable(self, answer: dict) -> bool:
        if not answer.get("status", "").startswith("200"):
            return False
        headers = {k.lower(): v for k, v in answer["headers"]}
        length = headers.get("content-length", "")
        return (length.isdigit() and int(length) <= self.max_entry and "etag" in headers
                and headers.get("cache-control", "").startswith("public") and "set-cookie" not in headers)

    def _put(self, key, entry) -> None:
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._size -= self._cost(old)
            self._data[key] = entry
            self._size += self._cost(entry)
            while self._size > self.max_total and self._data:
                _, gone = self._data.popitem(last=False)
                self._size -= self._cost(gone)

    @staticmethod
    def _cost(entry) -> int:
        """The bytes an entry is counted as: its body and a rough 512 for its status, headers and key."""
        return len(entry[2]) + 512

    def _count(self, route: str | None, started: float) -> None:
        if self.metrics is None:
            return
        route = route or "unmatched"
        self.metrics.inc("response_cache_hits")
        self.metrics.inc("http_requests", method="GET", route=route, status="200")
        if route == "/sparql":
            self.metrics.inc("query_cache_hits")
        self.metrics.observe("http_request_duration_seconds", time.perf_counter() - started, route=route)


ROUTE_KEY = "htkg.route"   # the WSGI environ key under which the app leaves the matched route


def behind_proxy(wsgi_app):
    """Honour ``X-Forwarded-*`` and RFC 7239 ``Forwarded`` (only wired in when ``trust_proxy`` is set)."""
    from werkzeug.middleware.proxy_fix import ProxyFix
    fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)

    def app(environ, start_response):
        forwarded = environ.get("HTTP_FORWARDED")
        if forwarded:
            first = forwarded.split(",")[0]
            for part in first.split(";"):
                key, _, value = part.strip().partition("=")
                value = value.strip().strip('"')
                target = {"proto": "HTTP_X_FORWARDED_PROTO", "host": "HTTP_X_FORWARDED_HOST",
                          "for": "HTTP_X_FORWARDED_FOR"}.get(key.strip().lower())
                if target and value and target not in environ:
                    environ[target] = value
        return fixed(environ, start_response)
    return app


def not_acceptable(offered: tuple[Format, ...] | list[Format]) -> Response:
    names = ", ".join(f"{f.media_type} (format={f.name})" for f in offered)
    return error_response(406, f"none of the requested media types can be produced; offered: {names}",
                          kind="Not Acceptable", hint="set Accept to one of these, or pass ?format=NAME")


def choose_format(offered, *, param: str = "format", extension: str | None = None) -> Format | None:
    """``?format=`` (name, extension or media type), then the path's extension, then ``Accept``."""
    wanted = request.args.get(param) or (request.form.get(param) if request.method == "POST" else None)
    if wanted:
        fmt = by_name(wanted)
        return fmt if fmt in offered else None
    if extension:
        fmt = by_extension(extension)
        return fmt if fmt in offered else None
    return negotiate(request.headers.get("Accept"), tuple(offered))


def last_modified_header(s) -> str | None:
    """The ``Last-Modified`` of an answer bound to the release of site ``s`` (its release date), or None."""
    modified = _last_modified(s)
    return _http_date(modified) if modified else None


def _last_modified(s=None) -> dt.datetime | None:
    return _release_date((s or site()).release.manifest.get("release_date"))


@functools.lru_cache(maxsize=8)
def _release_date(date: str | None) -> dt.datetime | None:
    if not date:
        return None
    try:
        return dt.datetime.fromisoformat(date).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


@functools.lru_cache(maxsize=8)
def _http_date(modified: dt.datetime) -> str:
    return format_datetime(modified, usegmt=True)


def _validators(vary_accept: bool, key: str) -> tuple[str, dt.datetime | None]:
    """The ETag and Last-Modified of the request's answer: from the release, the URL, Accept and ``key``.

    Computed once per request (:func:`not_modified` before the work, :func:`cacheable` after it).
    """
    memo = g.setdefault("htkg_validators", {})
    found = memo.get((vary_accept, key))
    if found is not None:
        return found
    body = hashlib.sha256(request.get_data()).hexdigest() if request.method == "POST" else None
    etag = release_etag(site().version, request.full_path,
                        request.headers.get("Accept", "") if vary_accept else "", key, body)
    found = memo[(vary_accept, key)] = etag, _last_modified()
    return found


def release_etag(version: str, full_path: str, accept: str, key: str, body_digest: str | None = None) -> str:
    """The ETag of an answer bound to the release: from its version, the path with its query string, the
    ``Accept`` header it varies by (or ""), what else it depends on (``key``) and a POST body's digest."""
    seed = f"{version}|{full_path}|{accept}|{key}"
    if body_digest is not None:
        seed += "|" + body_digest
    return hashlib.sha256(seed.encode()).hexdigest()[:24]


def cache_control(settings) -> str:
    """The ``Cache-Control`` of an answer bound to the release."""
    return f"public, max-age={settings.cache_max_age}"


def cacheable(resp: Response, *, vary_accept: bool = True, key: str = "") -> Response:
    """ETag/Last-Modified from the release; 304 on a matching If-None-Match/If-Modified-Since."""
    s = site()
    etag, modified = _validators(vary_accept, key)
    resp.set_etag(etag)
    if modified:
        resp.headers["Last-Modified"] = _http_date(modified)
    resp.headers["Cache-Control"] = cache_control(s.settings)
    if vary_accept:
        resp.vary.add("Accept")
    if resp.status_code == 200 and _not_modified(etag, modified):
        not_mod = Response(status=304)
        for h in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
            if h in resp.headers:
                not_mod.headers[h] = resp.headers[h]
        resp.close()   # a streamed body is not going to be sent: free what produces it
        return not_mod
    return resp


def not_modified(*, vary_accept: bool = True, key: str = "") -> Response | None:
    """The 304 that :func:`cacheable` would give, decided before the answer is computed (else None)."""
    etag, modified = _validators(vary_accept, key)
    if not _not_modified(etag, modified):
        return None
    return cacheable(Response(status=200), vary_accept=vary_accept, key=key)


def _not_modified(etag: str, modified: dt.datetime | None) -> bool:
    if request.if_none_match:
        return (request.if_none_match.contains_weak(etag) or request.if_none_match.contains_weak(etag + GZIP_SUFFIX)
                or "*" in request.if_none_match)
    ims = request.headers.get("If-Modified-Since")
    if ims and modified:
        try:
            return modified <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


class Streamed:
    """The body of a large answer: its first chunk, then the stream, sent as the query process writes it.

    The server calls ``close()`` when the response ends or the client goes away, which frees the query
    process. A body that turns out no larger than the cache's limit is remembered once complete.
    """

    def __init__(self, first: bytes, stream, keep_up_to: int = 0, remember=None):
        self.first, self.stream, self.keep_up_to = first, stream, keep_up_to
        self.remember = remember or (lambda _whole: None)

    def __iter__(self):
        kept, size = [self.first], len(self.first)
        yield self.first
        for chunk in self.stream:
            if kept is not None:
                size += len(chunk)
                if size <= self.keep_up_to:
                    kept.append(chunk)
                else:
                    kept = None
            yield chunk
        if kept is not None:
            self.remember(b"".join(kept))

    def close(self) -> None:
        self.stream.close()
