"""The OpenAPI description of the named-query API is valid, complete, and tells the truth about the API."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
from openapi_spec_validator import validate

from htkg.dataset.queries import load_queries

ROOT = Path(__file__).resolve().parents[2]
QUERIES = load_queries(ROOT / "queries")
TYPES = {"iri": ("string", "uri"), "string": ("string", None), "integer": ("integer", None), "date": ("string", "date")}


@pytest.fixture(scope="module")
def spec(app):
    resp = app.test_client().get("/api/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    return resp.json


def test_spec_is_valid_openapi(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_one_path_per_named_query_with_its_parameters(spec):
    assert len(QUERIES) >= 10
    for name, q in QUERIES.items():
        op = spec["paths"][f"/api/queries/{name}"]["get"]
        assert op["summary"] == q.title
        params = {p["name"]: p for p in op["parameters"]}
        assert set(params) == {p.name for p in q.params} | {"format"}
        for p in q.params:
            declared = params[p.name]
            assert declared["in"] == "query" and declared["required"] == p.required
            kind, fmt = TYPES[p.type]
            assert declared["schema"]["type"] == kind and declared["schema"].get("format") == fmt
        assert set(op["responses"]["200"]["content"]) == {
            "application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"}
        assert {"400", "406", "503"} <= set(op["responses"])


def _schema(spec, ref_or_schema):
    """A component schema as plain JSON Schema (with the other components reachable)."""
    return {**ref_or_schema, "components": spec["components"]}


def test_declared_media_types_are_served(spec, client):
    for name, q in QUERIES.items():
        values = {p.name: p.example for p in q.params if p.required}
        for media_type in spec["paths"][f"/api/queries/{name}"]["get"]["responses"]["200"]["content"]:
            resp = client.get(f"/api/queries/{name}", query_string=values, headers={"Accept": media_type})
            assert resp.status_code == 200 and resp.mimetype == media_type


def test_answers_match_the_declared_schemas(spec, client):
    name, q = next((n, q) for n, q in QUERIES.items() if any(p.required for p in q.params))
    ok = client.get(f"/api/queries/{name}", query_string={p.name: p.example for p in q.params if p.required})
    jsonschema.validate(ok.json, _schema(spec, {"$ref": "#/components/schemas/SparqlResults"}))
    missing = client.get(f"/api/queries/{name}")
    assert missing.status_code == 400
    jsonschema.validate(missing.json, _schema(spec, {"$ref": "#/components/schemas/Error"}))
    listed = client.get("/api/queries").json
    jsonschema.validate(listed, _schema(spec, spec["paths"]["/api/queries"]["get"]["responses"]["200"]["content"]
                                        ["application/json"]["schema"]))
