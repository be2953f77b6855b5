"""The named queries as RDF, the way public SPARQL example collections publish theirs.

Each ``queries/NAME.rq`` becomes ``id:query/NAME``, a ``sh:SPARQLExecutable`` and a
``sh:SPARQLSelectExecutable`` (or ``…Construct…``/``…Ask…``) with the query text in ``sh:select``
(``sh:construct``, ``sh:ask``), its title as ``rdfs:label``, its description as ``rdfs:comment``, the
endpoint it runs on as ``schema:target``, and one ``sh:parameter`` per ``# param:`` line (its variable
is the local name of ``sh:path``, as in SHACL-AF). The build writes these triples into the named graph
``graph:queries`` before validation, so they are checked by the shapes and land in every dump.

The IRIs use the default base (the freeze rewrites them to a configured one); ``schema:target`` is an
``xsd:anyURI`` literal because the endpoint's address (``<base>sparql``) is not a thing under ``id/``.

>>> from htkg.dataset.queries import parse_named_query
>>> q = parse_named_query("who-funds", '# title: Who funds\\n# param: org iri optional "By"\\nSELECT * {}')
>>> g = queries_graph({"who-funds": q})
>>> (URIRef(query_iri("who-funds")), RDF.type, SH.SPARQLSelectExecutable) in g
True
"""

from __future__ import annotations

from typing import Mapping

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SDO, SH, SKOS, XSD

from ..dataset.queries import NamedQuery
from ..iris import DEFAULT_BASE

__all__ = ["QUERIES_GRAPH", "queries_graph", "query_iri", "add_queries_graph"]

QUERIES_GRAPH = DEFAULT_BASE + "graph/queries"
_FORMS = {  # query form → (class, property holding the text)
    "select": (SH.SPARQLSelectExecutable, SH.select),
    "construct": (SH.SPARQLConstructExecutable, SH.construct),
    "describe": (SH.SPARQLConstructExecutable, SH.construct),
    "ask": (SH.SPARQLAskExecutable, SH.ask),
}
_DATATYPES = {"string": XSD.string, "integer": XSD.integer, "date": XSD.date}


def query_iri(name: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}id/query/{name}"


def queries_graph(queries: Mapping[str, NamedQuery], *, base: str = DEFAULT_BASE,
                  endpoint: str | None = None) -> Graph:
    """The triples describing ``queries`` (no blank nodes: the output is deterministic)."""
    g = Graph()
    target = Literal(endpoint or base + "sparql", datatype=XSD.anyURI)
    for name, q in queries.items():
        node = URIRef(query_iri(name, base))
        cls, text_property = _FORMS.get(q.form, _FORMS["select"])
        g.add((node, RDF.type, SH.SPARQLExecutable))
        g.add((node, RDF.type, cls))
        g.add((node, text_property, Literal(q.sparql)))
        g.add((node, RDFS.label, Literal(q.title, lang="en")))
        if q.description:
            g.add((node, RDFS.comment, Literal(q.description, lang="en")))
        g.add((node, SDO.target, target))
        for p in q.params:
            param = URIRef(f"{node}/{p.name.lower().replace('_', '-')}")
            path = URIRef(f"{node}#{p.name.lower().replace('_', '-')}")
            g.add((node, SH.parameter, param))
            g.add((param, RDF.type, SH.Parameter))
            g.add((param, SH.path, path))
            g.add((param, SH.name, Literal(p.name)))
            g.add((param, SH.optional, Literal(not p.required)))
            if p.help:
                g.add((param, SH.description, Literal(p.help, lang="en")))
            if p.type == "iri":
                g.add((param, SH.nodeKind, SH.IRI))
            else:
                g.add((param, SH.datatype, _DATATYPES[p.type]))
            if p.default is not None:
                g.add((param, SH.defaultValue, _value(p.type, p.default)))
            if p.example is not None:
                g.add((param, SKOS.example, _value(p.type, p.example)))
            g.add((path, RDF.type, RDF.Property))
            g.add((path, RDFS.label, Literal(p.name)))
    return g


def _value(kind: str, raw: str):
    return URIRef(raw) if kind == "iri" else Literal(raw, datatype=_DATATYPES[kind])


def add_queries_graph(ds, queries: Mapping[str, NamedQuery], *, endpoint: str | None = None) -> None:
    """Put the queries' triples into ``graph:queries`` of an rdflib Dataset."""
    graph = ds.graph(URIRef(QUERIES_GRAPH))
    for t in queries_graph(queries, endpoint=endpoint):
        graph.add(t)
