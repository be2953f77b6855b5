"""The relation network: who sits under, funds, runs or was created by what — read from the store.

Nothing here is hand-kept. Nodes are the resources typed with a class that carries ``htkg:nodeKind``;
edges are the triples whose predicate carries ``htkg:edgeLabel``; both come from SPARQL on any
:class:`~htkg.store.base.Store`. A node falls under the departments it reaches through
``org:subOrganizationOf*`` (for things that organizations run or fund, through their operator or
funder); it comes from the page when a ``graph/page/…`` graph mentions it, or only from outside
sources when only ``graph/ext/…`` graphs do.

The network is written as Cytoscape JSON (:func:`to_cytoscape`), a networkx ``MultiDiGraph``
(:func:`to_networkx`, then :func:`graphml_bytes` / :func:`gexf_bytes`), two CSV tables
(:func:`nodes_csv`, :func:`edges_csv`) and a Graphviz figure of the agency hierarchy with the funding
and operation links (:func:`figure_dot`, :func:`render_figure`). No Flask here.

>>> f = GraphFilter.from_args({"kind": "unit,department", "outside": "hide"})
>>> sorted(f.kinds), f.outside
(['department', 'unit'], False)
>>> GraphFilter.from_args(f.to_args()) == f
True
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

from ..errors import HtkgError, QueryParameterError
from ..iris import DEFAULT_BASE
from ..namespaces import PREFIXES

__all__ = ["Node", "Edge", "Citation", "Network", "GraphFilter", "NetworkTooLarge", "extract_network",
           "count_nodes", "checked_iri",
           "to_cytoscape", "to_networkx", "graphml_bytes", "gexf_bytes", "nodes_csv", "edges_csv",
           "figure_dot", "render_figure", "compact", "EXPORT_FORMATS"]

EXPORT_FORMATS = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml",
                  "cytoscape": "application/json", "csv": "text/csv"}

_PREFIXES = """PREFIX htkg: <{base}def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

# The most specific kinded class of each resource (a FundingProgram is not also drawn as a Program).
_NODES = """SELECT DISTINCT ?x ?kind WHERE { {values}
  ?c htkg:nodeKind ?kind . ?x a ?c . FILTER(isIRI(?x))
  FILTER NOT EXISTS { ?x a ?c2 . ?c2 htkg:nodeKind ?k2 ; rdfs:subClassOf+ ?c . FILTER(?c2 != ?c) }
}"""
_LABELS = """SELECT ?x ?p ?l WHERE { {values}
  VALUES ?p { skos:prefLabel skos:altLabel rdfs:label dct:description }
  ?c htkg:nodeKind ?kind . ?x a ?c ; ?p ?l .
  FILTER(isLiteral(?l) && (lang(?l) = "" || langMatches(lang(?l), "en")))
}"""
_DEPARTMENTS = """SELECT DISTINCT ?x ?d WHERE { {values}
  ?dc htkg:nodeKind "department" . ?d a ?dc .
  ?c htkg:nodeKind ?kind . ?x a ?c .
  { ?x org:subOrganizationOf* ?d } UNION { ?o htkg:operates|htkg:funds ?x . ?o org:subOrganizationOf* ?d }
}"""
# The same for given resources (?x bound by VALUES; only the kinded ones are kept by the caller).
# (FILTER, not VALUES ?p: two VALUES blocks make oxigraph hash-join a scan, ten times slower on disk)
_LABELS_OF = """SELECT ?x ?p ?l WHERE { {values}
  ?x ?p ?l . FILTER(?p IN (skos:prefLabel, skos:altLabel, rdfs:label, dct:description))
  FILTER(isLiteral(?l) && (lang(?l) = "" || langMatches(lang(?l), "en")))
}"""
_MENTIONS = """SELECT DISTINCT ?x ?g WHERE { {values}
  ?c htkg:nodeKind ?kind . ?x a ?c .
  GRAPH ?g { { ?x ?p ?o } UNION { ?s ?p ?x } }
  FILTER(STRSTARTS(STR(?g), "{base}graph/page/") || STRSTARTS(STR(?g), "{base}graph/ext/"))
}"""
# A triple drawn once, under the most specific labelled property that states it.
_EDGES = """SELECT ?s ?p ?o ?g ?label WHERE { {values}
  ?p htkg:edgeLabel ?label . FILTER(lang(?label) = "" || langMatches(lang(?label), "en"))
  GRAPH ?g { ?s ?p ?o }
  FILTER NOT EXISTS { ?p2 htkg:edgeLabel ?l2 ; rdfs:subPropertyOf+ ?p . GRAPH ?g2 { ?s ?p2 ?o } }
}"""
_RELATIONS = """SELECT ?p ?label ?inverse WHERE {
  ?p htkg:edgeLabel ?label . FILTER(lang(?label) = "" || langMatches(lang(?label), "en"))
  OPTIONAL { ?p htkg:inverseLabel ?inverse }
}"""
_KINDS = "SELECT DISTINCT ?kind WHERE { ?c htkg:nodeKind ?kind }"
# The resources a filter selects before the edges are followed (?x; a superset, Network.filter decides).
_KINDED = "?_c htkg:nodeKind ?_k . ?x a ?_c . FILTER(isIRI(?x))"
_SUBTREE = ("{{ ?x org:subOrganizationOf* <{d}> }} UNION "
            "{{ ?_o org:subOrganizationOf* <{d}> . ?_o htkg:operates|htkg:funds ?x }}")
_CHUNK = 500          # IRIs per VALUES block
_UNSAFE_IRI = set('<>"{}|^`\\ \t\r\n')
# each OPTIONAL in its own GRAPH group: inside one GRAPH group Oxigraph read every quote, source and
# title of the store before joining (0.45 s for two graphs at 20M quads), this way it looks them up
_CITATIONS = """SELECT ?g ?quote ?source ?title WHERE { {values}
  GRAPH ?pg { ?g a prov:Bundle } OPTIONAL { GRAPH ?pg { ?g htkg:quote ?quote } }
  OPTIONAL { GRAPH ?pg { ?g dct:source ?source } } OPTIONAL { GRAPH ?pg { ?g dct:title ?title } }
}"""


def compact(iri: str) -> str:
    """``http://www.w3.org/ns/org#subOrganizationOf`` → ``org:subOrganizationOf`` (the IRI if no prefix fits).

    >>> compact("https://w3id.org/htkg/def/funds")
    'htkg:funds'
    """
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and prefix not in ("id", "graph"):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


@dataclass(frozen=True)
class Citation:
    """What supports the triples of one named graph: a quote from the page, or an outside source."""
    graph: str
    quote: str | None = None
    source: str | None = None
    title: str | None = None
    outside: bool = False

    def text(self) -> str:
        if self.quote:
            return f"“{self.quote}”"
        return " — ".join(x for x in (self.title, self.source) if x) or self.graph

    def as_json(self) -> dict:
        return {k: v for k, v in (("graph", self.graph), ("quote", self.quote), ("source", self.source),
                                  ("title", self.title), ("outside", self.outside)) if v is not None}


@dataclass(frozen=True)
class Node:
    iri: str
    label: str
    kind: str
    alt_labels: tuple[str, ...] = ()
    description: str | None = None
    departments: tuple[str, ...] = ()
    origin: str = "other"          # "page" | "outside" (only ext/ graphs mention it) | "other" (vocab, sources)


@dataclass(frozen=True)
class Edge:
    source: str
    relation: str
    relation_label: str
    target: str
    citations: tuple[Citation, ...] = ()

    @property
    def id(self) -> str:
        return "e" + hashlib.sha1(f"{self.source} {self.relation} {self.target}".encode()).hexdigest()[:16]

    @property
    def outside(self) -> bool:
        """Stated only by sources other than the page."""
        return bool(self.citations) and all(c.outside for c in self.citations)

    def citation_text(self) -> str:
        return " | ".join(c.text() for c in self.citations)


@dataclass(frozen=True)
class GraphFilter:
    """Which part of the network to keep. ``None`` means no restriction."""
    relations: frozenset[str] | None = None     # relation IRIs or compact names (htkg:funds)
    kinds: frozenset[str] | None = None
    department: str | None = None              # a department IRI: its subtree and what that touches
    outside: bool = True                       # include facts known only from outside the page

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> "GraphFilter":
        """From query parameters / CLI pairs: ``relation``, ``kind`` (comma-separated or repeated),
        ``department``, ``outside`` (``hide``/``0``/``false`` to hide)."""
        def many(key: str) -> frozenset[str] | None:
            raw = args.getlist(key) if hasattr(args, "getlist") else args.get(key)
            if raw is None:
                return None
            values = [raw] if isinstance(raw, str) else list(raw)
            items = frozenset(v.strip() for s in values for v in s.split(",") if v.strip())
            return items or None
        outside = str(args.get("outside", "show") or "show").lower()
        if outside not in ("show", "hide", "1", "0", "true", "false", "yes", "no"):
            raise QueryParameterError("outside", f"outside must be 'show' or 'hide', not {outside!r}")
        return cls(relations=many("relation"), kinds=many("kind"),
                   department=(str(args.get("department") or "").strip() or None),
                   outside=outside in ("show", "1", "true", "yes"))

    def to_args(self) -> dict[str, str]:
        out = {}
        if self.relations:
            out["relation"] = ",".join(sorted(self.relations))
        if self.kinds:
            out["kind"] = ",".join(sorted(self.kinds))
        if self.department:
            out["department"] = self.department
        if not self.outside:
            out["outside"] = "hide"
        return out


@dataclass
class Network:
    nodes: dict[str, Node]
    edges: list[Edge]
    relations: dict[str, str] = field(default_factory=dict)   # every labelled relation IRI → its label
    kinds: list[str] = field(default_factory=list)             # every node kind the ontology declares

    def filter(self, f: GraphFilter) -> "Network":
        """The part of the network ``f`` keeps (see :class:`GraphFilter`)."""
        nodes = dict(self.nodes)
        edges = list(self.edges)
        if not f.outside:
            nodes = {k: n for k, n in nodes.items() if n.origin != "outside"}
            edges = [replace(e, citations=tuple(c for c in e.citations if not c.outside))
                     for e in edges if not e.outside]
        if f.kinds:
            unknown = f.kinds - set(self.kinds)
            if unknown:
                raise QueryParameterError("kind", f"unknown node kind(s): {', '.join(sorted(unknown))}; known: "
                                 f"{', '.join(self.kinds)}")
            nodes = {k: n for k, n in nodes.items() if n.kind in f.kinds}
        edges = [e for e in edges if e.source in nodes and e.target in nodes]
        if f.relations:
            wanted = {self._relation_iri(r) for r in f.relations}
            edges = [e for e in edges if e.relation in wanted]
            touched = {e.source for e in edges} | {e.target for e in edges}
            nodes = {k: n for k, n in nodes.items() if k in touched}
        if f.department:
            if f.department not in self.nodes or self.nodes[f.department].kind != "department":
                raise QueryParameterError("department", f"not a department: {f.department}")
            core = {k for k, n in nodes.items() if f.department in n.departments}
            keep = set(core)
            for e in edges:
                for a, b in ((e.source, e.target), (e.target, e.source)):
                    if a in core and not nodes[b].departments:
                        keep.add(b)
            nodes = {k: n for k, n in nodes.items() if k in keep}
            edges = [e for e in edges if e.source in nodes and e.target in nodes]
        return Network(nodes, edges, self.relations, self.kinds)

    def _relation_iri(self, name: str) -> str:
        for iri in self.relations:
            if name in (iri, compact(iri)):
                return iri
        raise QueryParameterError("relation", f"unknown relation {name!r}; known: "
                         f"{', '.join(sorted(compact(i) for i in self.relations))}")

    def label(self, iri: str) -> str:
        node = self.nodes.get(iri)
        return node.label if node else iri

    def departments(self) -> list[Node]:
        return sorted((n for n in self.nodes.values() if n.kind == "department"), key=lambda n: n.label)


class NetworkTooLarge(QueryParameterError):
    """A selection with more nodes than allowed: narrow it with ``department`` (or ``kind``)."""

    def __init__(self, count: int | None, limit: int, parameter: str = "department"):
        self.count, self.limit = count, limit
        has = f"{count} nodes, more than" if count is not None else "more nodes than"
        super().__init__(parameter, f"this view has {has} the {limit} allowed "
                                    f"(setting explore_max_nodes); narrow it with department=<IRI> or kind=…")


def _select(store, sparql: str, base: str, values: str = ""):
    text = sparql.replace("{base}", base).replace("{values}", values)
    return store.query(_PREFIXES.format(base=base) + text).rows


def _select_in(store, sparql: str, base: str, var: str, iris):
    """Rows of ``sparql`` with ``?var`` bound to each of ``iris`` (all rows when ``iris`` is None)."""
    if iris is None:
        yield from _select(store, sparql, base)
        return
    items = sorted(iris)
    for i in range(0, len(items), _CHUNK):
        block = " ".join(f"<{x}>" for x in items[i:i + _CHUNK])
        yield from _select(store, sparql, base, f"VALUES ?{var} {{ {block} }}")


def checked_iri(iri: str, parameter: str) -> str:
    """``iri`` if it can be written as ``<iri>`` in SPARQL; else a QueryParameterError naming ``parameter``."""
    if not iri or _UNSAFE_IRI & set(iri) or ":" not in iri:
        raise QueryParameterError(parameter, f"not an IRI: {iri!r}")
    return iri


def _selection_pattern(f: GraphFilter) -> str | None:
    """The SPARQL pattern (binding ?x) that narrows the network for ``f``; None if ``f`` does not narrow."""
    if not (f.department or f.kinds):
        return None
    parts = []       # most selective first: oxigraph joins in the order written
    if f.department:
        # a subquery: joined with the kinded pattern in one group, oxigraph would scan every node first
        parts.append("{ SELECT DISTINCT ?x WHERE { " + _SUBTREE.format(d=checked_iri(f.department, "department"))
                     + " } }")
    if f.kinds:
        kinds = " ".join('"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"' for k in sorted(f.kinds))
        parts.append(f"VALUES ?_k {{ {kinds} }}")
    parts.append(_KINDED)
    return " ".join(parts)


def count_nodes(store, base_iri: str = DEFAULT_BASE, f: GraphFilter | None = None) -> int:
    """How many resources the network of ``f`` starts from (all nodes when ``f`` does not narrow)."""
    pattern = _selection_pattern(f or GraphFilter()) or _KINDED
    rows = _select(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}", base_iri)
    return int(rows[0]["n"].value) if rows and "n" in rows[0] else 0


def extract_network(store, base_iri: str = DEFAULT_BASE, f: GraphFilter | None = None, *,
                    nodes: Iterable[str] | None = None, max_nodes: int | None = None) -> Network:
    """The network of the store (union of its named graphs): the whole of it, or only a part read in SPARQL.

    With ``nodes`` (IRIs) or a narrowing filter ``f`` (``department``, ``kind``), only those resources,
    the edges touching them and their other ends are read — never the whole graph; ``f`` is then applied
    as :meth:`Network.filter` does. ``max_nodes`` refuses (:class:`NetworkTooLarge`) a selection of more
    resources than that, counted in SPARQL before anything is read.
    """
    pattern = _selection_pattern(f) if f is not None else None
    if nodes is None and pattern is None:
        if max_nodes is not None:
            total = count_nodes(store, base_iri)
            if total > max_nodes:
                raise NetworkTooLarge(total, max_nodes)
        net = _extract(store, base_iri, None)
        return net.filter(f) if f is not None else net
    if nodes is not None:
        selected = {checked_iri(x, "iri") for x in nodes}
    else:
        limit = "" if max_nodes is None else f" LIMIT {max_nodes + 1}"      # one more tells it is too many
        selected = {r["x"].value for r in _select(store, f"SELECT DISTINCT ?x WHERE {{ {pattern} }}{limit}",
                                                  base_iri)}
        if max_nodes is not None and len(selected) > max_nodes:
            raise NetworkTooLarge(None, max_nodes, "department" if f.department or not f.kinds else "kind")
    extra = {f.department} if f is not None and f.department else set()
    # the other ends of the edges matter for a node or a department (kept if in no department), not for kinds
    follow = nodes is not None or bool(f.department)
    net = _extract(store, base_iri, selected, extra, follow, between=bool(f is not None and f.department))
    return net.filter(f) if f is not None else net


def _extract(store, base_iri: str, selected: set[str] | None, extra: set[str] = frozenset(),
             follow: bool = True, between: bool = False) -> Network:
    """The network of ``selected`` (None: of everything), ``extra``, their departments, and (``follow``) the
    other ends of their edges; without ``follow`` only the edges between selected resources. ``between``
    adds the edges between those other ends that are in no department (what a department view keeps)."""
    base = base_iri
    edge_rows = None
    iris = None
    if selected is not None:
        edge_rows, seen = [], set()
        for var in ("s", "o"):
            for row in _select_in(store, _EDGES, base, var, selected):
                key = (row["s"].value, row["p"].value, row["o"].value, row["g"].value)
                if key not in seen and (follow or (key[0] in selected and key[2] in selected)):
                    seen.add(key)
                    edge_rows.append(row)
        iris = set(selected) | set(extra) | {r["s"].value for r in edge_rows} | {r["o"].value for r in edge_rows}
        iris = {x for x in iris if not (_UNSAFE_IRI & set(x))}
    departments: dict[str, set[str]] = {}
    for row in _select_in(store, _DEPARTMENTS, base, "x", iris):
        departments.setdefault(row["x"].value, set()).add(row["d"].value)
    if between and iris is not None:
        loose = {x for x in iris - selected if x not in departments}
        for row in _select_in(store, _EDGES, base, "s", loose):
            key = (row["s"].value, row["p"].value, row["o"].value, row["g"].value)
            if key[2] in loose and key not in seen:
                seen.add(key)
                edge_rows.append(row)
    if iris is not None:
        iris |= {d for ds in departments.values() for d in ds}
    kinds_of: dict[str, str] = {}
    for row in _select_in(store, _NODES, base, "x", iris):
        iri, kind = row["x"].value, row["kind"].value
        kinds_of[iri] = min(kinds_of.get(iri, kind), kind)     # deterministic if classes disagree
    texts: dict[str, dict[str, list[str]]] = {iri: {} for iri in kinds_of}
    for row in _select_in(store, _LABELS if iris is None else _LABELS_OF, base, "x", iris):
        if row["x"].value not in texts:
            continue
        prop = row["p"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        texts[row["x"].value].setdefault(prop, []).append(row["l"].value)
    graphs: dict[str, set[str]] = {}
    for row in _select_in(store, _MENTIONS, base, "x", iris):
        graphs.setdefault(row["x"].value, set()).add(row["g"].value)
    page_prefix, ext_prefix = base + "graph/page/", base + "graph/ext/"

    nodes = {}
    for iri, kind in kinds_of.items():
        t = texts[iri]
        preferred = sorted(t.get("prefLabel", [])) or sorted(t.get("label", [])) or [iri.rsplit("/", 1)[-1]]
        label = preferred[0]
        alts = sorted((set(t.get("altLabel", [])) | set(t.get("label", [])) | set(preferred[1:])) - {label})
        gs = graphs.get(iri, set())
        origin = ("page" if any(g.startswith(page_prefix) for g in gs)
                  else "outside" if any(g.startswith(ext_prefix) for g in gs) else "other")
        desc = sorted(t.get("description", []))
        nodes[iri] = Node(iri, label, kind, tuple(alts), desc[0] if desc else None,
                          tuple(sorted(departments.get(iri, ()))), origin)

    if edge_rows is None:
        edge_rows = _select(store, _EDGES, base)
    used_graphs = None if selected is None else {r["g"].value for r in edge_rows}
    citations = {}
    for row in _select_in(store, _CITATIONS, base, "g", used_graphs):
        g = row["g"].value
        c = citations.get(g) or Citation(g, outside=g.startswith(ext_prefix))
        citations[g] = replace(c, quote=c.quote or _val(row, "quote"), source=c.source or _val(row, "source"),
                               title=c.title or _val(row, "title"))
    relations = {row["p"].value: row["label"].value for row in _select(store, _RELATIONS, base)}
    grouped: dict[tuple[str, str, str], set[str]] = {}
    for row in edge_rows:
        s, p, o = row["s"].value, row["p"].value, row["o"].value
        if s in nodes and o in nodes:
            grouped.setdefault((s, p, o), set()).add(row["g"].value)
    edges = [Edge(s, p, relations[p], o,
                  tuple(citations.get(g, Citation(g, outside=g.startswith(ext_prefix))) for g in sorted(gs)))
             for (s, p, o), gs in sorted(grouped.items())]
    kinds = sorted(row["kind"].value for row in _select(store, _KINDS, base))
    return Network(dict(sorted(nodes.items())), edges, dict(sorted(relations.items())), kinds)


def _val(row, key: str) -> str | None:
    term = row.get(key)
    return term.value if term is not None else None


# ------------------------------------------------------------------------------------------------
# Writers
# ------------------------------------------------------------------------------------------------

def _local_path(iri: str, base: str) -> str | None:
    return "/" + iri[len(base):] if iri.startswith(base) else None


def to_cytoscape(net: Network, base_iri: str = DEFAULT_BASE) -> dict:
    """Cytoscape.js elements JSON, with the relation and kind vocabularies for legends and filters."""
    nodes = [{"data": {"id": n.iri, "label": n.label, "kind": n.kind, "altLabels": list(n.alt_labels),
                       "description": n.description, "departments": list(n.departments), "origin": n.origin,
                       "path": _local_path(n.iri, base_iri)}} for n in net.nodes.values()]
    edges = [{"data": {"id": e.id, "source": e.source, "target": e.target, "relation": compact(e.relation),
                       "relationIri": e.relation, "label": e.relation_label, "outside": e.outside,
                       "citations": [c.as_json() for c in e.citations]}} for e in net.edges]
    used = {e.relation for e in net.edges}
    return {"elements": {"nodes": nodes, "edges": edges},
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


# ------------------------------------------------------------------------------------------------
# The static figure
# ------------------------------------------------------------------------------------------------

FIGURE_KINDS = ("department", "unit", "organization", "program", "hotline")
_FIGURE_STYLE = {  # kind → (shape, fill)
    "department": ("box", "#1f4e79"), "unit": ("box", "#4f81bd"), "organization": ("hexagon", "#8064a2"),
    "program": ("ellipse", "#9bbb59"), "hotline": ("diamond", "#f79646"),
}
_FIGURE_EDGE = {"is part of": ("solid", "#555555"), "funds": ("bold", "#c0504d"), "runs": ("dashed", "#2e7d32")}


def figure_dot(net: Network) -> str:
    """DOT text of the agency hierarchy with funding and operation links (parents to the left of their children)."""
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    part = net.filter(GraphFilter(kinds=frozenset(k for k in FIGURE_KINDS if k in net.kinds)))
    edges = [e for e in part.edges if e.relation_label in _FIGURE_EDGE]
    used = {e.source for e in edges} | {e.target for e in edges}
    lines = ["digraph htkg {", '  graph [rankdir=RL, fontname="Helvetica", fontsize=11, nodesep=0.25, '
             'ranksep=0.5, label="htkg: agency hierarchy, funding and operation", labelloc=t];',
             '  node [fontname="Helvetica", fontsize=10, style="filled", fontcolor="white", penwidth=0];',
             '  edge [fontname="Helvetica", fontsize=8, arrowsize=0.6];']
    for n in part.nodes.values():
        if n.iri not in used and n.kind != "department":
            continue
        shape, fill = _FIGURE_STYLE.get(n.kind, ("ellipse", "#777777"))
        short = min([n.label, *n.alt_labels], key=len) if n.alt_labels else n.label
        lines.append(f"  {q(n.iri)} [label={q(short)}, tooltip={q(n.label)}, shape={shape}, fillcolor={q(fill)}];")
    for e in edges:
        style, colour = _FIGURE_EDGE[e.relation_label]
        extra = "" if e.relation_label == "is part of" else f", label={q(e.relation_label)}, constraint=false"
        lines.append(f"  {q(e.source)} -> {q(e.target)} [style={style}, color={q(colour)}, "
                     f"fontcolor={q(colour)}{extra}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_figure(net: Network, fmt: str = "svg") -> bytes:
    """The figure drawn by Graphviz ``dot`` (``svg`` or ``png``); an HtkgError if dot is missing."""
    if fmt not in ("svg", "png"):
        raise QueryParameterError("format", f"figure format must be svg or png, not {fmt!r}")
    dot = shutil.which("dot")
    if dot is None:
        raise HtkgError("Graphviz `dot` is not installed", hint="apt-get install graphviz")
    proc = subprocess.run([dot, f"-T{fmt}"], input=figure_dot(net).encode(), capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise HtkgError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout
