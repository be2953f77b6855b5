"""``describe()`` uses SPARQL only, so the embedded store and a real remote server describe a resource alike."""

from __future__ import annotations

import json

import pytest

from htkg.dataset.describe import describe
from htkg.store.remote import RemoteStore
from htkg.store import open_store
from htkg.config import Settings

PATHS = ["id/org/ovc", "id/topic/labor-trafficking", "def/funds", "graph/page/doj", "id/no-such-thing"]


@pytest.mark.parametrize("path", PATHS)
def test_remote_and_embedded_describe_alike(release, oxigraph_server, path):
    iri = release.base_iri + path
    local = describe(open_store(Settings(), release), iri)
    remote = describe(RemoteStore(oxigraph_server.query_url, timeout=10), iri)
    assert local.exists == remote.exists == (path != "id/no-such-thing")
    assert local.to_dict() == remote.to_dict()
    assert set(map(str, local.triples)) == set(map(str, remote.triples))


def test_description_is_plain_json_data(release):
    d = describe(open_store(Settings(), release), release.base_iri + "id/org/ovc")
    data = json.loads(json.dumps(d.to_dict()))
    assert data["label"] == d.label and len(data["outgoing"]) == len(d.outgoing)
    assert {c["kind"] for s in data["outgoing"] + data["inbound"] for c in s["citations"]} >= {"page", "ext"}
