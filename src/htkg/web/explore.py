"""The analysts' view: ``/explore`` (cytoscape.js), ``/api/graph``, ``/api/node`` and the graph exports.

Everything is read from the store through :mod:`htkg.dataset.network_extract` (model in :mod:`htkg.dataset.network`, writers in :mod:`htkg.dataset.network_export`); the filters are the same query
parameters everywhere (``relation``, ``kind``, ``department``, ``outside=hide``).

A worker keeps only bounded things: the number of nodes, and the whole network only when it has at most
``explore_max_nodes`` nodes. Above that, a view narrowed by ``department`` or ``kind`` is read in SPARQL
per request; ``/api/graph`` without them answers with the departments overview (``"overview"`` in the
JSON), the exports with a 400 naming ``department``; ``/api/node`` always reads one node from the store.
"""

from __future__ import annotations

import json
from dataclasses import replace

from flask import Blueprint, Response, render_template, request

from ..dataset.describe import describe
from ..dataset.network import GraphFilter, Network, NetworkTooLarge, checked_iri
from ..dataset.network_export import EXPORT_FORMATS, edges_csv, gexf_bytes, graphml_bytes, nodes_csv, to_cytoscape
from ..dataset.network_extract import count_nodes, extract_network
from ..dataset.timeline import TimelineFilter, extract_timeline, timeline_csv, timeline_json
from ..errors import QueryParameterError
from .http import cacheable
from .site import site

__all__ = ["bp", "network"]

bp = Blueprint("explore", __name__)


def node_count() -> int:
    """How many nodes the whole network has (counted in SPARQL once per worker)."""
    s = site()
    n = s.extras.get("network_nodes")
    if n is None:
        n = s.extras["network_nodes"] = count_nodes(s.store, s.release.base_iri)
    return n


def network() -> Network | None:
    """The release's whole network, read once per worker — only if it has at most ``explore_max_nodes`` nodes."""
    s = site()
    if node_count() > s.settings.explore_max_nodes:
        return None
    net = s.extras.get("network")
    if net is None:
        net = s.extras["network"] = extract_network(s.store, s.release.base_iri)
    return net


_OVERVIEW = frozenset({"department"})


def _filtered(overview: bool = False) -> tuple[Network, bool]:
    """The network the request's filters keep, and whether it is the departments overview instead."""
    s = site()
    f = GraphFilter.from_args(request.args)
    whole = network()
    if whole is not None:
        return whole.filter(f), False
    limit = s.settings.explore_max_nodes
    if f.department or f.kinds:
        return extract_network(s.store, s.release.base_iri, f, max_nodes=limit), False
    if not overview:
        raise NetworkTooLarge(node_count(), limit)
    if f == GraphFilter():
        net = s.extras.get("overview")
        if net is None:
            net = s.extras["overview"] = extract_network(s.store, s.release.base_iri, GraphFilter(kinds=_OVERVIEW),
                                                         max_nodes=limit)
        return net, True
    return extract_network(s.store, s.release.base_iri, replace(f, kinds=_OVERVIEW), max_nodes=limit), True


def _file(body: bytes, media_type: str, filename: str | None = None) -> Response:
    charset = "; charset=utf-8" if media_type.startswith("text/") or media_type.endswith("json") else ""
    resp = Response(body, content_type=media_type + charset)
    if filename:
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return cacheable(resp, vary_accept=False)


@bp.get("/explore")
def explore():
    """The explorer; ``embed=1`` renders just the picture (legend and caption) for an iframe, same URL state."""
    net = network()
    counts = (len(net.nodes), len(net.edges)) if net is not None else (node_count(), None)
    embed = request.args.get("embed", "") in ("1", "true", "yes")
    meta = {"release": site().release.version, "embed": embed}
    template = "explore/embed.html" if embed else "explore/explore.html"
    return cacheable(Response(render_template(template, counts=counts, meta=meta,
                                              limit=site().settings.explore_max_nodes)), vary_accept=False)


@bp.get("/api/graph")
def api_graph():
    net, overview = _filtered(overview=True)
    data = to_cytoscape(net, site().release.base_iri)
    if overview:
        data["overview"] = {"nodes": node_count(), "limit": site().settings.explore_max_nodes,
                            "narrow": ["department", "kind"],
                            "message": f"The graph has {node_count()} nodes, more than explore_max_nodes "
                                       f"({site().settings.explore_max_nodes}); showing its departments. "
                                       "Pick a department (department=<IRI>) or kinds (kind=…) to see more."}
    body = json.dumps(data, ensure_ascii=False)
    return _file(body.encode(), EXPORT_FORMATS["cytoscape"])


@bp.get("/api/node")
def api_node():
    iri = request.args.get("iri", "").strip()
    s = site()
    net = extract_network(s.store, s.release.base_iri, nodes=[checked_iri(iri, "iri")])   # never the whole graph
    if iri not in net.nodes:
        raise QueryParameterError("iri", f"no node {iri!r} in the graph")
    node = net.nodes[iri]
    edges = [e for e in net.edges if iri in (e.source, e.target)]
    body = {"iri": iri, "label": node.label, "kind": node.kind, "altLabels": list(node.alt_labels),
            "description": node.description, "origin": node.origin,
            "departments": [{"iri": d, "label": net.label(d)} for d in node.departments],
            "path": "/" + iri[len(s.release.base_iri):] if iri.startswith(s.release.base_iri) else None,
            "statements": _statements(describe(s.store, iri)),
            "relations": [{"source": e.source, "sourceLabel": net.label(e.source), "label": e.relation_label,
                           "target": e.target, "targetLabel": net.label(e.target), "outside": e.outside,
                           "citations": [c.as_json() for c in e.citations]} for e in edges]}
    return _file(json.dumps(body, ensure_ascii=False).encode(), "application/json")


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _statements(description) -> list[dict]:
    """The resource page's statements (outgoing, then inbound), in the shape the side panel draws."""
    out = []
    for direction, statements in (("out", description.outgoing), ("in", description.inbound)):
        for st in statements:
            if st.predicate.value == _RDF_TYPE:
                continue
            out.append({"direction": direction, "reading": st.reading, "property": st.predicate.value,
                        "value": st.value.value, "valueLabel": st.value.text, "valueIsIri": st.value.is_iri,
                        "citations": [{"graph": c.graph, "quote": c.quote, "title": c.title or c.source_label,
                                       "source": c.source_url, "outside": c.kind == "ext"} for c in st.citations]})
    return out


def _timeline():
    """The release's dated facts (read once per worker while the graph is within ``explore_max_nodes``),
    narrowed by ``org``; a bigger graph answers only for an organization."""
    s = site()
    f = TimelineFilter.from_args(request.args)
    if network() is None:
        if not f.organization:
            raise QueryParameterError("org", f"the graph has {node_count()} nodes, more than explore_max_nodes "
                                             f"({s.settings.explore_max_nodes}): ask for one organization, org=<IRI>")
        return extract_timeline(s.store, s.release.base_iri, f)
    whole = s.extras.get("timeline")
    if whole is None:
        whole = s.extras["timeline"] = extract_timeline(s.store, s.release.base_iri)
    if not f.organization:
        return whole
    return extract_timeline(s.store, s.release.base_iri, f)


@bp.get("/api/timeline")
def api_timeline():
    """The dated facts as JSON (default) or CSV (``format=csv`` or ``Accept: text/csv``)."""
    fmt = request.args.get("format", "").strip().lower()
    if not fmt:
        fmt = "csv" if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv" else "json"
    if fmt not in ("json", "csv"):
        raise QueryParameterError("format", f"the timeline is served as json or csv, not {fmt!r}")
    t = _timeline()
    if fmt == "csv":
        resp = _file(timeline_csv(t), "text/csv", "htkg-timeline.csv")
    else:
        body = json.dumps(timeline_json(t, site().release.base_iri), ensure_ascii=False)
        resp = _file(body.encode(), "application/json")
    if "format" not in request.args:
        resp.vary.add("Accept")
    return resp


@bp.get("/exports/timeline.csv")
def export_timeline():
    return _file(timeline_csv(_timeline()), "text/csv", "htkg-timeline.csv")


@bp.get("/exports/graph.graphml")
def export_graphml():
    return _file(graphml_bytes(_filtered()[0]), EXPORT_FORMATS["graphml"], "htkg-graph.graphml")


@bp.get("/exports/graph.gexf")
def export_gexf():
    return _file(gexf_bytes(_filtered()[0]), EXPORT_FORMATS["gexf"], "htkg-graph.gexf")


@bp.get("/exports/nodes.csv")
def export_nodes():
    return _file(nodes_csv(_filtered()[0]), "text/csv", "htkg-nodes.csv")


@bp.get("/exports/edges.csv")
def export_edges():
    return _file(edges_csv(_filtered()[0]), "text/csv", "htkg-edges.csv")
