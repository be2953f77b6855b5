"""Queries answered in the server worker (htkg.store.bounded): only shapes whose work is bounded before
they run, within the cap, with the answers, errors and policy of a query process."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from htkg.config import Settings
from htkg.errors import ConfigError, QueryRefused, QueryTimeout
from htkg.formats import by_name
from htkg.store import open_store
from htkg.store.bounded import Probe, bounded_pattern
from htkg.store.executor import QueryExecutor

ID = "https://w3id.org/htkg/id/"
ORG = "http://www.w3.org/ns/org#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
BOUNDED = {
    "lookup": f"SELECT ?p ?o WHERE {{ <{ID}org/ojp> ?p ?o }}",
    "lookup, prefixed, one property": f"PREFIX org: <{ORG}>\nSELECT ?o WHERE {{ <{ID}org/ojp> org:subOrganizationOf ?o . }}",
    "instances of a class, counted": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?x a <{ORG}Organization> }}",
    "closure from a constant": f"PREFIX org: <{ORG}> SELECT (COUNT(DISTINCT ?x) AS ?n) "
                               f"WHERE {{ ?x org:subOrganizationOf+ <{ID}org/doj> }}  # under DOJ",
    "inverse closure": f"SELECT DISTINCT ?x WHERE {{ <{ID}org/doj> ^<{ORG}subOrganizationOf>* ?x }}",
    "literal object": 'SELECT ?s WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> "Office of Justice Programs"@en }',
}


class Counts:
    """What the executor counts (the metrics it is given), as a plain tally."""

    def __init__(self):
        self.seen: dict[str, int] = {}

    def inc(self, name, **_labels):
        self.seen[name] = self.seen.get(name, 0) + 1


@pytest.mark.parametrize("text", list(BOUNDED.values()), ids=list(BOUNDED))
def test_bounded_shapes_are_recognized(text):
    assert bounded_pattern(text) is not None


@pytest.mark.parametrize("text", [
    RUNAWAY,
    f"SELECT * WHERE {{ <{ID}org/ojp> ?p ?o . ?o ?q ?r }}",                      # a join
    f"SELECT * WHERE {{ <{ID}org/ojp> ?p ?o ; ?q ?r }}",                         # two patterns, abbreviated
    "SELECT * WHERE { ?s ?p ?o }",                                               # no constant: the whole store
    'SELECT * WHERE { ?s ?p "x" }',                                              # a literal alone is no index range
    f"SELECT * WHERE {{ ?x <{ORG}subOrganizationOf>+ ?y }}",                      # a closure from every node
    f"SELECT * WHERE {{ <{ID}org/ojp> ?p ?o }} ORDER BY ?o",                      # any modifier
    f"SELECT * WHERE {{ <{ID}org/ojp> ?p ?o }} LIMIT 5",
    f"SELECT * WHERE {{ <{ID}org/ojp> ?p ?o FILTER(?o != 1) }}",
    f"SELECT * WHERE {{ OPTIONAL {{ <{ID}org/ojp> ?p ?o }} }}",
    f"SELECT * WHERE {{ {{ <{ID}org/ojp> ?p ?o }} }}",                             # nesting
    f"SELECT * WHERE {{ SERVICE <http://example.org/sparql> {{ <{ID}org/ojp> ?p ?o }} }}",
    f"SELECT * FROM <{ID}graph/x> WHERE {{ <{ID}org/ojp> ?p ?o }}",               # a dataset clause
    f"SELECT * WHERE {{ GRAPH ?g {{ <{ID}org/ojp> ?p ?o }} }}",
    f"SELECT * WHERE {{ <{ID}org/\\u006fjp> ?p ?o }}",                             # an escape could spell anything
    "SELECT * WHERE { <ojp> ?p ?o }",                                            # relative: the base decides
    "BASE <http://e/> SELECT * WHERE { <a> ?p ?o }",
    "SELECT * WHERE { ex:ojp ?p ?o }",                                           # an undeclared prefix
    "SELECT * WHERE { _:b ?p ?o }",                                              # a blank node
    f"SELECT * WHERE {{ <{ID}org/ojp> ^<{ORG}subOrganizationOf> ?o }}",           # an inverse step: not a closure
    f"SELECT * WHERE {{ <{ID}org/ojp> <{ORG}a>/<{ORG}b> ?o }}",                    # a sequence
    f"ASK {{ <{ID}org/ojp> ?p ?o }}",                                               # only SELECT
    f"CONSTRUCT WHERE {{ <{ID}org/ojp> ?p ?o }}",
    f"SELECT (STR(?o) AS ?s) WHERE {{ <{ID}org/ojp> ?p ?o }}",                      # an expression
    f"SELECT * WHERE {{ <{ID}org/ojp> ?p ?o }} VALUES ?p {{ <{ORG}x> }}",
    f"INSERT DATA {{ <{ID}org/ojp> <{ORG}x> 1 }}",
    # a comment ends at CR as at LF (SPARQL 1.1 §19.8): what follows a CR is query text, here a join
    f"SELECT * WHERE {{ <{ID}org/ojp> ?p ?o # one pattern?\r . ?o ?q ?r . ?r ?s ?t # \n }}",
    f"SELECT * WHERE {{\u00a0<{ID}org/ojp> ?p ?o }}",                               # not SPARQL white space
])
def test_other_shapes_are_not(text):
    assert bounded_pattern(text) is None


def test_the_probe_counts_the_matches_against_the_cap():
    store = ox.Store()
    g = ox.NamedNode("http://e/g")
    a, p = ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p")
    for i in range(5):
        store.add(ox.Quad(a, p, ox.Literal(str(i)), g))
    lookup = bounded_pattern("SELECT * WHERE { <http://e/a> ?p ?o }")
    assert Probe(store, 5).within(lookup) and not Probe(store, 4).within(lookup)
    closure = bounded_pattern("SELECT * WHERE { <http://e/a> <http://e/p>* ?o }")   # bounded by every triple of p
    assert Probe(store, 5).within(closure) and not Probe(store, 3).within(closure)


@pytest.fixture(scope="module")
def lanes(release):
    """The same release behind two executors: one that answers bounded queries itself, one that never does."""
    made = []

    def make(cap, timeout=20.0):
        counts = Counts()
        ex = QueryExecutor(open_store(Settings(), release), release, timeout=timeout, max_concurrent=2,
                           memory_mb=900, metrics=counts, bounded_cap=cap)
        made.append(ex)
        return ex, counts
    yield make
    for ex in made:
        ex.close()


def _rows(body: bytes, fmt) -> list:
    if fmt.name == "csv":   # CSV has no parser in pyoxigraph; its lines, the header first
        lines = body.decode().splitlines()
        return [lines[0]] + sorted(lines[1:])
    parsed = ox.parse_query_results(body, format=getattr(ox.QueryResultsFormat, fmt.oxigraph))
    names = [v.value for v in parsed.variables]
    return [names] + sorted(repr([sol[n] for n in names]) for sol in parsed)


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv", "csv"])
def test_the_worker_answers_as_a_query_process_does(lanes, fmt):
    lane, counts = lanes(10_000)
    children, child_counts = lanes(0)
    f = by_name(fmt)
    for name, text in BOUNDED.items():
        mine = lane.answer(text, result_format=f, graph_format=by_name("turtle"), check=True)
        theirs = children.answer(text, result_format=f, graph_format=by_name("turtle"), check=True)
        assert (mine.form, mine.format, mine.stream) == (theirs.form, theirs.format, None), name
        assert _rows(mine.body, f) == _rows(theirs.body, f), name
        assert len(_rows(mine.body, f)) > 1, f"{name}: an empty answer proves nothing"
    assert counts.seen.get("query_in_worker") == len(BOUNDED) and "query_spawns" not in counts.seen
    assert "query_in_worker" not in child_counts.seen


def test_a_format_that_does_not_fit_is_left_to_the_caller_as_before(lanes):
    lane, _ = lanes(10_000)
    answer = lane.answer(BOUNDED["lookup"], result_format=None, graph_format=by_name("turtle"), check=True)
    assert (answer.form, answer.format, answer.body) == ("select", None, b"")


def test_over_the_cap_a_query_process_answers(lanes, direct):
    text = BOUNDED["lookup"]
    statements = len(direct.query(text).rows)
    lane, counts = lanes(statements - 1)
    answer = lane.answer(text, result_format=by_name("json"), graph_format=None, check=True)
    assert "query_in_worker" not in counts.seen
    assert len(_rows(answer.body, by_name("json"))) - 1 == statements
    small = lane.answer(BOUNDED["inverse closure"], result_format=by_name("json"), graph_format=None, check=True)
    assert counts.seen["query_in_worker"] == 1 and small.body


def test_runaway_queries_still_go_to_a_query_process_and_are_stopped(lanes):
    lane, counts = lanes(10_000, timeout=1.5)
    with pytest.raises(QueryTimeout):
        lane.answer(RUNAWAY, result_format=by_name("json"), graph_format=None, check=True)
    assert counts.seen.get("query_timeouts") == 1 and "query_in_worker" not in counts.seen


def test_the_policy_refuses_as_before(lanes):
    lane, counts = lanes(10_000)
    children, _ = lanes(0)
    # a service call or a graph the store does not have is not a bounded shape: the query process refuses it
    for text in (f"SELECT * WHERE {{ SERVICE <http://example.org/s> {{ <{ID}org/ojp> ?p ?o }} }}",
                 f"SELECT * FROM <http://example.org/not-ours> WHERE {{ <{ID}org/ojp> ?p ?o }}"):
        with pytest.raises(QueryRefused) as mine:
            lane.answer(text, result_format=by_name("json"), graph_format=None, check=True)
        with pytest.raises(QueryRefused) as theirs:
            children.answer(text, result_format=by_name("json"), graph_format=None, check=True)
        assert (mine.value.status, mine.value.message) == (theirs.value.status, theirs.value.message)
    assert "query_in_worker" not in counts.seen   # nothing was answered


def test_bindings_and_pages_keep_to_query_processes(lanes):
    lane, counts = lanes(10_000)
    lane.query_page(BOUNDED["lookup"], offset=0, limit=5)
    lane.query(BOUNDED["lookup"], bindings={"p": ox.NamedNode(f"{ORG}subOrganizationOf")})
    assert "query_in_worker" not in counts.seen


def test_the_cap_is_a_setting_that_can_turn_the_lane_off():
    assert Settings().bounded_query_cap == 10_000 and Settings(bounded_query_cap=0).bounded_query_cap == 0
    with pytest.raises(ConfigError, match="bounded_query_cap"):
        Settings(bounded_query_cap=-1)


# --- the recognizer against a real SPARQL parser: whatever it accepts is one pattern to rdflib too ---

_WS = [" ", "\n", "", "\t# a comment { } SERVICE\n", "  ", "# ends at CR } . ?x ?y ?z\r", "\r\n"]
# each slot of a query: (pieces that can make a bounded shape, pieces that must not)
_SLOTS = [
    (["", f"PREFIX org: <{ORG}>", "PREFIX : <http://e/>", f"prefix org:<{ORG}>",
      f"PREFIX org: <{ORG}> PREFIX : <http://e/>"], ["BASE <http://e/>", "PREFIX org: <rel>"]),
    (["SELECT", "select", "SELECT DISTINCT", "SELECT REDUCED"], ["ASK", "SELECTDISTINCT", "CONSTRUCT"]),
    (["*", "?p ?o", "?o", "(COUNT(*) AS ?n)", "(COUNT(DISTINCT ?x) AS ?n)", "?p?o", "$o"],
     ["(STR(?o) AS ?s)", "(COUNT(?x) AS ?x) ?p", "?p ,?o"]),
    (["WHERE", "where", ""], ["FROM <http://e/g> WHERE", "FROM NAMED <http://e/g>"]),
    (["{"], ["{{", "{ {", "{ GRAPH ?g {", "{ SERVICE <http://e/s> {"]),
    (["<http://e/a>", "?x", "org:a", ":a", "<http://e/a#x>", ":"], ["_:b", "<a>", "[]", '"lit"', "org:a.b", "?x?y", "org:a%20"]),
    (["?p", "a", "org:subOrganizationOf", "org:subOrganizationOf+", "^org:subOrganizationOf*", ":p*", "<http://e/p>+"],
     ["A", "<http://e/p>/<http://e/q>", "<http://e/p>|<http://e/q>", "!<http://e/p>", "(<http://e/p>)+", "^:p", "?p+"]),
    (["?o", "<http://e/b>", '"x"', '"x"@en', f'"x"^^<{XSD}string>', f'"1"^^<{XSD}integer>', "'}'", '"#"', "org:b", "?x"],
     ["1", '"a\\"b"', '"""x"""', "true", "[]", "(1 2)"]),
    (["", "."], [";", "; ?q ?r", ". ?o ?q ?r", "FILTER(?o)", "OPTIONAL { ?o ?q ?r }", ",", ", ?z", ". ."]),
    (["}", "} # done"], ["}}", "} LIMIT 1", "} ORDER BY ?o", "} VALUES ?o { 1 }", "} }", "} OFFSET 1"]),
]
_ALLOWED = {"SelectQuery", "Project", "Distinct", "Reduced", "Extend", "AggregateJoin", "Aggregate_Count", "Group",
            "BGP"}


def _one_pattern(algebra) -> bool:
    """Whether rdflib's algebra of a query is one triple pattern (or one-IRI closure) with a constant."""
    from rdflib import URIRef, Variable
    from rdflib.paths import InvPath, MulPath
    from rdflib.plugins.sparql.parserutils import CompValue
    triples = []

    def walk(node) -> bool:
        if isinstance(node, list):
            return all(walk(x) for x in node)
        if not isinstance(node, CompValue):
            return True
        if node.name not in _ALLOWED or dict.get(node, "datasetClause"):   # (CompValue.get defaults to the key)
            return False
        if node.name == "BGP":
            triples.extend(node.triples)
        return all(walk(v) for k, v in node.items() if k != "triples")
    if not walk(algebra) or len(triples) != 1:
        return False
    s, p, o = triples[0]
    if isinstance(p, InvPath) and isinstance(p.arg, MulPath):   # ^p* is the inverse of (p*) to rdflib
        p = p.arg
    if isinstance(p, MulPath):   # p+ or p*, of one IRI, maybe inverted, from a constant end
        inner = p.path.arg if isinstance(p.path, InvPath) else p.path
        return p.mod in ("+", "*") and isinstance(inner, URIRef) and not (isinstance(s, Variable)
                                                                           and isinstance(o, Variable))
    return isinstance(p, (URIRef, Variable)) and not all(isinstance(t, Variable) for t in (s, p, o))


def test_what_the_recognizer_accepts_is_one_pattern_to_a_real_parser():
    """4,000 queries made of pieces, each slot mostly a piece that fits a bounded shape, sometimes one that
    must not (and whitespace, none or comments between): every text the recognizer accepts must be valid
    SPARQL to pyoxigraph, and its algebra, by rdflib's parser, one triple pattern or one-IRI closure with
    a constant. (It found the recognizer reading ``org:aorg:p`` as two names, where SPARQL reads one.)"""
    import random
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    rng = random.Random(14)
    accepted = refused = 0
    for _ in range(4000):
        text = "".join(rng.choice(good if rng.random() < 0.85 else bad) + rng.choice(_WS) for good, bad in _SLOTS)
        if bounded_pattern(text) is None:
            refused += 1
            continue
        accepted += 1
        ox.Store().query(text)   # valid to pyoxigraph, which evaluates it (raises SyntaxError if not)
        # rdflib's lexer wants a space where SPARQL does not ("DISTINCT$o", "org:p?x", "REDUCED(COUNT"),
        # and ends a comment at LF only, where SPARQL (and pyoxigraph) end it at CR too: no piece has ?, $,
        # ( or CR inside an IRI or a string, so spacing them out and making CR a LF changes no meaning
        algebra = translateQuery(parseQuery(re.sub(r"([?$(])", r" \1", text.replace("\r", "\n")))).algebra
        assert _one_pattern(algebra), text
    assert accepted > 300 and refused > 300, (accepted, refused)   # both sides were exercised
