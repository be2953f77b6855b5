"""/sparql in front of a remote store (a real `oxigraph serve` holding the release): same answers,
same policy — the refused queries never reach the remote store."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from urllib.parse import quote

import pytest

from htkg.config import Settings
from htkg.web import create_app
from sparql_expect import CONSTRUCT, SELECT, expected, expected_graph, expected_rows, graph_of, rows_of, same_graph

pytestmark = pytest.mark.server


def _store_helpers():
    path = Path(__file__).resolve().parents[1] / "store" / "conftest.py"
    spec = importlib.util.spec_from_file_location("htkg_tests_store_helpers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def remote(tmp_path_factory, release_dir):
    helpers = _store_helpers()
    server = helpers.OxigraphServer(tmp_path_factory.mktemp("remote-sparql") / "db").start()
    try:
        helpers.publish(release_dir, server)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def remote_client(remote, release_dir):
    app = create_app(Settings(release_dir=str(release_dir), store_url=remote.query_url))
    from htkg.store.remote import RemoteStore
    assert isinstance(app.extensions["htkg"].store, RemoteStore)   # not the embedded executor
    return app.test_client()


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv", "csv"])
def test_select_through_the_remote_store(remote_client, direct, fmt):
    resp = remote_client.get(f"/sparql?query={quote(SELECT)}&format={fmt}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert rows_of(resp.data, fmt) == expected_rows(expected(direct, SELECT))


@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "nquads"])
def test_construct_through_the_remote_store(remote_client, direct, fmt):
    resp = remote_client.get(f"/sparql?query={quote(CONSTRUCT)}&format={fmt}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert same_graph(graph_of(resp.data, fmt), expected_graph(expected(direct, CONSTRUCT)))


@pytest.mark.parametrize("query,status", [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 403),
    ("SELECT * FROM <http://example.org/elsewhere> WHERE { ?s ?p ?o }", 400),
    ("CLEAR ALL", 403),
    ("SELECT * WHERE {", 400),
])
def test_policy_holds_before_the_remote_store(remote_client, query, status):
    resp = remote_client.get(f"/sparql?query={quote(query)}")
    assert resp.status_code == status, resp.get_data(as_text=True)
