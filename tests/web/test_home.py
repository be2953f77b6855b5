"""The landing page, sitemap.xml and robots.txt."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from htkg.store import open_store
from htkg.config import Settings

LINKS = ["/sparql", "/queries", "/explore", "/def/", "/shapes", "/dumps/", "/catalog", "/.well-known/void",
         "/data.json", "/quality", "/api/openapi.json", "/sitemap.xml"]


def test_landing_page_says_what_it_is_with_numbers_and_links(client, release):
    resp = client.get("/", headers={"Accept": "text/html"})
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
    html = resp.data.decode()
    assert "Human Trafficking Knowledge Graph" in html
    stats = release.statistics
    assert f"{stats['triples']:,}" in html and f"{stats['entities']:,}" in html
    assert f"{len(stats['graphs'])}" in html
    for link in LINKS:
        assert f'href="{link}"' in html, link
    # entities per class of the own vocabulary, with their counts
    own = {k: v for k, v in stats["classes"].items() if k.startswith(release.base_iri)}
    for cls, n in own.items():
        assert re.search(rf'href="/{re.escape(cls[len(release.base_iri):])}">[^<]+</a></td><td class="num">{n}<', html), cls


def test_landing_page_has_schema_org_dataset(client, release):
    html = client.get("/").data.decode()
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(script)
    assert data["@type"] == "Dataset" and data["name"] and data["description"] and data["license"]
    urls = {d["contentUrl"] for d in data["distribution"]}
    assert "http://localhost/dumps/htkg.nq" in urls


def test_landing_page_304(client):
    etag = client.get("/").headers["ETag"]
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304


def test_sitemap_lists_every_resource_page_and_each_answers(client, release):
    resp = client.get("/sitemap.xml")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.fromstring(resp.data).findall("s:url/s:loc", ns)]
    store = open_store(Settings(), release)
    base = release.base_iri
    subjects = {r["s"].value for r in store.query(
        f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}")) }}').rows}
    pages = {"http://localhost/" + s[len(base):] for s in subjects if "#" not in s}
    assert len(pages) >= 50 and pages <= set(locs)
    for loc in sorted(pages)[::4]:        # a quarter of them, spread over every area
        r = client.get(loc[len("http://localhost"):], headers={"Accept": "text/html"})
        assert r.status_code == 200, loc


def test_robots_txt_points_at_the_sitemap(client):
    resp = client.get("/robots.txt", base_url="http://data.example/")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/plain")
    text = resp.data.decode()
    assert "Sitemap: http://data.example/sitemap.xml" in text and "User-agent: *" in text
    assert "Disallow: /search" in text and "Disallow: /reconcile" in text   # endless answer spaces


# ---------------------------------------------------------------------------------------------
# the landing page as a directory (read from the graph)
# ---------------------------------------------------------------------------------------------

ORG = "http://www.w3.org/ns/org#"


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start:html.index("</section>", start)]


def test_departments_with_their_units_as_a_tree(client, store, release):
    base = release.base_iri
    html = client.get("/", headers={"Accept": "text/html"}).data.decode()
    tree = _section(html, "dir-departments")
    departments = [r["d"].value for r in store.query(f"SELECT ?d WHERE {{ ?d a <{base}def/Department> }}").rows]
    assert len(departments) >= 4
    for d in departments:
        assert f'href="/{d[len(base):]}"' in tree
    # each unit is nested inside its parent's list item
    pairs = store.query(f"""SELECT ?u ?p WHERE {{ ?u a <{base}def/GovernmentUnit> ; <{ORG}subOrganizationOf> ?p .
      FILTER NOT EXISTS {{ ?u <{ORG}subOrganizationOf> ?q . ?q <{ORG}subOrganizationOf>+ ?p }} }}""").rows
    assert len(pairs) >= 15
    for r in pairs:
        parent, unit = r["p"].value[len(base):], r["u"].value[len(base):]
        at = tree.index(f'<li><a href="/{parent}">')
        item_end = _matching_li_end(tree, at)
        assert f'href="/{unit}"' in tree[at:item_end], (unit, parent)


def _matching_li_end(html: str, start: int) -> int:
    depth, i = 0, start
    while True:
        nxt_open, nxt_close = html.find("<li>", i + 1), html.find("</li>", i + 1)
        if nxt_open != -1 and nxt_open < nxt_close:
            depth += 1
            i = nxt_open
        else:
            if depth == 0:
                return nxt_close
            depth -= 1
            i = nxt_close


def test_lists_name_instances_not_classes(client, store, release):
    base = release.base_iri
    html = client.get("/", headers={"Accept": "text/html"}).data.decode()
    directory = html[html.index('<div class="directory">'):html.index("<h2>Use it</h2>")]
    for cls in ("Hotline", "Program", "Statute", "ReliefType"):
        instances = [r["x"].value for r in store.query(f"SELECT ?x WHERE {{ ?x a <{base}def/{cls}> }}").rows]
        assert instances, cls
        for x in instances:
            assert f'href="/{x[len(base):]}"' in directory, x
    assert 'href="/def/' not in directory


def test_key_facts_are_read_from_the_graph(client, store, release):
    """The hotline's number and who funds and runs it: the data's values, not text in a template."""
    base = release.base_iri
    html = client.get("/", headers={"Accept": "text/html"}).data.decode()
    box = html[html.index('<section class="key-facts"'):html.index("</section>")]
    hotline = store.query(f"SELECT ?h WHERE {{ ?h a <{base}def/Hotline> }}").rows[0]["h"].value
    phones = store.query(f"SELECT ?t WHERE {{ <{hotline}> <https://schema.org/availableChannel>/"
                         "<https://schema.org/servicePhone>/<https://schema.org/telephone> ?t }").rows
    assert phones
    for r in phones:
        assert f'href="tel:{r["t"].value}"' in box
    for prop in ("funds", "operates"):
        who = [r["o"].value for r in store.query(
            f"SELECT ?o WHERE {{ ?o <{base}def/{prop}> ?h . ?h a <{base}def/Hotline> }}").rows]
        assert who, prop
        for o in who:
            assert f'href="/{o[len(base):]}"' in box, o
    assert "Dec 2007–2025" in box
