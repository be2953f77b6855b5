"""Screenshots at a desktop and a phone width, and the no-horizontal-scroll check at the phone width.

Screenshots go to ``test-artifacts/screenshots/`` (gitignored; CI keeps the folder as an artifact) so
a person can look at what the tests saw: ``<name>-1280.png`` and ``<name>-390.png``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SCREENSHOTS", "WIDTHS", "PHONE", "screenshot", "assert_no_horizontal_scroll", "at_width"]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP, PHONE = 1280, 390
WIDTHS = (DESKTOP, PHONE)
HEIGHTS = {DESKTOP: 900, PHONE: 844}


def at_width(page, width: int) -> None:
    """Resize the page's viewport to ``width`` px (and a matching height), letting the layout settle."""
    page.set_viewport_size({"width": width, "height": HEIGHTS.get(width, 900)})
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def scroll_overflow(page) -> int:
    """How many CSS pixels the document is wider than the viewport (0 when nothing scrolls sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def widest_elements(page, limit: int = 5) -> list[str]:
    """The elements reaching furthest past the right edge, to name in a failure message."""
    return page.evaluate(
        """limit => { const w = window.innerWidth; const out = [];
             for (const el of document.body.querySelectorAll('*')) {
               const r = el.getBoundingClientRect();
               if (r.right > w + 1) out.push([r.right, el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                 + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')]);
             }
             out.sort((a, b) => b[0] - a[0]);
             return out.slice(0, limit).map(([r, d]) => `${d} (right edge ${Math.round(r)} px)`); }""", limit)


def assert_no_horizontal_scroll(page, context: str, width: int = PHONE) -> None:
    """At ``width`` px (390 by default) the document is no wider than the viewport."""
    at_width(page, width)
    over = scroll_overflow(page)
    assert over <= 0, (f"{context} ({page.url}) scrolls sideways at {width} px: the document is {over} px "
                       f"wider than the viewport; widest: {widest_elements(page)}")


def screenshot(page, name: str, widths=WIDTHS, *, full_page: bool = True) -> list[Path]:
    """Full-page screenshots at each width (1280 and 390 px by default); returns the files written.

    The viewport is left at the last width; callers that go on testing set the size they need.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    for width in widths:
        at_width(page, width)
        path = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=full_page)
        written.append(path)
    return written
