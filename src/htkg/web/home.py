"""The landing page (``/``), ``/sitemap.xml`` and ``/robots.txt``."""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Blueprint, Response, render_template, request

from ..dataset.describe import labels_of
from ..dataset.directory import directory
from ..publish.metadata import DESCRIPTION, KEYWORDS, LICENSE, TITLE, dumps_of
from .http import cacheable
from .site import site

__all__ = ["bp", "resource_paths"]

bp = Blueprint("home", __name__)
_SITEMAP_LIMIT = 50_000          # the sitemap protocol's limit per file
_SORTED_PAGE = 10_000            # rows sorted per query (Virtuoso's MaxSortedTopRows)


def resource_paths(limit: int = _SITEMAP_LIMIT, page: int = _SORTED_PAGE) -> list[str]:
    """Local paths of every IRI under the base that the store says something about (as subject).

    Read ``page`` rows at a time, each page after the last IRI of the one before (a sorted ``OFFSET``
    still sorts every row before it): Virtuoso sorts at most ``MaxSortedTopRows`` (10,000) rows per
    query and refuses ``ORDER BY … LIMIT 50000``.
    """
    s = site()
    base = s.base.iri
    iris: list[str] = []
    after = ""
    while len(iris) < limit:
        size = min(page, limit - len(iris))
        # (no isIRI(): STR() of a blank node never starts with the base, and isIRI() made Virtuoso take 20 s)
        q = f"""SELECT ?s WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{base}")) }} }}
FILTER(STR(?s) > "{after}") }} ORDER BY ?s LIMIT {size}"""
        rows = [row["s"].value for row in s.store.query(q).rows]
        iris += rows
        if len(rows) < size:
            break
        after = rows[-1].replace("\\", "\\\\").replace('"', '\\"')
    return [iri[len(base):] for iri in iris if "#" not in iri]


def schema_dataset(root: str) -> dict:
    """schema.org ``Dataset`` markup for search engines."""
    s = site()
    manifest = s.release.manifest
    out = {
        "@context": "https://schema.org/", "@type": "Dataset", "@id": s.base.iri + "dataset",
        "name": TITLE, "description": DESCRIPTION, "url": root, "keywords": list(KEYWORDS),
        "license": LICENSE, "isAccessibleForFree": True, "version": s.version,
        "creator": {"@type": "Organization", "name": "The htkg project"},
        "spatialCoverage": {"@type": "Place", "name": "United States"},
        "distribution": [{"@type": "DataDownload", "encodingFormat": f["media_type"], "contentUrl": root + f["path"],
                          "contentSize": str(f["bytes"])} for f in dumps_of(manifest) if not f.get("encoding")],
        "variableMeasured": "relations between U.S. federal anti-trafficking organizations, programs and statutes",
    }
    if manifest.get("release_date"):
        out["dateModified"] = manifest["release_date"]
    return out


@bp.route("/", methods=["GET", "HEAD"])
def index():
    s = site()
    stats = s.release.statistics
    classes = {k: v for k, v in stats["classes"].items() if k.startswith(s.base.iri)}
    labels = labels_of(s.store, classes)
    per_class = sorted(((labels.get(k) or k.rsplit("/", 1)[-1], k, v) for k, v in classes.items()),
                       key=lambda t: (-t[2], t[0]))
    graphs = stats["graphs"]
    kinds = {"page": 0, "ext": 0, "other": 0}
    for g in graphs:
        rest = s.base.path_of(g) or ""
        kinds["page" if rest.startswith("graph/page/") else "ext" if rest.startswith("graph/ext/") else "other"] += 1
    root = request.url_root
    found = s.extras.get("directory")
    if found is None:           # the release never changes under a worker: read the directory once
        found = s.extras["directory"] = directory(s.store, s.base.iri)
    html = render_template("home/index.html", stats=stats, per_class=per_class, graph_kinds=kinds,
                           n_graphs=len(graphs), schema=schema_dataset(root), release=s.release.manifest,
                           base=s.base.iri, directory=found)
    return cacheable(Response(html, content_type="text/html; charset=utf-8"))


@bp.route("/sitemap.xml", methods=["GET", "HEAD"])
def sitemap():
    root = request.url_root
    date = site().release.manifest.get("release_date")
    pages = ["", "def/", "dumps/", "catalog", "quality", "shapes", "sparql", "queries", "explore", "search"] + \
        resource_paths()
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in pages:
        lines.append(f"<url><loc>{escape(root + path)}</loc>" + (f"<lastmod>{date}</lastmod>" if date else "") + "</url>")
    lines.append("</urlset>")
    return cacheable(Response("\n".join(lines) + "\n", content_type="application/xml; charset=utf-8"),
                     vary_accept=False)


@bp.route("/robots.txt", methods=["GET", "HEAD"])
def robots():
    # Resource pages are for crawling; the SPARQL endpoint, the big dumps and the search answers are not.
    body = (f"User-agent: *\nDisallow: /sparql\nDisallow: /dumps/\nDisallow: /-/\nDisallow: /search\n"
            f"Disallow: /reconcile\nAllow: /\n"
            f"Sitemap: {request.url_root}sitemap.xml\n")
    return cacheable(Response(body, content_type="text/plain; charset=utf-8"), vary_accept=False)
