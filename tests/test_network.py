"""The relation network read from the store, and its exports: counts agree with SPARQL on the store."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import os
import shutil

import networkx as nx
import pytest

from htkg.dataset.network import GraphFilter, NetworkTooLarge, compact
from htkg.dataset.network_export import (EDGE_COLUMNS, NODE_COLUMNS, edges_csv, gexf_bytes, graphml_bytes, nodes_csv,
                                         to_cytoscape, to_networkx)
from htkg.dataset.network_extract import count_nodes, extract_network
from htkg.dataset.network_figure import figure_dot, render_figure
from htkg.errors import QueryError

P = """PREFIX htkg: <https://w3id.org/htkg/def/>
PREFIX org: <http://www.w3.org/ns/org#>
"""
# Written independently of network.py: resources of a kinded class, triples of a labelled property.
COUNT_NODES = P + "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?c htkg:nodeKind ?k . ?x a ?c FILTER(isIRI(?x)) }"
COUNT_EDGES = P + """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE {
  ?p htkg:edgeLabel ?l . ?s ?p ?o . ?cs htkg:nodeKind ?ks . ?s a ?cs . ?co htkg:nodeKind ?ko . ?o a ?co } }"""
PAGE_EDGES = P + """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE {
  ?p htkg:edgeLabel ?l . GRAPH ?g { ?s ?p ?o }
  FILTER(STRSTARTS(STR(?g), "https://w3id.org/htkg/graph/page/"))
  ?cs htkg:nodeKind ?ks . ?s a ?cs . ?co htkg:nodeKind ?ko . ?o a ?co } }"""


def count(store, sparql: str) -> int:
    return int(store.query(sparql).rows[0]["n"].value)


@pytest.fixture(scope="module")
def net(store):
    return extract_network(store)


def test_network_counts_match_sparql(store, net):
    assert len(net.nodes) == count(store, COUNT_NODES) > 50
    assert len(net.edges) == count(store, COUNT_EDGES) > 100


def test_every_node_has_a_label_and_a_declared_kind(net):
    for node in net.nodes.values():
        assert node.label and node.kind in net.kinds


def test_acronyms_are_alternative_labels(net):
    ovc = [n for n in net.nodes.values() if "OVC" in n.alt_labels]
    assert [n.label for n in ovc] == ["Office for Victims of Crime"]


def test_every_edge_is_cited(net):
    for edge in net.edges:
        assert edge.citations, edge
        for c in edge.citations:
            assert c.quote if not c.outside else c.source, c


def test_units_fall_under_their_department(net):
    ovc = next(n for n in net.nodes.values() if "OVC" in n.alt_labels)
    assert [net.label(d) for d in ovc.departments] == ["Department of Justice"]


@pytest.mark.parametrize("export,reader", [(graphml_bytes, nx.read_graphml), (gexf_bytes, nx.read_gexf)])
def test_graphml_and_gexf_load_back_with_the_store_counts(store, net, export, reader):
    g = reader(io.BytesIO(export(net)))
    assert g.number_of_nodes() == count(store, COUNT_NODES)
    assert g.number_of_edges() == count(store, COUNT_EDGES)
    some = next(iter(net.nodes.values()))
    assert g.nodes[some.iri]["label"] == some.label
    assert g.nodes[some.iri]["kind"] == some.kind


def test_graphml_carries_relation_names_and_citations(net):
    g = nx.read_graphml(io.BytesIO(graphml_bytes(net)))
    data = [d for _, _, d in g.edges(data=True)]
    assert all(d["label"] and d["relation"] and d["citation"] for d in data)
    assert {d["label"] for d in data} == {e.relation_label for e in net.edges}


def test_csv_columns_and_rows(net):
    nodes = list(csv.DictReader(io.StringIO(nodes_csv(net).decode())))
    edges = list(csv.DictReader(io.StringIO(edges_csv(net).decode())))
    assert list(nodes[0]) == NODE_COLUMNS and list(edges[0]) == EDGE_COLUMNS
    assert len(nodes) == len(net.nodes) and len(edges) == len(net.edges)
    assert all(r["source_label"] and r["target_label"] and r["relation_label"] and r["citation"] for r in edges)


def test_cytoscape_json(net):
    cy = to_cytoscape(net)
    assert cy["counts"] == {"nodes": len(net.nodes), "edges": len(net.edges)}
    ids = {n["data"]["id"] for n in cy["elements"]["nodes"]}
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in cy["elements"]["edges"])
    assert all(n["data"]["path"].startswith("/id/") for n in cy["elements"]["nodes"])


def test_hiding_outside_facts_keeps_only_page_edges(store, net):
    page = net.filter(GraphFilter(outside=False))
    assert len(page.edges) == count(store, PAGE_EDGES) < len(net.edges)
    assert all(n.origin != "outside" for n in page.nodes.values())
    assert all(not c.outside for e in page.edges for c in e.citations)


def test_kind_filter(net):
    part = net.filter(GraphFilter(kinds=frozenset({"department", "unit"})))
    assert {n.kind for n in part.nodes.values()} == {"department", "unit"}
    assert all(e.source in part.nodes and e.target in part.nodes for e in part.edges)


def test_relation_filter_keeps_the_ends_of_those_edges(net):
    funds = next(iri for iri, label in net.relations.items() if label == "funds")
    part = net.filter(GraphFilter(relations=frozenset({compact(funds)})))
    expected = [e for e in net.edges if e.relation == funds]
    assert part.edges == expected and expected
    assert set(part.nodes) == {e.source for e in expected} | {e.target for e in expected}


def test_department_filter_keeps_the_subtree_and_what_it_touches(net):
    doj = next(n for n in net.departments() if "DOJ" in n.alt_labels)
    part = net.filter(GraphFilter(department=doj.iri))
    under = {k for k, n in net.nodes.items() if doj.iri in n.departments}
    assert under <= set(part.nodes)
    for n in part.nodes.values():
        assert doj.iri in n.departments or not n.departments
    assert not any(n.kind == "department" and n.iri != doj.iri for n in part.nodes.values())


def _narrowing_filters(net):
    kinds = (None, frozenset({"unit"}), frozenset({"unit", "department", "program"}), frozenset({"topic", "page"}))
    for d in [n.iri for n in net.departments()] + [None]:
        for k in kinds:
            for outside in (True, False):
                for relations in (None, frozenset({"htkg:funds"})):
                    if d or k:
                        yield GraphFilter(relations=relations, kinds=k, department=d, outside=outside)


def test_a_narrowed_network_read_in_sparql_equals_the_filtered_whole(store, net):
    """extract_network(f=…) reads only the selection, yet gives what filtering the whole network gives."""
    filters = list(_narrowing_filters(net))
    assert len(filters) > 20
    for f in filters:
        whole, part = net.filter(f), extract_network(store, f=f)
        assert (part.nodes, part.edges, part.relations, part.kinds) == \
               (whole.nodes, whole.edges, whole.relations, whole.kinds), f


def test_one_node_read_in_sparql_has_its_edges_and_neighbours(store, net):
    for iri in list(net.nodes)[::7]:
        part = extract_network(store, nodes=[iri])
        assert part.nodes[iri] == net.nodes[iri]
        assert [e for e in part.edges if iri in (e.source, e.target)] == \
               [e for e in net.edges if iri in (e.source, e.target)]
        assert all(part.nodes[x] == net.nodes[x] for e in part.edges for x in (e.source, e.target))


def test_max_nodes_is_counted_before_reading(store, net):
    dept = max(net.departments(), key=lambda d: sum(d.iri in n.departments for n in net.nodes.values()))
    core = count_nodes(store, f=GraphFilter(department=dept.iri))
    assert core == sum(dept.iri in n.departments for n in net.nodes.values())
    assert count_nodes(store) == len(net.nodes)
    with pytest.raises(NetworkTooLarge) as err:
        extract_network(store, f=GraphFilter(department=dept.iri), max_nodes=core - 1)
    assert err.value.parameter == "department"
    with pytest.raises(NetworkTooLarge):
        extract_network(store, max_nodes=len(net.nodes) - 1)
    assert extract_network(store, f=GraphFilter(department=dept.iri), max_nodes=core).nodes == \
        net.filter(GraphFilter(department=dept.iri)).nodes


@pytest.mark.parametrize("args", [{"kind": "nonsense"}, {"relation": "htkg:nope"}, {"department": "x"},
                                  {"outside": "maybe"}])
def test_bad_filters_are_query_errors(net, args):
    with pytest.raises(QueryError):
        net.filter(GraphFilter.from_args(args))


@pytest.fixture
def graphviz():
    """Graphviz `dot` draws the figure: CI installs it (`.ci/run`); elsewhere its absence skips with how to get it."""
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz `dot` is not installed; .ci/run installs Debian's graphviz package")
        pytest.skip("the figure needs Graphviz `dot`: `apt-get install graphviz` (CI installs it)")


def test_figure_is_valid_svg(net, graphviz):
    assert "digraph" in figure_dot(net)
    root = ET.fromstring(render_figure(net, "svg"))
    assert root.tag.endswith("svg")
    assert render_figure(net, "png").startswith(b"\x89PNG\r\n\x1a\n")


def test_figure_follows_the_explorer_defaults(net):
    """`htkg render` draws what the explorer opens on: the agencies, their relations, wholes above parts."""
    dot = figure_dot(net, caption="htkg release test")
    view = net.filter(net.agency_view())
    drawn = set(re.findall(r'^  "([^"]+)" \[label=', dot, re.M))
    assert drawn == set(view.nodes) and not any(net.nodes[x].kind in ("topic", "page", "source") for x in drawn)
    lines = re.findall(r'^  "([^"]+)" -> "([^"]+)" \[([^\]]*)\];', dot, re.M)
    assert len(lines) == len(view.edges)
    part_of = [e for e in view.edges if compact(e.relation) == "org:subOrganizationOf"]
    assert part_of and all((e.target, e.source) in {(a, b) for a, b, attrs in lines if "dir=back" in attrs}
                           for e in part_of)
    legend = set(re.findall(r'legend_b\d+ \[label="([^"]+)"\]', dot))
    assert legend == {e.relation_label for e in view.edges}
    assert 'label="htkg release test"' in dot
    everything = figure_dot(net, agencies=False)
    assert len(re.findall(r'^  "([^"]+)" \[label=', everything, re.M)) == len(net.nodes)


def test_networkx_is_a_multidigraph(net):
    g = to_networkx(net)
    assert g.is_directed() and g.is_multigraph()


def test_cli_export_graph_formats(tmp_path, release_dir, release, store):
    from click.testing import CliRunner
    from htkg.cli import cli
    runner = CliRunner()
    for fmt, name in (("graphml", "g.graphml"), ("gexf", "g.gexf")):
        res = runner.invoke(cli, ["export", "graph", "--format", fmt, "--release", str(release_dir),
                                  "--out", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
        g = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(tmp_path / name)
        assert g.number_of_nodes() == count(store, COUNT_NODES)
    res = runner.invoke(cli, ["export", "graph", "--format", "csv", "--release", str(release_dir),
                              "--filter", "kind=department,unit", "--out", str(tmp_path / "csv")])
    assert res.exit_code == 0, res.output
    kinds = {r["kind"] for r in csv.DictReader(io.StringIO((tmp_path / "csv" / "nodes.csv").read_text("utf-8")))}
    assert kinds == {"department", "unit"}
    res = runner.invoke(cli, ["export", "graph", "--format", "cytoscape", "--release", str(release_dir)])
    assert res.exit_code == 0 and '"elements"' in res.output


@pytest.mark.parametrize("args", [["--filter", "colour=red"], ["--filter", "kind=nonsense"],
                                  ["--format", "csv"]])
def test_cli_export_graph_usage_errors_exit_2(release_dir, args):
    from click.testing import CliRunner
    from htkg.cli import cli
    res = CliRunner().invoke(cli, ["export", "graph", "--release", str(release_dir), *args])
    assert res.exit_code == 2, res.output


def test_cli_render_png_and_svg(tmp_path, release_dir, graphviz):
    from click.testing import CliRunner
    from htkg.cli import cli
    for fmt in ("png", "svg"):
        out = tmp_path / f"figure.{fmt}"
        res = CliRunner().invoke(cli, ["render", "--format", fmt, "--release", str(release_dir), "--out", str(out)])
        assert res.exit_code == 0, res.output
    assert (tmp_path / "figure.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert ET.parse(tmp_path / "figure.svg").getroot().tag.endswith("svg")
