"""Enrich: the standard-vocabulary view, citations and deterministic names for blank nodes.

Everything added goes into the graph of the triple it comes from, so a page fact's standard view
keeps the page's citation. See ``docs/conventions.md`` ("Materialized standard view").
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import RDF, RDFS, OWL, SKOS, PROV, DCTERMS, XSD

from ..errors import DataError
from ..iris import DEFAULT_BASE
from ..namespaces import HTKG, ID, GRAPH, OA, SCHEMA
from .sources import ONTOLOGY_GRAPH

__all__ = ["Ontology", "enrich", "PROVENANCE_GRAPH", "DEFAULT_SOURCE", "quote_position"]

PROVENANCE_GRAPH = URIRef(GRAPH["provenance"])
DEFAULT_SOURCE = URIRef(ID["source/ojp-related-resources"])
PAGE_PREFIX = str(GRAPH["page/"])
EXT_PREFIX = str(GRAPH["ext/"])
GENID = DEFAULT_BASE + ".well-known/genid/"
CONTEXT_CHARS = 32


@dataclass
class Ontology:
    """The closure of the ontology's class and property axioms, for materialization."""

    superclasses: dict[URIRef, set[URIRef]]
    superproperties: dict[URIRef, set[URIRef]]
    inverses: dict[URIRef, set[URIRef]]

    @classmethod
    def from_graph(cls, g) -> "Ontology":
        return cls(
            _closure(g, RDFS.subClassOf),
            _closure(g, RDFS.subPropertyOf),
            _inverses(g),
        )


def _closure(g, predicate) -> dict[URIRef, set[URIRef]]:
    direct: dict[URIRef, set[URIRef]] = defaultdict(set)
    for s, o in g.subject_objects(predicate):
        if isinstance(s, URIRef) and isinstance(o, URIRef) and s != o:
            direct[s].add(o)
    out: dict[URIRef, set[URIRef]] = {}
    for start in direct:
        seen, todo = set(), list(direct[start])
        while todo:
            n = todo.pop()
            if n in seen or n == start:
                continue
            seen.add(n)
            todo.extend(direct.get(n, ()))
        out[start] = seen
    return out


def _inverses(g) -> dict[URIRef, set[URIRef]]:
    out: dict[URIRef, set[URIRef]] = defaultdict(set)
    for a, b in g.subject_objects(OWL.inverseOf):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            out[a].add(b)
            out[b].add(a)
    return dict(out)


def enrich(ds: Dataset, sources: dict[URIRef, tuple[Path, str]] | None = None) -> Dataset:
    """Materialize in place; ``sources`` maps a source document IRI to (text file, its text)."""
    skolemize(ds)
    ontology = Ontology.from_graph(ds.graph(ONTOLOGY_GRAPH))
    for graph in list(ds.graphs()):
        if graph.identifier in (ONTOLOGY_GRAPH,):
            continue
        _materialize(graph, ontology)
    _cite(ds, sources or {})
    _stated_in(ds)
    return ds


def _materialize(graph, ont: Ontology) -> None:
    """To a fixpoint, looking at each triple once: a derived triple (an inverse may have superproperties
    of its own) is queued only when it is new."""
    todo = list(graph)
    while todo:
        new = []
        for t in _derived(todo, ont):
            if t not in graph:
                graph.add(t)
                new.append(t)
        todo = new


def _derived(triples, ont: Ontology):
    for s, p, o in triples:
        if p == RDF.type and isinstance(o, URIRef):
            yield from ((s, RDF.type, c) for c in ont.superclasses.get(o, ()))
            continue
        if p == SKOS.prefLabel:
            yield s, RDFS.label, o
            yield s, SCHEMA.name, o
        props = {p} | ont.superproperties.get(p, set())
        yield from ((s, q, o) for q in props if q != p)
        if isinstance(o, (URIRef, BNode)):
            for q in props:
                yield from ((o, inv, s) for inv in ont.inverses.get(q, ()))


def quote_position(text: str, quote: str) -> int | None:
    i = text.find(quote)
    return None if i < 0 else i


def _cite(ds: Dataset, sources: dict[URIRef, tuple[Path, str]]) -> None:
    prov = ds.graph(PROVENANCE_GRAPH)
    for g, quote in sorted(prov.subject_objects(HTKG.quote)):
        doc = prov.value(g, HTKG.quotedFrom) or DEFAULT_SOURCE
        if doc not in sources:
            raise DataError("data/", f"{g} quotes {doc}, but there is no text file for it in data/sources/",
                            hint="add data/sources/<slug>.txt for the document id:source/<slug>")
        path, text = sources[doc]
        start = quote_position(text, str(quote))
        if start is None:
            raise DataError(path, f"the quote of {g} does not occur in the source text: {str(quote)!r}",
                            hint="copy the phrase character for character from the source text")
        end = start + len(str(quote))
        q = URIRef(f"{doc}/quote/{str(g).rsplit('/', 1)[-1]}")
        tq, tp = URIRef(f"{q}#text-quote"), URIRef(f"{q}#text-position")
        for t in (
            (g, RDF.type, PROV.Bundle), (g, PROV.wasDerivedFrom, q), (g, DCTERMS.source, doc),
            (q, RDF.type, OA.SpecificResource), (q, RDF.type, PROV.Entity),
            (q, OA.hasSource, doc), (q, PROV.value, quote), (q, PROV.wasQuotedFrom, doc),
            (q, OA.hasSelector, tq), (q, OA.hasSelector, tp),
            (tq, RDF.type, OA.TextQuoteSelector), (tq, OA.exact, quote),
            (tq, OA.prefix, Literal(text[max(0, start - CONTEXT_CHARS):start])),
            (tq, OA.suffix, Literal(text[end:end + CONTEXT_CHARS])),
            (tp, RDF.type, OA.TextPositionSelector),
            (tp, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)),
            (tp, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)),
        ):
            prov.add(t)
    for g in {c.identifier for c in ds.graphs()}:
        gs = str(g)
        if gs.startswith(EXT_PREFIX):
            prov.add((g, RDF.type, PROV.Bundle))
            for src in prov.objects(g, DCTERMS.source):
                prov.add((g, PROV.wasDerivedFrom, src))


def _stated_in(ds: Dataset) -> None:
    """``S htkg:statedIn G`` for every IRI subject of a page/ext graph, so SHACL (which sees the union) can check provenance."""
    prov = ds.graph(PROVENANCE_GRAPH)
    for graph in list(ds.graphs()):
        gs = str(graph.identifier)
        if gs.startswith(PAGE_PREFIX) or gs.startswith(EXT_PREFIX):
            for s in set(graph.subjects()):
                if isinstance(s, URIRef):
                    prov.add((s, HTKG.statedIn, graph.identifier))


def skolemize(ds: Dataset) -> None:
    """Replace blank nodes with IRIs derived from their surroundings (same data → same IRIs)."""
    for graph in list(ds.graphs()):
        bnodes = {n for t in graph for n in (t[0], t[2]) if isinstance(n, BNode)}
        if not bnodes:
            continue
        sig = {b: _signature(graph, b, {}) for b in bnodes}
        sig = {b: _signature(graph, b, sig) for b in bnodes}
        names = {b: URIRef(GENID + hashlib.sha256((str(graph.identifier) + sig[b]).encode()).hexdigest()[:16])
                 for b in bnodes}
        triples = [(names.get(s, s), p, names.get(o, o)) for s, p, o in graph]
        graph.remove((None, None, None))
        for t in triples:
            graph.add(t)


def _signature(graph, b, known: dict) -> str:
    def show(n):
        return known.get(n, "_") if isinstance(n, BNode) else n.n3()
    out = sorted(f"{p.n3()} {show(o)}" for p, o in graph.predicate_objects(b))
    inc = sorted(f"{show(s)} {p.n3()}" for s, p in graph.subject_predicates(b))
    return "|".join(out) + "||" + "|".join(inc)
