"""``/dumps/``: the listing, downloads (type, length, checksum, gzip), traversal, HEAD, ETag — in-process and real."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import urllib.request

import pytest
from rdflib.compare import isomorphic

from htkg.formats import by_name
from rdf_parse import parse_graph, parse_union


def _dumps(release) -> list[dict]:
    files = [f for f in release.files() if f["path"].startswith("dumps/")]
    assert len(files) >= 13, "six formats, each plain and gzipped, and the JSON-LD context"
    return files


def _get(client, path, **kw):
    resp = client.get(path, **kw)
    data = resp.data
    status, headers = resp.status_code, resp.headers
    resp.close()
    return status, headers, data


def test_listing_shows_every_dump_with_size_type_and_checksum(client, release):
    status, headers, body = _get(client, "/dumps/", headers={"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    html = body.decode()
    for f in _dumps(release):
        assert f'href="/{f["path"]}"' in html
        assert f["sha256"] in html and f["media_type"] in html and f"{f['bytes']:,}" in html


def test_listing_as_json(client, release):
    status, headers, body = _get(client, "/dumps/?format=json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    listed = {f["path"]: f for f in json.loads(body)["files"]}
    for f in _dumps(release):
        assert listed[f["path"]]["sha256"] == f["sha256"] and listed[f["path"]]["bytes"] == f["bytes"]
        assert listed[f["path"]]["url"] == "http://localhost/" + f["path"]


def test_every_download_has_its_type_length_and_checksum(client, release):
    for f in _dumps(release):
        status, headers, body = _get(client, "/" + f["path"])
        assert status == 200, f["path"]
        assert headers["Content-Type"].split(";")[0] == f["media_type"]
        assert int(headers["Content-Length"]) == f["bytes"] == len(body)
        assert hashlib.sha256(body).hexdigest() == f["sha256"]
        assert "Content-Encoding" not in headers, ".gz files are served as application/gzip, not re-encoded"


def test_gzip_variants_hold_the_plain_file(client, release):
    plain = {f["path"]: f for f in _dumps(release) if not f.get("encoding")}
    gzipped = [f for f in _dumps(release) if f.get("encoding") == "gzip"]
    assert len(gzipped) == 6
    for f in gzipped:
        assert f["media_type"] == "application/gzip"
        _, _, packed = _get(client, "/" + f["path"])
        _, _, raw = _get(client, "/" + f["path"][:-3])
        assert gzip.decompress(packed) == raw
        assert hashlib.sha256(raw).hexdigest() == plain[f["path"][:-3]]["sha256"]


@pytest.mark.parametrize("path", [
    "/dumps/../manifest.json", "/dumps/%2e%2e/manifest.json", "/dumps/..%2fmanifest.json",
    "/dumps/..%5cmanifest.json", "/dumps/htkg.nq/../../manifest.json", "/dumps//etc/passwd",
    "/dumps/%2fetc%2fpasswd", "/dumps/no-such.ttl", "/dumps/HTKG.NQ", "/dumps/htkg.nq%00.txt",
])
def test_traversal_and_unknown_files_are_404(client, path):
    # werkzeug merges double slashes with a redirect inside /dumps/; the target is a 404 all the same
    status, _, body = _get(client, path, follow_redirects=True)
    assert status == 404, body[:200]
    assert b"version" not in body  # nothing of the manifest leaks


def test_head_and_304(client, release):
    f = _dumps(release)[0]
    head = client.head("/" + f["path"])
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) == f["bytes"]
    etag = head.headers["ETag"]
    head.close()
    status, _, body = _get(client, "/" + f["path"], headers={"If-None-Match": etag})
    assert status == 304 and body == b""


@pytest.mark.server
def test_real_server_downloads_parse_to_the_same_graph(server, release):
    graphs = {}
    for name in ("turtle", "ntriples", "rdfxml", "jsonld"):
        fmt = by_name(name)
        with urllib.request.urlopen(f"{server.url}/dumps/htkg.{fmt.extension}.gz", timeout=60) as r:
            assert r.headers["Content-Type"] == "application/gzip"
            data = gzip.decompress(r.read())
        # the JSON-LD dump keeps the named graphs (one @graph each): compare its union
        graphs[name] = parse_union(data, fmt.rdflib) if name == "jsonld" else parse_graph(data, fmt.rdflib)
    reference = graphs.pop("ntriples")
    assert len(reference) == release.statistics["triples"]
    for name, g in graphs.items():
        assert isomorphic(g, reference), f"the {name} dump differs from the N-Triples dump"


@pytest.mark.server
@pytest.mark.parametrize("raw", ["/dumps/../manifest.json", "/dumps/%2e%2e/manifest.json", "/dumps/..%2f..%2fetc/passwd"])
def test_real_server_refuses_raw_traversal(server, raw):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", raw)          # sent as is: http.client does not normalize the path
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 404, body[:200]
        assert b'"version"' not in body
    finally:
        conn.close()


def test_relative_release_dir_is_read_from_the_working_directory(release_dir, tmp_path, monkeypatch):
    """`make run` passes ``--release-dir build/release`` from the checkout: a download must not look for it
    next to the package (every dump was a 500 before the paths were resolved at start-up)."""
    import shutil
    from htkg.config import Settings
    from htkg.web import create_app
    shutil.copytree(release_dir, tmp_path / "build" / "release")
    monkeypatch.chdir(tmp_path)
    app = create_app(Settings(release_dir="build/release"))
    monkeypatch.chdir("/")        # a later change of directory no longer matters either
    status, headers, body = _get(app.test_client(), "/dumps/htkg.nq")
    assert status == 200, body[:300]
    assert hashlib.sha256(body).hexdigest() == next(f["sha256"] for f in app.extensions["htkg"].release.files()
                                                    if f["path"] == "dumps/htkg.nq")


def test_a_download_goes_to_the_server_in_large_pieces(client, release):
    """Regression: werkzeug handed the server 8 KiB at a time when the server offers no file wrapper
    (granian does not), which made dump downloads slower than under gunicorn; now 1 MiB pieces."""
    entry = max((f for f in release.files() if f["path"].startswith("dumps/")), key=lambda f: f["bytes"])
    resp = client.get("/" + entry["path"], buffered=False)
    try:
        pieces = [len(p) for p in resp.response]
    finally:
        resp.close()
    assert sum(pieces) == entry["bytes"] > 8192
    assert pieces[0] == min(entry["bytes"], 1 << 20)
