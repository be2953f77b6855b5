"""``/search``: find resources by name, acronym, kind or the page's words (HTML for people, JSON for the box).

The index (:mod:`htkg.dataset.search`) is built once per server worker and release, on first use.
"""

from __future__ import annotations

import threading

from flask import Blueprint, Response, jsonify, render_template, request

from ..dataset.search import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS, SearchIndex
from ..errors import QueryParameterError
from ..turnstile import locked
from .http import cacheable
from .site import site

__all__ = ["bp", "search_index"]

bp = Blueprint("search", __name__)
_lock = threading.Lock()


def search_index() -> SearchIndex:
    """The release's search index, built on first use (one per worker)."""
    s = site()
    index = s.extras.get("search_index")
    if index is None:
        with locked(_lock):   # held across the store's queries: see htkg.turnstile.locked
            index = s.extras.get("search_index")
            if index is None:
                index = SearchIndex.from_store(s.store, s.base.iri)
                s.extras["search_index"] = index
    return index


def _limit(default: int = DEFAULT_LIMIT) -> int:
    raw = request.args.get("limit")
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryParameterError("limit", f"a whole number from 1 to {MAX_LIMIT} (got {raw[:40]!r})") from None


def _wants_json() -> bool:
    fmt = request.args.get("format")
    if fmt is not None:
        if fmt not in ("json", "html"):
            raise QueryParameterError("format", f"json or html (got {fmt[:40]!r})")
        return fmt == "json"
    best = request.accept_mimetypes.best_match(["text/html", "application/json"], default="text/html")
    return best == "application/json"


@bp.route("/search", methods=["GET", "HEAD"])
def search():
    q = request.args.get("q", "")
    limit = _limit()
    kinds = {k for k in request.args.getlist("kind") if k}
    index = search_index()
    unknown = sorted(kinds - set(index.kinds))
    if unknown:
        raise QueryParameterError("kind", f"unknown kind {unknown[0][:40]!r}; kinds: {', '.join(index.kinds)}")
    hits = index.search(q, limit=limit, kinds=kinds or None)
    if _wants_json():
        resp = jsonify(query=q, kinds=sorted(kinds), limit=limit, results=[h.as_json() for h in hits])
    else:
        html = render_template("search/results.html", q=q, hits=hits, kinds=index.kinds, chosen=kinds,
                               limit=limit, max_chars=MAX_QUERY_CHARS)
        resp = Response(html, content_type="text/html; charset=utf-8")
    return cacheable(resp)
