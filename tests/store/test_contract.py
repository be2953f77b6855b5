"""One contract for every store backend: the embedded pyoxigraph store and a real ``oxigraph serve``
process reached through :class:`htkg.store.remote.RemoteStore` (loaded with ``htkg publish --to``)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from htkg.errors import QuerySyntaxError, StoreUnavailable
from htkg.store import QueryResult, Store
from htkg.store.remote import RemoteStore

SKOS = "http://www.w3.org/2004/02/skos/core#"
BACKENDS = ["embedded", "remote"]


@pytest.fixture(scope="module")
def embedded(release):
    # without the manifest's graph counts, so that graphs() is counted from the store itself
    from htkg.store.oxigraph import OxigraphStore
    return OxigraphStore.from_file(release.nquads_path)


@pytest.fixture(params=BACKENDS)
def store(request, release) -> Store:
    if request.param == "embedded":
        return request.getfixturevalue("embedded")
    return RemoteStore(request.getfixturevalue("oxigraph_server").query_url, timeout=10)


def test_is_a_store(store):
    assert isinstance(store, Store)


def test_len_and_graphs_match_the_manifest(store, release):
    stats = release.statistics
    graphs = store.graphs()
    assert graphs == {g: n for g, n in stats["graphs"].items() if g}
    assert len(store) == stats["quads"]
    assert len(graphs) >= 10


def test_release_store_takes_its_graph_counts_from_the_manifest(release, embedded, tmp_path):
    """Regression: every new query process counted all quads, which at 1M triples outlasted the time limit."""
    from htkg.store.oxigraph import load_on_disk
    assert release.open_store().graphs() == embedded.graphs()
    load_on_disk(release.nquads_path, tmp_path / "store")
    on_disk = release.open_store(tmp_path / "store")
    assert on_disk.graphs() == embedded.graphs() and len(on_disk) == len(embedded)


def test_select_count(store, release):
    r = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert isinstance(r, QueryResult) and r.kind == "select" and r.variables == ["n"]
    assert int(r.rows[0]["n"].value) == release.statistics["quads"]


def test_select_terms_keep_language_and_datatype(store):
    r = store.query(f"SELECT ?s ?label WHERE {{ ?s <{SKOS}prefLabel> ?label }} ORDER BY ?s LIMIT 3")
    assert len(r.rows) == 3
    for row in r.rows:
        assert isinstance(row["s"], ox.NamedNode)
        assert isinstance(row["label"], ox.Literal) and row["label"].language == "en"
    typed = store.query("SELECT ?v WHERE { ?s ?p ?v FILTER(isLiteral(?v) && LANG(?v) = '' "
                        "&& DATATYPE(?v) != <http://www.w3.org/2001/XMLSchema#string>) } ORDER BY ?v LIMIT 1")
    value = typed.rows[0]["v"]
    assert not value.language and not value.datatype.value.endswith("#string")
    again = store.query("SELECT ?s ?v WHERE { ?s ?p ?v } LIMIT 1", bindings={"v": value})
    assert len(again.rows) == 1, "a typed literal did not round-trip"


def test_unbound_variables_are_left_out(store):
    r = store.query("SELECT ?s ?missing WHERE { ?s a ?t OPTIONAL { ?s <urn:x:none> ?missing } } LIMIT 2")
    assert r.variables == ["s", "missing"]
    assert all("missing" not in row and "s" in row for row in r.rows)


def test_bindings_bind_a_variable_as_a_term(store, embedded):
    some = embedded.query(f"SELECT ?s WHERE {{ ?s <{SKOS}prefLabel> ?l }} ORDER BY ?s LIMIT 1").rows[0]["s"]
    # pyoxigraph substitutes only projected variables, so the bound one is projected here
    r = store.query(f"SELECT ?thing ?label WHERE {{ ?thing <{SKOS}prefLabel> ?label }}", bindings={"thing": some})
    expected = embedded.query(f"SELECT (<{some.value}> AS ?thing) ?label WHERE {{ <{some.value}> <{SKOS}prefLabel> ?label }}")
    assert r.simple_rows() == expected.simple_rows() and len(r.rows) == 1


def test_ask(store):
    assert store.query(f"ASK {{ ?s <{SKOS}prefLabel> ?o }}").boolean is True
    r = store.query("ASK { <urn:x:nothing> ?p ?o }")
    assert r.kind == "ask" and r.boolean is False


def test_construct_gives_triples(store):
    r = store.query("CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } ORDER BY ?s ?t LIMIT 5")
    assert r.kind == "graph" and len(r.triples) == 5
    assert all(isinstance(t, ox.Triple) for t in r.triples)


def test_dataset_arguments(store, release):
    vocab = release.base_iri + "graph/vocab"
    r = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graphs=[vocab])
    assert int(r.rows[0]["n"].value) == release.statistics["graphs"][vocab]
    r = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[vocab])
    assert [row["g"].value for row in r.rows] == [vocab]


def test_an_empty_list_of_graphs_is_an_empty_dataset_part(store, release):
    """As the protocol has it when only the other list is given: [] is empty, not the store's default."""
    vocab = release.base_iri + "graph/vocab"
    r = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graphs=[], named_graphs=[vocab])
    assert int(r.rows[0]["n"].value) == 0
    r = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", default_graphs=[vocab], named_graphs=[])
    assert int(r.rows[0]["n"].value) == 0
    r = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", default_graphs=[], named_graphs=[vocab])
    assert int(r.rows[0]["n"].value) == release.statistics["graphs"][vocab]


def test_syntax_error_names_the_line(store):
    with pytest.raises(QuerySyntaxError) as info:
        store.query("SELECT * WHERE {\n  ?s ?p \n}")
    assert info.value.position.line == 3


def test_backends_give_the_same_answers(embedded, oxigraph_server):
    remote = RemoteStore(oxigraph_server.query_url, timeout=10)
    for q in (
        "SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY ?t",
        "SELECT ?a ?b WHERE { ?a <http://www.w3.org/ns/org#subOrganizationOf>+ ?b } ORDER BY ?a ?b",
        f"SELECT ?s ?l WHERE {{ ?s <{SKOS}prefLabel> ?l FILTER(CONTAINS(LCASE(?l), \"office\")) }} ORDER BY ?s ?l",
    ):
        assert remote.query(q).simple_rows() == embedded.query(q).simple_rows(), q


def test_raw_pass_through(oxigraph_server):
    remote = RemoteStore(oxigraph_server.query_url, timeout=10)
    body, ctype = remote.query_raw("SELECT (1 AS ?one) WHERE {}", "text/csv")
    assert ctype.startswith("text/csv") and body.replace(b"\r", b"").split(b"\n")[:2] == [b"one", b"1"]


def test_unreachable_store_is_unavailable(unused_port):
    store = RemoteStore(f"http://127.0.0.1:{unused_port}/query", timeout=2)
    with pytest.raises(StoreUnavailable) as info:
        store.query("ASK {}")
    assert "cannot be reached" in str(info.value)
    with pytest.raises(StoreUnavailable):
        store.graphs()


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_ask_and_select_results_serialize(store, fmt):
    """Regression: an ASK result from a store could not be serialized (QueryBoolean cannot be built)."""
    from htkg.formats import by_name
    assert store.query("ASK { ?s ?p ?o }").serialize(by_name(fmt))
    assert store.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 2").serialize(by_name(fmt))


def test_the_served_on_disk_store_reads_its_graph_counts_from_the_manifest(release_dir, tmp_path):
    """Regression (10M): the server opened the on-disk store without the release's counts, so every worker
    counted every quad on its first request. A count changed in a copy of the manifest shows where they come from."""
    import json
    import shutil
    from htkg.config import Settings
    from htkg.dataset.release import open_release
    from htkg.store.factory import open_store
    from htkg.store.oxigraph import load_on_disk
    copy = tmp_path / "release"
    shutil.copytree(release_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    graph = sorted(g for g in manifest["statistics"]["graphs"] if g)[0]
    manifest["statistics"]["graphs"][graph] += 1000
    (copy / "manifest.json").write_text(json.dumps(manifest))
    load_on_disk(copy / "dumps" / "htkg.nq", tmp_path / "store")
    store = open_store(Settings(release_dir=str(copy), store_path=str(tmp_path / "store")), open_release(copy))
    assert store.graphs()[graph] == manifest["statistics"]["graphs"][graph]
