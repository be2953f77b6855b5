"""Harvestable metadata: ``/.well-known/void``, ``/catalog`` (DCAT 3), ``/data.json`` (DCAT-US 1.1), ``/quality``.

The documents come from :mod:`htkg.publish.metadata`, the same code that writes them into the release;
here the addresses a client fetches (endpoint, dumps, landing page) follow the request's own root
(``request.url_root``, which ProxyFix corrects when ``trust_proxy`` is set), while identifiers stay
under the base IRI.
"""

from __future__ import annotations

import json
import threading

from flask import Blueprint, Response, abort, render_template, request
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from ..formats import RDF_GRAPH_FORMATS, by_extension, by_name
from ..publish.metadata import (DESCRIPTION, LICENSE, TITLE, MetadataContext, catalog_graph, data_json,
                                dumps_of, placeholders_in_use, void_graph)
from .http import cacheable, choose_format, not_acceptable, page_param
from .resources import per_public_root
from .site import site

__all__ = ["bp", "graph_response"]

bp = Blueprint("catalog", __name__)
_OFFERED = RDF_GRAPH_FORMATS + (by_name("html"),)
_SERIALIZING = threading.Lock()     # Turtle unless the client asks for something else


def _context() -> MetadataContext:
    s = site()
    return MetadataContext(s.release.manifest, s.store, request.url_root, s.settings)


def graph_response(graph: Graph, *, title: str, intro: str, extension: str | None = None, template=None, **extra):
    """A graph in the negotiated RDF format, or as an HTML page listing its statements by subject."""
    if extension is not None and by_extension(extension) not in _OFFERED:
        abort(404)
    fmt = choose_format(_OFFERED, extension=extension)
    if fmt is None:
        return not_acceptable(_OFFERED)
    if fmt.name == "html":
        html = render_template(template or "catalog/graph.html", title=title, intro=intro,
                               subjects=_by_subject(graph), **extra)
        return cacheable(Response(html, content_type=fmt.content_type))
    with _SERIALIZING:   # the graph is shared by the threads of a worker: bind and write it one at a time
        for k, v in site().prefixes.items():
            graph.bind(k, v, replace=True)
        body = graph.serialize(format=fmt.rdflib, encoding="utf-8")
    return cacheable(Response(body, content_type=fmt.content_type))


def _by_subject(graph: Graph) -> list[dict]:
    """Statements grouped by subject, for the generic HTML view."""
    out: dict[str, dict] = {}
    for s, p, o in sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
        entry = out.setdefault(str(s), {"iri": str(s), "rows": []})
        value = {"iri": str(o)} if isinstance(o, URIRef) else \
            {"text": str(o), "datatype": str(o.datatype) if isinstance(o, Literal) and o.datatype else None}
        entry["rows"].append({"p": str(p), "name": graph.namespace_manager.normalizeUri(p), **value})
    return list(out.values())


@bp.route("/.well-known/void", methods=["GET", "HEAD"])
@bp.route("/.well-known/void.<ext>", methods=["GET", "HEAD"])
def void(ext: str | None = None):
    graph = per_public_root("void", lambda: void_graph(_context()))
    return graph_response(graph, extension=ext, title="VoID description",
                          intro="Counts, partitions, endpoint and dumps of the dataset, in the VoID vocabulary.")


@bp.route("/catalog", methods=["GET", "HEAD"])
@bp.route("/catalog.<ext>", methods=["GET", "HEAD"])
def catalog(ext: str | None = None):
    graph = per_public_root("catalog", lambda: catalog_graph(_context()))
    return graph_response(graph, extension=ext, title="DCAT catalog", template="catalog/catalog.html",
                          intro="A DCAT 3 catalog: the dataset, a distribution per dump with its checksum, and the "
                                "SPARQL endpoint as a data service (DCAT-AP 3 and DCAT-US 3 properties; see "
                                "docs/catalog.md).", about=_about(),
                          placeholders=placeholders_in_use(site().settings))


def _about() -> dict:
    """What a person reads first on /catalog: the dataset, its size, where to download and query it."""
    s = site()
    manifest = s.release.manifest
    dumps = dumps_of(manifest)
    main = next((f for f in dumps if f["path"].endswith(".nq.gz")), dumps[0])
    return {"title": TITLE, "description": DESCRIPTION, "version": s.version, "date": manifest.get("release_date"),
            "triples": manifest["statistics"]["triples"], "graphs": len(manifest["statistics"]["graphs"]),
            "license": LICENSE, "dump_count": len(dumps), "endpoint": request.url_root + "sparql",
            "main_dump": {"url": "/" + main["path"], "name": main["path"].rsplit("/", 1)[-1],
                          "format": "N-Quads, gzip" if main["path"].endswith(".nq.gz") else main["format"],
                          "bytes": main["bytes"]}}


@bp.route("/data.json", methods=["GET", "HEAD"])
def data_json_view():
    doc = per_public_root("data.json", lambda: data_json(_context()))
    body = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return cacheable(Response(body, content_type="application/json; charset=utf-8"), vary_accept=False)


def _quality_graph() -> Graph:
    rel = site().release
    g = Graph()
    for name in ("quality/report.ttl", "quality/summary.ttl"):
        path = rel.file(name)
        if path.is_file():
            g.parse(path, format="turtle")
    return g


@bp.route("/quality", methods=["GET", "HEAD"])
@bp.route("/quality.<ext>", methods=["GET", "HEAD"])
def quality(ext: str | None = None):
    """The release's SHACL validation report and its DQV summary (one page: every result is listed)."""
    page_param(1)
    graph = per_public_root("quality", _quality_graph)
    results = _validation_results(graph)
    validation = site().release.manifest.get("validation", {})
    return graph_response(graph, extension=ext, title="Quality", template="catalog/quality.html",
                          intro="The SHACL validation report of this release and its DQV summary.",
                          results=results, validation=validation, version=site().version, shapes_count=len(
                              site().release.manifest.get("curated", {}).get("shapes", [])),
                          placeholders=site().release.manifest.get("metadata_placeholders", []))


def _validation_results(graph: Graph) -> list[dict]:
    """The report's results, read from the graph directly: rdflib's SPARQL parser (pyparsing) is not
    thread-safe, and concurrent /quality requests made it fail (a 500 the crawl test found)."""
    out = []
    for r in graph.subjects(RDF.type, SH.ValidationResult):
        row = {k: graph.value(r, SH[p]) for k, p in (
            ("focus", "focusNode"), ("path", "resultPath"), ("value", "value"), ("severity", "resultSeverity"),
            ("message", "resultMessage"), ("shape", "sourceShape"))}
        if row["focus"] is not None:
            out.append({k: (str(v) if v is not None else None) for k, v in row.items()})
    return sorted(out, key=lambda r: (r["focus"], r["message"] or ""))
