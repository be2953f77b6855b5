"""Error pages: the site's layout for people, one JSON shape for programs, suggestions for a missing /id/,
and a styled 414 for an address too long — in-process and on the real server as ``htkg serve`` runs it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from htkg.web.errors import MAX_URL_BYTES
from htkg.config import Settings

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
JSON = {"Accept": "application/json, text/turtle;q=0.9"}   # a program: RDF for a resource, JSON for an error

# path × Accept → status, content type
CASES = [
    ("/id/org/no-such-thing", HTML, 404),
    ("/def/NoSuchTerm", HTML, 404),
    ("/dumps/no-such-file.nq", HTML, 404),
    ("/id/org/ovc", {"Accept": "image/png"}, 406),
    ("/id/org/ovc?page=0", HTML, 400),
    ("/search?q=office&limit=0", HTML, 400),
]


@pytest.mark.parametrize("path,headers,status", CASES)
def test_error_pages_have_the_site_layout(client, path, headers, status):
    resp = client.get(path, headers=headers)
    assert resp.status_code == status
    if status == 406:
        return       # a client that refuses HTML gets the JSON error
    html = resp.data.decode()
    assert resp.headers["Content-Type"].startswith("text/html")
    assert '<nav aria-label="Site">' in html and 'role="search"' in html and "htkg.css" in html
    assert f"Error {status}" in html


@pytest.mark.parametrize("path,headers,status", [c for c in CASES if "page=" not in c[0]])   # RDF has no pages
def test_programs_get_one_json_error_shape(client, path, headers, status):
    accept = headers["Accept"] if status == 406 else "application/json, text/turtle;q=0.9"
    resp = client.get(path, headers={"Accept": accept})
    assert resp.status_code == status
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.get_json()
    assert set(body) == {"error"} and body["error"]["status"] == status and body["error"]["message"]


def test_missing_resource_lists_the_nearest_existing_ones(client):
    """Regression: /id/org/OVC was a bare 404; it names /id/org/ovc (another case) first."""
    resp = client.get("/id/org/OVC", headers=HTML)
    assert resp.status_code == 404
    html = resp.data.decode()
    assert "Did you mean" in html
    assert html.index('href="/id/org/ovc"') < html.index("</ul>", html.index("Did you mean"))
    js = client.get("/id/org/OVC", headers=JSON).get_json()["error"]
    assert js["suggestions"][0]["path"] == "/id/org/ovc"
    # a slug one letter off, and a slug made of the words of a name
    for path in ("/id/org/ovcc", "/id/org/office-for-victims-of-crime"):
        sugg = client.get(path, headers=JSON).get_json()["error"]["suggestions"]
        assert "/id/org/ovc" in [s["path"] for s in sugg], path
        # every suggestion exists
        for s in sugg:
            assert client.get(s["path"], headers={"Accept": "text/turtle"}).status_code == 200


def test_error_page_escapes_what_the_client_sent(client):
    resp = client.get("/id/org/<script>alert(1)</script>", headers=HTML)
    assert resp.status_code == 404
    assert b"<script>alert(1)" not in resp.data


def test_long_address_is_a_styled_414_that_says_to_post(client):
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * MAX_URL_BYTES
    resp = client.get("/sparql", query_string={"query": query}, headers=HTML)
    assert resp.status_code == 414
    html = resp.data.decode()
    assert '<nav aria-label="Site">' in html and "POST" in html
    js = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
    assert js.status_code == 414 and "POST" in js.get_json()["error"]["hint"]
    # just under the limit is still read
    short = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 #" + "x" * (MAX_URL_BYTES // 2)
    assert client.get("/sparql", query_string={"query": short},
                      headers={"Accept": "application/sparql-results+json"}).status_code == 200


def _get(url: str, headers: dict) -> tuple[int, str, str]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def test_real_server_answers_a_long_get_with_the_styled_414(server):
    """Regression: the HTTP server's own request-line limit (gunicorn's 8190 bytes) answered a bare 400 before
    the app saw the request."""
    padding = "x" * (MAX_URL_BYTES + 2000)
    status, ctype, body = _get(f"{server.url}/sparql?query=SELECT%20*%20WHERE%20%7B%7D%20%23{padding}", HTML)
    assert status == 414, body[:300]
    assert ctype.startswith("text/html") and "POST" in body and '<nav aria-label="Site">' in body
    status, ctype, body = _get(f"{server.url}/sparql?query=%23{padding}", {"Accept": "application/json"})
    assert status == 414 and json.loads(body)["error"]["status"] == 414
    # past the server's head limit the HTTP server itself refuses (431): a worker never reads a head without end
    status, _ctype, body = _get(f"{server.url}/sparql?query=%23{'x' * (Settings().max_request_head_bytes + 10)}", HTML)
    assert status == 431 and '<nav aria-label="Site">' not in body, "the HTTP server's own answer, not the app's"


def test_real_server_404_has_suggestions(server):
    status, ctype, body = _get(f"{server.url}/id/org/OVC", HTML)
    assert status == 404 and ctype.startswith("text/html") and 'href="/id/org/ovc"' in body
