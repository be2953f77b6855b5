"""Playwright driving Debian's chromium against a real `htkg serve` process.

Playwright cannot download its own browsers here, so it launches the system chromium. Outside CI a
machine without chromium skips these tests with a message saying how to enable them; in CI
(``CI=true``) a missing chromium is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = ["--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    exe = _chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("browser tests need Debian's chromium: `apt-get install chromium` (CI installs it)")
    from playwright.sync_api import sync_playwright
    args = list(CHROMIUM_FLAGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=args, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh page; console errors are collected in ``page.console_errors``."""
    context = browser.new_context(base_url=server.url, accept_downloads=True, viewport={"width": 1400, "height": 900})
    p = context.new_page()
    p.console_errors = []
    p.on("console", lambda m: p.console_errors.append(m.text) if m.type == "error" else None)
    p.on("pageerror", lambda e: p.console_errors.append(str(e)))
    yield p
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
