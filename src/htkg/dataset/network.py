"""The relation network's model: nodes, edges, their citations, and the filters that narrow it.

Nodes are the resources typed with a class that carries ``htkg:nodeKind``; edges are the triples whose
predicate carries ``htkg:edgeLabel``. They are read from a store by :mod:`htkg.dataset.network_extract`
and written for other tools by :mod:`htkg.dataset.network_export` (Cytoscape JSON, GraphML, GEXF, CSV)
and :mod:`htkg.dataset.network_figure` (a Graphviz figure). No Flask here.

>>> f = GraphFilter.from_args({"kind": "unit,department", "outside": "hide"})
>>> sorted(f.kinds), f.outside
(['department', 'unit'], False)
>>> GraphFilter.from_args(f.to_args()) == f
True
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Mapping

from ..errors import QueryParameterError
from ..namespaces import PREFIXES

__all__ = ["Node", "Edge", "Citation", "Network", "GraphFilter", "NetworkTooLarge", "checked_iri", "compact",
           "AGENCY_KINDS", "ORGANISATIONAL_RELATIONS", "UPWARD_RELATIONS"]

# The first view of the explorer and of `htkg render`: the agencies (departments, their units, the
# organizations and programs they run or fund, the statutes that created them) and the relations that tie
# them together. Internal divisions and sections ("division") and former agencies ("predecessor") are left
# out of it; the explorer adds them in one click. Paths follow the same relations by default. Names missing from an ontology are ignored.
AGENCY_KINDS = ("department", "unit", "organization", "hotline", "program", "statute", "section")
ORGANISATIONAL_RELATIONS = ("org:subOrganizationOf", "htkg:partOfProgram", "htkg:initiativeOf", "eli:is_part_of",
                            "htkg:funds", "htkg:supports", "htkg:operates", "htkg:establishedBy",
                            "htkg:authorizedBy", "htkg:createdBy")
# Relations drawn from the lower to the upper rank (a part below its whole; a page below its publisher).
UPWARD_RELATIONS = ("org:subOrganizationOf", "htkg:partOfProgram", "htkg:initiativeOf", "eli:is_part_of",
                    "htkg:createdWithin", "dct:publisher")

_UNSAFE_IRI = set('<>"{}|^`\\ \t\r\n')


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

    def agency_view(self) -> GraphFilter:
        """The explorer's first view: :data:`AGENCY_KINDS` and :data:`ORGANISATIONAL_RELATIONS` this network has."""
        known = {compact(i) for i in self.relations}
        return GraphFilter(relations=frozenset(r for r in ORGANISATIONAL_RELATIONS if r in known),
                           kinds=frozenset(k for k in AGENCY_KINDS if k in self.kinds))

    def departments(self) -> list[Node]:
        return sorted((n for n in self.nodes.values() if n.kind == "department"), key=lambda n: n.label)


class NetworkTooLarge(QueryParameterError):
    """A selection with more nodes than allowed: narrow it with ``department`` (or ``kind``)."""

    def __init__(self, count: int | None, limit: int, parameter: str = "department"):
        self.count, self.limit = count, limit
        has = f"{count} nodes, more than" if count is not None else "more nodes than"
        super().__init__(parameter, f"this view has {has} the {limit} allowed "
                                    f"(setting explore_max_nodes); narrow it with department=<IRI> or kind=…")



def checked_iri(iri: str, parameter: str) -> str:
    """``iri`` if it can be written as ``<iri>`` in SPARQL; else a QueryParameterError naming ``parameter``."""
    if not iri or _UNSAFE_IRI & set(iri) or ":" not in iri:
        raise QueryParameterError(parameter, f"not an IRI: {iri!r}")
    return iri

