"""The site served from a remote store answers as from the embedded one: on a real ``oxigraph serve``
and a real Virtuoso 7.2, the same sitemap, resource pages, named-query pages and endpoint answers."""

from __future__ import annotations

import re

import pytest

from htkg.config import Settings
from htkg.web import create_app

STORES = ["oxigraph", "virtuoso"]


@pytest.fixture(scope="module")
def embedded_client(release_dir):
    return create_app(Settings(release_dir=str(release_dir))).test_client()


@pytest.fixture(params=STORES)
def remote_app(request, release_dir):
    server = request.getfixturevalue(f"{request.param}_server")
    return create_app(Settings(release_dir=str(release_dir), store_url=server.query_url))


def _locs(body: str) -> list[str]:
    return re.findall(r"<loc>([^<]+)</loc>", body)


def test_sitemap_is_the_same(remote_app, embedded_client):
    """#8: the sitemap's `ORDER BY … LIMIT 50000` went past Virtuoso's MaxSortedTopRows (10,000): an error."""
    remote = remote_app.test_client().get("/sitemap.xml")
    assert remote.status_code == 200, remote.get_data(as_text=True)[:500]
    expected = _locs(embedded_client.get("/sitemap.xml").get_data(as_text=True))
    assert _locs(remote.get_data(as_text=True)) == expected and len(expected) > 100


def test_sitemap_pages_under_the_sorted_row_limit(remote_app, embedded_client):
    from htkg.web.home import resource_paths
    with embedded_client.application.test_request_context():
        every = resource_paths()
    with remote_app.test_request_context():
        assert resource_paths(page=97) == every
        assert resource_paths(limit=150, page=40) == every[:150]


@pytest.mark.parametrize("path", ["/id/org/ovc", "/queries/entities-by-kind", "/queries/relations-of-an-entity"])
def test_pages_are_the_same(remote_app, embedded_client, path):
    remote = remote_app.test_client().get(path, headers={"Accept": "text/html"})
    local = embedded_client.get(path, headers={"Accept": "text/html"})
    assert remote.status_code == local.status_code == 200, remote.get_data(as_text=True)[:500]
    # the same links and cells (the store's answers), whatever the order of equal rows
    links = lambda r: sorted(set(re.findall(r'href="([^"]+)"', r.get_data(as_text=True))))  # noqa: E731
    assert links(remote) == links(local)


def test_endpoint_answers_from_the_release_only(remote_app, release):
    client = remote_app.test_client()
    q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    body = client.get("/sparql", query_string={"query": q}, headers={"Accept": "application/sparql-results+json"}).get_json()
    assert int(body["results"]["bindings"][0]["n"]["value"]) == release.statistics["quads"]
    vocab = release.base_iri + "graph/vocab"
    q = f"SELECT (COUNT(*) AS ?n) FROM <{vocab}> WHERE {{ ?s ?p ?o }}"
    body = client.get("/sparql", query_string={"query": q}, headers={"Accept": "application/sparql-results+json"}).get_json()
    assert int(body["results"]["bindings"][0]["n"]["value"]) == release.statistics["graphs"][vocab]
