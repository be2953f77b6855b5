"""Crawl the site the way a new user meets it: `make run`'s server, every link reachable from ``/``.

The server is started exactly as ``make run`` starts it — ``htkg serve --release-dir build/<folder>``, a
path relative to the checkout root, run from the checkout root. The crawl follows every ``href``/``src``
of every HTML page it reaches (links under the dataset's base IRI are the site's own pages and are
followed on this server), plus the download URLs the machine-readable descriptions give: the catalog's
``dcat:downloadURL``/``dcat:accessURL``, the VoID's ``void:dataDump``, data.json's ``downloadURL``/``accessURL``.
Any 5xx, and any internal link answering 4xx, fails the test with the page that linked it.
"""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest
from rdflib import Graph, Namespace

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "href" or (name == "src" and tag in ("script", "img", "iframe"))):
                self.links.append(value)


@pytest.fixture(scope="module")
def made_run_server(release_dir):
    """`htkg serve --release-dir build/<folder>` run from the checkout root, as `make run` does."""
    from server import ServerProcess
    relative = Path("build") / f"test-crawl-{uuid.uuid4().hex[:8]}" / "release"
    shutil.copytree(release_dir, ROOT / relative)
    try:
        with ServerProcess(relative, cwd=ROOT, query_timeout=5) as srv:
            yield srv
    finally:
        shutil.rmtree(ROOT / relative.parent, ignore_errors=True)


def _fetch(url: str, accept: str = BROWSER_ACCEPT) -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def _download_urls(base: str) -> dict[str, str]:
    """URL → where it was found, from the catalog, the VoID description and data.json."""
    found = {}
    for path, media in (("/catalog", "text/turtle"), ("/.well-known/void", "text/turtle")):
        status, _, body = _fetch(base + path, media)
        assert status == 200, f"{path} as {media}: {status}"
        g = Graph().parse(data=body, format="turtle")
        for p in (DCAT.downloadURL, DCAT.accessURL, VOID.dataDump):
            for o in g.objects(None, p):
                found[str(o)] = f"{path} ({g.qname(p)})"
    status, _, body = _fetch(base + "/data.json", "application/json")
    assert status == 200
    for ds in json.loads(body)["dataset"]:
        for dist in ds.get("distribution", []):
            for key in ("downloadURL", "accessURL"):
                if key in dist:
                    found[dist[key]] = f"/data.json ({key})"
    return found


def crawl(base: str, base_iri: str, extra: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Every internal URL reachable from ``/`` and ``extra`` → its status; and the problems found."""
    def local(url: str) -> str | None:
        url = urldefrag(url)[0]
        if url.startswith(base_iri):
            return base + "/" + url[len(base_iri):]
        return url if url.startswith(base + "/") or url == base else None

    seen: dict[str, int] = {}
    referrer: dict[str, str] = {base + "/": "(start)"}
    for url, where in extra.items():
        if local(url):
            referrer.setdefault(local(url), where)
    problems: list[str] = []
    frontier = list(referrer)
    with ThreadPoolExecutor(4) as pool:
        while frontier:
            batch = [u for u in dict.fromkeys(frontier) if u not in seen]
            frontier = []
            for url, (status, ctype, body) in zip(batch, pool.map(_fetch, batch)):
                seen[url] = status
                if status >= 400:
                    problems.append(f"{status} {url[len(base):]} (linked from {referrer[url]})")
                if status != 200 or not ctype.startswith("text/html"):
                    continue
                parser = _Links()
                parser.feed(body.decode("utf-8", "replace"))
                for href in parser.links:
                    target = local(urljoin(url, href))
                    if target and target not in seen and target not in referrer:
                        referrer[target] = url[len(base):]
                        frontier.append(target)
    return seen, problems


def test_every_link_from_the_home_page_and_every_download_url_works(made_run_server, release):
    base = made_run_server.url
    downloads = _download_urls(base)
    dumps = [u for u in downloads if "/dumps/" in u and not u.endswith("/dumps/")]
    assert len(dumps) >= 12, downloads        # six formats, plain and gzipped, at least
    seen, problems = crawl(base, release.base_iri, downloads)
    assert not problems, f"{len(problems)} broken of {len(seen)} URLs crawled:\n" + "\n".join(sorted(problems)[:60])
    assert all(seen[u] == 200 for u in dumps)
    assert len(seen) > 100          # the crawl reached the resource pages, not only the navigation
