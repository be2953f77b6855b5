"""The pure helpers of the remote store and of publish: doctests, parameter binding, endpoint URLs."""

from __future__ import annotations

import doctest
import importlib

import pyoxigraph as ox
import pytest

from htkg.errors import QueryError, StoreError
from htkg.store.publish import StoreEndpoints
from htkg.store.remote import inject_values


@pytest.mark.parametrize("name", ["htkg.store.remote", "htkg.store.publish"])
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


IRI = ox.NamedNode("http://e/x")


@pytest.mark.parametrize("query,expected", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE { VALUES (?s) { (<http://e/x>) } ?s ?p ?o }"),
    ("PREFIX a: <http://a/x#>\n# WHERE { in a comment\nSELECT * { ?s a:p \"{\" }",
     "PREFIX a: <http://a/x#>\n# WHERE { in a comment\nSELECT * { VALUES (?s) { (<http://e/x>) } ?s a:p \"{\" }"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
     "CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s) { (<http://e/x>) } ?s ?p ?o }"),
    ("CONSTRUCT { ?s ?p ?o } { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } { VALUES (?s) { (<http://e/x>) } ?s ?p ?o }"),
    ("ASK { ?s ?p ?o }", "ASK { VALUES (?s) { (<http://e/x>) } ?s ?p ?o }"),
    ("SELECT ?where { ?where ?p '''{''' }", "SELECT ?where { VALUES (?s) { (<http://e/x>) } ?where ?p '''{''' }"),
])
def test_inject_values_finds_the_where_group(query, expected):
    assert inject_values(query, {"s": IRI}) == expected


def test_inject_values_needs_a_group():
    with pytest.raises(QueryError):
        inject_values("DESCRIBE <http://e/x>", {"s": IRI})


def test_unknown_store_layout_asks_for_the_urls():
    with pytest.raises(StoreError) as info:
        StoreEndpoints.from_url("http://h:7200/repositories/r/rdf-graphs/service")
    assert "--query-url" in str(info.value)
    e = StoreEndpoints.from_url("http://h:7200/repositories/r/rdf-graphs/service",
                                "http://h:7200/repositories/r", "http://h:7200/repositories/r/statements")
    assert e.update.endswith("/statements")
