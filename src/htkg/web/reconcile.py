"""``/reconcile``: the W3C Entity Reconciliation API (version 0.2, what OpenRefine speaks) over the graph.

``GET /reconcile`` is the service manifest; ``queries=`` (GET or a POSTed form) a batch of queries;
``/reconcile/preview?id=IRI`` a small HTML card per entity; ``/reconcile/view?id=IRI`` its page;
``/reconcile/suggest/entity?prefix=…`` the suggest service. The matching is :mod:`htkg.dataset.reconcile`.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request

from ..dataset.describe import DESCRIPTION_PROPERTIES, LABEL_PROPERTIES, RDF_TYPE, describe, labels_of
from ..dataset.reconcile import VERSIONS, parse_batch, reconcile as reconcile_batch, suggest
from ..dataset.search import MAX_LIMIT, MAX_QUERY_CHARS
from ..errors import QueryParameterError
from .http import cacheable
from .search import search_index
from .site import site

__all__ = ["bp", "manifest"]

bp = Blueprint("reconcile", __name__)
ORG_ORGANIZATION = "http://www.w3.org/ns/org#Organization"
# shown elsewhere on the card (name, types, description)
_NOT_PREVIEWED = {RDF_TYPE, *LABEL_PROPERTIES, *DESCRIPTION_PROPERTIES}


def manifest(root: str) -> dict:
    """The service manifest: names, identifier and schema spaces, default types, view, preview, suggest."""
    s = site()
    index = search_index()
    vocab = s.base.iri + "def/"
    own = sorted({t for e in index.entries if e.kind for t in e.types if t.startswith(vocab)})
    names = labels_of(s.store, set(own))
    default = [{"id": ORG_ORGANIZATION, "name": "Organization"}] + \
        [{"id": t, "name": names.get(t) or t[len(vocab):]} for t in own]
    return {
        "versions": VERSIONS,
        "name": "Human Trafficking Knowledge Graph (htkg)",
        "identifierSpace": s.base.iri + "id/",
        "schemaSpace": vocab,
        "documentation": root,
        "serviceVersion": s.version,
        "defaultTypes": default,
        "view": {"url": root + "reconcile/view?id={{id}}"},
        "preview": {"url": root + "reconcile/preview?id={{id}}", "width": 420, "height": 220},
        "suggest": {"entity": {"service_url": root.rstrip("/"), "service_path": "/reconcile/suggest/entity"}},
    }


@bp.route("/reconcile", methods=["GET", "HEAD", "POST"])
def reconcile():
    text = request.values.get("queries")
    if text is None:
        if request.method == "POST":
            raise QueryParameterError("queries", "send the batch as a form field queries={\"q0\": {\"query\": \"…\"}}")
        return cacheable(jsonify(manifest(request.url_root)), vary_accept=False)
    s = site()
    answer = reconcile_batch(s.store, search_index(), s.base.iri, parse_batch(text))
    resp = jsonify(answer)
    return cacheable(resp, vary_accept=False) if request.method != "POST" else resp


def _entity_iri() -> str:
    iri = request.args.get("id", "")
    if not iri or len(iri) > 2000:
        raise QueryParameterError("id", "an entity identifier (an htkg IRI) of at most 2000 characters")
    return iri


@bp.route("/reconcile/preview", methods=["GET", "HEAD"])
def preview():
    iri = _entity_iri()
    if site().base.path_of(iri) is None:
        abort(404, description=f"{iri[:200]} is not an htkg identifier")
    d = describe(site().store, iri)
    if not d.exists:
        abort(404, description=f"nothing is known about <{iri[:200]}>")
    facts = [f for f in d.facts if f.direction == "out" and f.predicate.value not in _NOT_PREVIEWED
             and not f.predicate.value.endswith("/def/statedIn")][:6]
    html = render_template("reconcile/preview.html", d=d, facts=facts)
    return cacheable(Response(html, content_type="text/html; charset=utf-8"), vary_accept=False)


@bp.route("/reconcile/view", methods=["GET", "HEAD"])
def view():
    iri = _entity_iri()
    path = site().base.path_of(iri)
    if path is None:
        abort(404, description=f"{iri[:200]} is not an htkg identifier")
    return redirect("/" + path, code=303)


@bp.route("/reconcile/suggest/entity", methods=["GET", "HEAD"])
def suggest_entity():
    prefix = request.args.get("prefix", "")
    if len(prefix) > MAX_QUERY_CHARS:
        raise QueryParameterError("prefix", f"at most {MAX_QUERY_CHARS} characters")
    try:
        limit = int(request.args.get("limit", "10"))
    except ValueError:
        raise QueryParameterError("limit", f"a whole number from 1 to {MAX_LIMIT}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryParameterError("limit", f"a whole number from 1 to {MAX_LIMIT}")
    s = site()
    return cacheable(jsonify(result=suggest(s.store, search_index(), s.base.iri, prefix, limit=limit)),
                     vary_accept=False)
