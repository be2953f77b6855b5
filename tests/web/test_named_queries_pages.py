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
    html = client.get(f"/queries/{name}", query_string={p.name: p.example for p in q.params if p.example}
                      ).get_data(as_text=True)
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


def _html(client, path, **kw) -> str:
    resp = client.get(path, headers={"Accept": "text/html"}, **kw)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp.get_data(as_text=True)


def test_named_query_page_opens_on_every_row_not_filtered_to_the_example(client, direct):
    """"Who funds whom" opened showing OVC only: its optional funder was set to the example."""
    q = QUERIES["who-funds-whom"]
    assert any(p.example and not p.required for p in q.params)
    html = _html(client, "/queries/who-funds-whom")
    everything = direct.query(q.sparql, bindings=q.bind({}))
    assert re.search(r'id="wb-count">(\d+) rows?', html).group(1) == str(len(everything.rows))
    for p in q.params:     # the example is a placeholder, never a value
        field = re.search(rf'<input id="param-{p.name}"[^>]*>', html, re.S).group(0)
        assert 'value=""' in field and f'placeholder="e.g. {p.example}"' in field


def test_required_parameter_left_empty_offers_the_example_instead_of_results(client, direct):
    name, q = next((n, q) for n, q in QUERIES.items() if any(p.required and p.example for p in q.params))
    html = _html(client, f"/queries/{name}")
    assert 'id="wb-missing"' in html and 'id="wb-results"' not in html
    link = re.search(r'<a href="([^"]+)" id="wb-example-link"', html).group(1).replace("&amp;", "&")
    examples = {p.name: p.example for p in q.params if p.example}
    followed = _html(client, link)
    expected = direct.query(q.sparql, bindings=q.bind(examples))
    assert re.search(r'id="wb-count">(\d+) rows?', followed).group(1) == str(len(expected.rows))


def test_open_in_the_editor_keeps_the_parameters(client, direct):
    """"Open in the query editor" dropped the values: the editor got the bare query (a 400 for a required one)."""
    from html import unescape
    from urllib.parse import parse_qs, urlsplit
    name, q = next((n, q) for n, q in QUERIES.items() if any(p.required and p.example for p in q.params))
    values = {p.name: p.example for p in q.params if p.example}
    html = _html(client, f"/queries/{name}", query_string=values)
    link = unescape(re.search(r'<a href="([^"]+)">Open in the query editor</a>', html).group(1))
    assert urlsplit(link).path == "/query"
    text = parse_qs(urlsplit(link).query)["query"][0]
    resp = client.post("/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200
    expected = direct.query(q.sparql, bindings=q.bind(values))
    assert len(resp.get_json()["results"]["bindings"]) == len(expected.rows) > 0


def test_every_examples_text_in_the_api_runs_as_it_is(client, direct):
    """The editor's "The citation of a fact" appended two VALUES after ORDER BY: a syntax error."""
    listed = client.get("/api/queries").get_json()
    for entry in listed:
        q = QUERIES[entry["name"]]
        resp = client.post("/sparql", data={"query": entry["example_sparql"]},
                           headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"})
        assert resp.status_code == 200, (entry["name"], resp.get_data(as_text=True)[:300])
        if q.form == "select":
            examples = {p.name: p.example for p in q.params if p.required and p.example}
            assert len(resp.get_json()["results"]["bindings"]) == len(direct.query(q.sparql, bindings=q.bind(examples)).rows)
