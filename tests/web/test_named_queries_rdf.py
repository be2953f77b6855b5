"""The named queries as RDF: at /queries by content negotiation, in the dumps, findable by SPARQL, checked by the shapes."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from htkg.compiler.sources import to_rdflib
from htkg.dataset.queries import load_queries
from htkg.publish.queries_rdf import QUERIES_GRAPH, query_iri
from htkg.store import open_store
from htkg.config import Settings

ROOT = Path(__file__).resolve().parents[2]
QUERIES = load_queries(ROOT / "queries")


def _check(graph: Graph) -> None:
    assert len(QUERIES) >= 10
    executables = set(graph.subjects(RDF.type, SH.SPARQLExecutable))
    assert executables == {URIRef(query_iri(name)) for name in QUERIES}
    for name, q in QUERIES.items():
        node = URIRef(query_iri(name))
        assert (node, RDF.type, SH.SPARQLSelectExecutable) in graph
        assert str(graph.value(node, SH.select)) == q.sparql
        assert graph.value(node, RDFS.label) == Literal(q.title, lang="en")
        assert graph.value(node, RDFS.comment) == Literal(q.description, lang="en")
        names = {str(graph.value(p, SH.name)) for p in graph.objects(node, SH.parameter)}
        assert names == {p.name for p in q.params}
        for p in graph.objects(node, SH.parameter):
            path = graph.value(p, SH.path)
            # SHACL-AF: the variable is the local name of sh:path
            assert str(path).rsplit("#", 1)[-1] == str(graph.value(p, SH.name))


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                        ("application/n-triples", "nt"), ("application/rdf+xml", "xml")])
def test_catalog_by_content_negotiation(client, accept, fmt):
    resp = client.get("/queries", headers={"Accept": accept})
    assert resp.status_code == 200 and resp.mimetype == accept
    assert "Accept" in resp.headers["Vary"]
    if fmt == "json-ld":  # rdflib's JSON-LD parser warns (deprecated ConjunctiveGraph): parse with pyoxigraph
        graph = Graph()
        for s, p, o, _g in to_rdflib(ox.parse(resp.data, format=ox.RdfFormat.JSON_LD)):
            graph.add((s, p, o))
    else:
        graph = Graph().parse(data=resp.data, format=fmt)
    _check(graph)


def test_catalog_html_lists_every_query(client):
    html = client.get("/queries", headers={"Accept": "text/html"}).get_data(as_text=True)
    for name, q in QUERIES.items():
        assert f'href="/queries/{name}"' in html
        for p in q.params:
            assert f"<code>{p.name}</code>" in html


def test_queries_graph_is_in_the_dumps(release):
    graph = Graph()
    quads = ox.parse(release.file("dumps/htkg.trig").read_bytes(), format=ox.RdfFormat.TRIG)
    for s, p, o, g in to_rdflib(quads):
        if g == URIRef(QUERIES_GRAPH):
            graph.add((s, p, o))
    _check(graph)


def test_queries_are_findable_by_sparql(reference_store):
    rows = reference_store.query("""
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?q ?title WHERE { GRAPH ?g { ?q a sh:SPARQLExecutable ; rdfs:label ?title ; sh:select ?text } }""").rows
    assert {r["title"].value for r in rows} == {q.title for q in QUERIES.values()}


@pytest.fixture(scope="module")
def reference_store(release):
    return open_store(Settings(), release)


def test_shapes_check_the_queries_graph(project_copy):
    """A query whose example names a thing that does not exist makes validation fail."""
    from htkg.compiler.pipeline import check_project
    (project_copy / "queries" / "broken-example.rq").write_text(
        '# title: Broken example\n# param: org iri optional "An org" example=https://w3id.org/htkg/id/org/no-such-org\n'
        "SELECT ?org WHERE { ?org ?p ?o }\n", encoding="utf-8")
    report = check_project(project_copy).report
    assert not report.conforms
    assert any("no-such-org" in (r.value or "") + r.message for r in report.violations)
