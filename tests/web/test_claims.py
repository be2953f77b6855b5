"""``/claims``: every claim of the page with its standing, quote and sources, paged and filterable.

The expected numbers come from the ledger (tests/expected/queries/claims-by-standing.json: 15
corroborated, 4 revised, 48 page only) and the page size from the settings (html_row_limit).
"""

from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import pytest

EXPECTED = Path(__file__).resolve().parents[1] / "expected" / "queries"


def _counts() -> dict[str, int]:
    rows = json.loads((EXPECTED / "claims-by-standing.json").read_text(encoding="utf-8"))
    return {r["standing"].rsplit("/", 1)[-1]: int(r["claims"]) for r in rows}


def _claims(html: str) -> list[str]:
    return re.findall(r'<li class="claim claim-[a-z-]+" id="([^"]+)"', html)


PAGE_SIZE = 10


@pytest.fixture(scope="module")
def paged(release_dir):
    """A client of an app that shows PAGE_SIZE rows per HTML page (html_row_limit)."""
    from htkg.config import Settings
    from htkg.web import create_app
    return create_app(Settings(release_dir=str(release_dir), html_row_limit=PAGE_SIZE)).test_client()


def test_claims_page_lists_claims_with_standing_quote_and_sources(client):
    resp = client.get("/claims")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
    page = resp.data.decode()
    shown = _claims(page)
    total = sum(_counts().values())
    assert f"of {total}." in page and len(shown) == total       # the default page size (1000) holds them all
    assert shown == sorted(shown) and shown[0] == "bja"
    # a corroborated claim names its source
    text = htmllib.unescape(page)
    assert 'id="bja-task-forces"' in page
    block = page.split('id="bja-task-forces"', 1)[1].split("</li>\n  <li", 1)[0]
    assert "Corroborated" in block and "to support and fund task forces in coordination with other agencies" in htmllib.unescape(block)
    assert "https://preview.bja.gov/ProgramDetails.aspx?Program_ID=51" in block
    assert "Claims ledger" in text


def test_revised_claims_say_what_changed_and_since_when(client):
    page = htmllib.unescape(client.get("/claims?standing=revised").data.decode())
    assert _claims(page) == ["dos-initiative-hstc", "nhtrc", "nhtrc-funded-by-orr", "ovc-established-by-voca"]
    assert "Since 2015:" in page and "ORR's Anti-Trafficking in Persons division supported the hotline until 2015" in page
    assert "Since 2004-12-17:" in page and "Revised by" in page
    assert "https://getpocketlaw.com/law/usc_8/section-1777-establishment-of-human-smuggling-and-trafficking-center_b82c9b69170c" in page


def test_filter_counts_and_paging_cover_every_claim_once(paged):
    client = paged
    counts = _counts()
    seen: list[str] = []
    for key, local in (("corroborated", "Corroborated"), ("revised", "Revised"), ("page-only", "PageOnly")):
        url, got = f"/claims?standing={key}", []
        while url:
            page = client.get(url).data.decode()
            assert len(_claims(page)) <= PAGE_SIZE
            got += _claims(page)
            nxt = re.search(r'<a rel="next" href="([^"]+)"', page)
            url = htmllib.unescape(nxt.group(1)) if nxt else None
        assert len(got) == counts[local], key
        seen += got
    assert len(seen) == len(set(seen)) == sum(counts.values())


def test_bad_parameters_are_400_naming_them(client):
    resp = client.get("/claims?standing=maybe")
    assert resp.status_code == 400 and b"standing" in resp.data
    resp = client.get("/claims?page=0")
    assert resp.status_code == 400 and b"page" in resp.data


def test_ledger_api_is_the_named_query(client):
    resp = client.get("/api/queries/claims-ledger?format=json")
    assert resp.status_code == 200
    rows = resp.get_json()["results"]["bindings"]
    claims = {r["claim"]["value"] for r in rows}
    assert len(claims) == sum(_counts().values())


def test_resource_pages_show_each_page_claims_standing_next_to_its_quote(client):
    """Every page claim's standing (from the ledger in the graph) is shown beside its quote on the page of
    a resource the claim is about, and links to that claim on /claims (one claim of each standing)."""
    from htkg.config import Settings
    from htkg.web.claims import STANDINGS
    base = Settings().base_iri
    query = f"""SELECT ?g ?standing (MIN(STR(?s)) AS ?subject) WHERE {{
      ?g <{base}def/standing> ?standing .
      GRAPH ?g {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{base}id/")) }}
    }} GROUP BY ?g ?standing"""
    resp = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200
    rows = resp.get_json()["results"]["bindings"]
    seen = {}
    for row in rows:
        local = row["standing"]["value"].rsplit("/", 1)[-1]
        seen.setdefault(local, row)
    assert set(seen) == {local for local, _ in STANDINGS.values()}, seen.keys()
    for local, row in seen.items():
        key = next(k for k, (name, _) in STANDINGS.items() if name == local)
        heading = STANDINGS[key][1]
        path = "/" + row["subject"]["value"][len(base):]
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200, path
        text = page.get_data(as_text=True)
        name = row["g"]["value"].rsplit("/", 1)[-1]
        link = f'href="/claims?standing={key}#{name}">{htmllib.escape(heading)}</a>'
        assert link in text, f"{path} does not show the {local} claim {name} with its standing"
