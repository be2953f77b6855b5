"""The read-only policy decides on the parsed query: escapes, nesting and prefixes cannot hide anything."""

from __future__ import annotations

import doctest

import pytest

from htkg.errors import QueryRefused, QuerySyntaxError
from htkg.store import policy
from htkg.store.policy import check_query

OURS = ["https://w3id.org/htkg/graph/ontology", "https://w3id.org/htkg/graph/vocab"]


def test_doctests():
    result = doctest.testmod(policy)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("query", [
    "SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }",
    "SELECT * { \\u0053ERVICE <http://example.org/> { ?s ?p ?o } }",
    "select * { service silent ?x { ?s ?p ?o } }",
    "ASK { { { OPTIONAL { MINUS { SERVICE <urn:x> { ?s ?p ?o } } } } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { FILTER NOT EXISTS { SERVICE <urn:x> { ?s ?p ?o } } }",
    "DESCRIBE ?s WHERE { { SELECT ?s { SERVICE <urn:x> { ?s ?p ?o } } } }",
])
def test_service_anywhere(query):
    with pytest.raises(QueryRefused, match="SERVICE") as info:
        check_query(query, OURS)
    assert info.value.status == 403


@pytest.mark.parametrize("query,iri", [
    ("SELECT * FROM <http://example.org/x> { ?s ?p ?o }", "http://example.org/x"),
    ("SELECT * FROM <https://w3id.org/htkg/graph/\\u006Fntology#not> { ?s ?p ?o }",
     "https://w3id.org/htkg/graph/ontology#not"),
    ("PREFIX g: <https://w3id.org/htkg/graph/> SELECT * FROM NAMED g:nope { ?s ?p ?o }",
     "https://w3id.org/htkg/graph/nope"),
    ("BASE <file:///etc/> SELECT * FROM <passwd> { ?s ?p ?o }", "file:///etc/passwd"),
])
def test_from_outside(query, iri):
    with pytest.raises(QueryRefused) as info:
        check_query(query, OURS)
    assert info.value.status == 400 and f"<{iri}>" in info.value.message


def test_from_our_graphs_resolved_through_prefixes_base_and_escapes():
    q = ("BASE <https://w3id.org/htkg/> PREFIX g: <graph/> "
         "SELECT * FROM g:ontology FROM NAMED <graph/\\u0076ocab> WHERE { ?s ?p ?o }")
    checked = check_query(q, OURS)
    assert checked.form == "SELECT"
    assert checked.from_default == (OURS[0],) and checked.from_named == (OURS[1],)


@pytest.mark.parametrize("query,name", [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT DATA"),
    ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
    ("LOAD <http://example.org/x>", "LOAD"),
    ("CLEAR ALL", "CLEAR"),
    ("DROP SILENT GRAPH <urn:g>", "DROP"),
    ("CREATE GRAPH <urn:g>", "CREATE"),
    ("COPY <urn:a> TO <urn:b>", "COPY"),
    ("PREFIX : <urn:> INSERT { ?s :p 1 } WHERE { ?s ?p ?o }", "DELETE/INSERT"),
    ("\\u0049NSERT DATA { <urn:a> <urn:b> <urn:c> }", "INSERT DATA"),
])
def test_updates_are_named_and_refused(query, name):
    with pytest.raises(QueryRefused, match="read-only") as info:
        check_query(query, OURS)
    assert info.value.status == 403 and name in info.value.message


def test_syntax_error_has_line_column_and_text():
    # "from" in a comment sends it through the full parse (a plain query is left to pyoxigraph's parser)
    with pytest.raises(QuerySyntaxError) as info:
        check_query("# from the tests\nSELECT *\nWHERE {\n  ?s ?p ?o\n  FILTER( }", OURS)
    err = info.value
    assert err.position.line == 5 and err.position.column >= 1
    assert "FILTER" in err.snippet


@pytest.mark.parametrize("query,fast", [
    ("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", True),
    ("SELECT ?s WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", False),
    ("SELECT ?s WHERE { SeRvIcE <http://example.org/sparql> { ?s ?p ?o } }", False),
    ("SELECT ?s WHERE { SERV\\u0049CE <http://example.org/sparql> { ?s ?p ?o } }", False),
    ("SELECT ?s FROM <http://example.org/g> WHERE { ?s ?p ?o }", False),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", False),
    ("CLEAR ALL", False),
    ("SELECT * WHERE " + "{" * 100 + "}" * 100, False),
])
def test_fast_path_only_skips_queries_the_policy_cannot_refuse(query, fast):
    from htkg.store.policy import _fast_path_ok
    assert _fast_path_ok(query) is fast


def test_fast_path_syntax_error_still_has_line_and_column(client):
    resp = client.get("/sparql", query_string={"query": "SELECT *\nWHERE {\n  ?s ?p ?o\n  FILTER( }"})
    assert resp.status_code == 400
    err = resp.get_json()["error"]
    assert err["line"] == 4 and err["column"] >= 1 and err["type"] == "QuerySyntaxError"


@pytest.mark.parametrize("query,form", [("ASK {}", "ASK"), ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
                                        ("DESCRIBE <urn:x>", "DESCRIBE"), ("SELECT * {}", "SELECT")])
def test_forms(query, form):
    checked = check_query(query, OURS)
    assert checked.form == form and checked.returns_graph == (form in ("CONSTRUCT", "DESCRIBE"))


@pytest.mark.parametrize("word", ["service", "from", "insert", "delete", "load", "clear", "drop", "create", "add",
                                  "move", "copy", "with"])
def test_the_fast_path_screen_finds_every_keyword_in_any_letter_case(word):
    """The screen searches the lower-cased text (32 µs with re.I, 3 µs so): every mix of cases of every word
    it looks for still sends the query to the full parse."""
    import itertools
    from htkg.store.policy import _fast_path_ok
    for cases in itertools.islice(itertools.product(*[(c.lower(), c.upper()) for c in word]), 64):
        assert _fast_path_ok(f"SELECT ?s WHERE {{ ?s ?p ?o }} # {''.join(cases)}") is False
