"""The editor and the named-query pages as HTML (in-process); their behaviour is tested in a browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from htkg.dataset.queries import load_queries

ROOT = Path(__file__).resolve().parents[2]
QUERIES = load_queries(ROOT / "queries")


@pytest.mark.parametrize("path", ["/query", "/sparql"])
def test_editor_is_served_with_the_projects_prefixes_and_nothing_from_outside(client, app, path):
    resp = client.get(path, headers={"Accept": "text/html"})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    config = json.loads(re.search(r'<script type="application/json" id="wb-config">(.*?)</script>', html, re.S).group(1))
    assert config["endpoint"] == "/sparql"
    assert config["prefixes"] == app.extensions["htkg"].prefixes
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not re.match(r"(https?:)?//", url), f"{path} loads {url} from another host"


def test_named_query_page_shows_sparql_form_and_formats(client):
    name, q = next((n, q) for n, q in QUERIES.items() if q.params)
    html = client.get(f"/queries/{name}").get_data(as_text=True)
    assert q.title in html
    for p in q.params:
        assert f'name="{p.name}"' in html
    for fmt in ("json", "xml", "csv", "tsv"):
        assert f"format={fmt}" in html


def test_named_query_page_names_a_bad_parameter(client):
    name, q = next((n, q) for n, q in QUERIES.items() if any(p.type == "iri" for p in q.params))
    p = next(p for p in q.params if p.type == "iri")
    resp = client.get(f"/queries/{name}", query_string={p.name: "not an iri"})
    assert resp.status_code == 400
    assert f"<code>{p.name}</code>" in resp.get_data(as_text=True)


def test_unknown_named_query_page_is_a_404(client):
    assert client.get("/queries/no-such-query").status_code == 404


def test_every_api_link_of_the_catalog_answers(client):
    """/queries linked `?format=json` for queries with required parameters, which answered 400."""
    html = client.get("/queries", headers={"Accept": "text/html"}).get_data(as_text=True)
    links = [u.replace("&amp;", "&") for u in re.findall(r'href="(/api/queries/[^"]+)"', html)]
    assert len(links) == 2 * len(QUERIES)
    required = [n for n, q in QUERIES.items() if any(p.required for p in q.params)]
    assert required, "the catalog has queries with required parameters"
    for url in links:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.get_data(as_text=True)[:300])
        resp.close()
