"""Search over labels, alternative labels, acronyms and quoted page text (htkg.dataset.search).

The expectations come from the data: what a person types, what they mean.
"""

from __future__ import annotations

import pytest

from htkg.dataset.search import MAX_LIMIT, MAX_QUERY_CHARS, SearchIndex, normalize
from htkg.errors import QueryParameterError

BASE = "https://w3id.org/htkg/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


@pytest.fixture(scope="module")
def index(store):
    return SearchIndex.from_store(store, BASE)


def _alt(store, text: str) -> str:
    """The resource whose skos:altLabel is ``text`` (so the test names what the data says, not a slug)."""
    rows = store.query(f'SELECT ?x WHERE {{ ?x <{SKOS}altLabel> ?l FILTER(STR(?l) = "{text}") }}').rows
    assert len(rows) == 1, text
    return rows[0]["x"].value


def _pref(store, text: str) -> str:
    rows = store.query(f'SELECT ?x WHERE {{ ?x <{SKOS}prefLabel> ?l FILTER(STR(?l) = "{text}") '
                       f'FILTER(STRSTARTS(STR(?x), "{BASE}id/")) }}').rows
    assert len(rows) == 1, text
    return rows[0]["x"].value


@pytest.mark.parametrize("query,expected", [
    ("TIP office", lambda s: _alt(s, "TIP Office")),              # an alternative label, any case
    ("tip OFFICE", lambda s: _alt(s, "TIP Office")),
    ("NHTRC", lambda s: _alt(s, "NHTRC")),                        # an acronym
    ("nhtrc", lambda s: _alt(s, "NHTRC")),
    ("T visa", lambda s: _pref(s, "T visa")),                     # a preferred label
    ("J/TIP", lambda s: _alt(s, "J/TIP")),
    ("TVPA", lambda s: _alt(s, "TVPA")),
])
def test_what_people_type_finds_the_right_thing_first(index, store, query, expected):
    hits = index.search(query)
    assert hits, query
    assert hits[0].iri == expected(store), [(h.label, h.score) for h in hits[:5]]


def test_hotline_finds_the_hotline_first(index, store):
    """'hotline' is a word of the hotline's current name and its kind: the service, not a page about it."""
    hotlines = {r["x"].value for r in store.query(
        f"SELECT ?x WHERE {{ ?x a <{BASE}def/Hotline> }}").rows}
    assert hotlines
    hits = index.search("hotline")
    assert hits[0].iri in hotlines, [(h.label, h.kind, h.score) for h in hits[:5]]
    assert hits[0].kind == "hotline"


def test_ranking_exact_then_prefix_then_word_then_quote(index):
    hits = index.search("Office for Victims of Crime")
    assert hits[0].label == "Office for Victims of Crime" and hits[0].match == "label"
    prefix = index.search("Office for Vict")
    assert prefix[0].label == "Office for Victims of Crime" and prefix[0].match == "prefix"
    words = index.search("victims crime office")
    assert words[0].match == "words"
    assert [h.score for h in words] == sorted((h.score for h in words), reverse=True)
    # a phrase only the page's text has finds the resource the quote is about
    quoted = index.search("lifeline services")
    assert quoted and quoted[0].match == "quote" and "lifeline services" in quoted[0].snippet.lower()
    assert {h.match for h in hits} <= {"label", "altLabel", "prefix", "words", "kind", "quote"}


def test_kinds_and_kind_filter(index):
    hits = index.search("trafficking", limit=MAX_LIMIT)
    kinds = {h.kind for h in hits}
    assert len(kinds) > 2
    only = index.search("trafficking", limit=MAX_LIMIT, kinds={"program"})
    assert only and all(h.kind == "program" for h in only)


def test_every_hit_is_under_the_base_and_labelled(index):
    for h in index.search("office", limit=MAX_LIMIT):
        assert h.iri.startswith(BASE + "id/") and h.label


@pytest.mark.parametrize("query,limit,parameter", [
    ("x" * (MAX_QUERY_CHARS + 1), 10, "q"),
    ("office", 0, "limit"),
    ("office", MAX_LIMIT + 1, "limit"),
])
def test_inputs_are_bounded(index, query, limit, parameter):
    with pytest.raises(QueryParameterError) as e:
        index.search(query, limit=limit)
    assert e.value.parameter == parameter


def test_empty_and_punctuation_queries_find_nothing(index):
    assert index.search("") == [] and index.search("  /// ") == []


def test_normalize():
    assert normalize("  J/TIP  Office ") == "j tip office"
    assert normalize("Émigré") == "emigre"


def test_nearest_paths_for_a_missing_resource(index):
    """/id/org/OVC → /id/org/ovc (case); /id/org/ovcc → ovc (one edit); a label's words find it too."""
    assert index.nearest("id/org/OVC")[0].path == "id/org/ovc"
    assert "id/org/ovc" in [h.path for h in index.nearest("id/org/ovcc")]
    assert "id/org/ovc" in [h.path for h in index.nearest("id/org/office-for-victims-of-crime")]
    assert index.nearest("id/nothing/zzzzzzzzzzzzzzzzzzzzzz") == []
    assert len(index.nearest("id/org/o", limit=3)) <= 3
