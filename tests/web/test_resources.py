"""Dereferenceable resources: content negotiation, 404/406, HEAD, 304, citations, escaping — in-process and on a real server."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from htkg.dataset.describe import describe
from rdf_parse import parse_graph
from htkg.formats import RDF_GRAPH_FORMATS
from htkg.store import open_store
from htkg.config import Settings

BASE = "https://w3id.org/htkg/"
OVC = BASE + "id/org/ovc"

# request × Accept → status, content type
CASES = [
    ("/id/org/ovc", "text/html", 200, "text/html"),
    ("/id/org/ovc", "text/turtle", 200, "text/turtle"),
    ("/id/org/ovc", "application/ld+json", 200, "application/ld+json"),
    ("/id/org/ovc", "application/n-triples", 200, "application/n-triples"),
    ("/id/org/ovc", "application/rdf+xml", 200, "application/rdf+xml"),
    ("/id/org/ovc", "text/turtle;q=0.5, application/ld+json;q=0.9", 200, "application/ld+json"),
    ("/id/org/ovc", "text/html;q=0.1, text/turtle", 200, "text/turtle"),
    ("/id/org/ovc", "*/*", 200, "text/html"),
    ("/id/org/ovc", "", 200, "text/html"),
    ("/id/org/ovc", "image/png", 406, "application/json"),
    ("/id/org/ovc", "application/sparql-results+json", 406, "application/json"),
    ("/id/org/ovc.ttl", "text/html", 200, "text/turtle"),
    ("/id/org/ovc.jsonld", "", 200, "application/ld+json"),
    ("/id/org/ovc.nt", "", 200, "application/n-triples"),
    ("/id/org/ovc.rdf", "", 200, "application/rdf+xml"),
    ("/id/org/ovc.html", "text/turtle", 200, "text/html"),
    ("/id/org/ovc?format=ttl", "text/html", 200, "text/turtle"),
    ("/id/org/no-such-thing", "text/html", 404, "text/html"),
    ("/id/org/no-such-thing.ttl", "", 404, "application/json"),
    ("/id/org/ovc.exe", "", 404, "application/json"),
    ("/id/org/../../manifest.json", "", 404, "application/json"),
    ("/def/funds", "text/html", 200, "text/html"),
    ("/def/funds", "text/turtle", 200, "text/turtle"),
    ("/def/Department.jsonld", "", 200, "application/ld+json"),
    ("/def/NoSuchTerm", "text/turtle", 404, "application/json"),
    ("/def/", "text/html", 200, "text/html"),
    ("/def/", "text/turtle", 200, "text/turtle"),
    ("/def/", "image/png", 406, "application/json"),
    ("/graph/page/doj", "text/html", 200, "text/html"),
    ("/graph/page/doj", "application/n-triples", 200, "application/n-triples"),
    ("/graph/no-such-graph", "", 404, "application/json"),
    ("/shapes", "text/html", 200, "text/html"),
    ("/shapes", "text/turtle", 200, "text/turtle"),
    ("/dataset", "text/turtle", 200, "text/turtle"),
    ("/release/000000000000", "text/turtle", 404, "application/json"),
]


@pytest.mark.parametrize("path,accept,status,ctype", CASES)
def test_http_cases(client, path, accept, status, ctype):
    resp = client.get(path, headers={"Accept": accept})
    assert resp.status_code == status, resp.data[:300]
    assert resp.headers["Content-Type"].split(";")[0] == ctype
    if status == 200 and not path.startswith("/shapes") and "." not in path.rsplit("/", 1)[-1]:
        assert "Accept" in resp.headers.get("Vary", "")


def test_release_iri_dereferences(client, release):
    resp = client.get(f"/release/{release.version}", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    g = Graph().parse(data=resp.data, format="turtle")
    rel = URIRef(BASE + "release/" + release.version)
    assert (rel, None, None) in g


def test_head_has_headers_and_no_body(client):
    get = client.get("/id/org/ovc.ttl")
    head = client.head("/id/org/ovc.ttl")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["ETag"] == get.headers["ETag"]


def test_etag_and_if_modified_since_give_304(client):
    first = client.get("/id/org/ovc", headers={"Accept": "text/turtle"})
    etag = first.headers["ETag"]
    again = client.get("/id/org/ovc", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/id/org/ovc", headers={"Accept": "application/ld+json", "If-None-Match": etag})
    assert other.status_code == 200, "a different representation must not match the Turtle ETag"
    if first.headers.get("Last-Modified"):
        ims = client.get("/id/org/ovc", headers={"Accept": "text/turtle",
                                                 "If-Modified-Since": first.headers["Last-Modified"]})
        assert ims.status_code == 304


def _dump_graph(release, *, subject: str | None = None, graph: str | None = None) -> Graph:
    """Triples of the N-Quads dump (read with pyoxigraph, independently of the server), filtered."""
    import pyoxigraph as ox
    lines = [f"{q.subject} {q.predicate} {q.object} ." for q in ox.parse(path=str(release.nquads_path),
                                                                         format=ox.RdfFormat.N_QUADS)
             if (subject is None or q.subject == ox.NamedNode(subject))
             and (graph is None or q.graph_name == ox.NamedNode(graph))]
    return Graph().parse(data="\n".join(lines), format="nt")


def test_html_page_shows_labels_inbound_links_and_citations(client, store):
    d = describe(store, OVC)
    html = client.get("/id/org/ovc", headers={"Accept": "text/html"}).data.decode()
    assert f"<h1>{d.label}</h1>" in html
    # linked resources appear by label, with a link to their page
    for s in d.outgoing:
        if s.value.is_iri and s.value.label and s.value.value.startswith(BASE):
            assert f'href="/{s.value.value[len(BASE):]}"' in html
    # the inverse reading comes from the ontology's htkg:inverseLabel
    inverse_labels = {r["l"].value for r in store.query(
        "SELECT ?l WHERE { ?p <https://w3id.org/htkg/def/inverseLabel> ?l }").rows}
    shown = {f.reading for f in d.facts if f.direction == "in"}
    assert shown & inverse_labels, "no inbound link reads with an htkg:inverseLabel"
    for reading in shown:
        assert reading in html
    # every quoted phrase citing a fact of the page is on the page, and so are outside sources
    quotes = {c.quote for s in d.outgoing + d.inbound for c in s.citations if c.kind == "page"}
    sources = {c.source_url for s in d.outgoing + d.inbound for c in s.citations if c.kind == "ext"}
    assert quotes and sources
    for q in quotes:
        assert q.replace("'", "&#39;").replace('"', "&#34;") in html
    for url in sources:
        assert f'href="{url}"' in html
    # alternates and schema.org JSON-LD in the head
    head = html.split("</head>")[0]
    for fmt in RDF_GRAPH_FORMATS:
        assert f'<link rel="alternate" type="{fmt.media_type}" href="/id/org/ovc.{fmt.extension}"' in head
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', head, re.S).group(1)
    data = json.loads(script)
    assert data["@id"] == OVC and data["name"] == d.label


def test_inbound_reading_without_an_inverse_label_is_an_arrow_not_a_guess(store):
    """A property the ontology gives no backward reading reads '← label' (it was 'is <label> of': 'is is funded by of')."""
    d = describe(store, OVC)
    labelled = {r["p"].value for r in store.query(
        f"SELECT ?p WHERE {{ {{ ?p <{BASE}def/inverseLabel> ?l }} UNION {{ ?p <http://www.w3.org/2002/07/owl#inverseOf> ?q }}"
        f" UNION {{ ?q <http://www.w3.org/2002/07/owl#inverseOf> ?p }} }}").rows}
    bare = [s for s in d.inbound if s.predicate.value not in labelled]
    assert bare, "OVC has inbound links through a property without a backward reading"
    for s in bare:
        assert s.reading.startswith("← ")


def _expected_graph(store, iri: str) -> Graph:
    g = Graph()
    g.parse(data="\n".join(str(t) + " ." for t in describe(store, iri).triples), format="nt")
    return g


@pytest.mark.server
@pytest.mark.parametrize("path", ["id/org/ovc", "def/funds", "id/topic/labor-trafficking", "graph/page/doj"])
def test_every_format_parses_to_the_same_graph_on_a_real_server(server, release, path):
    iri = BASE + path
    expected = _expected_graph(open_store(Settings(), release), iri)
    assert len(expected) > 0
    # the resource's own triples, read independently from the N-Quads dump, are all there
    own = set(_dump_graph(release, subject=iri))
    assert own and own <= set(expected)
    for fmt in RDF_GRAPH_FORMATS:
        for url, headers in ((f"{server.url}/{path}", {"Accept": fmt.media_type}),
                             (f"{server.url}/{path}.{fmt.extension}", {})):
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
                assert r.headers["Content-Type"].split(";")[0] == fmt.media_type
                body = r.read()
            got = parse_graph(body, fmt.rdflib)
            assert isomorphic(got, expected), f"{url} as {fmt.name} differs from describe()"


@pytest.mark.server
def test_real_server_404_and_406(server):
    for path, accept, status in (("/id/org/no-such-thing", "text/turtle", 404), ("/id/org/ovc", "image/png", 406)):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(urllib.request.Request(server.url + path, headers={"Accept": accept}), timeout=30)
        assert err.value.code == status
        err.value.close()


def test_ontology_documentation_lists_every_class_and_property(client, store):
    html = client.get("/def/", headers={"Accept": "text/html"}).data.decode()
    rows = store.query(f"""SELECT ?t ?l WHERE {{ GRAPH <{BASE}graph/ontology> {{
        ?t a ?k ; <http://www.w3.org/2000/01/rdf-schema#label> ?l
        FILTER(?k IN (<http://www.w3.org/2002/07/owl#Class>, <http://www.w3.org/2002/07/owl#ObjectProperty>)) }} }}""").rows
    assert len(rows) >= 10
    for r in rows:
        assert f'href="/{r["t"].value[len(BASE):]}"' in html
    # alignments are shown: a superclass of htkg:Department
    assert "subClassOf" in html or "sub class of" in html.lower()


def test_ontology_rdf_is_the_ontology_graph(client, release):
    got = Graph().parse(data=client.get("/def/", headers={"Accept": "text/turtle"}).data, format="turtle")
    expected = _dump_graph(release, graph=BASE + "graph/ontology")
    assert len(expected) > 0 and set(got) == set(expected)


def test_shapes_listing_and_turtle(client, release):
    files = [release.file(p) for p in release.manifest.get("curated", {}).get("shapes", [])]
    expected = Graph()
    for f in files:
        expected.parse(f, format="turtle")
    got = Graph().parse(data=client.get("/shapes", headers={"Accept": "text/turtle"}).data, format="turtle")
    assert isomorphic(got, expected)
    html = client.get("/shapes", headers={"Accept": "text/html"}).data.decode()
    sh = "http://www.w3.org/ns/shacl#"
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    node_shapes = set(expected.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef(sh + "NodeShape")))
    parts = {ps for ns in node_shapes for ps in expected.objects(ns, URIRef(sh + "property"))}
    labels = {str(o) for x in node_shapes | parts for o in expected.objects(x, label)}
    assert len(node_shapes) >= 1 and labels
    for label in labels:
        assert label.replace("'", "&#39;").replace('"', "&#34;") in html
    for f in files:
        raw = client.get(f"/shapes/{f.name}")
        assert raw.status_code == 200 and raw.data == f.read_bytes()


HOSTILE = '</script><script>alert("x")</script><b>bold</b> & more'


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory):
    """An app over a tiny release whose data gives OVC a label made to break out of HTML and <script>."""
    import shutil
    from htkg.compiler.pipeline import build_release
    from htkg.config import Settings
    from htkg.web import create_app
    root = Path(__file__).resolve().parents[2]
    project = tmp_path_factory.mktemp("hostile") / "project"
    for folder in ("ontology", "data", "shapes", "queries"):
        if (root / folder).is_dir():
            shutil.copytree(root / folder, project / folder)
    hits = 0
    for path in (project / "data").rglob("*.trig"):
        text = path.read_text(encoding="utf-8")
        if 'skos:prefLabel "Office for Victims of Crime"@en' in text:
            escaped = HOSTILE.replace("\\", "\\\\").replace('"', '\\"')
            path.write_text(text.replace('skos:prefLabel "Office for Victims of Crime"@en',
                                         f'skos:prefLabel "{escaped}"@en'), encoding="utf-8")
            hits += 1
    assert hits == 1, "the test needs OVC's English preferred label in the data"
    out = project.parent / "release"
    build_release(project, out)
    return create_app(Settings(release_dir=str(out))).test_client()


def test_script_in_a_label_stays_text(hostile_client):
    html = hostile_client.get("/id/org/ovc", headers={"Accept": "text/html"}).data.decode()
    assert "<script>alert" not in html
    assert "<b>bold</b>" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; more" in html
    # exactly one closing </script> per <script>: the JSON-LD block cannot be broken out of
    assert html.count("</script>") == html.count("<script")
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(script)["name"] == HOSTILE
    # and the label, as RDF, is the label
    g = Graph().parse(data=hostile_client.get("/id/org/ovc.ttl").data, format="turtle")
    assert (URIRef(OVC), URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), Literal(HOSTILE, lang="en")) in g
    # pages that link to OVC show the label escaped too
    parent = hostile_client.get("/id/org/ojp", headers={"Accept": "text/html"}).data.decode()
    assert "<script>alert" not in parent and "&lt;script&gt;alert" in parent


# ---------------------------------------------------------------------------------------------
# one row per fact, readings from the ontology, periods, contact values
# ---------------------------------------------------------------------------------------------

HOTLINE = BASE + "id/service/nhtrc"


def _rows(html: str) -> list[str]:
    """The text of each fact row of a page (tags dropped, spaces squeezed)."""
    rows = re.findall(r'<tr class="fact [^"]*"[^>]*>(.*?)</tr>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in rows]


def test_a_fact_stated_in_several_terms_is_one_row(client, store):
    """Regression: /id/org/ovc showed each funding fact ~10 times (htkg:funds, frapo:funds, the inverses…)."""
    funded = [r["o"].value for r in store.query(f"SELECT ?o WHERE {{ <{OVC}> <{BASE}def/funds> ?o }}").rows]
    assert funded
    labels = {r["o"].value: r["l"].value for r in store.query(
        f"SELECT ?o ?l WHERE {{ <{OVC}> <{BASE}def/funds> ?o . ?o <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}").rows}
    html = client.get("/id/org/ovc", headers={"Accept": "text/html"}).data.decode()
    rows = _rows(html)
    table = html.split("<h2>Facts</h2>", 1)[1]
    for iri in funded:
        assert table.count(f'href="/{iri[len(BASE):]}"') == 1, "one row links to each funded thing"
        mentioning = [r for r in rows if r.startswith("funds " + labels[iri])]
        assert len(mentioning) == 1, mentioning
        assert mentioning[0].startswith("funds ") and "frapo:funds" in mentioning[0]
        assert "schema:funder" in mentioning[0] and "htkg:fundedBy" in mentioning[0]
    # the RDF keeps every term the page folds into one row
    g = Graph().parse(data=client.get("/id/org/ovc.ttl").data, format="turtle")
    for iri in funded:
        assert (URIRef(OVC), URIRef("http://purl.org/cerif/frapo/funds"), URIRef(iri)) in g
        assert (URIRef(iri), URIRef("https://schema.org/funder"), URIRef(OVC)) in g
        assert (URIRef(iri), URIRef(BASE + "def/fundedBy"), URIRef(OVC)) in g
    # labels: one row for the preferred label, with rdfs:label and schema:name folded into it
    assert len([r for r in rows if r.startswith("pref label ")]) == 1
    assert not [r for r in rows if r.startswith("label ") or r.startswith("name ")]


def test_readings_are_grammatical_and_from_the_ontology(client, store):
    """Regression: inbound links read 'is is funded by of', tables were headed 'this | of'."""
    html = client.get("/id/service/nhtrc", headers={"Accept": "text/html"}).data.decode()
    rows = _rows(html)
    assert "<th scope=\"col\">this</th>" not in html and "<th scope=\"col\">of</th>" not in html
    assert not [r for r in rows if "is is " in r or r.split(" ", 1)[0] == "is" and " of " in r[:30] and "of of" in r]
    inverse = store.query(f"SELECT ?l WHERE {{ <{BASE}def/funds> <{BASE}def/inverseLabel> ?l }}").rows[0]["l"].value
    assert [r for r in rows if r.startswith(inverse + " ")], "the hotline's funders read with htkg:funds' inverse label"
    for d in (describe(store, OVC), describe(store, HOTLINE)):
        for f in d.facts:
            assert not f.reading.startswith("is is ") and not f.reading.endswith(" of of"), f.reading


def test_time_scoped_relations_show_their_period(client, store):
    q = f"""SELECT ?label ?start ?end WHERE {{ ?op <{BASE}def/operatedThing> <{HOTLINE}> ; <{BASE}def/operator> ?who .
      ?who <http://www.w3.org/2004/02/skos/core#prefLabel> ?label
      OPTIONAL {{ ?op <https://schema.org/startDate> ?start }} OPTIONAL {{ ?op <https://schema.org/endDate> ?end }} }}"""
    operators = store.query(q).rows
    assert len(operators) >= 2
    rows = _rows(client.get("/id/service/nhtrc", headers={"Accept": "text/html"}).data.decode())
    for op in operators:
        row = [r for r in rows if r.startswith("is run by " + op["label"].value)]
        assert len(row) == 1, (op["label"].value, rows)
        year = op["start"].value[:4]
        assert year in row[0]
        if "end" in op:
            assert f"–{op['end'].value[:4]}" in row[0]
        else:
            assert f"since {year}" in row[0]
    # the data's Polaris spell, written as people write it
    assert any(r.startswith("is run by Polaris Dec 2007–2025") for r in rows), rows


def test_phone_hours_web_addresses_and_current_name_are_values(client, store):
    html = client.get("/id/service/nhtrc", headers={"Accept": "text/html"}).data.decode()
    phones = store.query(f"SELECT ?t ?hours WHERE {{ <{HOTLINE}> <https://schema.org/availableChannel>/"
                         "<https://schema.org/servicePhone> ?c . ?c <https://schema.org/telephone> ?t "
                         "OPTIONAL { ?c <https://schema.org/hoursAvailable>/<http://www.w3.org/2004/02/skos/core#prefLabel> ?hours } }").rows
    assert phones and any("hours" in r for r in phones)
    top = html.split("<h2>Facts</h2>")[0]
    for r in phones:
        assert f'href="tel:{r["t"].value}"' in top
        if "hours" in r:
            assert r["hours"].value in top
    home = store.query(f"SELECT ?h WHERE {{ <{HOTLINE}> <http://xmlns.com/foaf/0.1/homepage> ?h }}").rows[0]["h"].value
    assert f'href="{home}"' in html
    d = describe(store, HOTLINE)
    assert d.current_name and d.current_name != d.label
    assert re.search(r"<h1>[^<]*" + re.escape(d.label) + r'.*?class="now">now ' + re.escape(d.current_name), html, re.S)


def test_each_fact_row_has_a_place_for_its_standing(store):
    d = describe(store, OVC)
    assert d.facts and all(f.standing is None for f in d.facts)
    assert all(f.citations for f in d.facts), "every row of the page carries its citations"


# Fidelity II: small defects of the resource pages (each test failed before its fix).

def test_a_contact_line_never_repeats_its_number(client, store):
    """Regression: the hotline's TTY read 'Hotline TTY: 711: 711' (its label held the number too)."""
    d = describe(store, HOTLINE)
    assert d.contacts and all(c.telephone not in (c.label or "") for c in d.contacts), d.contacts
    html = client.get("/id/service/nhtrc", headers={"Accept": "text/html"}).data.decode()
    assert "711: 711" not in html and re.search(r'TTY[^<]*: <a class="tel" href="tel:711">711</a>', html)


def test_the_text_line_is_a_way_to_reach_the_hotline_with_its_date(client, store):
    """Regression: the "BeFree" text line (233733, as of April 2013) was no contact on the hotline's page."""
    texts = [c for c in describe(store, HOTLINE).contacts if c.kind == "sms"]
    assert [c.telephone for c in texts] == ["233733"] and texts[0].as_of == "2013-04"
    top = client.get("/id/service/nhtrc", headers={"Accept": "text/html"}).data.decode().split("<h2>Facts</h2>")[0]
    assert 'href="sms:233733"' in top and "as of Apr 2013" in top and "BeFree" in top


def test_service_operator_reads_backward_on_the_operators_page(store):
    """Regression: Compass Connections' page read '← service operator' (schema:serviceOperator had no inverse label)."""
    d = describe(store, BASE + "id/org/compass-connections")
    readings = {f.reading for f in d.facts if f.predicate.value == "https://schema.org/serviceOperator"}
    assert readings == {"is the service operator in"}


def test_the_current_name_is_a_later_name_not_an_acronym(client, store):
    """Regression: the HSTC's page showed 'now HSTC' (an acronym from a source that revises where it belongs)."""
    assert describe(store, BASE + "id/org/hstc").current_name is None
    assert 'class="now"' not in client.get("/id/org/hstc", headers={"Accept": "text/html"}).data.decode()
    assert describe(store, HOTLINE).current_name == "National Human Trafficking Hotline"


def test_as_of_is_not_shown_as_the_date_of_an_event(store):
    """Regression: 'authorized by the JVTA 22 Sep 2025' — HHS said so on that day (htkg:asOf, which the build
    also writes as dct:date); the authorization did not happen then."""
    rows = [f for f in describe(store, HOTLINE).facts if f.value.value == BASE + "id/law/jvta-2015"]
    assert rows and all(f.period and f.period.text == "as of 22 Sep 2025" for f in rows), \
        [(f.reading, f.period) for f in rows]


def test_the_renamed_hotline_reads_as_the_subject_of_its_rename(store):
    readings = {f.reading for f in describe(store, HOTLINE).facts
                if f.predicate.value == "http://purl.org/dc/terms/subject" and f.direction == "in"}
    assert readings == {"is the subject of"}


def test_a_former_agency_reads_as_changed_in_its_change_event(store):
    """The LEAA's page read '← original organization' (org:originalOrganization had no backward reading)."""
    readings = {f.reading for f in describe(store, BASE + "id/org/leaa").facts
                if f.predicate.value == "http://www.w3.org/ns/org#originalOrganization"}
    assert readings == {"was changed in"}
