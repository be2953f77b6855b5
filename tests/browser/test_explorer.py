"""The explorer in a real browser (Debian's chromium) against a real `htkg serve`: what is drawn agrees with
the store; filters, search, panel, path, layouts, exports and shared URLs work."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from htkg.dataset.network import GraphFilter
from htkg.dataset.network_export import to_networkx
from htkg.dataset.network_extract import extract_network
from test_network import COUNT_EDGES, COUNT_NODES, P, count

pytestmark = [pytest.mark.browser, pytest.mark.server]

NOT_TOPICS = P + "SELECT DISTINCT ?x WHERE { ?c htkg:nodeKind ?k . ?x a ?c FILTER(isIRI(?x) && ?k != 'topic') }"

READY = "window.htkgExplorer && window.htkgExplorer.ready"
DRAWN = "htkgExplorer.graph.cy.nodes().map(n => n.id()).sort()"


@pytest.fixture(scope="module")
def rstore(release):
    return release.open_store()


@pytest.fixture(scope="module")
def net(release, rstore):
    return extract_network(rstore, release.base_iri)


def open_explorer(page, query: str = ""):
    page.goto("/explore" + query)
    page.wait_for_function(READY, timeout=20000)


def drawn(page) -> set[str]:
    return set(page.evaluate(DRAWN))


def wait_redrawn(page, expected_count: int):
    page.wait_for_function(f"htkgExplorer.graph.cy.nodes().length === {expected_count}", timeout=10000)


def find(net, pred):
    return next(n for n in net.nodes.values() if pred(n))


def test_page_draws_every_entity_without_console_errors(page, rstore, artifacts):
    open_explorer(page)
    nodes, edges = page.evaluate("[htkgExplorer.graph.cy.nodes().length, htkgExplorer.graph.cy.edges().length]")
    assert nodes == count(rstore, COUNT_NODES) > 50
    assert edges == count(rstore, COUNT_EDGES) > 100
    assert page.locator("#relations-table tbody tr").count() == edges
    page.screenshot(path=str(artifacts / "explorer.png"))
    # Time to interactive: navigation start → graph drawn, laid out and wired (first load, then a warm one).
    first_ms = page.evaluate("htkgExplorer.readyAt")
    open_explorer(page)
    warm_ms = page.evaluate("htkgExplorer.readyAt")
    (artifacts / "explorer-metrics.json").write_text(json.dumps(
        {"nodes": nodes, "edges": edges, "time_to_interactive_ms": {"first": round(first_ms), "warm": round(warm_ms)}}) + "\n")
    print(f"explorer: {nodes} nodes, {edges} edges, interactive after {first_ms:.0f} ms (first), {warm_ms:.0f} ms (warm)")
    assert page.console_errors == []


def test_kind_filter(page, rstore):
    open_explorer(page)
    expected = {r["x"] for r in rstore.query(NOT_TOPICS).simple_rows()}
    page.locator("#kinds input[value=topic]").uncheck()
    wait_redrawn(page, len(expected))
    assert drawn(page) == expected
    assert "kind=" in page.url and "topic" not in page.url.split("kind=")[1].split("&")[0]


def test_relation_filter(page, net):
    open_explorer(page)
    page.locator("#relations input[value='htkg:addressesTopic']").uncheck()
    kept = frozenset(r for r in {e.relation for e in net.edges}) - {"https://w3id.org/htkg/def/addressesTopic"}
    expected = net.filter(GraphFilter(relations=kept))
    wait_redrawn(page, len(expected.nodes))
    assert drawn(page) == set(expected.nodes)
    assert page.evaluate("htkgExplorer.graph.cy.edges('[relation = \"htkg:addressesTopic\"]').length") == 0


def test_department_filter(page, net):
    open_explorer(page)
    doj = find(net, lambda n: n.kind == "department" and "DOJ" in n.alt_labels)
    page.select_option("#department", doj.iri)
    expected = net.filter(GraphFilter(department=doj.iri))
    wait_redrawn(page, len(expected.nodes))
    assert drawn(page) == set(expected.nodes)
    other_depts = {n.iri for n in net.departments()} - {doj.iri}
    assert not drawn(page) & other_depts


def test_hiding_outside_facts(page, net):
    open_explorer(page)
    page.locator("#outside").uncheck()
    expected = net.filter(GraphFilter(outside=False))
    wait_redrawn(page, len(expected.nodes))
    assert drawn(page) == set(expected.nodes)
    assert page.evaluate("htkgExplorer.graph.cy.edges('[?outside]').length") == 0
    assert page.evaluate("htkgExplorer.graph.cy.edges().length") == len(expected.edges) < len(net.edges)


@pytest.mark.parametrize("text", ["OVC", "Office for Victims of Crime"])
def test_search_finds_by_label_or_acronym_and_opens_the_panel(page, net, text):
    ovc = find(net, lambda n: "OVC" in n.alt_labels)
    open_explorer(page)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type(text)
    assert page.locator("#search-results button").first.get_attribute("data-id") == ovc.iri
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel:not([hidden])")
    assert page.locator("#panel-title").inner_text() == ovc.label
    assert page.evaluate("document.activeElement.id") == "panel"
    page.keyboard.press("Escape")
    assert page.locator("#panel").is_hidden()
    assert page.evaluate("document.activeElement.id") == "search"


def test_clicking_a_node_shows_its_panel_with_a_working_link(page, net, server):
    node = find(net, lambda n: n.kind == "department" and "DOJ" in n.alt_labels)
    open_explorer(page)
    box = page.locator("#cy").bounding_box()
    pos = page.evaluate("id => htkgExplorer.graph.cy.getElementById(id).renderedPosition()", node.iri)
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    page.wait_for_selector("#panel:not([hidden])")
    assert page.locator("#panel-title").inner_text() == node.label
    assert page.locator("#panel-body .panel-relations li").count() == sum(
        node.iri in (e.source, e.target) for e in net.edges)
    href = page.locator("#panel-link").get_attribute("href")
    assert href == "/" + node.iri[len("https://w3id.org/htkg/"):]
    with urllib.request.urlopen(urllib.request.Request(server.url + href, headers={"Accept": "text/html"})) as r:
        assert r.status == 200
    assert page.console_errors == []


def test_path_between_hotline_and_department_of_state(page, net):
    hotline = find(net, lambda n: n.kind == "hotline")
    state = find(net, lambda n: n.kind == "department" and "State" in n.label)
    undirected = nx.Graph(to_networkx(net).to_undirected())
    expected_len = nx.shortest_path_length(undirected, hotline.iri, state.iri)
    open_explorer(page)
    for iri, button in ((hotline.iri, "#panel-from"), (state.iri, "#panel-to")):
        page.fill("#search", net.nodes[iri].alt_labels[0] if net.nodes[iri].alt_labels else net.nodes[iri].label)
        page.locator(f"#search-results button[data-id='{iri}']").click()
        page.wait_for_selector(f"{button}")
        page.wait_for_function("id => document.getElementById('panel-title').textContent === id",
                               arg=net.nodes[iri].label)
        page.click(button)
    path = page.evaluate("htkgExplorer.path")
    assert path[0] == hotline.iri and path[-1] == state.iri
    assert len(path) == expected_len + 1
    assert all(undirected.has_edge(a, b) for a, b in zip(path, path[1:]))
    assert page.evaluate("htkgExplorer.graph.cy.nodes('.path').length") == len(path)
    assert page.evaluate("htkgExplorer.graph.cy.edges('.path').length") == expected_len
    assert "from=" in page.url and "to=" in page.url


def test_png_and_svg_exports_are_valid_images(page):
    open_explorer(page)
    with page.expect_download() as png:
        page.click("#export-png")
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        page.click("#export-svg")
    root = ET.parse(svg.value.path()).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(list(root.iter())) > 100


def test_layouts_hierarchical_parents_above_children_and_switching_keeps_filters(page, net):
    open_explorer(page, "?kind=department,unit")
    expected = net.filter(GraphFilter(kinds=frozenset({"department", "unit"})))
    assert drawn(page) == set(expected.nodes)
    above = page.evaluate("""htkgExplorer.graph.cy.edges('[relation = "org:subOrganizationOf"]').map(
        e => e.target().position('y') < e.source().position('y'))""")
    assert above and all(above)
    page.check("input[name=layout][value=cose]")
    page.wait_for_function("new URL(location.href).searchParams.get('layout') === 'cose'")
    assert drawn(page) == set(expected.nodes)
    assert page.evaluate("htkgExplorer.graph.layout") == "cose"


def test_shared_url_restores_the_view(page, browser, server, net):
    hhs = find(net, lambda n: n.kind == "department" and "HHS" in n.alt_labels)
    hotline = find(net, lambda n: n.kind == "hotline")
    open_explorer(page)
    page.select_option("#department", hhs.iri)
    wait_redrawn(page, len(net.filter(GraphFilter(department=hhs.iri)).nodes))
    page.check("input[name=layout][value=cose]")
    page.fill("#search", hotline.label)
    page.locator(f"#search-results button[data-id='{hotline.iri}']").click()
    page.wait_for_selector("#panel:not([hidden])")
    page.click("#panel-from")
    page.wait_for_function("new URL(location.href).searchParams.get('from')")
    shared = page.url
    before = drawn(page)

    context = browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 900})
    other = context.new_page()
    try:
        other.goto(shared)
        other.wait_for_function(READY, timeout=20000)
        assert drawn(other) == before
        assert other.evaluate("htkgExplorer.graph.layout") == "cose"
        assert other.locator("#department").input_value() == hhs.iri
        other.wait_for_selector("#panel:not([hidden])")
        assert other.locator("#panel-title").inner_text() == hotline.label
        assert other.locator("#path-from").inner_text() == hotline.label
        assert other.evaluate("htkgExplorer.graph.cy.$(':selected').map(n => n.id())") == [hotline.iri]
    finally:
        context.close()


def test_expand_adds_the_neighbours(page, net):
    open_explorer(page, "?kind=department")
    doj = find(net, lambda n: n.kind == "department" and "DOJ" in n.alt_labels)
    g = to_networkx(net)
    neighbours = set(g.successors(doj.iri)) | set(g.predecessors(doj.iri))
    page.evaluate("id => htkgExplorer.graph.cy.getElementById(id).emit('dbltap')", doj.iri)
    page.wait_for_function("new URL(location.href).searchParams.get('expand')")
    shown = drawn(page)
    assert neighbours <= shown
    assert shown == neighbours | {n.iri for n in net.nodes.values() if n.kind == "department"}


@pytest.fixture(scope="module")
def small_limit_server(release_dir):
    """A server whose explorer limit (30 nodes) is below the curated graph's size: it opens on the overview."""
    from server import ServerProcess
    with ServerProcess(release_dir, workers=1, env={"HTKG_EXPLORE_MAX_NODES": "30"}) as srv:
        yield srv


def test_a_graph_over_the_limit_opens_on_its_departments_and_narrows_to_one(browser, small_limit_server, rstore):
    """Above ``explore_max_nodes`` the page draws the departments overview the API gives, says so, and
    picking a department draws that department's subtree as the API gives it."""
    def api(query: str) -> dict:
        with urllib.request.urlopen(small_limit_server.url + "/api/graph" + query, timeout=30) as resp:
            return json.load(resp)

    overview = api("")
    assert overview["overview"]["limit"] == 30 and count(rstore, COUNT_NODES) > 30
    context = browser.new_context(base_url=small_limit_server.url, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        open_explorer(page)
        assert drawn(page) == {n["data"]["id"] for n in overview["elements"]["nodes"]}
        assert overview["overview"]["message"] in page.locator("#status").inner_text()
        department = next(n["data"]["id"] for n in overview["elements"]["nodes"] if n["data"]["kind"] == "department")
        subtree = {n["data"]["id"] for n in api("?" + urllib.parse.urlencode({"department": department}))["elements"]["nodes"]}
        assert department in subtree
        page.select_option("#department", department)
        wait_redrawn(page, len(subtree))
        assert drawn(page) == subtree and "department=" in page.url
        assert errors == []
    finally:
        context.close()
