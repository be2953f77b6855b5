"""The pages that publish the release — dumps, catalog, quality, the list of named queries — in a real
browser: axe-core finds no WCAG 2.1 AA violation, nothing scrolls sideways at 390 px, and screenshots at
1280 and 390 px are kept in ``test-artifacts/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import pytest

from axe import assert_no_axe_violations
from screens import assert_no_horizontal_scroll, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.mark.parametrize("path, name", [("/dumps/", "dumps"), ("/catalog", "catalog"), ("/quality", "quality"),
                                        ("/queries", "queries")])
def test_page_is_accessible_and_fits_a_phone(page, path, name):
    response = page.goto(path)
    assert response.status == 200
    assert_no_axe_violations(page, f"the {name} page")
    assert_no_horizontal_scroll(page, f"the {name} page")
    assert_no_axe_violations(page, f"the {name} page at 390 px")   # contrast and labels hold on a phone too
    for shot in screenshot(page, name):
        assert shot.stat().st_size > 0
