"""The reconciliation service (W3C Entity Reconciliation API 0.2, what OpenRefine speaks).

The answers are checked against the rules of the specification's JSON schemas, written out below as
checks (the schemas are not installed by any package, and the project does not copy them):
https://reconciliation-api.github.io/specs/0.2/schemas/manifest.json, …/reconciliation-result-batch.json,
…/suggest-entities-response.json and …/type.json (source: github.com/reconciliation-api/specs, folder 0.2).
The requests follow the specification's own examples (0.2/examples/reconciliation-query-batch/valid/
example-min.json, example-full.json, multi-values.json; invalid/misnamed-property.json, empty-query.json,
empty-properties.json) with this graph's names in place of theirs.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

BASE = "https://w3id.org/htkg/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


# ---------------------------------------------------------------------------------------------
# the schemas' rules
# ---------------------------------------------------------------------------------------------

def _is_type(t, *, name_required: bool) -> None:
    """type.json (defaultTypes) needs id and name; a candidate's type is {id, name?} or a string id."""
    if isinstance(t, str) and not name_required:
        return
    assert isinstance(t, dict) and isinstance(t.get("id"), str), t
    if name_required or "name" in t:
        assert isinstance(t.get("name"), str), t


def check_manifest(m: dict) -> None:
    """manifest.json (0.2): versions (contains "0.2"), name, identifierSpace, schemaSpace required;
    view/preview url templates hold {{id}}; preview has integer width and height; defaultTypes unique."""
    assert isinstance(m, dict)
    for key in ("versions", "name", "identifierSpace", "schemaSpace"):
        assert key in m, key
    assert isinstance(m["versions"], list) and all(isinstance(v, str) for v in m["versions"]) and "0.2" in m["versions"]
    for key in ("name", "identifierSpace", "schemaSpace", "documentation", "serviceVersion", "logo"):
        if key in m:
            assert isinstance(m[key], str), key
    if "view" in m:
        assert "{{id}}" in m["view"]["url"]
    if "preview" in m:
        p = m["preview"]
        assert "{{id}}" in p["url"] and isinstance(p["width"], int) and isinstance(p["height"], int)
    if "defaultTypes" in m:
        assert isinstance(m["defaultTypes"], list)
        assert len({json.dumps(t, sort_keys=True) for t in m["defaultTypes"]}) == len(m["defaultTypes"])
        for t in m["defaultTypes"]:
            _is_type(t, name_required=True)
    for kind, service in m.get("suggest", {}).items():
        assert kind in ("entity", "property", "type")
        for key in ("service_url", "service_path", "flyout_service_url", "flyout_service_path"):
            if key in service:
                assert isinstance(service[key], str)


def check_result_batch(r: dict, keys) -> None:
    """reconciliation-result-batch.json (0.2): an object with a {"result": [...]} per query key; each candidate
    has id, name (strings) and score (a number); match is a boolean; type a list of types; features
    a list of {id, value: boolean or number}."""
    assert isinstance(r, dict) and set(r) == set(keys)
    for answer in r.values():
        assert isinstance(answer, dict) and isinstance(answer["result"], list)
        for c in answer["result"]:
            assert isinstance(c["id"], str) and isinstance(c["name"], str)
            assert isinstance(c["score"], (int, float)) and not isinstance(c["score"], bool)
            if "match" in c:
                assert isinstance(c["match"], bool)
            if "description" in c:
                assert isinstance(c["description"], str)
            for t in c.get("type", []):
                _is_type(t, name_required=False)
            for f in c.get("features", []):
                assert isinstance(f["id"], str) and isinstance(f["value"], (bool, int, float))


def check_suggest(r: dict) -> None:
    """suggest-entities-response.json (0.2): {"result": [{id, name, description?, notable?: [types]}]}."""
    assert isinstance(r["result"], list)
    for e in r["result"]:
        assert isinstance(e["id"], str) and isinstance(e["name"], str)
        if "description" in e:
            assert isinstance(e["description"], str)
        for t in e.get("notable", []):
            _is_type(t, name_required=False)


def _reconcile(client, batch: dict, method: str = "POST"):
    body = {"queries": json.dumps(batch)}
    if method == "POST":
        return client.post("/reconcile", data=body)
    return client.get("/reconcile", query_string=body)


def _iri(store, label: str, prop: str = "altLabel") -> str:
    rows = store.query(f'SELECT ?x WHERE {{ ?x <{SKOS}{prop}> ?l FILTER(STR(?l) = "{label}") }}').rows
    assert len(rows) == 1, label
    return rows[0]["x"].value


# ---------------------------------------------------------------------------------------------
# the service
# ---------------------------------------------------------------------------------------------

def test_manifest(client):
    resp = client.get("/reconcile")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/json")
    m = resp.get_json()
    check_manifest(m)
    assert m["identifierSpace"] == BASE + "id/" and m["schemaSpace"] == BASE + "def/"
    ids = {t["id"] for t in m["defaultTypes"]}
    assert {BASE + "def/GovernmentUnit", BASE + "def/Department", "http://www.w3.org/ns/org#Organization"} <= ids
    assert resp.headers["Access-Control-Allow-Origin"]


def test_spec_example_min_a_batch_of_names(client, store):
    """Like example-min.json: two queries, names only."""
    batch = {"q1": {"query": "Office for Victims of Crime"}, "q2": {"query": "NHTRC"}}
    for method in ("GET", "POST"):
        resp = _reconcile(client, batch, method)
        assert resp.status_code == 200
        r = resp.get_json()
        check_result_batch(r, batch)
        ovc = r["q1"]["result"][0]
        assert ovc["id"] == _iri(store, "Office for Victims of Crime", "prefLabel") and ovc["match"] is True
        assert ovc["score"] == 100 and BASE + "def/GovernmentUnit" in [t["id"] for t in ovc["type"]]
        assert r["q2"]["result"][0]["id"] == _iri(store, "NHTRC") and r["q2"]["result"][0]["match"] is True


def test_spec_example_full_types_limit_properties_should(client, store):
    """Like example-full.json: a type, a limit, properties and type_strict "should"."""
    batch = {
        "q0": {"query": "Compass Connections", "type": "NonprofitOrganization", "limit": 3,
               "properties": [{"pid": "operates", "v": "National Human Trafficking Resource Center"}],
               "type_strict": "should"},
        "q1": {"query": "TIP office", "type": BASE + "def/GovernmentUnit", "limit": 3,
               "properties": [{"pid": "http://www.w3.org/ns/org#subOrganizationOf", "v": "Department of State"}],
               "type_strict": "should"},
    }
    r = _reconcile(client, batch).get_json()
    check_result_batch(r, batch)
    assert all(len(a["result"]) <= 3 for a in r.values())
    operator = r["q0"]["result"][0]
    assert operator["id"] == _iri(store, "Compass Connections", "prefLabel")
    assert {"id": "property:operates", "value": True} in operator["features"]
    tip = r["q1"]["result"][0]
    assert tip["id"] == _iri(store, "TIP Office") and tip["match"] is True
    assert {"id": "property:http://www.w3.org/ns/org#subOrganizationOf", "value": True} in tip["features"]


def test_spec_multi_values_and_entity_values(client, store):
    """Like multi-values.json: a property with a list of values, one a string and one an entity {id, name}."""
    state = _iri(store, "Department of State", "prefLabel")
    batch = {"q0": {"query": "Human Smuggling and Trafficking Center", "type": "GovernmentUnit", "limit": 5,
                    "properties": [{"pid": "http://www.w3.org/ns/org#subOrganizationOf",
                                    "v": ["no such department", {"id": state, "name": "State"}]}],
                    "type_strict": "should"}}
    r = _reconcile(client, batch).get_json()
    check_result_batch(r, batch)
    assert r["q0"]["result"][0]["id"] == _iri(store, "HSTC")


def test_type_filter_any_and_all(client, store):
    batch = {"q0": {"query": "trafficking", "type": "Program", "limit": 20},
             "q1": {"query": "trafficking", "type": ["Program", "FundingProgram"], "type_strict": "all", "limit": 20}}
    r = _reconcile(client, batch).get_json()
    check_result_batch(r, batch)
    programs = {row["x"].value for row in store.query(f"SELECT ?x WHERE {{ ?x a <{BASE}def/Program> }}").rows}
    funding = {row["x"].value for row in store.query(f"SELECT ?x WHERE {{ ?x a <{BASE}def/FundingProgram> }}").rows}
    assert r["q0"]["result"] and {c["id"] for c in r["q0"]["result"]} <= programs
    assert {c["id"] for c in r["q1"]["result"]} <= funding


def test_at_most_one_certain_match_and_ranked_scores(client):
    batch = {"q0": {"query": "office", "limit": 20}}
    result = _reconcile(client, batch).get_json()["q0"]["result"]
    assert sum(c["match"] for c in result) <= 1
    assert [c["score"] for c in result] == sorted((c["score" ] for c in result), reverse=True)
    assert all(0 <= c["score"] <= 100 for c in result)


@pytest.mark.parametrize("batch", [
    {"q0": {"query": "OVC", "props": [{"pid": "x", "v": "y"}]}},          # misnamed-property.json
    {"q1": {"limit": 1}},                                                  # empty-query.json
    {"q1": {"properties": []}},                                            # empty-properties.json
    {"q0": {"query": 42}},
    {"q0": {"query": "OVC", "limit": 0}},
    {"q0": {"query": "OVC", "type_strict": "maybe"}},
    {"q0": {"query": "x" * 201}},
    {f"q{i}": {"query": "OVC"} for i in range(101)},
    [{"query": "OVC"}],                                                    # root-array
    {},
])
def test_invalid_batches_are_a_400_naming_queries(client, batch):
    resp = _reconcile(client, batch)
    assert resp.status_code == 400
    err = resp.get_json()["error"]
    assert err["parameter"] == "queries" and err["message"]


def test_not_json_is_a_400(client):
    resp = client.post("/reconcile", data={"queries": "{not json"})
    assert resp.status_code == 400 and resp.get_json()["error"]["parameter"] == "queries"


def test_preview_view_and_suggest(client, store):
    m = client.get("/reconcile").get_json()
    ovc = _iri(store, "Office for Victims of Crime", "prefLabel")
    preview_path = m["preview"]["url"].replace("{{id}}", urllib.parse.quote(ovc, safe=""))
    resp = client.get(preview_path[len("http://localhost"):])
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
    html = resp.data.decode()
    assert "Office for Victims of Crime" in html and 'href="/id/org/ovc"' in html
    view = m["view"]["url"].replace("{{id}}", urllib.parse.quote(ovc, safe=""))
    resp = client.get(view[len("http://localhost"):])
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/id/org/ovc")
    assert client.get("/reconcile/preview?id=https://example.org/x").status_code == 404
    assert client.get("/reconcile/preview").status_code == 400
    s = m["suggest"]["entity"]
    body = client.get(s["service_path"] if s["service_url"] == "http://localhost" else "/reconcile/suggest/entity",
                      query_string={"prefix": "nhtr"}).get_json()
    check_suggest(body)
    assert body["result"][0]["id"] == _iri(store, "NHTRC")
    assert client.get("/reconcile/suggest/entity", query_string={"prefix": "x" * 201}).status_code == 400


def test_preview_escapes(client):
    resp = client.get("/reconcile/preview", query_string={"id": BASE + "id/org/<script>"},
                      headers={"Accept": "text/html"})
    assert resp.status_code == 404 and resp.headers["Content-Type"].startswith("text/html")
    assert b"<script>" not in resp.data


def test_real_server_with_a_form_post_as_openrefine_sends_it(server, store):
    """OpenRefine POSTs the batch as a form field; the answer is JSON with CORS."""
    data = urllib.parse.urlencode({"queries": json.dumps({"q0": {"query": "J/TIP"}})}).encode()
    with urllib.request.urlopen(urllib.request.Request(server.url + "/reconcile", data=data), timeout=30) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("application/json")
        body = json.loads(r.read())
    check_result_batch(body, ["q0"])
    assert body["q0"]["result"][0]["id"] == _iri(store, "J/TIP")
    with urllib.request.urlopen(server.url + "/reconcile", timeout=30) as r:
        check_manifest(json.loads(r.read()))
