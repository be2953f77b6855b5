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
