"""VoID, the DCAT 3 catalog, data.json and /quality, as served: counts derived from the store, graphs compared as graphs."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, VOID

from htkg.formats import RDF_GRAPH_FORMATS
from htkg.publish.metadata import validate_data_json
from rdf_parse import parse_graph
from htkg.store import open_store
from htkg.config import Settings

DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
BASE = "https://w3id.org/htkg/"
DATASET = URIRef(BASE + "dataset")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "catalog.md"
PREFIXES = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": "http://xmlns.com/foaf/0.1/", "dcatap": str(DCATAP)}


def _graph(client, path, accept="text/turtle", **kw) -> Graph:
    resp = client.get(path, headers={"Accept": accept}, **kw)
    assert resp.status_code == 200, resp.data[:300]
    return parse_graph(resp.data, "turtle")


def _count(store, sparql: str) -> int:
    return int(store.query(sparql).rows[0]["n"].value)


@pytest.fixture(scope="module")
def release_store(release):
    return open_store(Settings(), release)


def test_void_counts_equal_sparql_counts(client, release_store):
    g = _graph(client, "/.well-known/void")
    st = release_store
    assert g.value(DATASET, VOID.triples).toPython() == _count(
        st, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
    assert g.value(DATASET, VOID.entities).toPython() == _count(
        st, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?t }")
    classes = list(g.objects(DATASET, VOID.classPartition))
    properties = list(g.objects(DATASET, VOID.propertyPartition))
    assert len(classes) == _count(st, "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?s a ?t }") >= 10
    assert len(properties) == _count(st, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }") >= 10
    for part in classes:
        cls = g.value(part, VOID["class"])
        assert g.value(part, VOID.entities).toPython() == _count(
            st, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{cls}> }}"), cls
    for part in properties:
        prop = g.value(part, VOID.property)
        assert g.value(part, VOID.triples).toPython() == _count(
            st, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ ?s <{prop}> ?o }} }}"), prop


def test_void_links_follow_the_request_host_and_identifiers_stay_under_the_base(client, release):
    g = _graph(client, "/.well-known/void", base_url="http://harvest.example:8123/")
    assert g.value(DATASET, VOID.sparqlEndpoint) == URIRef("http://harvest.example:8123/sparql")
    dumps = {str(o) for o in g.objects(DATASET, VOID.dataDump)}
    assert dumps == {"http://harvest.example:8123/" + f["path"] for f in release.files()
                     if f["path"].startswith("dumps/htkg.") and not f.get("encoding")}
    assert str(g.value(DATASET, VOID.uriSpace)) == BASE + "id/"
    examples = list(g.objects(DATASET, VOID.exampleResource))
    assert examples and all(str(e).startswith(BASE + "id/") for e in examples)
    vocabularies = {str(v) for v in g.objects(DATASET, VOID.vocabulary)}
    assert {"http://www.w3.org/ns/org#", "https://schema.org/", BASE + "def/"} <= vocabularies


def test_void_written_into_the_release_has_the_base_addresses(release):
    g = Graph().parse(release.file("void.ttl"), format="turtle")
    assert g.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    listed = {f["path"]: f for f in release.files()}
    for name in ("void.ttl", "catalog.ttl", "data.json"):
        import hashlib
        assert hashlib.sha256(release.file(name).read_bytes()).hexdigest() == listed[name]["sha256"]


def test_catalog_has_a_checksummed_distribution_per_dump(client, release):
    g = _graph(client, "/catalog")
    dumps = [f for f in release.files() if f["path"].startswith("dumps/htkg.")]
    by_url = {str(g.value(d, DCAT.downloadURL)): d for d in g.objects(DATASET, DCAT.distribution)
              if g.value(d, DCAT.downloadURL) is not None}
    assert len(by_url) == len(dumps) == 12
    for f in dumps:
        dist = by_url["http://localhost/" + f["path"]]
        checksum = g.value(dist, SPDX.checksum)
        assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(g.value(checksum, SPDX.checksumValue)) == f["sha256"]
        assert g.value(dist, DCAT.byteSize).toPython() == f["bytes"]
        downloaded = client.get("/" + f["path"])
        assert downloaded.status_code == 200
        downloaded.close()
    service = g.value(URIRef(BASE + "catalog"), DCAT.service)
    assert g.value(service, DCAT.endpointURL) == URIRef("http://localhost/sparql")
    assert (service, DCAT.servesDataset, DATASET) in g


def test_catalog_themes_are_the_topic_scheme(client, release_store):
    g = _graph(client, "/catalog")
    themes = set(g.objects(DATASET, DCAT.theme))
    topics = {URIRef(r["c"].value) for r in release_store.query(
        f"SELECT DISTINCT ?c WHERE {{ <{BASE}id/scheme/topics> <http://www.w3.org/2004/02/skos/core#hasTopConcept> ?c }}").rows}
    assert topics and topics <= themes
    assert g.value(URIRef(BASE + "catalog"), DCAT.themeTaxonomy) == URIRef(BASE + "id/scheme/topics")


def _profile_rows() -> list[tuple[str, str]]:
    rows = re.findall(r"^\| (dcat:\w+) \| (\w+:\w+) \| ([MRO–-]) \| ([MRO–-]) \|", DOCS.read_text(), re.M)
    assert len(rows) >= 30, "the DCAT-AP/DCAT-US table in docs/catalog.md"
    return [(cls, prop) for cls, prop, ap, us in rows if "M" in (ap, us) or "R" in (ap, us)]


def test_every_mandatory_and_recommended_property_of_the_docs_table_is_present(client):
    g = _graph(client, "/catalog")
    expand = lambda curie: URIRef(PREFIXES[curie.split(":")[0]] + curie.split(":")[1])  # noqa: E731
    for cls, prop in _profile_rows():
        instances = list(g.subjects(RDF.type, expand(cls)))
        assert instances, cls
        for x in instances:
            assert g.value(x, expand(prop)) is not None, f"{x} ({cls}) has no {prop}"


@pytest.mark.server
@pytest.mark.parametrize("path", ["/catalog", "/.well-known/void", "/quality"])
def test_catalog_formats_agree_on_a_real_server(server, path):
    graphs = {}
    for fmt in RDF_GRAPH_FORMATS:
        req = urllib.request.Request(server.url + path, headers={"Accept": fmt.media_type})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.headers["Content-Type"].split(";")[0] == fmt.media_type
            graphs[fmt.name] = parse_graph(r.read(), fmt.rdflib)
    reference = graphs.pop("turtle")
    assert len(reference) > 10
    for name, g in graphs.items():
        assert isomorphic(g, reference), f"{path} as {name} differs from Turtle"
    with urllib.request.urlopen(urllib.request.Request(server.url + path, headers={"Accept": "text/html"}),
                                timeout=30) as r:
        assert r.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path,accept,status,ctype", [
    ("/catalog", "", 200, "text/turtle"),
    ("/catalog", "text/html", 200, "text/html"),
    ("/catalog", "application/rdf+xml", 200, "application/rdf+xml"),
    ("/catalog.jsonld", "", 200, "application/ld+json"),
    ("/catalog", "image/png", 406, "application/json"),
    ("/catalog.exe", "", 404, "application/json"),
    ("/.well-known/void", "", 200, "text/turtle"),
    ("/.well-known/void", "text/html", 200, "text/html"),
    ("/data.json", "", 200, "application/json"),
    ("/quality", "text/html", 200, "text/html"),
    ("/quality", "text/turtle", 200, "text/turtle"),
    ("/quality.nt", "", 200, "application/n-triples"),
])
def test_http_cases(client, path, accept, status, ctype):
    resp = client.get(path, headers={"Accept": accept})
    assert resp.status_code == status
    assert resp.headers["Content-Type"].split(";")[0] == ctype
    if status == 200:
        etag = resp.headers["ETag"]
        assert client.get(path, headers={"Accept": accept, "If-None-Match": etag}).status_code == 304


def test_data_json_is_valid_pod_v1_1(client, release):
    doc = client.get("/data.json", base_url="http://portal.example/").get_json()
    assert validate_data_json(doc) == []
    dataset = doc["dataset"][0]
    urls = {d.get("downloadURL") for d in dataset["distribution"]}
    for f in release.files():
        if f["path"].startswith("dumps/htkg."):
            assert "http://portal.example/" + f["path"] in urls
    assert any(d.get("accessURL") == "http://portal.example/sparql" for d in dataset["distribution"])
    # the release's own copy is valid too
    assert validate_data_json(json.loads(release.file("data.json").read_text())) == []


@pytest.mark.parametrize("breakage", ["no title", "bad bureau code", "bad access level", "no conformsTo"])
def test_schema_check_catches_broken_data_json(client, breakage):
    doc = client.get("/data.json").get_json()
    ds = doc["dataset"][0]
    if breakage == "no title":
        del ds["title"]
    elif breakage == "bad bureau code":
        ds["bureauCode"] = ["15"]
    elif breakage == "bad access level":
        ds["accessLevel"] = "open"
    else:
        del doc["conformsTo"]
    assert validate_data_json(doc), f"{breakage} passed the schema"


def test_quality_page_shows_the_report(client, release):
    html = client.get("/quality", headers={"Accept": "text/html"}).data.decode()
    conforms = release.manifest["validation"]["conforms"]
    assert f"<th scope=\"row\">conforms</th><td>{'yes' if conforms else 'no'}</td>" in html
    g = _graph(client, "/quality")
    sh = Namespace("http://www.w3.org/ns/shacl#")
    report = next(g.subjects(RDF.type, sh.ValidationReport))
    assert g.value(report, sh.conforms) == Literal(conforms)
    dqv = Namespace("http://www.w3.org/ns/dqv#")
    assert list(g.subjects(RDF.type, dqv.QualityMeasurement))


@pytest.mark.parametrize("trust,expected", [(True, "https://data.example.gov/htkg/"), (False, "http://localhost/")])
def test_public_urls_follow_the_proxy_only_when_trusted(release_dir, trust, expected):
    from htkg.config import Settings
    from htkg.web import create_app
    client = create_app(Settings(release_dir=str(release_dir), trust_proxy=trust)).test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.gov",
               "X-Forwarded-Prefix": "/htkg", "Accept": "text/turtle"}
    g = parse_graph(client.get("/.well-known/void", headers=headers).data, "turtle")
    assert g.value(DATASET, VOID.sparqlEndpoint) == URIRef(expected + "sparql")
    doc = client.get("/data.json", headers=headers).get_json()
    assert doc["@id"] == expected + "data.json"
    assert g.value(DATASET, VOID.uriSpace) == Literal(BASE + "id/")


def test_quality_report_nodes_dereference(client):
    g = _graph(client, "/quality")
    sh = Namespace("http://www.w3.org/ns/shacl#")
    report = next(g.subjects(RDF.type, sh.ValidationReport))
    path = "/" + str(report)[len(BASE):]
    resp = client.get(path, headers={"Accept": "text/turtle"})
    assert resp.status_code == 200, path
    assert (report, sh.conforms, None) in parse_graph(resp.data, "turtle")


def test_many_host_names_do_not_grow_the_cache(app):
    from htkg.web.site import Site
    client = app.test_client()
    for i in range(30):
        assert client.get("/.well-known/void", base_url=f"http://host{i}.example/").status_code == 200
    site: Site = app.extensions["htkg"]
    caches = [v for k, v in site.extras.items() if isinstance(k, tuple) and k[0] == "per-root"]
    assert caches and all(len(v) <= 8 for v in caches)


@pytest.mark.parametrize("doc", ["/quality", "/catalog", "/.well-known/void"])
def test_every_iri_under_the_base_in_the_metadata_dereferences(client, doc):
    """/quality linked /def/shaclConformance and /def/shaclViolationCount, which were 404."""
    g = _graph(client, doc)
    iris = {str(t) for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(BASE)}
    assert iris
    broken = []
    for iri in sorted(iris):
        resp = client.get("/" + iri[len(BASE):], headers={"Accept": "text/turtle"})
        if resp.status_code != 200:
            broken.append((resp.status_code, iri))
        resp.close()
    assert broken == []


def _html(client, path) -> str:
    resp = client.get(path, headers={"Accept": "text/html"})
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_catalog_page_opens_with_what_the_dataset_is_and_how_to_get_it(client, release):
    html = _html(client, "/catalog")
    summary = html[:html.index("<table")]           # before the first table
    assert "Human Trafficking Knowledge Graph" in summary and "anti-trafficking" in summary
    assert f"{release.statistics['triples']:,} statements" in summary
    download = re.search(r'<strong>Download</strong>[^<]*<a href="(/dumps/[^"]+)"', summary).group(1)
    resp = client.get(download)
    assert resp.status_code == 200
    resp.close()
    assert 'href="/dumps/"' in summary and "/sparql" in summary and 'href="/data.json"' in summary


def test_quality_page_opens_with_the_verdict_and_the_counts(client, release):
    html = _html(client, "/quality")
    summary = html[:html.index("<table")]
    v = release.manifest["validation"]
    verdict = "passes every check" if v["conforms"] else f"has {v['violations']} violation"
    assert verdict in summary
    assert f"<strong>{v['violations']} violation" in summary


def test_a_release_built_with_placeholders_says_so_at_build_time_and_on_quality(client, release, tmp_path):
    """bureauCode, programCode, publisher and contact are settings; left unset, the build and /quality say so."""
    from click.testing import CliRunner
    from htkg.cli import cli
    assert {p["setting"] for p in release.manifest["metadata_placeholders"]} == {
        "bureau_code", "program_code", "publisher_name", "contact_email"}
    html = _html(client, "/quality")
    assert 'id="placeholders"' in html and "HTKG_BUREAU_CODE" in html and "000:00" in html
    root = Path(__file__).resolve().parents[2]
    env = {"HTKG_BUREAU_CODE": "011:21", "HTKG_PROGRAM_CODE": "011:060",
           "HTKG_PUBLISHER_NAME": "Office of Justice Programs", "HTKG_CONTACT_EMAIL": "mailto:ojp@example.gov"}
    placeholder_run = CliRunner().invoke(cli, ["build", "--root", str(root), "--out", str(tmp_path / "a")],
                                         env={k: None for k in env}, catch_exceptions=False)
    assert placeholder_run.exit_code == 0
    assert "WARNING" in placeholder_run.output and "HTKG_PROGRAM_CODE" in placeholder_run.output
    set_run = CliRunner().invoke(cli, ["build", "--root", str(root), "--out", str(tmp_path / "b")], env=env,
                                 catch_exceptions=False)
    assert set_run.exit_code == 0 and "WARNING" not in set_run.output
    from htkg.config import Settings
    from htkg.web import create_app
    app = create_app(Settings(release_dir=str(tmp_path / "b")))
    quality = app.test_client().get("/quality", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'id="placeholders"' not in quality
    doc = json.loads((tmp_path / "b" / "data.json").read_text())
    assert doc["dataset"][0]["bureauCode"] == ["011:21"]


def test_quality_answers_concurrent_requests(server):
    """rdflib's SPARQL parser is not thread-safe: /quality parsed a query per request and concurrent
    requests got 500s (found by the crawl test). Many at once, in every format, all answer."""
    from concurrent.futures import ThreadPoolExecutor
    urls = [f"{server.url}/quality?format={f}" for f in ("ttl", "nt", "jsonld", "rdf")] * 6 + \
        [f"{server.url}/quality"] * 6

    def status(url):
        req = urllib.request.Request(url, headers={"Accept": "text/html"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status
    with ThreadPoolExecutor(12) as pool:
        assert set(pool.map(status, urls)) == {200}
