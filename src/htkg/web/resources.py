"""Dereferenceable IRIs: ``/id/…``, ``/def/…``, ``/graph/…``, ``/release/…``, ``/shapes/…``, genids.

A request for ``/id/org/ovc`` on any host describes ``<base>id/org/ovc``. HTML, Turtle, JSON-LD,
N-Triples and RDF/XML by ``Accept`` (q-values) or by extension (``/id/org/ovc.ttl``); ``?format=`` too.
``/def/`` is the ontology's documentation and ``/shapes`` the SHACL shapes of the release.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, render_template, request
from markupsafe import Markup

from ..dataset.describe import Description, describe, labels_of
from ..formats import RESOURCE_FORMATS, by_extension
from ..store.base import Store, serialize_triples
from ..store.factory import store_of
from .http import PAGE_PARAM, cacheable, choose_format, not_acceptable, page_param
from .site import site

__all__ = ["bp", "local_href", "json_for_script", "schema_org", "rdf_response", "per_public_root"]

bp = Blueprint("resources", __name__)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SCHEMA = "https://schema.org/"
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


# ---------------------------------------------------------------------------------------------
# helpers shared with the other pages (catalog, home)
# ---------------------------------------------------------------------------------------------

def local_href(iri: str) -> str:
    """A link for an IRI: a path on this server when it is under the base, else the IRI itself."""
    path = site().base.path_of(iri)
    return "/" + path if path is not None else iri


def json_for_script(data) -> Markup:
    """JSON safe inside ``<script type="application/ld+json">``: no ``</script>``, no ``<!--``."""
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


@bp.app_template_filter("href")
def _href_filter(iri: str) -> str:
    return local_href(iri)


@bp.app_template_filter("curie")
def _curie_filter(iri: str) -> str:
    """``org:Organization`` for an IRI in a known namespace, else the IRI."""
    best = max(((k, v) for k, v in site().prefixes.items() if iri.startswith(v)), key=lambda kv: len(kv[1]),
               default=None)
    return f"{best[0]}:{iri[len(best[1]):]}" if best and "/" not in iri[len(best[1]):] else iri


@bp.app_template_filter("jsonld_script")
def _jsonld_filter(data) -> Markup:
    return json_for_script(data)


def rdf_response(triples, fmt) -> Response:
    body = serialize_triples(list(triples), fmt, site().prefixes)
    return Response(body, content_type=fmt.content_type)


def _alternates(path: str) -> list[dict]:
    return [{"href": f"/{path}.{f.extension}", "type": f.media_type, "label": f.label}
            for f in RESOURCE_FORMATS if f.name != "html"]


# ---------------------------------------------------------------------------------------------
# schema.org view of a resource (for the page head)
# ---------------------------------------------------------------------------------------------

def schema_org(d: Description, page_url: str) -> dict:
    """The resource's schema.org triples as JSON-LD (types and schema: properties; the rest is in the RDF)."""
    types = sorted({t.value[len(SCHEMA):] for t in d.types if t.value.startswith(SCHEMA)}) or ["Thing"]
    out: dict = {"@context": "https://schema.org/", "@id": d.iri, "@type": types if len(types) > 1 else types[0],
                 "url": page_url}
    if d.label:
        out["name"] = d.label
    if d.description:
        out["description"] = d.description
    props: dict[str, list] = {}
    for s in d.outgoing:
        p = s.predicate.value
        if not p.startswith(SCHEMA) or p[len(SCHEMA):] in out:
            continue
        value = {"@id": s.value.value, **({"name": s.value.label} if s.value.label else {})} \
            if s.value.is_iri else s.value.value
        values = props.setdefault(p[len(SCHEMA):], [])
        if value not in values:
            values.append(value)
    out.update({k: (v[0] if len(v) == 1 else v) for k, v in props.items()})
    return out


# ---------------------------------------------------------------------------------------------
# the stores a resource may be described from
# ---------------------------------------------------------------------------------------------

def _shapes_store() -> Store:
    s = site()
    cached = s.extras.get("shapes_store")
    if cached is None:
        graph = ox.NamedNode(s.base.iri + "shapes/")
        quads = []
        for path in shape_files():
            try:
                triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
            except (OSError, SyntaxError):
                continue
            quads += [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
        cached = s.extras["shapes_store"] = store_of(quads)
    return cached


def shape_files() -> list[Path]:
    rel = site().release
    listed = rel.manifest.get("curated", {}).get("shapes", [])
    return [rel.file(p) for p in listed if rel.file(p).is_file()]


_ROOTS_KEPT = 8
_roots_lock = threading.Lock()


def per_public_root(name: str, make):
    """``make()`` once per public root (the request's ``url_root``). Only the few most recent roots are kept:
    the Host header is the client's to choose, so an unbounded cache would be a way to exhaust memory."""
    root = request.url_root
    with _roots_lock:
        cache = site().extras.setdefault(("per-root", name), OrderedDict())
        if root in cache:
            cache.move_to_end(root)
            return cache[root]
    value = make()
    with _roots_lock:
        cache[root] = value
        while len(cache) > _ROOTS_KEPT:
            cache.popitem(last=False)
    return value


def _metadata_store() -> Store:
    """VoID, DCAT and the quality documents of the release, as a store (for ``/release/…`` and ``/dataset``)."""
    from ..publish.metadata import metadata_graph
    s = site()

    def make() -> Store:
        g = metadata_graph(s.release, s.store, request.url_root, s.settings)
        name = ox.NamedNode(s.base.iri + "release/" + s.version + "/metadata")
        triples = ox.parse(g.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        return store_of(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)

    return per_public_root("metadata_store", make)


def _store_for(path: str):
    if path.startswith("shapes/"):
        return _shapes_store()
    if path.startswith(".well-known/genid/"):
        # a skolemized node of the data, else one of the release's SHACL report
        iri = site().base.iri_of_path(path)
        if ">" not in iri and site().store.query(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}").boolean:
            return site().store
        return _metadata_store()
    if path.startswith("release/") or path == "dataset":
        return _metadata_store()
    return site().store


# ---------------------------------------------------------------------------------------------
# routes
# ---------------------------------------------------------------------------------------------

_INBOUND_PAGE = 500   # inbound links per page of a resource (describe() reads a bounded number of them)


def _with_page(number: int) -> str:
    """This resource page's URL at another page of its inbound links (its other parameters kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != PAGE_PARAM]
    if number > 1:
        args.append((PAGE_PARAM, str(number)))
    return request.path + ("?" + urlencode(args) if args else "") + "#inbound"


def _split_extension(path: str) -> tuple[str, str | None]:
    last = path.rsplit("/", 1)[-1]
    if "." in last:
        stem, ext = path.rsplit(".", 1)
        fmt = by_extension(ext)
        if fmt is not None and (fmt in RESOURCE_FORMATS):
            return stem, ext
    return path, None


def resource(path: str):
    """Describe ``<base><path>`` in the format the client asks for (404 when nothing is said of it)."""
    path, ext = _split_extension(path)
    if ".." in path.split("/") or "\\" in path:
        abort(404)
    fmt = choose_format(RESOURCE_FORMATS, extension=ext)
    if fmt is None:
        return not_acceptable(RESOURCE_FORMATS)
    iri = site().base.iri_of_path(path)
    d = describe(_store_for(path), iri)
    if not d.exists:
        abort(404, description=f"nothing is known about <{iri}>")
    if fmt.name != "html":
        return cacheable(rdf_response(d.triples, fmt))
    page_url = request.base_url.rsplit(".", 1)[0] if ext else request.base_url
    stated_in = site().base.term("statedIn")
    facts = [f for f in d.facts if f.predicate.value != stated_in]
    inward = [f for f in facts if f.direction == "in"]
    last = max(1, -(-len(inward) // _INBOUND_PAGE))
    number = page_param(last)
    inbound_pages = {"number": number, "last": last,
                     "previous": _with_page(number - 1) if number > 1 else None,
                     "next": _with_page(number + 1) if number < last else None}
    shown = {id(f) for f in inward[(number - 1) * _INBOUND_PAGE:number * _INBOUND_PAGE]}
    # relations read backwards ("is funded by") are facts of this resource; other links are listed after them
    main = [f for f in facts if f.direction == "out" or (id(f) in shown and f.relation)]
    links = [f for f in inward if id(f) in shown and not f.relation]
    html = render_template("resources/page.html", d=d, path=path, alternates=_alternates(path),
                           schema=schema_org(d, page_url), inbound_pages=inbound_pages, facts=main, links=links,
                           stated_in=[f.value for f in d.facts if f.predicate.value == stated_in])
    return cacheable(Response(html, content_type=fmt.content_type))


for _area in ("id", "graph", "release", ".well-known/genid"):
    bp.add_url_rule(f"/{_area}/<path:rest>", f"{_area.replace('.', '').replace('/', '_')}",
                    lambda rest, _a=_area: resource(f"{_a}/{rest}"), methods=["GET", "HEAD"])


@bp.route("/dataset", methods=["GET", "HEAD"])
@bp.route("/dataset.<ext>", methods=["GET", "HEAD"])
def dataset(ext: str | None = None):
    return resource("dataset" + (f".{ext}" if ext else ""))


@bp.route("/def/<path:rest>", methods=["GET", "HEAD"])
def term(rest: str):
    return resource("def/" + rest)


@bp.route("/def", methods=["GET", "HEAD"])
def ontology_redirect():
    return redirect("/def/", code=301)


def _graph_or_page(store, triples_query: str, render_html):
    """A whole graph (``?s ?p ?o`` rows of ``triples_query``) in an RDF format, or the HTML ``render_html()`` makes."""
    fmt = choose_format(RESOURCE_FORMATS)
    if fmt is None:
        return not_acceptable(RESOURCE_FORMATS)
    if fmt.name != "html":
        rows = store.query(triples_query).rows
        return cacheable(rdf_response((ox.Triple(r["s"], r["p"], r["o"]) for r in rows), fmt))
    return cacheable(Response(render_html(), content_type=fmt.content_type))


def _format_links(path: str) -> list[dict]:
    return [{**a, "href": f"/{path}?format=" + a["href"].rsplit(".", 1)[1]} for a in _alternates(path)]


@bp.route("/def/", methods=["GET", "HEAD"])
def ontology():
    """The ontology's documentation (HTML), or its graph in RDF."""
    s = site()
    graph = s.base.iri + "graph/ontology"
    return _graph_or_page(
        s.store, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
        lambda: render_template("resources/ontology.html", doc=ontology_doc(s.store, graph, s.base.ontology),
                                alternates=_format_links("def/")))


def ontology_doc(store, graph: str, ontology_iri: str) -> dict:
    """Classes and properties of the ontology with labels, comments and their alignments."""
    q = f"""SELECT ?t ?kind ?p ?o WHERE {{ GRAPH <{graph}> {{
      ?t a ?kind . FILTER(?kind IN (<{OWL}Class>, <{OWL}ObjectProperty>, <{OWL}DatatypeProperty>,
                                   <{OWL}AnnotationProperty>, <{OWL}NamedIndividual>))
      OPTIONAL {{ ?t ?p ?o FILTER(?p != <{RDF_TYPE}>) }} }} }}"""
    terms: dict[str, dict] = {}
    linked = set()
    for r in store.query(q).rows:
        t = r["t"].value
        entry = terms.setdefault(t, {"iri": t, "kind": r["kind"].value.rsplit("#", 1)[1], "facts": {}})
        if "p" in r:
            entry["facts"].setdefault(r["p"].value, set()).add(r["o"])
            if isinstance(r["o"], ox.NamedNode):
                linked.add(r["o"].value)
    labels = labels_of(store, linked | set(terms) | {f for e in terms.values() for f in e["facts"]})
    groups: dict[str, list] = {}
    for t, e in sorted(terms.items(), key=lambda kv: kv[0].lower()):
        rows = []
        for p, objs in sorted(e["facts"].items()):
            values = sorted(({"iri": o.value, "label": labels.get(o.value)} if isinstance(o, ox.NamedNode)
                             else {"text": o.value} for o in objs), key=lambda v: str(v))
            rows.append({"iri": p, "label": labels.get(p), "values": values})
        e.update(label=labels.get(t), rows=rows)
        groups.setdefault(e["kind"], []).append(e)
    meta = store.query(f"SELECT ?p ?o WHERE {{ GRAPH <{graph}> {{ <{ontology_iri}> ?p ?o }} }}").rows
    order = ["Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty", "NamedIndividual"]
    titles = {"Class": "Classes", "ObjectProperty": "Object properties", "DatatypeProperty": "Datatype properties",
              "AnnotationProperty": "Annotation properties", "NamedIndividual": "Individuals"}
    groups = {titles[k]: groups[k] for k in order if k in groups}
    return {"iri": ontology_iri, "groups": groups,
            "about": sorted((r["p"].value, r["o"].value) for r in meta)}


@bp.route("/shapes", methods=["GET", "HEAD"])
@bp.route("/shapes/", methods=["GET", "HEAD"])
def shapes():
    """The release's SHACL shapes: an HTML listing, or all of them as one RDF graph."""
    store = _shapes_store()
    return _graph_or_page(store, "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
                          lambda: render_template("resources/shapes.html", shapes=_shape_listing(store),
                                                  files=[p.name for p in shape_files()],
                                                  alternates=_format_links("shapes")))


def _shape_listing(store) -> list[dict]:
    q = f"""PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?shape ?label ?comment ?target ?part WHERE {{ ?shape a sh:NodeShape .
  OPTIONAL {{ ?shape <{RDFS}label> ?label }} OPTIONAL {{ ?shape <{RDFS}comment> ?comment }}
  OPTIONAL {{ ?shape sh:targetClass ?target }}
  OPTIONAL {{ ?shape sh:property ?ps . ?ps <{RDFS}label>|sh:name ?part }} }} ORDER BY ?shape ?part"""
    listed: dict[str, dict] = {}
    for r in store.query(q).rows:
        e = listed.setdefault(r["shape"].value, {"iri": r["shape"].value, "label": None, "comment": None,
                                                 "targets": [], "parts": []})
        e["label"] = e["label"] or (r["label"].value if "label" in r else None)
        e["comment"] = e["comment"] or (r["comment"].value if "comment" in r else None)
        for key, var in (("targets", "target"), ("parts", "part")):
            if var in r and r[var].value not in e[key]:
                e[key].append(r[var].value)
    return list(listed.values())


@bp.route("/shapes/<path:rest>", methods=["GET", "HEAD"])
def shape(rest: str):
    """One shapes file as it is in the release (``/shapes/hierarchy.ttl``), else a shape's IRI."""
    names = {p.name: p for p in shape_files()}
    if rest in names:
        resp = Response(names[rest].read_bytes(), content_type="text/turtle; charset=utf-8")
        return cacheable(resp, vary_accept=False)
    return resource("shapes/" + rest)
