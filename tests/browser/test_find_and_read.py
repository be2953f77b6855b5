"""The pages a person meets first — the directory, resource pages (/id/…, /def/…), search, error pages —
in a real browser: axe-core finds no WCAG 2.1 AA violation at 1280 and 390 px, nothing scrolls sideways
at 390 px, screenshots are kept in ``test-artifacts/screenshots/``; and the search box's typeahead works.
"""

from __future__ import annotations

import pytest

from axe import assert_no_axe_violations
from screens import assert_no_horizontal_scroll, at_width, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.server]

PAGES = [
    ("/", 200, "home"),
    ("/id/org/ovc", 200, "resource-ovc"),
    ("/id/service/nhtrc", 200, "resource-hotline"),
    ("/id/source/ojp-related-resources", 200, "resource-hub"),
    ("/def/funds", 200, "term-funds"),
    ("/def/", 200, "ontology"),
    ("/shapes", 200, "shapes"),
    ("/graph/page/doj", 200, "named-graph"),
    ("/search?q=trafficking", 200, "search"),
    ("/id/org/OVC", 404, "error-404"),
    ("/sparql?query=%23" + "x" * 9000, 414, "error-414"),
]


@pytest.mark.parametrize("path, status, name", PAGES, ids=[p[2] for p in PAGES])
def test_page_is_accessible_and_fits_a_phone(page, path, status, name):
    response = page.goto(path)
    assert response.status == status
    at_width(page, 1280)
    assert_no_axe_violations(page, f"the {name} page")
    assert_no_horizontal_scroll(page, f"the {name} page")
    assert_no_axe_violations(page, f"the {name} page at 390 px")
    for shot in screenshot(page, name):
        assert shot.stat().st_size > 0


def test_typeahead_offers_matches_and_opens_one(page):
    page.goto("/")
    box = page.locator("#site-search")
    box.fill("nhtr")
    option = page.locator("#site-search-list [role=option]").first
    option.wait_for(state="visible", timeout=10_000)
    assert "National Human Trafficking Resource Center" in option.inner_text()
    assert box.get_attribute("aria-expanded") == "true"
    assert_no_axe_violations(page, "the landing page with suggestions open")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "site-search-option-0"
    with page.expect_navigation():
        box.press("Enter")
    assert page.url.endswith("/id/service/nhtrc")
    assert page.console_errors == []


def test_enter_without_a_choice_opens_the_results_page(page):
    page.goto("/id/org/ovc")
    page.locator("#site-search").fill("T visa")
    with page.expect_navigation():
        page.locator("#site-search").press("Enter")       # one tab stop in the header: Enter searches
    assert "/search?q=T+visa" in page.url
    first = page.locator("ol.hits li a").first
    assert first.get_attribute("href") == "/id/relief/t-visa"
