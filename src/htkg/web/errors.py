"""The one place that maps exceptions to HTTP, with one error shape.

JSON (``{"error": {"status", "type", "message", "hint", "line", "column", "parameter"}}``) unless the
client prefers HTML or plain text. An HtkgError is a 4xx/503 with its message; an unknown exception is
a logged 500 that says nothing of the internals.
"""

from __future__ import annotations

import html
import json
import logging

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import (HtkgError, QueryError, QueryTimeout, QueryTooBusy, ReleaseError, StoreError,
                      StoreUnavailable)

__all__ = ["install", "error_response", "status_of", "MAX_URL_BYTES", "request_target_bytes"]

log = logging.getLogger("htkg.web")
# A request line longer than this gets a 414 that says to POST (the server lets heads up to
# the setting max_request_head_bytes through to the app, so the answer is this page, not a bare error).
MAX_URL_BYTES = 8192
_TITLES = {400: "Bad request", 403: "Refused", 404: "Not found", 405: "Method not allowed", 406: "Not acceptable",
           413: "Request too large", 414: "Address too long", 415: "Unsupported body type", 500: "Server error",
           503: "Unavailable"}


def _page(status: int, kind: str, message: str, hint: str | None, body: dict) -> str:
    """The error as a page of the site (its layout, navigation and search box); bare HTML if that fails."""
    try:
        return render_template("errors/error.html", status=status, title=_TITLES.get(status, kind), kind=kind,
                               message=message, hint=hint, suggestions=body.get("suggestions") or [],
                               path=request.path)
    except Exception:                       # an error page must never fail: the template or the site may be the error
        log.exception("error page could not be rendered")
        return (f"<!doctype html><html lang=en><meta charset=utf-8><title>{status} {html.escape(kind)}</title>"
                f"<body><h1>{status} — {html.escape(kind)}</h1><p>{html.escape(message)}</p>"
                + (f"<p>{html.escape(hint)}</p>" if hint else "") + "</body></html>")


def _suggestions() -> list[dict] | None:
    """For a 404 under /id/: the nearest existing resources (same path in another case, a close slug, a name)."""
    if not request.path.startswith("/id/"):
        return None
    from .search import search_index
    try:
        hits = search_index().nearest(request.path.lstrip("/"))
    except Exception:
        log.exception("no suggestions for %s", request.path)
        return None
    return [{"path": "/" + h.path, "label": h.label, "kind": h.kind} for h in hits]


def _request_line_bytes() -> int:
    return request_target_bytes(request.environ)


def request_target_bytes(env: dict) -> int:
    """The length of the request's target as sent (the query string stays percent-encoded in the environ)."""
    qs = env.get("QUERY_STRING", "")
    rebuilt = env.get("SCRIPT_NAME", "") + env.get("PATH_INFO", "") + ("?" + qs if qs else "")
    raw = env.get("RAW_URI") or ""
    return max(len(raw.encode("latin-1", "replace")), len(rebuilt.encode("latin-1", "replace")))


def status_of(exc: HtkgError) -> int:
    if isinstance(exc, (QueryTimeout, QueryTooBusy, StoreUnavailable)):
        return 503
    if isinstance(exc, QueryError):
        return getattr(exc, "status", 400)
    if isinstance(exc, (StoreError, ReleaseError)):
        return 500
    return 400


def error_response(status: int, message: str, *, kind: str = "error", hint: str | None = None,
                   extra: dict | None = None, headers: dict | None = None) -> Response:
    body = {"status": status, "type": kind, "message": message}
    if hint:
        body["hint"] = hint
    body.update({k: v for k, v in (extra or {}).items() if v is not None})
    accept = request.headers.get("Accept", "") if request else ""
    if "text/html" in accept and "json" not in accept.split(",")[0]:
        resp = Response(_page(status, kind, message, hint, body), status=status,
                        content_type="text/html; charset=utf-8")
    elif accept.startswith("text/plain"):
        text = message + (f"\nhint: {hint}" if hint else "") + "\n"
        resp = Response(text, status=status, content_type="text/plain; charset=utf-8")
    else:
        resp = Response(json.dumps({"error": body}, ensure_ascii=False) + "\n", status=status,
                        content_type="application/json; charset=utf-8")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def install(app: Flask) -> None:
    @app.errorhandler(HtkgError)
    def _htkg(exc: HtkgError):
        status = status_of(exc)
        if status >= 500 and not isinstance(exc, (QueryTimeout, QueryTooBusy, StoreUnavailable)):
            log.exception("server error")
        extra = {}
        pos = getattr(exc, "position", None)
        if pos is not None and getattr(pos, "line", None):
            extra.update(line=pos.line, column=pos.column)
        if getattr(exc, "snippet", None):
            extra["near"] = exc.snippet
        if getattr(exc, "parameter", None):
            extra["parameter"] = exc.parameter
        headers = {"Retry-After": "5"} if status == 503 else None
        return error_response(status, getattr(exc, "message", str(exc)), kind=type(exc).__name__,
                              hint=exc.hint, extra=extra, headers=headers)

    @app.before_request
    def _too_long():
        size = _request_line_bytes()
        if size > MAX_URL_BYTES:
            return error_response(414, f"the address is {size} bytes long; this server reads addresses of at most "
                                       f"{MAX_URL_BYTES} bytes", kind="URI Too Long",
                                  hint="send a long query in the body of a POST: a form field query=… "
                                       "(curl --data-urlencode 'query@file.rq'), or Content-Type: "
                                       "application/sparql-query")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code == 404:
            return error_response(404, exc.description or exc.name, kind=exc.name,
                                  extra={"suggestions": _suggestions()})
        if exc.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            return error_response(413, f"the request body is larger than this server's limit of {limit} bytes",
                                  kind=exc.name, hint="send a shorter request")
        return error_response(exc.code or 500, exc.description or exc.name, kind=exc.name,
                              headers=dict(exc.get_response().headers) if exc.code == 405 else None)

    @app.errorhandler(Exception)
    def _unknown(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal server error (logged)", kind="Internal Server Error")
