"""htkg.publish.metadata without the web: the release writers, the documents, and no Flask."""

from __future__ import annotations

import json
import subprocess
import sys

from rdflib import Graph, URIRef
from rdflib.namespace import VOID

from htkg.dataset.release import open_release
from htkg.publish.metadata import (MetadataContext, catalog_graph, data_json, release_writers,
                                   validate_data_json, void_graph)
from htkg.config import Settings
from htkg.store import open_store


def test_release_writers_put_the_documents_in_the_manifest(release):
    listed = {f["path"]: f for f in release.files()}
    for name, media_type in (("void.ttl", "text/turtle"), ("catalog.ttl", "text/turtle"),
                             ("data.json", "application/json")):
        assert listed[name]["media_type"] == media_type
        assert listed[name]["bytes"] == release.file(name).stat().st_size


def test_documents_follow_the_public_root(release):
    store = open_store(Settings(), release)
    ctx = MetadataContext(release.manifest, store, "https://mirror.example/htkg", Settings())
    void = void_graph(ctx)
    ds = URIRef(release.base_iri + "dataset")
    assert void.value(ds, VOID.sparqlEndpoint) == URIRef("https://mirror.example/htkg/sparql")
    doc = data_json(ctx)
    assert validate_data_json(doc) == []
    assert doc["@id"] == "https://mirror.example/htkg/data.json"
    assert len(catalog_graph(ctx)) > 100


def test_contact_email_setting_reaches_the_catalog(release):
    store = open_store(Settings(), release)
    ctx = MetadataContext(release.manifest, store, release.base_iri, Settings(contact_email="data@agency.example"))
    assert data_json(ctx)["dataset"][0]["contactPoint"]["hasEmail"] == "mailto:data@agency.example"
    g: Graph = catalog_graph(ctx)
    assert URIRef("mailto:data@agency.example") in set(g.objects())


def test_writer_output_is_deterministic(release, tmp_path):
    (writer,) = release_writers(Settings())
    outs = []
    for i in range(2):
        d = tmp_path / str(i)
        d.mkdir()
        manifest = json.loads(json.dumps(release.manifest))
        manifest["files"] = [f for f in manifest["files"] if f["path"] not in ("void.ttl", "catalog.ttl", "data.json")]
        writer(d, manifest, open_store(Settings(), release))
        outs.append({p.name: p.read_bytes() for p in d.iterdir()})
    assert outs[0] == outs[1]


def test_describe_and_metadata_do_not_import_flask():
    code = ("import sys, htkg.publish.metadata, htkg.dataset.describe\n"
            "print(','.join(m for m in sys.modules if m == 'flask' or m.startswith('htkg.web')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_open_release_sees_the_metadata(release_dir):
    assert open_release(release_dir).file("catalog.ttl").is_file()


def test_agency_codes_and_publisher_come_from_settings(release):
    """The placeholders a deploying agency must replace are settings (HTKG_BUREAU_CODE, …)."""
    settings = Settings.load(env={"HTKG_BUREAU_CODE": "011:21", "HTKG_PROGRAM_CODE": "011:060",
                                  "HTKG_PUBLISHER_NAME": "Office of Justice Programs"})
    ctx = MetadataContext(release.manifest, open_store(Settings(), release), release.base_iri, settings)
    doc = data_json(ctx)
    entry = doc["dataset"][0]
    assert entry["bureauCode"] == ["011:21"] and entry["programCode"] == ["011:060"]
    assert entry["publisher"]["name"] == "Office of Justice Programs"
    assert validate_data_json(doc) == []
