"""Enrich: the standard-vocabulary view, citations, the claims ledger and deterministic names for blank nodes.

Works on a pyoxigraph store (in memory or on disk) and streams: the data are read once, quad by quad,
and what is derived is written to a temporary N-Quads file and bulk-loaded, so memory does not grow
with the data. Everything added goes into the graph of the triple it comes from, so a page fact's
standard view keeps the page's citation. See ``docs/conventions.md`` ("Materialized standard view").
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox
from rdflib import BNode, Dataset, URIRef
from rdflib.namespace import RDF, RDFS, OWL, SKOS, PROV, DCTERMS, XSD

from ..errors import DataError
from ..iris import DEFAULT_BASE
from ..namespaces import HTKG, ID, GRAPH, OA, SCHEMA
from ..dataset.axioms import Ontology
from .ledger import claim_standings
from .sources import ONTOLOGY_GRAPH, to_ox_quads, to_rdflib

__all__ = ["Ontology", "enrich", "skolemize", "PROVENANCE_GRAPH", "DEFAULT_SOURCE", "quote_position"]

PROVENANCE_GRAPH = URIRef(GRAPH["provenance"])
DEFAULT_SOURCE = URIRef(ID["source/ojp-related-resources"])
PAGE_PREFIX = str(GRAPH["page/"])
EXT_PREFIX = str(GRAPH["ext/"])
GENID = DEFAULT_BASE + ".well-known/genid/"
CONTEXT_CHARS = 32

_N = ox.NamedNode
_TYPE, _LABEL, _NAME, _PREF = _N(str(RDF.type)), _N(str(RDFS.label)), _N(str(SCHEMA.name)), _N(str(SKOS.prefLabel))
_PROV, _ONTOLOGY = _N(str(PROVENANCE_GRAPH)), _N(str(ONTOLOGY_GRAPH))


def _ontology_of(store: ox.Store) -> Ontology:
    """The closure of the class and property axioms of the store's ontology graph."""
    def pairs(predicate) -> list[tuple[str, str]]:
        return [(q.subject.value, q.object.value)
                for q in store.quads_for_pattern(None, _N(str(predicate)), None, _ONTOLOGY)
                if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)]
    return Ontology.from_pairs(pairs(RDFS.subClassOf), pairs(RDFS.subPropertyOf), pairs(OWL.inverseOf))


def enrich(store: ox.Store, sources: dict[URIRef, tuple[Path, str]] | None = None,
           work_dir: Path | None = None) -> ox.Store:
    """Materialize in place; ``sources`` maps a source document IRI to (text file, its text).

    ``work_dir`` holds the temporary files of derived quads (default: the system's temporary folder).
    """
    with tempfile.TemporaryDirectory(prefix="htkg-enrich-", dir=work_dir) as tmp:
        skolemize_store(store)
        ontology = _ontology_of(store)
        store.extend(claim_standings(store))     # before the standard view, which adds its dct:type
        _bulk_add(store, _materialized(store, ontology), Path(tmp) / "derived.nq")
        store.extend(_citations(store, sources or {}))
        _bulk_add(store, _stated_in(store), Path(tmp) / "stated-in.nq")
    return store


def _bulk_add(store: ox.Store, quads: Iterator[ox.Quad], path: Path) -> None:
    """Write ``quads`` to a file first (the store must not change while it is being read), then load it."""
    ox.serialize(quads, output=str(path), format=ox.RdfFormat.N_QUADS)
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)


def _materialized(store: ox.Store, ont: Ontology) -> Iterator[ox.Quad]:
    nodes: dict[str, ox.NamedNode] = {}

    def node(iri: str) -> ox.NamedNode:
        n = nodes.get(iri)
        if n is None:
            n = nodes[iri] = _N(iri)
        return n

    for q in store.quads_for_pattern(None, None, None, None):
        if q.graph_name == _ONTOLOGY:
            continue
        s, p, o, g = q.subject, q.predicate, q.object, q.graph_name
        if p == _TYPE:
            if isinstance(o, ox.NamedNode):
                for c in ont.superclasses.get(o.value, ()):
                    yield ox.Quad(s, _TYPE, node(c), g)
            continue
        for predicate, flipped in ont.derived(p.value, isinstance(o, ox.Literal)):
            if predicate == str(RDF.type):
                continue
            yield ox.Quad(o, node(predicate), s, g) if flipped else ox.Quad(s, node(predicate), o, g)


def quote_position(text: str, quote: str) -> int | None:
    i = text.find(quote)
    return None if i < 0 else i


def _citations(store: ox.Store, sources: dict[URIRef, tuple[Path, str]]) -> list[ox.Quad]:
    """A text-quote and a text-position selector for every ``htkg:quote``; ext graphs as ``prov:Bundle``s."""
    out: list[ox.Quad] = []

    def add(s, p, o) -> None:
        out.append(ox.Quad(s, _N(str(p)) if not isinstance(p, ox.NamedNode) else p, o, _PROV))

    bundle = _N(str(PROV.Bundle))
    rows = store.query(f"""SELECT ?g ?quote (SAMPLE(?from) AS ?doc) WHERE {{ GRAPH <{PROVENANCE_GRAPH}> {{
        ?g <{HTKG.quote}> ?quote OPTIONAL {{ ?g <{HTKG.quotedFrom}> ?from }} }} }} GROUP BY ?g ?quote""")
    for g, quote, doc in sorted(((r["g"], r["quote"], r["doc"]) for r in rows), key=lambda r: (str(r[0]), str(r[1]))):
        doc = URIRef(doc.value) if doc is not None else DEFAULT_SOURCE
        if doc not in sources:
            raise DataError("data/", f"{g.value} quotes {doc}, but there is no text file for it in data/sources/",
                            hint="add data/sources/<slug>.txt for the document id:source/<slug>")
        path, text = sources[doc]
        start = quote_position(text, quote.value)
        if start is None:
            raise DataError(path, f"the quote of {g.value} does not occur in the source text: {quote.value!r}",
                            hint="copy the phrase character for character from the source text")
        end = start + len(quote.value)
        q = _N(f"{doc}/quote/{g.value.rsplit('/', 1)[-1]}")
        tq, tp, d = _N(f"{q.value}#text-quote"), _N(f"{q.value}#text-position"), _N(str(doc))
        nonneg = _N(str(XSD.nonNegativeInteger))
        for t in (
            (g, RDF.type, bundle), (g, PROV.wasDerivedFrom, q), (g, DCTERMS.source, d),
            (q, RDF.type, _N(str(OA.SpecificResource))), (q, RDF.type, _N(str(PROV.Entity))),
            (q, OA.hasSource, d), (q, PROV.value, quote), (q, PROV.wasQuotedFrom, d),
            (q, OA.hasSelector, tq), (q, OA.hasSelector, tp),
            (tq, RDF.type, _N(str(OA.TextQuoteSelector))), (tq, OA.exact, quote),
            (tq, OA.prefix, ox.Literal(text[max(0, start - CONTEXT_CHARS):start])),
            (tq, OA.suffix, ox.Literal(text[end:end + CONTEXT_CHARS])),
            (tp, RDF.type, _N(str(OA.TextPositionSelector))),
            (tp, OA.start, ox.Literal(str(start), datatype=nonneg)),
            (tp, OA.end, ox.Literal(str(end), datatype=nonneg)),
        ):
            add(*t)
    for g in store.named_graphs():
        if isinstance(g, ox.NamedNode) and g.value.startswith(EXT_PREFIX):
            add(g, RDF.type, bundle)
            for q in store.quads_for_pattern(g, _N(str(DCTERMS.source)), None, _PROV):
                add(g, PROV.wasDerivedFrom, q.object)
    return out


def _stated_in(store: ox.Store) -> Iterator[ox.Quad]:
    """``S htkg:statedIn G`` for every IRI subject of a page/ext graph, so SHACL (which sees the union) can check provenance."""
    stated_in = _N(str(HTKG.statedIn))
    rows = store.query(f"""SELECT DISTINCT ?s ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER(isIRI(?s) && (STRSTARTS(STR(?g), "{PAGE_PREFIX}") || STRSTARTS(STR(?g), "{EXT_PREFIX}"))) }}""")
    for r in rows:
        yield ox.Quad(r["s"], stated_in, r["g"], _PROV)


def skolemize_store(store: ox.Store) -> None:
    """Name the blank nodes of every graph that has any (see :func:`skolemize`), graph by graph."""
    rows = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isBlank(?s) || isBlank(?o)) }")
    for g in [r["g"] for r in rows]:
        ds = Dataset()
        graph_name = URIRef(g.value)
        graph = ds.graph(graph_name)
        for s, p, o, _ in to_rdflib(store.quads_for_pattern(None, None, None, g)):
            graph.add((s, p, o))
        skolemize(ds)
        store.clear_graph(g)
        store.extend(to_ox_quads(ds))


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
