"""/search in HTML and JSON, the search box on every page, bounded inputs."""

from __future__ import annotations

import pytest

from htkg.dataset.search import MAX_LIMIT, MAX_QUERY_CHARS

SKOS = "http://www.w3.org/2004/02/skos/core#"


@pytest.mark.parametrize("path", ["/", "/id/org/ovc", "/def/", "/queries", "/catalog", "/search?q=ovc",
                                  "/id/org/no-such-thing"])
def test_every_page_has_the_search_box(client, path):
    html = client.get(path, headers={"Accept": "text/html"}).data.decode()
    assert '<form class="site-search" action="/search" method="get" role="search">' in html
    assert 'id="site-search"' in html and "search.js" in html


def test_json_answers_with_ids_labels_kinds_and_paths(client, store):
    resp = client.get("/search?q=NHTRC", headers={"Accept": "application/json"})
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/json")
    body = resp.get_json()
    nhtrc = store.query(f'SELECT ?x WHERE {{ ?x <{SKOS}altLabel> "NHTRC"@en }}').rows[0]["x"].value
    first = body["results"][0]
    assert first["id"] == nhtrc and first["kind"] == "hotline" and first["match"] == "altLabel"
    assert client.get(first["path"], headers={"Accept": "text/turtle"}).status_code == 200
    assert client.get("/search?q=NHTRC&format=json").get_json() == body


def test_html_lists_results_in_order(client):
    html = client.get("/search?q=T+visa", headers={"Accept": "text/html"}).data.decode()
    assert html.index('href="/id/relief/t-visa"') < html.index("</ol>")
    first_link = html.split('<ol class="hits">', 1)[1].split('href="', 1)[1].split('"', 1)[0]
    assert first_link == "/id/relief/t-visa"


def test_kind_filter(client):
    body = client.get("/search?q=trafficking&kind=program&limit=50&format=json").get_json()
    assert body["results"] and {r["kind"] for r in body["results"]} == {"program"}


@pytest.mark.parametrize("query,parameter", [
    ({"q": "x" * (MAX_QUERY_CHARS + 1)}, "q"),
    ({"q": "ovc", "limit": "0"}, "limit"),
    ({"q": "ovc", "limit": str(MAX_LIMIT + 1)}, "limit"),
    ({"q": "ovc", "limit": "ten"}, "limit"),
    ({"q": "ovc", "kind": "spaceship"}, "kind"),
    ({"q": "ovc", "format": "xml"}, "format"),
])
def test_bad_input_is_a_400_naming_the_parameter(client, query, parameter):
    resp = client.get("/search", query_string=query, headers={"Accept": "application/json"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["parameter"] == parameter


def test_query_is_escaped_in_the_page(client):
    html = client.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E", headers={"Accept": "text/html"}).data
    assert b"<script>alert(1)" not in html
