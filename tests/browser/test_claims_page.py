"""The claims ledger (``/claims``) in a real browser: no WCAG 2.1 AA violation (axe-core) at 1280 and
390 px, nothing scrolls sideways on a phone, the standing is written out (not told by colour alone),
and screenshots at both widths go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import pytest

from axe import assert_no_axe_violations
from screens import assert_no_horizontal_scroll, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.mark.parametrize("path, name", [("/claims", "claims"), ("/claims?standing=revised", "claims-revised")])
def test_claims_page_is_accessible_and_fits_a_phone(page, path, name):
    response = page.goto(path)
    assert response.status == 200
    assert page.locator("li.claim").count() > 0
    badges = page.locator("li.claim .badge").all_inner_texts()
    assert badges and set(badges) <= {"Corroborated", "Revised since the page", "On the page only"}
    assert_no_axe_violations(page, f"the {name} page")
    assert_no_horizontal_scroll(page, f"the {name} page")
    assert_no_axe_violations(page, f"the {name} page at 390 px")
    for shot in screenshot(page, name):
        assert shot.stat().st_size > 0
