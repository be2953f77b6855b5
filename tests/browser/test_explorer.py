"""The explorer in a real browser (Debian's chromium) against a real `htkg serve`: what is drawn agrees with
the store; the first view is legible (labels measured on screen); filters, search, panel, paths, comparison,
timeline, layouts, exports, embedding and shared URLs work; at 390 px nothing scrolls sideways; axe-core finds
no violation. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import itertools
import json
import math
import struct
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from htkg.dataset.network import UPWARD_RELATIONS, GraphFilter, compact
from htkg.dataset.network_export import to_networkx
from htkg.dataset.network_extract import extract_network
from test_network import COUNT_EDGES, COUNT_NODES, count

from axe import assert_no_axe_violations
from screens import PHONE, SCREENSHOTS, assert_no_horizontal_scroll, at_width, screenshot
from htkg.store import open_store
from htkg.config import Settings

pytestmark = [pytest.mark.browser, pytest.mark.server]

READY = "window.htkgExplorer && window.htkgExplorer.ready"
DRAWN = "htkgExplorer.graph.cy.nodes().map(n => n.id()).sort()"


@pytest.fixture(scope="module")
def rstore(release):
    return open_store(Settings(), release)


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


AGENCY_FIRST = "htkgExplorer.full.defaults"
HUBS = {"topic", "page", "source"}
# the rendered label of every node: its box on screen (CSS px inside the canvas) and its font size on screen
LABEL_BOXES = """() => { const cy = htkgExplorer.graph.cy, z = cy.zoom(), p = cy.pan();
  return cy.nodes().filter(n => n.visible() && n.data('short')).map(n => {
    const b = n.boundingBox({includeLabels: true, includeNodes: false, includeOverlays: false});
    return {id: n.id(), text: n.data('short'), px: parseFloat(n.style('font-size')) * z,
            x1: b.x1 * z + p.x, y1: b.y1 * z + p.y, x2: b.x2 * z + p.x, y2: b.y2 * z + p.y}; }); }"""


def agency_net(net):
    return net.filter(net.agency_view())


def org_graph(net, any_kind: bool = False):
    """Undirected graph of the organisational relations, hubs (topics, pages, sources) left out."""
    g = nx.Graph()
    wanted = None if any_kind else net.agency_view().relations
    for e in net.edges:
        if wanted is not None and compact(e.relation) not in wanted:
            continue
        if not any_kind and HUBS & {net.nodes[e.source].kind, net.nodes[e.target].kind}:
            continue
        g.add_edge(e.source, e.target)
    return g


def overlaps(a, b) -> bool:
    return a["x1"] < b["x2"] and b["x1"] < a["x2"] and a["y1"] < b["y2"] and b["y1"] < a["y2"]


def assert_labels_legible(page, context: str):
    boxes = page.evaluate(LABEL_BOXES)
    assert boxes, context
    small = [(b["text"], round(b["px"], 1)) for b in boxes if b["px"] < 11]
    assert not small, f"{context}: labels under 11 px on screen: {small[:5]}"
    clash = [(a["text"], b["text"]) for a, b in itertools.combinations(boxes, 2) if overlaps(a, b)]
    assert not clash, f"{context}: overlapping labels: {clash[:5]}"
    return boxes


def test_first_view_is_the_agencies_with_legible_labels(page, net, rstore, artifacts):
    at_width(page, 1280)
    open_explorer(page)
    expected = agency_net(net)
    assert drawn(page) == set(expected.nodes) and len(expected.nodes) >= 20
    assert not {net.nodes[x].kind for x in drawn(page)} & HUBS
    assert page.evaluate("htkgExplorer.graph.cy.edges().length") == len(expected.edges)
    assert page.locator("#relations-table tbody tr").count() == len(expected.edges)
    boxes = assert_labels_legible(page, "the first view at 1280 px")
    # the whole picture fits the canvas at that size
    width, height = page.evaluate("[htkgExplorer.graph.cy.width(), htkgExplorer.graph.cy.height()]")
    inside = [b for b in boxes if b["x1"] >= -1 and b["x2"] <= width + 1 and b["y1"] >= -1 and b["y2"] <= height + 1]
    assert len(inside) >= 0.95 * len(boxes), f"{len(boxes) - len(inside)} labels outside the canvas"
    # edge labels only on hover or selection
    assert page.evaluate("htkgExplorer.graph.cy.edges().every(e => e.style('label') === '')")
    # parents above children; departments on the top rank
    above = page.evaluate("""htkgExplorer.graph.cy.edges('[relation = "org:subOrganizationOf"]').map(
        e => e.target().position('y') < e.source().position('y'))""")
    assert above and all(above)
    tops = page.evaluate("""(() => { const cy = htkgExplorer.graph.cy; const ys = cy.nodes().map(n => n.position('y'));
        return cy.nodes('[kind = "department"]').map(n => n.position('y') === Math.min(...ys)); })()""")
    assert tops and all(tops)
    first_ms = page.evaluate("htkgExplorer.readyAt")
    screenshot(page, "explorer-default", widths=(1280,), full_page=False)
    (artifacts / "explorer-metrics.json").write_text(json.dumps(
        {"nodes": len(expected.nodes), "edges": len(expected.edges), "time_to_interactive_ms": round(first_ms)}) + "\n")
    assert page.console_errors == []


def test_everything_is_one_click_away(page, net, rstore):
    """The "+ topics" button adds the topics and the relations that bring them in; with every kind and every
    relation checked the page draws what the store has."""
    open_explorer(page)
    defaults = page.evaluate(AGENCY_FIRST)
    topic_rel = {compact(e.relation) for e in net.edges if "topic" in (net.nodes[e.source].kind, net.nodes[e.target].kind)}
    expected = net.filter(GraphFilter(kinds=frozenset(defaults["kind"]) | {"topic"},
                                      relations=frozenset(defaults["relation"]) | topic_rel))
    page.click("#add-kinds button[data-add=topic]")
    wait_redrawn(page, len(expected.nodes))
    assert drawn(page) == set(expected.nodes) and any(net.nodes[x].kind == "topic" for x in drawn(page))
    assert "kind=" in page.url and "topic" in urllib.parse.unquote(page.url)
    page.click("#toggle-filters")
    for box in page.locator("#filters input[name=kind], #filters input[name=relation]").all():
        box.check()
    every = net.filter(GraphFilter(kinds=frozenset(net.kinds), relations=frozenset(net.relations)))
    wait_redrawn(page, len(every.nodes))
    assert drawn(page) == set(every.nodes)
    assert page.evaluate("htkgExplorer.graph.cy.nodes().length") >= count(rstore, COUNT_NODES) - 5
    assert page.evaluate("htkgExplorer.graph.cy.edges().length") == count(rstore, COUNT_EDGES)
    assert page.console_errors == []


def test_relation_filter(page, net):
    open_explorer(page, "?filters=open")
    defaults = page.evaluate(AGENCY_FIRST)
    page.locator("#relations input[value='htkg:funds']").uncheck()
    expected = net.filter(GraphFilter(kinds=frozenset(defaults["kind"]),
                                      relations=frozenset(defaults["relation"]) - {"htkg:funds"}))
    page.wait_for_function(f"htkgExplorer.graph.cy.edges().length === {len(expected.edges)}", timeout=10000)
    assert drawn(page) == set(expected.nodes)
    assert page.evaluate("""htkgExplorer.graph.cy.edges('[relation = "htkg:funds"]').length""") == 0


def test_department_filter(page, net):
    open_explorer(page, "?filters=open")
    doj = find(net, lambda n: n.kind == "department" and "DOJ" in n.alt_labels)
    page.select_option("#department", doj.iri)
    view = net.agency_view()
    expected = net.filter(GraphFilter(department=doj.iri, kinds=view.kinds, relations=view.relations))
    wait_redrawn(page, len(expected.nodes))
    assert drawn(page) == set(expected.nodes)
    assert not drawn(page) & ({n.iri for n in net.departments()} - {doj.iri})


def test_hiding_outside_facts(page, net):
    open_explorer(page, "?filters=open")
    page.locator("#outside").uncheck()
    view = net.agency_view()
    expected = net.filter(GraphFilter(outside=False, kinds=view.kinds, relations=view.relations))
    wait_redrawn(page, len(expected.nodes))
    assert drawn(page) == set(expected.nodes)
    assert page.evaluate("htkgExplorer.graph.cy.edges('[?outside]').length") == 0


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


def node_on_screen(page, iri):
    box = page.locator("#cy").bounding_box()
    pos = page.evaluate("id => htkgExplorer.graph.cy.getElementById(id).renderedPosition()", iri)
    return box["x"] + pos["x"], box["y"] + pos["y"]


def assert_panel_clear_of(page, iri, context):
    x, y = node_on_screen(page, iri)
    panel = page.locator("#panel").bounding_box()
    cy = page.locator("#cy").bounding_box()
    assert cy["x"] <= x <= cy["x"] + cy["width"] and cy["y"] <= y <= cy["y"] + cy["height"], context
    inside = panel["x"] - 12 <= x <= panel["x"] + panel["width"] + 12 and panel["y"] - 12 <= y <= panel["y"] + panel["height"] + 12
    assert not inside, f"{context}: the details panel covers the selected node"


def test_clicking_a_node_shows_its_panel_beside_it_with_edge_labels(page, net, server):
    node = find(net, lambda n: n.kind == "department" and "DOJ" in n.alt_labels)
    at_width(page, 1280)
    open_explorer(page)
    page.mouse.click(*node_on_screen(page, node.iri))
    page.wait_for_selector("#panel:not([hidden])")
    assert page.locator("#panel-title").inner_text() == node.label
    assert page.locator("#panel-body .panel-relations li").count() == sum(
        node.iri in (e.source, e.target) for e in net.edges)
    assert_panel_clear_of(page, node.iri, "1280 px")
    labels = page.evaluate("id => htkgExplorer.graph.cy.getElementById(id).connectedEdges().map(e => [e.style('label'), e.data('label')])",
                           node.iri)
    assert labels and all(shown == name for shown, name in labels)
    href = page.locator("#panel-link").get_attribute("href")
    with urllib.request.urlopen(urllib.request.Request(server.url + href, headers={"Accept": "text/html"})) as r:
        assert r.status == 200
    assert page.console_errors == []


def pick_path_end(page, net, iri, button):
    page.fill("#search", net.nodes[iri].alt_labels[0] if net.nodes[iri].alt_labels else net.nodes[iri].label)
    page.locator(f"#search-results button[data-id='{iri}']").click()
    page.wait_for_function("id => document.getElementById('panel-title').textContent === id", arg=net.nodes[iri].label)
    page.click(button)


def test_path_follows_organisational_relations_with_names_and_citations(page, net):
    ovc = find(net, lambda n: "OVC" in n.alt_labels)
    state = find(net, lambda n: n.kind == "department" and "State" in n.label)
    g = org_graph(net)
    expected = nx.shortest_path_length(g, ovc.iri, state.iri)
    at_width(page, 1280)
    open_explorer(page)
    pick_path_end(page, net, ovc.iri, "#panel-from")
    pick_path_end(page, net, state.iri, "#panel-to")
    page.wait_for_function("htkgExplorer.path.length > 0")
    path = page.evaluate("htkgExplorer.path")
    assert path[0] == ovc.iri and path[-1] == state.iri and len(path) == expected + 1
    assert all(g.has_edge(a, b) for a, b in zip(path, path[1:]))
    assert not any(net.nodes[x].kind in HUBS for x in path)
    assert page.evaluate("htkgExplorer.graph.cy.nodes('.path').length") == len(path)
    steps = page.locator("#path-result ol.steps li")
    assert steps.count() == expected
    relation_names = set(net.relations.values())
    for i in range(expected):
        text = steps.nth(i).inner_text()
        assert any(f" {name} " in text for name in relation_names), text
        assert steps.nth(i).locator("blockquote, a, span").count() >= 1          # its citation
    # zoomed to: every node of the path on screen; edge labels along it
    width, height = page.evaluate("[htkgExplorer.graph.cy.width(), htkgExplorer.graph.cy.height()]")
    for x in path:
        pos = page.evaluate("id => htkgExplorer.graph.cy.getElementById(id).renderedPosition()", x)
        assert 0 <= pos["x"] <= width and 0 <= pos["y"] <= height
    assert page.locator("#panel").is_hidden()            # the path takes the canvas
    assert page.evaluate("htkgExplorer.graph.cy.edges('.path').every(e => e.style('label') === e.data('label'))")
    assert "from=" in page.url and "to=" in page.url
    screenshot(page, "explorer-path", widths=(1280,), full_page=False)
    # all shortest paths
    page.check("#path-all")
    page.wait_for_function("new URL(location.href).searchParams.get('paths') === 'all'")
    every = list(itertools.islice(nx.all_shortest_paths(g, ovc.iri, state.iri), 24))
    # one path per chain of edges: two relations between the same two nodes are two paths
    shown = page.evaluate("htkgExplorer.paths.map(p => p.nodes)")
    assert {tuple(p) for p in shown} == {tuple(p) for p in every}
    assert page.locator("#path-result ol.steps").count() == len(shown) >= len(every)


def test_path_through_any_kind_is_an_option(page, net):
    hotline = find(net, lambda n: n.kind == "hotline")
    state = find(net, lambda n: n.kind == "department" and "State" in n.label)
    g, anything = org_graph(net), org_graph(net, any_kind=True)
    open_explorer(page, "?" + urllib.parse.urlencode({"from": hotline.iri, "to": state.iri, "filters": "open"}))
    if g.has_node(hotline.iri) and g.has_node(state.iri) and nx.has_path(g, hotline.iri, state.iri):
        assert len(page.evaluate("htkgExplorer.path")) == nx.shortest_path_length(g, hotline.iri, state.iri) + 1
    else:
        assert "Not connected through the organisational relations" in page.locator("#path-result").inner_text()
    page.check("#path-any")
    page.wait_for_function("htkgExplorer.path.length > 0")
    path = page.evaluate("htkgExplorer.path")
    assert len(path) == nx.shortest_path_length(anything, hotline.iri, state.iri) + 1
    assert drawn(page) >= set(path)


def test_compare_two_organizations(page, net):
    ovc = find(net, lambda n: "OVC" in n.alt_labels)
    bja = find(net, lambda n: "BJA" in n.alt_labels)
    part_of = nx.DiGraph((e.source, e.target) for e in net.edges if compact(e.relation) in UPWARD_RELATIONS)
    common = (nx.descendants(part_of, ovc.iri) & nx.descendants(part_of, bja.iri))
    assert common
    open_explorer(page)
    for node in (ovc, bja):
        page.fill("#search", node.alt_labels[0])
        page.locator(f"#search-results button[data-id='{node.iri}']").click()
        page.wait_for_function("id => document.getElementById('panel-title').textContent === id", arg=node.label)
        page.click("#panel-compare")
    page.wait_for_function("new URL(location.href).searchParams.get('b')")
    groups = page.evaluate("htkgExplorer.compare")
    parents = next(g["ids"] for g in groups if g["heading"] == "Both are part of")
    assert set(parents) == common
    text = page.locator("#compare-result").inner_text()
    assert all(net.nodes[x].label in text for x in common)
    assert page.evaluate("htkgExplorer.graph.cy.nodes('.compared').length") >= 2 + len(common)


def test_toolbar_is_a_few_tab_presses_away(page):
    at_width(page, 1280)
    open_explorer(page)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"      # the site's "Skip to content"
    page.keyboard.press("Enter")
    presses = 0
    while page.evaluate("document.activeElement.id") != "export-png" and presses < 40:
        page.keyboard.press("Tab")
        presses += 1
    assert presses <= 6, f"Export PNG took {presses} Tab presses after skipping to the content"
    for control in ("fit", "reset", "layout", "export-svg", "export-graphml", "copy-link", "toggle-filters",
                    "toggle-timeline"):
        assert page.locator(f"#toolbar #{control}").is_visible()


def test_exports_are_what_is_on_screen_at_print_resolution_with_legend_and_caption(page, release, net, artifacts):
    at_width(page, 1280)
    open_explorer(page)
    width, height = page.evaluate("[htkgExplorer.graph.cy.width(), htkgExplorer.graph.cy.height()]")
    with page.expect_download() as png:
        page.click("#export-png")
    data = Path(png.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    assert w == 3 * width and h > 3 * height            # 3 px per CSS px, and room below for the legend
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "explorer-export.png").write_bytes(data)
    with page.expect_download() as svg:
        page.click("#export-svg")
    root = ET.parse(svg.value.path()).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    caption = " ".join(t.text for t in root.iter(f"{ns}text") if "caption" in (t.get("class") or ""))
    assert release.version in caption and "agencies" in caption
    legend = {line.get("data-relation") for line in root.iter(f"{ns}line") if line.get("class") == "legend-relation"}
    assert legend == {e.relation_label for e in agency_net(net).edges}
    assert int(float(root.get("height"))) > height


def rgb(css: str) -> tuple[int, int, int]:
    return tuple(int(float(x)) for x in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def test_legend_one_entry_per_relation_in_one_colour_distinguishable_for_colour_blind_readers(page, net):
    everything = "?" + urllib.parse.urlencode({"kind": ",".join(net.kinds),
                                               "relation": ",".join(sorted(compact(r) for r in net.relations))})
    open_explorer(page, everything)
    entries = page.evaluate("[...document.querySelectorAll('#legend .legend-relations li')].map(li => li.dataset.relation)")
    drawn_labels = set(page.evaluate("htkgExplorer.graph.cy.edges().map(e => e.data('label'))"))
    assert sorted(entries) == sorted(drawn_labels) and len(entries) == len(set(entries))
    styles = page.evaluate("""htkgExplorer.graph.cy.edges().map(e => [e.data('label'), e.style('line-color'),
                                                                     e.style('line-style')])""")
    per_label = {}
    for label, colour, style in styles:
        per_label.setdefault(label, set()).add((rgb(colour), style))
    assert all(len(v) == 1 for v in per_label.values()), {k: v for k, v in per_label.items() if len(v) > 1}
    drawn_style = {label: next(iter(v)) for label, v in per_label.items()}
    swatches = page.evaluate("""[...document.querySelectorAll('#legend .legend-relations li')].map(li => [li.dataset.relation,
        getComputedStyle(li.querySelector('.line')).borderTopColor, getComputedStyle(li.querySelector('.line')).borderTopStyle])""")
    for label, colour, style in swatches:
        assert (rgb(colour), style) == drawn_style[label], label
    for label, (colour, _) in drawn_style.items():
        assert contrast(colour, (255, 255, 255)) >= 3, f"{label}: {colour} has too little contrast on white"
    for (a, (ca, sa)), (b, (cb, sb)) in itertools.combinations(drawn_style.items(), 2):
        if sa == sb:
            worst = min(delta_e(simulate(ca, m), simulate(cb, m)) for m in CVD.values())
            assert worst >= 15, f"{a!r} and {b!r} (both {sa}) look alike for some colour-blind readers (ΔE {worst:.0f})"


# sRGB <-> linear, CVD simulation (Machado, Oliveira & Fernandes 2009, severity 1), CIELAB distance
CVD = {"normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
       "protan": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
       "deutan": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
       "tritan": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900))}


def _linear(c):
    c = c / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def contrast(a, b):
    la, lb = (0.2126 * _linear(x[0]) + 0.7152 * _linear(x[1]) + 0.0722 * _linear(x[2]) for x in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def simulate(colour, m):
    lin = [_linear(c) for c in colour]
    return [min(1.0, max(0.0, sum(m[i][j] * lin[j] for j in range(3)))) for i in range(3)]


def delta_e(a, b):
    def lab(v):
        x = (0.4124 * v[0] + 0.3576 * v[1] + 0.1805 * v[2]) / 0.9505
        y = 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]
        z = (0.0193 * v[0] + 0.1192 * v[1] + 0.9505 * v[2]) / 1.089
        f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z)]
        return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])
    return math.dist(lab(a), lab(b))


def test_layout_switch_keeps_filters_and_shared_url_restores_the_view(page, browser, server, net):
    hhs = find(net, lambda n: n.kind == "department" and "HHS" in n.alt_labels)
    hotline = find(net, lambda n: n.kind == "hotline")
    open_explorer(page, "?filters=open")
    page.select_option("#department", hhs.iri)
    view = net.agency_view()
    wait_redrawn(page, len(net.filter(GraphFilter(department=hhs.iri, kinds=view.kinds, relations=view.relations)).nodes))
    before = drawn(page)
    page.select_option("#layout", "cose")
    page.wait_for_function("new URL(location.href).searchParams.get('layout') === 'cose'")
    assert drawn(page) == before and page.evaluate("htkgExplorer.graph.layout") == "cose"
    page.fill("#search", hotline.label)
    page.locator(f"#search-results button[data-id='{hotline.iri}']").click()
    page.wait_for_selector("#panel:not([hidden])")
    page.click("#panel-from")
    page.wait_for_function("new URL(location.href).searchParams.get('from')")
    shared = page.url
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
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
    assert shown == neighbours | {n.iri for n in net.nodes.values() if n.kind == "department"}


def test_timeline_draws_the_dated_facts_with_citations_and_filters_by_organization(page, net, server, artifacts):
    def api(query=""):
        with urllib.request.urlopen(server.url + "/api/timeline" + query, timeout=30) as resp:
            return json.load(resp)

    whole = api()
    at_width(page, 1280)
    open_explorer(page, "?view=timeline")
    page.wait_for_selector("#timeline-chart svg")
    assert page.locator("#cy").is_hidden() and page.locator("#toggle-timeline").get_attribute("aria-pressed") == "true"
    assert page.locator(".timeline-row").count() == len(whole["items"])
    spans = [i for i in whole["items"] if i["start"] or i["end"]]
    points = sum(1 for i in whole["items"] for f in i["facts"] if f["reading"] not in ("start", "end"))
    assert page.locator("a.timeline-bar").count() == len(spans) and page.locator("a.timeline-point").count() == points
    for href in page.eval_on_selector_all("a.timeline-bar, a.timeline-point", "as => as.map(a => a.getAttribute('href'))"):
        assert href.startswith(("http://", "https://", "/id/")), href
    marker = page.locator("line.page-date").count()
    assert marker == len(whole["pageDates"])
    if not whole["pageDates"]:
        assert "does not date the page" in page.locator("#timeline-note").inner_text()
    screenshot(page, "explorer-timeline", widths=(1280,), full_page=False)
    with page.expect_download() as svg:
        page.click("#timeline-svg")
    root = ET.parse(svg.value.path()).getroot()
    assert len([g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "timeline-row"]) == len(whole["items"])
    assert any("timeline" in (t.text or "") for t in root.iter("{http://www.w3.org/2000/svg}text"))
    ovc = find(net, lambda n: "OVC" in n.alt_labels)
    page.select_option("#timeline-org", ovc.iri)
    narrowed = api("?" + urllib.parse.urlencode({"org": ovc.iri}))
    page.wait_for_function(f"document.querySelectorAll('.timeline-row').length === {len(narrowed['items'])}")
    assert "org=" in page.url and len(narrowed["items"]) < len(whole["items"])
    assert_no_horizontal_scroll(page, "the explorer's timeline")
    rows = set(page.eval_on_selector_all(".timeline-row", "rs => rs.map(r => r.dataset.iri)"))
    assert rows == {i["iri"] for i in narrowed["items"]}
    assert page.console_errors == []


def test_embed_is_just_the_picture_with_the_same_state(page, net, release):
    query = "?kind=department,unit&relation=org:subOrganizationOf"
    open_explorer(page, query)
    full_view = drawn(page)
    open_explorer(page, query + "&embed=1")
    assert drawn(page) == full_view
    assert page.locator("header.site").count() == 0 and page.locator("#toolbar").count() == 0
    assert release.version in page.locator("#caption").inner_text()
    assert page.locator("#legend li").count() >= 2
    assert "embed=1" in page.url and "kind=" in page.url
    screenshot(page, "explorer-embed", widths=(1280,), full_page=False)
    assert page.console_errors == []


def test_phone_graph_takes_the_screen_panels_slide_over_and_nothing_scrolls_sideways(page, net):
    at_width(page, PHONE)
    open_explorer(page)
    assert_no_horizontal_scroll(page, "the explorer")
    cy = page.locator("#cy").bounding_box()
    assert cy["width"] >= 0.9 * PHONE and cy["height"] >= 0.6 * 844
    visible = min(cy["y"] + cy["height"], 844) - max(cy["y"], 0)      # the page opens on the drawing
    assert visible >= 0.55 * 844, f"only {visible:.0f} px of the drawing on screen"
    assert_labels_legible(page, "the first view at 390 px")
    page.click("#toggle-filters")
    filters = page.locator("#filters").bounding_box()
    assert page.evaluate("getComputedStyle(document.getElementById('filters')).position") == "fixed"
    assert filters["x"] <= 1 and filters["width"] < PHONE                       # over the drawing, from the left
    assert_no_horizontal_scroll(page, "the explorer with its filters open")
    page.keyboard.press("Escape")
    page.wait_for_function("document.getElementById('explorer').classList.contains('filters-closed')")
    ovc = find(net, lambda n: "OVC" in n.alt_labels)
    page.fill("#search", "OVC")
    page.locator(f"#search-results button[data-id='{ovc.iri}']").click()
    page.wait_for_selector("#panel:not([hidden])")
    page.wait_for_timeout(100)
    assert_panel_clear_of(page, ovc.iri, "390 px")
    assert_no_horizontal_scroll(page, "the explorer with its details open")
    screenshot(page, "explorer-phone", widths=(PHONE,), full_page=False)


@pytest.mark.parametrize("width", [1280, PHONE])
def test_no_axe_violations_with_panels_open_and_closed(page, net, width):
    at_width(page, width)
    open_explorer(page)
    assert_no_axe_violations(page, f"the explorer at {width} px")
    page.click("#toggle-filters")
    assert_no_axe_violations(page, f"the explorer with its filters open at {width} px")
    if width == PHONE:
        page.click("#filters-close")          # the drawer covers the page; its own button closes it
    ovc = find(net, lambda n: "OVC" in n.alt_labels)
    page.fill("#search", "OVC")
    page.locator(f"#search-results button[data-id='{ovc.iri}']").click()
    page.wait_for_selector("#panel:not([hidden])")
    assert_no_axe_violations(page, f"the explorer with the details panel open at {width} px")
    page.keyboard.press("Escape")
    page.click("#toggle-timeline")
    page.wait_for_selector("#timeline-chart svg")
    assert_no_axe_violations(page, f"the explorer's timeline at {width} px")


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
        asked = {"department": department, "kind": ",".join(overview["defaults"]["kind"]),
                 "relation": ",".join(overview["defaults"]["relation"])}    # the page opens on the agencies' view
        subtree = {n["data"]["id"] for n in api("?" + urllib.parse.urlencode(asked))["elements"]["nodes"]}
        assert department in subtree
        page.click("#toggle-filters")
        page.select_option("#department", department)
        wait_redrawn(page, len(subtree))
        assert drawn(page) == subtree and "department=" in page.url
        assert errors == []
    finally:
        context.close()
