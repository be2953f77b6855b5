"""HTML views page through results: named-query pages and a resource's inbound links.

Pages are read back from the HTML and compared with the release's own store, page by page.
"""

from __future__ import annotations

import html
from html import unescape
import re

import pytest

from htkg.config import Settings
from htkg.dataset.describe import describe
from htkg.web import create_app
from htkg.web import resources

PAGE = 20
QUERY = "facts-from-outside-the-page"     # a named query with no parameters and several pages of rows


@pytest.fixture(scope="module")
def small_pages(release_dir):
    """An app whose HTML views show ``PAGE`` rows at a time."""
    return create_app(Settings(release_dir=str(release_dir), html_row_limit=PAGE)).test_client()


def _rows(html: str) -> list[list[str]]:
    """The IRIs (link titles, unescaped: an address may hold '&') and texts of each row of the results table."""
    body = re.search(r'<table id="wb-results">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[unescape(t) for t in re.findall(r'title="([^"]*)"', tr)] for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _expected_pages(direct, release) -> list[list[list[str]]]:
    q = release.queries[QUERY]
    result = q.execute(direct)
    rows = [[row[v].value for v in result.variables if v in row and row[v].__class__.__name__ == "NamedNode"]
            for row in result.rows]
    return [rows[i:i + PAGE] for i in range(0, len(rows), PAGE)]


def test_named_query_pages_hold_the_results_in_order(small_pages, direct, release):
    want = _expected_pages(direct, release)
    assert len(want) >= 3, "the query must give several pages at this page size"
    total = sum(len(p) for p in want)
    for number, expected_rows in enumerate(want, 1):
        resp = small_pages.get(f"/queries/{QUERY}" + (f"?page={number}" if number > 1 else ""))
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert _rows(html) == expected_rows, f"page {number}"
        count = re.search(r'id="wb-count">(.*?)</p>', html, re.S).group(1)
        first = (number - 1) * PAGE + 1
        if number < len(want):
            assert f"Rows {first}–{first + PAGE - 1}; more follow" in count
            assert f'href="/queries/{QUERY}?page={number + 1}"' in html
        else:
            assert f"Rows {first}–{total} of {total}" in count
            assert 'rel="next"' not in html
        if number > 1:
            previous = f"/queries/{QUERY}" + (f"?page={number - 1}" if number > 2 else "")
            assert f'href="{previous}" rel="prev"' in html


def test_named_query_page_past_the_end_is_400_naming_the_range(small_pages, direct, release):
    """?page=999 was a 200 with an empty page; ?page=-1 said "from 1 to 1001" for 2 rows."""
    last = len(_expected_pages(direct, release))
    for value in (str(last + 1), "999", "-1", "0"):
        resp = small_pages.get(f"/queries/{QUERY}", query_string={"page": value})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400, value
        assert f"<code>page</code>: expected a page number from 1 to {last}, got" in html, value


def test_a_one_page_view_says_there_is_only_one_page(small_pages, direct, release):
    name = "who-funds-whom"
    assert len(release.queries[name].execute(direct).rows) <= PAGE
    for value in ("-1", "2", "999"):
        resp = small_pages.get(f"/queries/{name}", query_string={"page": value})
        assert resp.status_code == 400
        assert "<code>page</code>: expected page 1 (there is only one page)" in resp.get_data(as_text=True)


@pytest.mark.parametrize("value", ["-1", "2", "x"])
def test_quality_page_takes_only_page_1(client, value):
    """/quality?page=-1 was accepted: the same rule and wording as every other view."""
    resp = client.get("/quality", query_string={"page": value}, headers={"Accept": "application/json"})
    assert resp.status_code == 400
    err = resp.get_json()["error"]
    assert err["parameter"] == "page" and "expected page 1 (there is only one page)" in err["message"]
    assert client.get("/quality?page=1", headers={"Accept": "text/html"}).status_code == 200


def test_named_query_page_keeps_the_parameters_in_its_links(release_dir, release, direct):
    one_row = create_app(Settings(release_dir=str(release_dir), html_row_limit=1)).test_client()
    name, q = next((n, q) for n, q in release.queries.items() if q.params and all(p.example for p in q.params)
                   and len(q.execute(direct, {p.name: p.example for p in q.params}).rows) >= 2)
    values = {p.name: p.example for p in q.params}
    resp = one_row.get(f"/queries/{name}", query_string={**values, "page": "2"})
    assert resp.status_code == 200
    link = re.search(r'href="([^"]*)" rel="prev"', resp.get_data(as_text=True)).group(1)
    from html import unescape
    from urllib.parse import parse_qsl, urlsplit
    assert urlsplit(unescape(link)).path == f"/queries/{name}"
    assert dict(parse_qsl(urlsplit(unescape(link)).query)) == values


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "", "٣", "99999999999999999999"])
def test_bad_page_is_400_naming_it(small_pages, value):
    resp = small_pages.get(f"/queries/{QUERY}", query_string={"page": value})
    assert resp.status_code == 400
    assert "<code>page</code>" in resp.get_data(as_text=True)


def test_page_given_twice_is_400(small_pages):
    resp = small_pages.get(f"/queries/{QUERY}?page=1&page=2")
    assert resp.status_code == 400 and "<code>page</code>" in resp.get_data(as_text=True)


def test_a_page_is_bounded_by_html_row_limit_on_the_default_app(client, direct, release):
    limit = client.application.extensions["htkg"].settings.html_row_limit
    html = client.get(f"/queries/{QUERY}").get_data(as_text=True)
    assert 0 < len(_rows(html)) <= limit


# --- a resource's inbound links --------------------------------------------------------------------

HUB = "id/source/ojp-related-resources"    # the resource of the release with the most inbound links


def _inbound_rows(html: str) -> list[str]:
    """The rows of facts read backwards (one per fact: its inverses and superproperties fold into it)."""
    return re.findall(r'<tr class="fact in"[^>]*>(.*?)</tr>', html, re.S)


def test_resource_page_pages_its_inbound_links(client, direct, release, monkeypatch):
    monkeypatch.setattr(resources, "_INBOUND_PAGE", 50)
    kept = client.application.extensions["htkg_response_cache"]
    kept.clear()                                     # pages kept at the old page size
    try:
        _page_through_inbound_links(client, direct, release)
    finally:
        kept.clear()                                 # and none at this one for the other tests


def _page_through_inbound_links(client, direct, release):
    d = describe(direct, release.base_iri + HUB)
    inward = [f for f in d.facts if f.direction == "in"]
    assert len(inward) > 150, "the hub must have several pages of inbound links"
    last = -(-len(inward) // 50)
    seen = []
    for number in range(1, last + 1):
        resp = client.get(f"/{HUB}", query_string={"page": str(number)} if number > 1 else None,
                          headers={"Accept": "text/html"})
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        rows = _inbound_rows(html)
        assert len(rows) == min(50, len(inward) - (number - 1) * 50)
        assert f"page {number} of {last}" in html
        assert ('rel="next"' in html) == (number < last)
        seen += rows
    assert len(seen) == len(inward) and len(set(seen)) == len(seen)


@pytest.mark.parametrize("value", ["0", "x", "1000"])
def test_resource_page_bad_page_is_400_naming_it(client, value):
    resp = client.get(f"/{HUB}", query_string={"page": value}, headers={"Accept": "text/html"})
    assert resp.status_code == 400
    assert "parameter 'page': expected page 1 (there is only one page)" in html.unescape(resp.get_data(as_text=True))
