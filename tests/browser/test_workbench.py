"""The query editor and the named-query pages in a real browser (Debian's chromium) on a real server.

Expected answers come from an embedded store of the same release, never from the page itself. The
session's server runs with a 3 s query time limit (``tests/conftest.py``), which the time-limit test uses.
"""

from __future__ import annotations

from pathlib import Path

import re
from urllib.parse import urlencode

import pytest

from htkg.dataset.queries import load_queries
from htkg.store import open_store
from htkg.config import Settings

pytestmark = [pytest.mark.browser, pytest.mark.server]

ROOT = Path(__file__).resolve().parents[2]
QUERIES = load_queries(ROOT / "queries")
ORGS = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?org ?name WHERE { ?org a org:Organization ; skos:prefLabel ?name } ORDER BY ?name ?org LIMIT 20"""
# Three unconstrained patterns over a few thousand triples: ~10^11 solutions, far past any time limit.
ACTIVE = ".tabPanel.active "  # YASGUI keeps one editor per tab; the selected tab's
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def reference(release):
    return open_store(Settings(), release)


@pytest.fixture
def watched(page, server):
    """The page, failing the test on console errors or on any request that leaves the server."""
    outside, failed = [], []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith((server.url, "data:", "blob:")) else None)
    page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None)
    page.expected_failures = set()   # statuses a test provokes on purpose (e.g. 503 for the time limit)
    yield page
    assert outside == [], f"the page called out to other hosts: {outside}"
    unexpected = [(s, u) for s, u in failed if s not in page.expected_failures and not u.endswith("/favicon.ico")]
    assert unexpected == [], f"failed requests: {unexpected}"
    # Chromium logs every 4xx/5xx response as "Failed to load resource"; those are checked just above.
    errors = [e for e in page.console_errors if not e.startswith("Failed to load resource")]
    assert errors == [], f"console errors: {errors}"


def open_editor(page, path: str = "/query"):
    page.goto(path)
    page.wait_for_selector(ACTIVE + ".yasqe .CodeMirror")
    page.wait_for_selector("#wb-examples[data-loaded]", state="attached")


def type_query(page, text: str) -> None:
    page.click(ACTIVE + ".yasqe .CodeMirror-code")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def editor_text(page) -> str:
    return page.evaluate("() => window.htkgEditor.getTab().getYasqe().getValue()")


def run(page) -> None:
    page.click(ACTIVE + ".yasqe_queryButton")


def table_iris(page, column: int) -> list[str]:
    """The IRIs of one column of the result table (1-based after the row number), read from the links."""
    page.wait_for_selector(ACTIVE + ".yasr table.dataTable tbody tr")
    return page.eval_on_selector_all(
        ACTIVE + f".yasr table.dataTable tbody tr td:nth-child({column + 1}) a.iri",
        "links => links.map(a => a.dataset.iri || a.getAttribute('href'))")


def test_typed_query_runs_and_shows_the_stores_rows(watched, reference, release):
    page = watched
    open_editor(page)
    type_query(page, ORGS)
    run(page)
    expected = reference.query(ORGS)
    page.wait_for_function("n => document.querySelectorAll('.tabPanel.active .yasr table.dataTable tbody tr').length === n",
                           arg=len(expected.rows))
    assert table_iris(page, 1) == [r["org"].value for r in expected.rows]
    # things of this graph link to their local page, with their label beside the link
    first = page.locator(ACTIVE + ".yasr table.dataTable tbody tr").first.locator("a.iri")
    base = release.base_iri
    assert first.get_attribute("href").endswith("/" + expected.rows[0]["org"].value[len(base):])
    page.wait_for_selector(ACTIVE + ".yasr .wb-label")
    assert page.locator(ACTIVE + ".yasr tbody tr").first.locator(".wb-label").inner_text() == expected.rows[0]["name"].value
    # and the results download in every format the endpoint offers for a SELECT
    with page.expect_download() as download:
        page.click(".wb-download[data-format=csv]")
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "org,name" and len(lines) == len(expected.rows) + 1
    visible = page.eval_on_selector_all(".wb-download:not([hidden])", "bs => bs.map(b => b.dataset.format)")
    assert visible == ["json", "xml", "csv", "tsv"]


@pytest.mark.parametrize("name", ["who-funds-whom", "relations-of-an-entity", "citation-of-a-fact"])
def test_example_from_queries_opens_and_runs(watched, reference, name, client):
    """"The citation of a fact" appended two VALUES blocks after ORDER BY: a syntax error on Run."""
    page = watched
    q = QUERIES[name]
    listed = {e["name"]: e for e in client.get("/api/queries").get_json()}
    open_editor(page)
    page.select_option("#wb-examples", name)
    page.wait_for_selector(f".tabsList .tab.active >> text={q.title}")
    assert editor_text(page).endswith(listed[name]["example_sparql"])
    assert page.locator(ACTIVE + ".parseErrorIcon").count() == 0
    run(page)
    values = {p.name: p.example for p in q.params if p.required}
    expected = reference.query(q.sparql, bindings=q.bind(values))
    page.wait_for_selector(ACTIVE + ".yasr .dataTable tbody tr")
    summary = page.inner_text(ACTIVE + ".yasr_response_chip")
    assert re.search(rf"\b{len(expected.rows)} results?\b", summary), summary


def test_syntax_error_is_shown_in_the_editor(watched):
    page = watched
    open_editor(page)
    type_query(page, "SELECT ?x WHERE { ?x ?y }")
    page.wait_for_selector(ACTIVE + ".parseErrorIcon")
    assert page.evaluate("() => window.htkgEditor.getTab().getYasqe().queryValid") is False
    type_query(page, "SELECT ?x WHERE { ?x ?y ?z }")
    page.wait_for_selector(ACTIVE + ".parseErrorIcon", state="detached")


def test_shared_link_restores_the_query(watched, browser, server):
    page = watched
    open_editor(page)
    query = ORGS.replace("LIMIT 20", "LIMIT 3")
    type_query(page, query)
    page.click(ACTIVE + ".yasqe_share")
    link = page.input_value(ACTIVE + ".yasqe_sharePopup input")
    assert link.startswith(server.url)
    other = browser.new_context()   # a fresh browser: nothing persisted from the first one
    try:
        p2 = other.new_page()
        p2.goto(link)
        p2.wait_for_selector(ACTIVE + ".yasr table.dataTable tbody tr")   # a shared link runs its query
        assert p2.evaluate("() => window.htkgEditor.getTab().getYasqe().getValue()") == query
        assert p2.locator(ACTIVE + ".yasr table.dataTable tbody tr").count() == 3
        # /query?query=… works the same way
        p2.goto(server.url + "/query?" + urlencode({"query": query}))
        p2.wait_for_selector(ACTIVE + ".yasqe .CodeMirror")
        assert p2.evaluate("() => window.htkgEditor.getTab().getYasqe().getValue()") == query
    finally:
        other.close()


def test_time_limit_is_shown_and_the_query_kept(watched):
    page = watched
    page.expected_failures.add(503)
    open_editor(page)
    type_query(page, ENDLESS)
    run(page)
    message = page.wait_for_selector(".wb-timeout", timeout=20000)
    assert re.search(r"time limit of 3 s", message.inner_text())
    assert editor_text(page) == ENDLESS


def test_every_named_query_page_runs_and_shows_results(watched, reference):
    """Each page opens on the query as it is: optional parameters unset (their examples as placeholders);
    a query with a required parameter offers its example, and following that link shows its results."""
    page = watched
    assert len(QUERIES) >= 10
    for name, q in QUERIES.items():
        page.goto(f"/queries/{name}")
        for p in q.params:
            assert page.input_value(f"#param-{p.name}") == ""
            if p.example:
                assert page.get_attribute(f"#param-{p.name}", "placeholder") == f"e.g. {p.example}"
        if any(p.required for p in q.params):
            with page.expect_navigation():     # counting rows before the example's page loads raced
                page.click("#wb-example-link")
            values = {p.name: p.example for p in q.params if p.example}
        else:
            values = {}
        expected = reference.query(q.sparql, bindings=q.bind(values))
        rows = page.locator("#wb-results tbody tr")
        assert rows.count() == len(expected.rows), name
        assert page.inner_text("#wb-count").startswith(f"{len(expected.rows)} row"), name
        for fmt in ("SPARQL JSON", "SPARQL XML", "CSV", "TSV"):
            assert page.locator(".wb-formats a", has_text=fmt).count() == 1


def test_relations_are_drawn_as_a_graph(watched, reference):
    page = watched
    page.goto("/queries/who-funds-whom")
    page.wait_for_selector("#wb-graph[data-drawn]", state="attached")
    q = QUERIES["who-funds-whom"]   # with no values given, the page runs the query unfiltered
    expected = reference.query(q.sparql, bindings=q.bind({}))
    ends = {r[k].value for r in expected.rows for k in ("funder", "funded")}
    assert int(page.get_attribute("#wb-graph", "data-drawn")) == len(ends)


def test_parameter_form_runs_the_query_with_the_value(watched, reference):
    page = watched
    q = QUERIES["who-funds-whom"]
    funders = sorted({r["funder"].value for r in reference.query(q.sparql).rows})
    other = next(f for f in funders if f != q.param("funder").example)
    page.goto("/queries/who-funds-whom")
    page.fill("#param-funder", other)
    page.click("#wb-form button[type=submit]")
    page.wait_for_url(re.compile(r"funder="))
    expected = reference.query(q.sparql, bindings=q.bind({"funder": other}))
    assert page.locator("#wb-results tbody tr").count() == len(expected.rows) > 0
    # a malformed value: the page says which parameter is wrong
    page.expected_failures.add(400)
    page.fill("#param-funder", "https://example.org/not a valid iri")
    page.evaluate("() => document.getElementById('param-funder').type = 'text'")  # past the browser's own check
    page.click("#wb-form button[type=submit]")
    assert "funder" in page.inner_text("#wb-error")


def test_prefixes_are_completed_from_the_project(watched, release):
    page = watched
    open_editor(page)
    page.click(ACTIVE + ".yasqe .CodeMirror-code")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("PREFIX ht")
    page.keyboard.press("Control+Space")
    hint = page.wait_for_selector(".CodeMirror-hint")
    assert hint.inner_text() == f"htkg: <{release.base_iri}def/>"


def test_a_huge_result_shows_its_first_rows_and_says_so(watched, release, app):
    """A cross product with no LIMIT streamed 1.3 GB into the tab ("Failed to fetch"): the editor asks
    for the first html_row_limit rows, the endpoint stops the query there and says so."""
    page = watched
    cap = app.extensions["htkg"].settings.html_row_limit
    open_editor(page)
    type_query(page, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
    run(page)
    note = page.wait_for_selector(".wb-capped", timeout=20000)
    assert f"First {cap:,} rows shown" in note.inner_text() and "Download the full result" in note.inner_text()
    shown = page.evaluate("() => window.htkgEditor.getTab().getYasr().results.getBindings().length")
    assert shown == cap
    # a result under the cap carries no note
    type_query(page, ORGS)
    run(page)
    page.wait_for_function("() => window.htkgEditor.getTab().getYasr().results.getBindings().length === 20")
    assert page.locator(".wb-capped").count() == 0


def test_iris_in_results_are_names_the_next_query_accepts(watched, reference, release):
    """Results showed `id:org/otip` (no prefixed name may hold a '/'): copied into a query, it broke it."""
    page = watched
    base = release.base_iri
    query = f"""SELECT ?thing WHERE {{ VALUES ?thing {{ <{base}id/org/ovc> <{base}id/law/irtpa-2004/sec-7202> }} }}"""
    open_editor(page)
    type_query(page, query)
    run(page)
    page.wait_for_function("() => document.querySelectorAll('.tabPanel.active .yasr tbody a.iri').length === 2")
    shown = page.eval_on_selector_all(ACTIVE + ".yasr tbody a.iri", "as => as.map(a => a.textContent)")
    assert sorted(shown) == sorted(["orgs:ovc", f"<{base}id/law/irtpa-2004/sec-7202>"])
    assert all("/" not in s.split(":", 1)[1] for s in shown if not s.startswith("<"))
    # pasted as they are into the editor (whose text declares the project's prefixes), they run
    prologue = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in release_prefixes(release).items())
    again = f"{prologue}\nSELECT ?p WHERE {{ VALUES ?t {{ {' '.join(shown)} }} ?t ?p ?o }} LIMIT 1"
    type_query(page, again)
    run(page)
    page.wait_for_selector(ACTIVE + ".yasr table.dataTable tbody tr")
    assert page.locator(ACTIVE + ".yasr .wb-error").count() == 0


def release_prefixes(release) -> dict[str, str]:
    from htkg.namespaces import prefixes_for
    return prefixes_for(release.base_iri)


def test_syntax_error_says_what_is_wrong_and_where(watched, release):
    page = watched
    page.expected_failures.add(400)
    open_editor(page)
    type_query(page, f"PREFIX id: <{release.base_iri}id/>\nSELECT * WHERE {{ id:org/otip ?p ?o }}")
    run(page)
    message = page.wait_for_selector(ACTIVE + ".yasr .wb-error").inner_text()
    assert "line 2, column" in message
    assert "`id:org/otip` is not a prefixed name" in message and "orgs:otip" in message


def test_editor_is_accessible_and_fits_a_phone_before_and_after_a_run(browser, server):
    from axe import assert_no_axe_violations
    from screens import PHONE, assert_no_horizontal_scroll, screenshot
    for width in (1280, PHONE):
        context = browser.new_context(base_url=server.url, viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            open_editor(page)
            assert_no_axe_violations(page, f"the query editor at {width} px")
            type_query(page, ORGS)
            run(page)
            page.wait_for_selector(ACTIVE + ".yasr table.dataTable tbody tr")
            page.wait_for_selector(ACTIVE + ".yasr .wb-label")
            assert_no_axe_violations(page, f"the query editor after a run at {width} px")
            if width == PHONE:
                assert_no_horizontal_scroll(page, "the query editor after a run")
            else:
                screenshot(page, "editor-after-a-run")
        finally:
            context.close()


@pytest.mark.parametrize("path", ["/queries/who-funds-whom", "/queries/relations-of-an-entity",
                                  "/sparql"])
def test_named_query_pages_and_the_endpoint_page_are_accessible_at_both_widths(browser, server, path):
    from axe import assert_no_axe_violations
    from screens import PHONE, scroll_overflow
    for width in (1280, PHONE):
        context = browser.new_context(base_url=server.url, viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            page.goto(path, wait_until="networkidle")
            assert_no_axe_violations(page, f"{path} at {width} px")
            assert scroll_overflow(page) <= 0, f"{path} scrolls sideways at {width} px"
        finally:
            context.close()
