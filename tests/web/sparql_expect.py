"""Expected answers for SPARQL tests, computed on the release's own store (never hard-coded), and
parsers that turn a response body back into comparable values."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic

from htkg.formats import by_name
from htkg.store.oxigraph import run_query

# queries whose answers hold no blank nodes, so rows compare exactly whatever the format
SELECT = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label WHERE { ?s rdfs:label ?label FILTER(isIRI(?s)) } ORDER BY ?s ?label LIMIT 25"""
ASK_TRUE = "ASK { ?s ?p ?o }"
ASK_FALSE = "ASK { <urn:htkg:test:nothing> ?p ?o }"
CONSTRUCT = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?s rdfs:label ?label } WHERE { ?s rdfs:label ?label FILTER(isIRI(?s)) }"""


def describe_query(store) -> str:
    """DESCRIBE of the first IRI subject that has a label (chosen from the data, not named here)."""
    row = run_query(store.store, "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
                                 "FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 1").rows[0]
    return f"DESCRIBE <{row['s'].value}>"


def expected(store, query: str, **kwargs):
    return run_query(store.store, query, **kwargs)


def rows_of(body: bytes, fmt_name: str) -> list[tuple]:
    """A results body as a sorted list of rows of (variable, value) pairs, values as strings."""
    if fmt_name == "csv":
        reader = csv.DictReader(io.StringIO(body.decode("utf-8"), newline=""))
        return sorted(tuple(sorted((k, v) for k, v in row.items() if v != "")) for row in reader)
    fmt = getattr(ox.QueryResultsFormat, by_name(fmt_name).oxigraph)
    parsed = ox.parse_query_results(body, format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return [("boolean", bool(parsed))]
    names = [v.value for v in parsed.variables]
    return sorted(tuple(sorted((n, _text(sol[n])) for n in names if sol[n] is not None)) for sol in parsed)


def expected_rows(result) -> list[tuple]:
    if result.kind == "ask":
        return [("boolean", bool(result.boolean))]
    return sorted(tuple(sorted((k, _text(v)) for k, v in row.items())) for row in result.rows)


def _text(term) -> str:
    return term.value


def graph_of(body: bytes, fmt_name: str) -> Graph:
    """A graph-result body parsed by rdflib; TriG and N-Quads hold the triples in the default graph."""
    fmt = by_name(fmt_name)
    if fmt.name == "jsonld" or fmt.named_graphs:
        # pyoxigraph parses these: rdflib's JSON-LD and Dataset parsers warn of their own deprecations
        quads = ox.parse(body, format=getattr(ox.RdfFormat, fmt.oxigraph))
        nt = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)
        return Graph().parse(data=nt, format="nt")
    return Graph().parse(data=body, format=fmt.rdflib)


def expected_graph(result) -> Graph:
    nt = ox.serialize(result.triples if hasattr(result, "triples") else result, format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=nt, format="nt")


def same_graph(a: Graph, b: Graph) -> bool:
    return len(a) == len(b) and isomorphic(a, b)
