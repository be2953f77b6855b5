"""/explore, /api/graph, /api/node and the graph exports through the test client; counts from the store."""

from __future__ import annotations

import csv
import io

import networkx as nx
import pytest

from htkg.dataset.network import GraphFilter
from htkg.dataset.network_export import EDGE_COLUMNS, NODE_COLUMNS
from htkg.dataset.network_extract import extract_network
from htkg.store import open_store
from htkg.config import Settings


@pytest.fixture(scope="module")
def net(release):
    return extract_network(open_store(Settings(), release), release.base_iri)


def test_explore_page_renders(client, net):
    resp = client.get("/explore")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert "/static/explore/explore.js" in html and 'id="relations-table"' in html
    assert f"{len(net.nodes)} nodes" in html


def test_api_graph_is_the_whole_network(client, net):
    resp = client.get("/api/graph")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    body = resp.get_json()
    assert body["counts"] == {"nodes": len(net.nodes), "edges": len(net.edges)}
    assert {r["label"] for r in body["relations"] if r["used"]} == {e.relation_label for e in net.edges}
    assert resp.headers["ETag"] and "max-age" in resp.headers["Cache-Control"]


def test_api_graph_filters(client, net):
    units = client.get("/api/graph?kind=unit").get_json()
    assert units["counts"]["nodes"] == sum(n.kind == "unit" for n in net.nodes.values())
    hidden = client.get("/api/graph?outside=hide").get_json()
    assert all(not e["data"]["outside"] for e in hidden["elements"]["edges"])
    assert hidden["counts"]["edges"] == sum(not e.outside for e in net.edges)
    funds = client.get("/api/graph?relation=htkg:funds").get_json()
    assert {e["data"]["relation"] for e in funds["elements"]["edges"]} == {"htkg:funds"}


@pytest.mark.parametrize("query,parameter", [("kind=nope", "kind"), ("relation=htkg:nope", "relation"),
                                             ("department=https://example.org/x", "department"),
                                             ("outside=perhaps", "outside")])
def test_bad_filters_are_400_naming_the_parameter(client, query, parameter):
    resp = client.get(f"/api/graph?{query}")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["parameter"] == parameter


def test_api_node_panel_data(client, net):
    ovc = next(n for n in net.nodes.values() if "OVC" in n.alt_labels)
    body = client.get("/api/node", query_string={"iri": ovc.iri}).get_json()
    assert body["label"] == "Office for Victims of Crime" and body["kind"] == ovc.kind
    assert body["path"] == "/" + ovc.iri[len("https://w3id.org/htkg/"):]
    assert body["statements"] and all(st["reading"] and st["valueLabel"] for st in body["statements"])
    assert any(c["quote"] for st in body["statements"] for c in st["citations"])
    assert body["relations"] and all(r["citations"] for r in body["relations"])
    assert client.get(body["path"]).status_code in (200, 303)


def test_api_node_unknown_is_400(client):
    assert client.get("/api/node?iri=https://example.org/nothing").status_code == 400


@pytest.mark.parametrize("path,media_type,reader", [
    ("/exports/graph.graphml", "application/graphml+xml", nx.read_graphml),
    ("/exports/graph.gexf", "application/gexf+xml", nx.read_gexf),
])
def test_graph_exports_load_in_networkx(client, net, path, media_type, reader):
    resp = client.get(path)
    assert resp.status_code == 200 and resp.mimetype == media_type
    assert "attachment" in resp.headers["Content-Disposition"]
    g = reader(io.BytesIO(resp.data))
    assert (g.number_of_nodes(), g.number_of_edges()) == (len(net.nodes), len(net.edges))


def test_csv_exports(client, net):
    nodes = client.get("/exports/nodes.csv")
    edges = client.get("/exports/edges.csv?kind=department,unit")
    assert nodes.mimetype == edges.mimetype == "text/csv"
    node_rows = list(csv.DictReader(io.StringIO(nodes.get_data(as_text=True))))
    edge_rows = list(csv.DictReader(io.StringIO(edges.get_data(as_text=True))))
    assert list(node_rows[0]) == NODE_COLUMNS and list(edge_rows[0]) == EDGE_COLUMNS
    assert len(node_rows) == len(net.nodes)
    kinds = {n.iri: n.kind for n in net.nodes.values()}
    assert edge_rows and all({kinds[r["source"]], kinds[r["target"]]} <= {"department", "unit"} for r in edge_rows)


def test_exports_are_cacheable(client):
    first = client.get("/exports/graph.gexf")
    again = client.get("/exports/graph.gexf", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_api_node_is_read_from_the_store_as_the_whole_network_has_it(client, net):
    """/api/node reads one node and its edges in SPARQL; the answer equals the whole network's view of it."""
    for node in list(net.nodes.values())[::3]:
        body = client.get("/api/node", query_string={"iri": node.iri}).get_json()
        assert (body["label"], body["kind"], body["altLabels"], body["description"], body["origin"]) == \
               (node.label, node.kind, list(node.alt_labels), node.description, node.origin)
        assert body["departments"] == [{"iri": d, "label": net.label(d)} for d in node.departments]
        edges = [e for e in net.edges if node.iri in (e.source, e.target)]
        assert body["relations"] == [{"source": e.source, "sourceLabel": net.label(e.source), "label": e.relation_label,
                                      "target": e.target, "targetLabel": net.label(e.target), "outside": e.outside,
                                      "citations": [c.as_json() for c in e.citations]} for e in edges]


@pytest.mark.parametrize("iri", ["", "not an iri", "https://example.org/a>b"])
def test_api_node_bad_iri_is_400_naming_iri(client, iri):
    resp = client.get("/api/node", query_string={"iri": iri})
    assert resp.status_code == 400 and resp.get_json()["error"]["parameter"] == "iri"


def _core(net, dept):
    return sum(dept.iri in n.departments for n in net.nodes.values())


@pytest.fixture(scope="module")
def small(release_dir, net):
    """An app whose explore_max_nodes is below the network's size (room for the departments, one subtree)."""
    from htkg.config import Settings
    from htkg.web import create_app
    limit = max(len(net.departments()), min(_core(net, d) for d in net.departments()))
    assert limit < len(net.nodes)
    return create_app(Settings(release_dir=str(release_dir), explore_max_nodes=limit)).test_client(), limit


def test_over_the_limit_api_graph_is_the_departments_overview(small, net):
    client, limit = small
    body = client.get("/api/graph").get_json()
    assert body["overview"]["nodes"] == len(net.nodes) and body["overview"]["limit"] == limit
    assert body["overview"]["narrow"] == ["department", "kind"]
    overview = net.filter(GraphFilter(kinds=frozenset({"department"})))
    assert {n["data"]["id"] for n in body["elements"]["nodes"]} == set(overview.nodes)
    assert body["counts"] == {"nodes": len(overview.nodes), "edges": len(overview.edges)}
    assert [d["id"] for d in body["departments"]] == [d.iri for d in net.departments()]
    html = client.get("/explore").get_data(as_text=True)
    assert f"{len(net.nodes)} nodes" in html and "departments" in html


def test_over_the_limit_a_department_still_works(small, net):
    client, limit = small
    for dept in net.departments():
        resp = client.get("/api/graph", query_string={"department": dept.iri})
        if _core(net, dept) <= limit:
            expected = net.filter(GraphFilter(department=dept.iri))
            body = resp.get_json()
            assert "overview" not in body
            assert {n["data"]["id"] for n in body["elements"]["nodes"]} == set(expected.nodes)
            assert {e["data"]["id"] for e in body["elements"]["edges"]} == {e.id for e in expected.edges}
        else:
            assert resp.status_code == 400 and resp.get_json()["error"]["parameter"] == "department"
    units = client.get("/api/graph?kind=department").get_json()
    assert units["counts"]["nodes"] == len(net.departments())


def test_over_the_limit_the_timeline_answers_for_one_organization(small, client, net):
    small_client, _ = small
    resp = small_client.get("/api/timeline")
    assert resp.status_code == 400 and resp.get_json()["error"]["parameter"] == "org"
    ovc = next(n for n in net.nodes.values() if "OVC" in n.alt_labels)
    narrowed = small_client.get("/api/timeline", query_string={"org": ovc.iri}).get_json()
    assert narrowed == client.get("/api/timeline", query_string={"org": ovc.iri}).get_json() and narrowed["items"]


def test_over_the_limit_unnarrowed_exports_are_400_naming_department(small):
    client, _ = small
    for path in ("/exports/graph.graphml", "/exports/nodes.csv"):
        resp = client.get(path)
        assert resp.status_code == 400 and resp.get_json()["error"]["parameter"] == "department"


# ---- the first view's defaults, the style table, embedding ---------------------------------------------

def test_api_graph_sends_the_agency_defaults_and_one_style_per_relation_label(client, net):
    body = client.get("/api/graph").get_json()
    view = net.agency_view()
    assert body["defaults"] == {"kind": sorted(view.kinds), "relation": sorted(view.relations)}
    assert not {"topic", "page", "source"} & set(body["defaults"]["kind"])
    assert set(body["pathRelations"]) == set(view.relations)
    labels = {label for label in net.relations.values()}
    assert set(body["styles"]["relations"]) == labels
    assert set(body["styles"]["kinds"]) == set(net.kinds)
    # the first view as the page asks for it: agencies only, nothing but organisational relations
    first = client.get("/api/graph", query_string=view.to_args()).get_json()
    assert {n["data"]["kind"] for n in first["elements"]["nodes"]} <= set(view.kinds)
    assert {e["data"]["relation"] for e in first["elements"]["edges"]} <= set(view.relations)


def test_embed_renders_just_the_picture(client):
    html = client.get("/explore?embed=1&kind=department,unit").get_data(as_text=True)
    assert 'id="cy"' in html and 'id="legend"' in html and 'id="caption"' in html
    assert 'class="site"' not in html and 'id="toolbar"' not in html and 'id="filters"' not in html
    assert '"embed": true' in html
    full = client.get("/explore").get_data(as_text=True)
    assert 'id="toolbar"' in full and '"embed": false' in full


# ---- the timeline -----------------------------------------------------------------------------------

# Written independently of timeline.py: date statements of the date properties or their sub-properties.
DATED = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX htkg: <https://w3id.org/htkg/def/>
SELECT DISTINCT ?x ?p ?d WHERE {
  { VALUES ?p { %s } } UNION { VALUES ?top { %s } ?p rdfs:subPropertyOf+ ?top }
  ?x ?p ?d . FILTER(isIRI(?x) && datatype(?d) IN (xsd:date, xsd:gYearMonth, xsd:gYear))
  FILTER NOT EXISTS { ?x a ?c . ?c htkg:nodeKind "source" }
  FILTER NOT EXISTS { ?x a <http://www.w3.org/ns/prov#Bundle> }      # a source's own date is no agency fact
  FILTER NOT EXISTS { ?x ?sub ?d . ?sub rdfs:subPropertyOf+ ?p }      # said once, by the most specific property
}""" % ((" ".join(f"<{p}>" for p in ("https://schema.org/startDate", "https://schema.org/endDate",
        "https://schema.org/foundingDate", "https://schema.org/dissolutionDate", "https://schema.org/legislationDate",
        "http://purl.org/dc/terms/date")),) * 2)


@pytest.fixture(scope="module")
def dated(release):
    rows = open_store(Settings(), release).query(DATED).rows
    return {(r["x"].value, r["p"].value, r["d"].value) for r in rows}


def test_api_timeline_has_every_dated_fact_with_its_citations(client, dated):
    body = client.get("/api/timeline").get_json()
    assert len(dated) >= 15
    from htkg.dataset.network import compact
    got = {(i["iri"], f["property"], f["date"]) for i in body["items"] for f in i["facts"]}
    assert got == {(x, compact(p), d) for x, p, d in dated}
    assert body["counts"] == {"items": len({x for x, _, _ in dated}), "facts": len(dated)}
    for item in body["items"]:
        cited = {c["graph"] for c in item["citations"]}
        assert item["label"] and all(set(f["graphs"]) <= cited for f in item["facts"])
        assert any(c.get("quote") or c.get("source") for c in item["citations"]), item["iri"]
    firsts = [min(f["date"] for f in i["facts"])[:4] for i in body["items"]]
    assert firsts == sorted(firsts)
    assert body["range"][0] == min((d for _, _, d in dated), key=lambda d: d[:4])


def test_api_timeline_csv_one_row_per_dated_fact(client, dated):
    from htkg.dataset.timeline import TIMELINE_COLUMNS
    for resp in (client.get("/api/timeline?format=csv"), client.get("/api/timeline", headers={"Accept": "text/csv"}),
                 client.get("/exports/timeline.csv")):
        assert resp.status_code == 200 and resp.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
        assert list(rows[0]) == TIMELINE_COLUMNS and len(rows) == len(dated)
        assert all(r["citation"] for r in rows)


def test_api_timeline_by_organization(client, net):
    ovc = next(n for n in net.nodes.values() if "OVC" in n.alt_labels)
    hhs = next(n for n in net.nodes.values() if n.kind == "department" and "HHS" in n.alt_labels)
    whole = client.get("/api/timeline").get_json()["items"]
    for org in (ovc, hhs):
        under = {n.iri for n in net.nodes.values() if org.iri in _ancestors(net, n.iri)} | {org.iri}
        items = client.get("/api/timeline", query_string={"org": org.iri}).get_json()["items"]
        expected = [i for i in whole
                    if (({i["iri"]} if i["kind"] else set()) | {n["iri"] for n in i["names"]}) & under]
        assert [i["iri"] for i in items] == [i["iri"] for i in expected] and 0 < len(items) < len(whole)
    assert any(i["iri"] == ovc.iri for i in client.get("/api/timeline", query_string={"org": ovc.iri}).get_json()["items"])
    # a hotline: who ran and funded it, and when
    hotline = next(n for n in net.nodes.values() if n.kind == "hotline")
    items = client.get("/api/timeline", query_string={"org": hotline.iri}).get_json()["items"]
    assert items == [i for i in whole if hotline.iri in {n["iri"] for n in i["names"]} | ({i["iri"]} if i["kind"] else set())]
    assert any(i["start"] for i in items)


def _ancestors(net, iri):
    parts = {}
    for e in net.edges:
        if e.relation == "http://www.w3.org/ns/org#subOrganizationOf":
            parts.setdefault(e.source, set()).add(e.target)
    seen, todo = set(), [iri]
    while todo:
        for p in parts.get(todo.pop(), ()):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen


@pytest.mark.parametrize("query,parameter", [("org=not%20an%20iri", "org"), ("format=xml", "format")])
def test_api_timeline_bad_input_is_400(client, query, parameter):
    resp = client.get(f"/api/timeline?{query}")
    assert resp.status_code == 400 and resp.get_json()["error"]["parameter"] == parameter
