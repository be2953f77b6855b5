"""Front-end assets: minified, gzip-compressed, cached for a year under content-hashed addresses.

YASGUI (~1 MB) and cytoscape (~1.1 MB unminified) were served uncompressed with ``max-age=300``.
In-process, on the session's app; the pages that load them run in a browser in tests/browser/.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "htkg" / "web" / "static"
PAGES = ["/", "/query", "/queries", "/queries/who-funds-whom", "/explore", "/catalog", "/dumps/"]


def _html(client, path) -> str:
    resp = client.get(path, headers={"Accept": "text/html"})
    assert resp.status_code == 200, path
    return resp.get_data(as_text=True)


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/(?:assets|static|vendor)/[^"]+)"', html)


def test_pages_reference_only_hashed_addresses(client):
    from htkg.web.assets import digest
    seen = set()
    for path in PAGES:
        found = _assets(_html(client, path))
        assert found, path
        for url in found:
            assert url.startswith(f"/assets/{digest()}/"), (path, url)
        seen.update(found)
    assert any("/vendor/@zazuko/yasgui/" in u for u in seen) and any("/static/htkg.css" in u for u in seen)


@pytest.mark.parametrize("area, path, original", [
    ("vendor", "cytoscape/dist/cytoscape.esm.mjs", ROOT / "node_modules/cytoscape/dist/cytoscape.esm.mjs"),
    ("vendor", "@zazuko/yasgui/build/yasgui.min.js", ROOT / "node_modules/@zazuko/yasgui/build/yasgui.min.js"),
    ("static", "workbench/editor.js", STATIC / "workbench/editor.js"),
    ("static", "htkg.css", STATIC / "htkg.css"),
])
def test_assets_are_minified_compressed_and_immutable(client, area, path, original):
    from htkg.web.assets import IMMUTABLE, asset_url
    url = asset_url(area, path)
    resp = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert resp.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in resp.headers["Vary"]
    plain = gzip.decompress(resp.data)
    size = original.stat().st_size
    assert len(resp.data) < size / 3, f"{path}: {len(resp.data)} bytes sent for {size}"
    if ".min." not in original.name:   # minified: smaller (JS by a fifth at least)
        ratio = 1.0 if original.suffix == ".css" else 0.8
        assert len(plain) < size * ratio, f"{path}: {len(plain)} of {size} bytes"
    # without gzip the same bytes, uncompressed
    bare = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in bare.headers and bare.data == plain
    # a conditional request is a 304
    assert client.get(url, headers={"If-None-Match": bare.headers["ETag"]}).status_code == 304


def test_module_imports_stay_under_the_digest(client):
    from htkg.web.assets import asset_url, digest
    js = client.get(asset_url("static", "explore/graph.js"), headers={"Accept-Encoding": "identity"}).data.decode()
    imports = re.findall(r'from\s*"([^"]+)"', js)
    assert imports and all(i.startswith(f"/assets/{digest()}/vendor/") or i.startswith("./") for i in imports), imports


def test_an_old_digest_still_answers_with_a_short_cache_and_unknown_files_are_404(client):
    resp = client.get("/assets/0000000000000000/static/htkg.css")
    assert resp.status_code == 200 and "immutable" not in resp.headers["Cache-Control"]
    from htkg.web.assets import asset_url
    for bad in (asset_url("static", "nope.js"), asset_url("vendor", "left-pad/index.js"),
                asset_url("static", "../app.py"), asset_url("vendor", "cytoscape/../../package.json")):
        assert client.get(bad).status_code == 404, bad
