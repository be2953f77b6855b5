"""The build pipeline: materialized standard view, citations with positions, skolemization, the release files."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from htkg.compiler.compile import compile_files
from htkg.compiler.enrich import PROVENANCE_GRAPH
from htkg.compiler.sources import to_rdflib
from htkg.dataset.release import DUMP_FORMATS
from htkg.formats import by_name
from htkg.namespaces import HTKG, OA, ORG, SCHEMA
from htkg.store import open_store
from htkg.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "sources" / "ojp-related-resources.txt"

TINY = """
@prefix htkg: <https://w3id.org/htkg/def/> . @prefix orgs: <https://w3id.org/htkg/id/org/> .
@prefix graph: <https://w3id.org/htkg/graph/> . @prefix pg: <https://w3id.org/htkg/graph/page/> .
@prefix org: <http://www.w3.org/ns/org#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
graph:provenance { pg:t-ovc htkg:quote "Office for Victims of Crime (OVC)" . }
pg:t-ovc { orgs:t-ovc a htkg:TestUnit ; skos:prefLabel "Test OVC"@en ; org:subOrganizationOf orgs:t-ojp ;
           schema:hoursAvailable [ schema:opens "00:00:00" ] . }
"""
ONTOLOGY = """
@prefix htkg: <https://w3id.org/htkg/def/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
htkg:TestUnit rdfs:subClassOf htkg:TestMiddle . htkg:TestMiddle rdfs:subClassOf org:OrganizationalUnit .
org:subOrganizationOf rdfs:subPropertyOf schema:parentOrganization ; owl:inverseOf org:hasSubOrganization .
schema:parentOrganization owl:inverseOf schema:subOrganization .
"""


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "o.ttl").write_text(ONTOLOGY)
    (tmp_path / "d.trig").write_text(TINY)
    return _dataset(compile_files([tmp_path / "o.ttl", tmp_path / "d.trig"], sources=[SOURCE]))


def _dataset(store: ox.Store) -> rdflib.Dataset:
    """The compiled store as an rdflib Dataset, for rdflib's graph API in the assertions."""
    ds = rdflib.Dataset()
    for s, p, o, g in to_rdflib(store):
        ds.graph(g).add((s, p, o))
    return ds


def _graph(ds, name):
    return ds.graph(URIRef("https://w3id.org/htkg/graph/" + name))


def test_superclasses_are_materialized_transitively(tiny):
    g = _graph(tiny, "page/t-ovc")
    ovc = URIRef("https://w3id.org/htkg/id/org/t-ovc")
    assert {HTKG.TestUnit, HTKG.TestMiddle, ORG.OrganizationalUnit} <= set(g.objects(ovc, RDF.type))


def test_superproperties_and_inverses_land_in_the_same_graph(tiny):
    g = _graph(tiny, "page/t-ovc")
    ovc, ojp = URIRef("https://w3id.org/htkg/id/org/t-ovc"), URIRef("https://w3id.org/htkg/id/org/t-ojp")
    assert (ovc, SCHEMA.parentOrganization, ojp) in g
    assert (ojp, ORG.hasSubOrganization, ovc) in g
    assert (ojp, SCHEMA.subOrganization, ovc) in g  # inverse of the superproperty


def test_pref_label_gives_rdfs_label_and_schema_name(tiny):
    g = _graph(tiny, "page/t-ovc")
    ovc = URIRef("https://w3id.org/htkg/id/org/t-ovc")
    label = g.value(ovc, SKOS.prefLabel)
    assert g.value(ovc, RDFS.label) == label and g.value(ovc, SCHEMA.name) == label


def test_quote_becomes_a_citation_with_exact_position(tiny):
    prov = tiny.graph(PROVENANCE_GRAPH)
    text = SOURCE.read_text(encoding="utf-8")
    quote_node = prov.value(URIRef("https://w3id.org/htkg/graph/page/t-ovc"), URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
    selectors = list(prov.objects(quote_node, OA.hasSelector))
    pos = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in prov)
    start, end = int(prov.value(pos, OA.start)), int(prov.value(pos, OA.end))
    assert text[start:end] == "Office for Victims of Crime (OVC)"
    exact = next(s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in prov)
    assert str(prov.value(exact, OA.exact)) == text[start:end]
    assert text[:start].endswith(str(prov.value(exact, OA.prefix)))


def test_every_subject_of_a_page_graph_is_stated_in_it(tiny):
    prov = tiny.graph(PROVENANCE_GRAPH)
    assert (URIRef("https://w3id.org/htkg/id/org/t-ovc"), HTKG.statedIn,
            URIRef("https://w3id.org/htkg/graph/page/t-ovc")) in prov


def test_blank_nodes_get_the_same_names_every_time(tmp_path):
    (tmp_path / "o.ttl").write_text(ONTOLOGY)
    (tmp_path / "d.trig").write_text(TINY)
    names = []
    for _ in range(2):
        ds = _dataset(compile_files([tmp_path / "o.ttl", tmp_path / "d.trig"], sources=[SOURCE]))
        assert not any(isinstance(n, rdflib.BNode) for q in ds.quads() for n in q[:3])
        names.append(sorted({str(q[0]) for q in ds.quads() if "/.well-known/genid/" in str(q[0])}))
    assert names[0] == names[1] and len(names[0]) == 1


def test_manifest_lists_every_file_with_its_checksum(release_dir):
    manifest = json.loads((release_dir / "manifest.json").read_text())
    listed = {f["path"] for f in manifest["files"]}
    for name in DUMP_FORMATS:
        ext = by_name(name).extension
        assert f"dumps/htkg.{ext}" in listed and f"dumps/htkg.{ext}.gz" in listed
    for entry in manifest["files"]:
        data = (release_dir / entry["path"]).read_bytes()
        assert len(data) == entry["bytes"] and hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_version_is_the_hash_of_the_canonical_nquads(release_dir):
    manifest = json.loads((release_dir / "manifest.json").read_text())
    nq = (release_dir / "dumps" / "htkg.nq").read_bytes()
    assert manifest["version"] == hashlib.sha256(nq).hexdigest()[:12]
    lines = nq.decode().splitlines()
    assert lines == sorted(set(lines)), "N-Quads dump is not canonical (sorted, unique)"


@pytest.mark.parametrize("name", [n for n in DUMP_FORMATS])
def test_every_dump_holds_the_same_triples(release_dir, name):
    """Each dump and its .gz parse to the same graph (union of the named graphs) as the N-Quads."""
    ext = by_name(name).extension
    ref = {ox.Triple(q.subject, q.predicate, q.object)
           for q in ox.parse(path=str(release_dir / "dumps" / "htkg.nq"), format=ox.RdfFormat.N_QUADS)}
    fmt = getattr(ox.RdfFormat, by_name(name).oxigraph)
    for data in ((release_dir / "dumps" / f"htkg.{ext}").read_bytes(),
                 gzip.decompress((release_dir / "dumps" / f"htkg.{ext}.gz").read_bytes())):
        got = {ox.Triple(q.subject, q.predicate, q.object) if isinstance(q, ox.Quad) else q
               for q in ox.parse(data, format=fmt)}
        assert got == ref, f"{name} dump differs from the N-Quads"


def test_jsonld_dump_uses_the_published_context(release_dir):
    doc = json.loads((release_dir / "dumps" / "htkg.jsonld").read_text())
    ctx = json.loads((release_dir / "dumps" / "context.jsonld").read_text())["@context"]
    assert doc["@context"] == ctx


def test_invalid_data_writes_no_release(project_copy, tmp_path):
    """A shape violation stops the build before anything is written."""
    from htkg.compiler.pipeline import build_release
    from htkg.errors import ValidationFailed
    bad = project_copy / "data" / "zz-invalid.trig"
    bad.write_text(
        "@prefix htkg: <https://w3id.org/htkg/def/> . @prefix graph: <https://w3id.org/htkg/graph/> .\n"
        "graph:vocab { <https://w3id.org/htkg/id/org/zz> htkg:noSuchTerm 1 . }\n")
    out = tmp_path / "rel"
    with pytest.raises(ValidationFailed) as info:
        build_release(project_copy, out)
    assert "noSuchTerm" in info.value.report.text()
    assert not out.exists() and not any(p.name.startswith(".rel") for p in tmp_path.iterdir())


def test_quality_summary_points_at_the_published_report(release_dir):
    """The DQV annotation's body is the sh:ValidationReport node of quality/report.ttl."""
    summary = rdflib.Graph().parse(release_dir / "quality" / "summary.ttl")
    report = rdflib.Graph().parse(release_dir / "quality" / "report.ttl")
    bodies = set(summary.objects(None, OA.hasBody))
    reports = set(report.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#ValidationReport")))
    assert bodies and bodies == reports


def test_statistics_agree_with_sparql_over_the_released_store(release):
    """The manifest's counts, computed streaming from the sorted dumps, equal the store's own answers."""
    st, store = release.statistics, open_store(Settings(), release)

    def rows(q):
        return {r[k].value: int(r["n"].value) for r in store.query(q).rows for k in r if k != "n"}

    def one(q):
        return int(store.query(q).rows[0]["n"].value)

    assert st["quads"] == one("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert st["triples"] == one("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")
    assert st["entities"] == one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } }")
    assert st["graphs"] == rows("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert st["classes"] == rows("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c")
    assert st["properties"] == rows("SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                                    "WHERE { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?p")


def test_dumps_are_grouped_by_graph_and_subject(release_dir):
    """TriG holds one block per named graph; the N-Triples are the sorted, de-duplicated union."""
    trig = (release_dir / "dumps" / "htkg.trig").read_text(encoding="utf-8")
    graphs = {q.graph_name for q in ox.parse(path=str(release_dir / "dumps" / "htkg.nq"), format=ox.RdfFormat.N_QUADS)}
    opened = [line for line in trig.splitlines() if line.rstrip().endswith("{")]
    assert len(opened) == len(graphs)
    nt = (release_dir / "dumps" / "htkg.nt").read_text(encoding="utf-8").splitlines()
    assert nt == sorted(set(nt))


def test_a_failing_sort_names_the_cause_and_writes_nothing(tmp_path, monkeypatch):
    from htkg.compiler import freeze
    from htkg.compiler.pipeline import build_release
    from htkg.errors import HtkgError
    monkeypatch.setattr(freeze, "SORT_MEMORY", "not-a-size")
    out = tmp_path / "rel"
    with pytest.raises(HtkgError, match="sorting the dumps failed") as info:
        build_release(ROOT, out)
    assert "sort" in info.value.hint and "not-a-size" in str(info.value)
    assert list(tmp_path.iterdir()) == [], "a release, staging or work directory was left behind"
