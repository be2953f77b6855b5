"""The SPARQL 1.1 Service Description of the endpoint, as an rdflib graph (no web framework here).

It says what the endpoint offers (languages, result formats, the union default graph, the named
graphs with their triple counts from the release's statistics) and what it refuses: updates,
``SERVICE``, and ``FROM``/``FROM NAMED`` naming anything but its own graphs are answered with a 4xx
and never fetched.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from ..formats import RDF_DATASET_FORMATS, RDF_GRAPH_FORMATS, RESULT_FORMATS
from ..namespaces import SD

__all__ = ["service_description", "FORMAT_IRIS", "POLICY"]

_W3C_FORMATS = "http://www.w3.org/ns/formats/"
# W3C's unique URIs for file formats (https://www.w3.org/ns/formats/)
FORMAT_IRIS = {
    "json": _W3C_FORMATS + "SPARQL_Results_JSON", "xml": _W3C_FORMATS + "SPARQL_Results_XML",
    "csv": _W3C_FORMATS + "SPARQL_Results_CSV", "tsv": _W3C_FORMATS + "SPARQL_Results_TSV",
    "turtle": _W3C_FORMATS + "Turtle", "ntriples": _W3C_FORMATS + "N-Triples",
    "rdfxml": _W3C_FORMATS + "RDF_XML", "jsonld": _W3C_FORMATS + "JSON-LD",
    "trig": _W3C_FORMATS + "TriG", "nquads": _W3C_FORMATS + "N-Quads",
}

POLICY = ("Read-only. SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY) is refused "
          "with 403, and so is SERVICE anywhere in a query: no other service is ever contacted. "
          "FROM, FROM NAMED, default-graph-uri and named-graph-uri may name only this store's named graphs; "
          "any other IRI is refused with 400 and nothing is ever loaded from outside. "
          "The default graph is the union of the named graphs.")


def service_description(endpoint: str, statistics: dict, *, version: str | None = None,
                        timeout: float | None = None) -> Graph:
    """The SD graph for ``endpoint`` (its public URL), from a release manifest's ``statistics``."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("dct", DCTERMS)
    svc = URIRef(endpoint)
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, svc))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((svc, SD.feature, SD.UnionDefaultGraph))
    g.add((svc, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    for fmt in RESULT_FORMATS + RDF_GRAPH_FORMATS + RDF_DATASET_FORMATS:
        g.add((svc, SD.resultFormat, URIRef(FORMAT_IRIS[fmt.name])))
    g.add((svc, DCTERMS.title, Literal("htkg SPARQL 1.1 query endpoint", lang="en")))
    limits = f" Queries are stopped after {timeout:g} s (a client may ask for less with ?timeout=)." if timeout else ""
    g.add((svc, RDFS.comment, Literal(POLICY + limits, lang="en")))

    dataset = BNode("defaultDataset")
    g.add((svc, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    if version:
        g.add((dataset, DCTERMS.hasVersion, Literal(version)))
    default = BNode("defaultGraph")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(int(statistics.get("triples", 0)), datatype=XSD.integer)))
    for i, (name, count) in enumerate(sorted(statistics.get("graphs", {}).items())):
        named = BNode(f"namedGraph{i}")
        graph = BNode(f"graph{i}")
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(int(count), datatype=XSD.integer)))
    return g
