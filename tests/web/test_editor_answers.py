"""What the query editor relies on from the endpoint: names a query accepts, the first rows of a huge
result, syntax errors that say what is wrong. In-process (the Flask test client on the session release);
the editor itself is tested in a browser (tests/browser/test_workbench.py)."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from htkg.namespaces import AREA_PREFIXES

CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
JSON = {"Accept": "application/sparql-results+json"}
# a prefixed name whose local part holds an escaped '/': legal Turtle nobody can read or paste
ESCAPED_SLASH = re.compile(r"(?<![\w\\])[A-Za-z][\w.-]*:[\w.-]*\\/")


def _post(client, query, headers=JSON, **extra):
    return client.post("/sparql", data={"query": query, **extra}, headers=headers)


def test_turtle_answers_and_dumps_never_escape_a_slash_in_a_name(client, release_dir, release):
    """Turtle answers showed `id:service\\/nhtrc`: one prefix per area, and deeper IRIs in full."""
    resp = _post(client, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    answer = resp.get_data(as_text=True)
    served_dump = (release_dir / "dumps" / "htkg.ttl").read_text(encoding="utf-8")
    trig = (release_dir / "dumps" / "htkg.trig").read_text(encoding="utf-8")
    for name, text in (("CONSTRUCT answer", answer), ("htkg.ttl", served_dump), ("htkg.trig", trig)):
        assert not ESCAPED_SLASH.search(text), f"{name}: {ESCAPED_SLASH.search(text).group(0)}"
        assert "@prefix id: " not in text and "PREFIX id: " not in text
        for prefix in ("orgs", "svc", "law"):
            assert f"{prefix}: <{release.base_iri}{AREA_PREFIXES[prefix]}>" in text, (name, prefix)
    # the same graph as the N-Triples dump
    nt = Graph().parse(data=gzip.decompress((release_dir / "dumps" / "htkg.nt.gz").read_bytes()).decode(),
                       format="nt")
    assert isomorphic(Graph().parse(data=served_dump, format="turtle"), nt)
    assert isomorphic(Graph().parse(data=answer, format="turtle"), nt)
    page = client.get("/id/law/irtpa-2004/sec-7202", headers={"Accept": "text/turtle"})
    assert page.status_code == 200 and not ESCAPED_SLASH.search(page.get_data(as_text=True))


def test_max_rows_gives_the_first_rows_and_says_rows_were_left_out(client):
    resp = _post(client, CROSS, **{"max-rows": "25"})
    assert resp.status_code == 200 and resp.headers["HTKG-Row-Cap"] == "25"
    assert len(resp.get_json()["results"]["bindings"]) == 25
    assert "HTKG-Row-Cap" in resp.headers["Access-Control-Expose-Headers"]
    small = _post(client, "SELECT ?x WHERE { VALUES ?x { 1 2 3 } }", **{"max-rows": "25"})
    assert "HTKG-Row-Cap" not in small.headers and len(small.get_json()["results"]["bindings"]) == 3
    # the first rows are the result's first rows
    ordered = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 40"
    whole = _post(client, ordered).get_json()["results"]["bindings"]
    assert _post(client, ordered, **{"max-rows": "10"}).get_json()["results"]["bindings"] == whole[:10]


@pytest.mark.parametrize("value, extra, needle", [
    ("0", {}, "from 1 to 1000000"), ("many", {}, "from 1 to 1000000"),
    ("10", {"format": "csv"}, "SPARQL JSON results only")])
def test_bad_max_rows_is_400_saying_why(client, value, extra, needle):
    resp = client.post("/sparql", data={"query": CROSS, "max-rows": value, **extra})
    assert resp.status_code == 400
    assert needle in resp.get_json()["error"]["message"]


@pytest.mark.parametrize("query, cause", [
    ("PREFIX id: <https://w3id.org/htkg/id/>\nSELECT * WHERE { id:org/otip ?p ?o }",
     "`id:org/otip` is not a prefixed name"),
    ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s VALUES ?s { <http://e/a> } VALUES ?p { <http://e/b> }",
     "one VALUES block only"),
])
def test_syntax_error_says_the_cause_and_where(client, query, cause):
    """The editor showed "Expected SelectQuery" for `id:org/otip`; the endpoint said "expected OPTIONAL"."""
    err = _post(client, query).get_json()["error"]
    assert err["type"] == "QuerySyntaxError" and err["line"] >= 1 and err["column"] >= 1
    assert cause in err["message"]


def test_the_editor_gets_the_base_and_its_row_cap(client, app):
    html = client.get("/query").get_data(as_text=True)
    config = json.loads(re.search(r'id="wb-config">(.*?)</script>', html, re.S).group(1))
    assert config["base"] == app.extensions["htkg"].release.base_iri
    assert config["rowCap"] == app.extensions["htkg"].settings.html_row_limit
    assert "id" not in config["prefixes"] and config["prefixes"]["orgs"].endswith("/id/org/")
