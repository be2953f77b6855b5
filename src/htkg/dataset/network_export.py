"""The relation network written for other tools: Cytoscape JSON, a networkx graph, GraphML, GEXF, CSV."""

from __future__ import annotations

import csv
import io
from typing import Iterable

from ..iris import DEFAULT_BASE
from .network import ORGANISATIONAL_RELATIONS, UPWARD_RELATIONS, Network, compact
from .network_style import short_label, styles_for

__all__ = ["EXPORT_FORMATS", "to_cytoscape", "to_networkx", "graphml_bytes", "gexf_bytes", "nodes_csv", "edges_csv",
           "NODE_COLUMNS", "EDGE_COLUMNS"]

EXPORT_FORMATS = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml",
                  "cytoscape": "application/json", "csv": "text/csv"}


def _local_path(iri: str, base: str) -> str | None:
    return "/" + iri[len(base):] if iri.startswith(base) else None


def to_cytoscape(net: Network, base_iri: str = DEFAULT_BASE) -> dict:
    """Cytoscape.js elements JSON, with the relation and kind vocabularies for legends and filters."""
    nodes = [{"data": {"id": n.iri, "label": n.label, "short": short_label(n.label, n.alt_labels), "kind": n.kind,
                       "altLabels": list(n.alt_labels),
                       "description": n.description, "departments": list(n.departments), "origin": n.origin,
                       "path": _local_path(n.iri, base_iri)}} for n in net.nodes.values()]
    edges = [{"data": {"id": e.id, "source": e.source, "target": e.target, "relation": compact(e.relation),
                       "relationIri": e.relation, "label": e.relation_label, "outside": e.outside,
                       "citations": [c.as_json() for c in e.citations]}} for e in net.edges]
    used = {e.relation for e in net.edges}
    agencies = net.agency_view()
    return {"elements": {"nodes": nodes, "edges": edges},
            "defaults": {"kind": sorted(agencies.kinds or ()), "relation": sorted(agencies.relations or ())},
            "pathRelations": [r for r in ORGANISATIONAL_RELATIONS if r in agencies.relations],
            "upward": list(UPWARD_RELATIONS),
            "styles": styles_for(net.kinds, net.relations.values()),
            "relations": [{"id": compact(iri), "iri": iri, "label": label, "used": iri in used}
                          for iri, label in net.relations.items()],
            "kinds": net.kinds,
            "departments": [{"id": d.iri, "label": d.label} for d in net.departments()],
            "counts": {"nodes": len(nodes), "edges": len(edges)}}


def to_networkx(net: Network):
    """A networkx ``MultiDiGraph``: one node per resource, one edge per (source, relation, target)."""
    import networkx as nx
    g = nx.MultiDiGraph()
    for n in net.nodes.values():
        g.add_node(n.iri, label=n.label, kind=n.kind, alt_labels=" | ".join(n.alt_labels),
                   description=n.description or "", departments=" ".join(n.departments), origin=n.origin)
    for e in net.edges:
        g.add_edge(e.source, e.target, key=e.id, relation=compact(e.relation), relation_iri=e.relation,
                   label=e.relation_label, citation=e.citation_text(), outside=e.outside,
                   graphs=" ".join(c.graph for c in e.citations))
    return g


def graphml_bytes(net: Network) -> bytes:
    import networkx as nx
    buf = io.BytesIO()
    nx.write_graphml(to_networkx(net), buf, encoding="utf-8")
    return buf.getvalue()


def gexf_bytes(net: Network) -> bytes:
    import networkx as nx
    buf = io.BytesIO()
    nx.write_gexf(to_networkx(net), buf, encoding="utf-8")
    return buf.getvalue()


NODE_COLUMNS = ["id", "label", "alt_labels", "kind", "departments", "department_labels", "origin", "description"]
EDGE_COLUMNS = ["source", "source_label", "relation", "relation_label", "target", "target_label", "outside",
                "citation", "graphs"]


def _csv(columns: list[str], rows: Iterable[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def nodes_csv(net: Network) -> bytes:
    return _csv(NODE_COLUMNS, ([n.iri, n.label, " | ".join(n.alt_labels), n.kind, " ".join(n.departments),
                                " | ".join(net.label(d) for d in n.departments), n.origin, n.description or ""]
                               for n in net.nodes.values()))


def edges_csv(net: Network) -> bytes:
    return _csv(EDGE_COLUMNS, ([e.source, net.label(e.source), compact(e.relation), e.relation_label, e.target,
                                net.label(e.target), "true" if e.outside else "false", e.citation_text(),
                                " ".join(c.graph for c in e.citations)] for e in net.edges))

