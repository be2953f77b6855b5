"""Screenshots of the pages a new user meets first, at 1280 and 390 px, kept as CI artifacts
(``test-artifacts/screenshots/``; .ci/run lists them): the landing page, a resource page, search, an
error page (the editor after a run is taken by tests/browser/test_workbench.py). Each page must answer
with the status it should and have visible content; the pictures are for a person to look at.
"""

from __future__ import annotations

import pytest

from screens import SCREENSHOTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.server]


def _pages(app) -> list[tuple[str, str, int]]:
    pages = [("/", "landing", 200), ("/id/org/ovc", "resource-ovc", 200), ("/id/org/no-such-org", "error-404", 404)]
    if any(rule.rule.startswith("/search") for rule in app.url_map.iter_rules()):
        pages.append(("/search?q=hotline", "search-hotline", 200))
    return pages


def test_first_pages_are_photographed_at_both_widths(page, app):
    for path, name, status in _pages(app):
        response = page.goto(path)
        assert response.status == status, path
        assert page.inner_text("body").strip(), f"{path} shows nothing"
        for shot in screenshot(page, name):
            assert shot.stat().st_size > 2000, shot
    written = {p.name for p in SCREENSHOTS.glob("*.png")}
    for _path, name, _status in _pages(app):
        assert {f"{name}-1280.png", f"{name}-390.png"} <= written
