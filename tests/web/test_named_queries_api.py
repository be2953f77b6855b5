"""The named-query API: for every query in ``queries/`` and every format, the answer is what the query gives
on the store (derived here, never written down), and a bad parameter is a 400 that names it."""

from __future__ import annotations

from pathlib import Path

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from collections import Counter

import pyoxigraph as ox
import pytest

from htkg.dataset.queries import load_queries
from htkg.store.base import term_from_json
from htkg.store import open_store
from htkg.config import Settings

ROOT = Path(__file__).resolve().parents[2]
QUERIES = load_queries(ROOT / "queries")
MIN_QUERIES = 10  # the suite must not shrink silently
FORMATS = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
           "csv": "text/csv", "tsv": "text/tab-separated-values"}
SRX = "{http://www.w3.org/2005/sparql-results#}"
XSD = "http://www.w3.org/2001/XMLSchema#"


def test_every_query_is_covered():
    assert len(QUERIES) >= MIN_QUERIES


def _cases():
    """Each query with all its example values, and (when it differs) with only the required ones."""
    for name, q in QUERIES.items():
        full = {p.name: p.example for p in q.params if p.example}
        yield pytest.param(name, full, id=f"{name}-examples")
        required = {p.name: p.example for p in q.params if p.required and p.example}
        if required != full:
            yield pytest.param(name, required, id=f"{name}-required-only")


@pytest.fixture(scope="module")
def reference(release):
    """An embedded store of the same release, queried directly: what the API must answer."""
    return open_store(Settings(), release)


def _key(row: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in row.items()))


def _plain(row: dict) -> tuple:
    return tuple(sorted((k, v.value) for k, v in row.items()))


def _parse_json(data: bytes):
    body = json.loads(data)
    return body["head"]["vars"], [{k: term_from_json(v) for k, v in b.items()} for b in body["results"]["bindings"]]


def _parse_xml(data: bytes):
    root = ET.fromstring(data)
    variables = [v.get("name") for v in root.iter(SRX + "variable")]
    rows = []
    for result in root.iter(SRX + "result"):
        row = {}
        for binding in result.findall(SRX + "binding"):
            (term,) = list(binding)
            if term.tag == SRX + "uri":
                row[binding.get("name")] = ox.NamedNode(term.text)
            elif term.tag == SRX + "bnode":
                row[binding.get("name")] = ox.BlankNode(term.text)
            else:
                lang = term.get("{http://www.w3.org/XML/1998/namespace}lang")
                dt = term.get("datatype")
                text = term.text or ""
                row[binding.get("name")] = (ox.Literal(text, language=lang) if lang else
                                            ox.Literal(text, datatype=ox.NamedNode(dt)) if dt else ox.Literal(text))
        rows.append(row)
    return variables, rows


def _parse_tsv(data: bytes):
    parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.TSV)
    variables = [v.value for v in parsed.variables]
    return variables, [{v: s[v] for v in variables if s[v] is not None} for s in parsed]


def _parse_csv(data: bytes):
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header = next(reader)
    return header, [{k: v for k, v in zip(header, line) if v != ""} for line in reader]


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("name,values", list(_cases()))
def test_api_answers_what_the_store_answers(client, reference, name, values, fmt):
    q = QUERIES[name]
    expected = reference.query(q.sparql, bindings=q.bind(values))
    assert expected.kind == "select", "the API tests expect SELECT queries; add a case for another form"
    by_param = client.get(f"/api/queries/{name}", query_string={**values, "format": fmt})
    by_accept = client.get(f"/api/queries/{name}", query_string=values, headers={"Accept": FORMATS[fmt]})
    for resp in (by_param, by_accept):
        assert resp.status_code == 200, resp.data
        assert resp.mimetype == FORMATS[fmt]
    data = by_param.data
    assert data == by_accept.data
    if fmt == "csv":  # CSV keeps only lexical forms
        variables, rows = _parse_csv(data)
        assert Counter(tuple(sorted(r.items())) for r in rows) == Counter(_plain(r) for r in expected.rows)
    else:
        variables, rows = {"json": _parse_json, "xml": _parse_xml, "tsv": _parse_tsv}[fmt](data)
        assert Counter(_key(r) for r in rows) == Counter(_key(r) for r in expected.rows)
    assert variables == expected.variables


def test_examples_give_answers(client):
    """Every query answers something on its example values (an empty answer usually means a broken query)."""
    empty = [name for name, q in QUERIES.items()
             if not client.get(f"/api/queries/{name}", query_string={p.name: p.example for p in q.params if p.example},
                               headers={"Accept": FORMATS["json"]}).json["results"]["bindings"]]
    assert empty == []


def _error(resp, parameter: str) -> dict:
    assert resp.status_code == 400, resp.data
    assert resp.mimetype == "application/json"
    body = resp.json["error"]
    assert body["status"] == 400 and body["type"] == "QueryParameterError"
    assert body["parameter"] == parameter
    assert parameter in body["message"]
    return body


def _bad_cases():
    for name, q in QUERIES.items():
        good = {p.name: p.example for p in q.params if p.required and p.example}
        yield pytest.param(name, {**good, "no_such_param": "1"}, "no_such_param", id=f"{name}-unknown")
        for p in q.params:
            if p.required:
                yield pytest.param(name, {k: v for k, v in good.items() if k != p.name}, p.name,
                                   id=f"{name}-missing-{p.name}")
            if p.type == "iri":
                yield pytest.param(name, {**good, p.name: "not an iri"}, p.name, id=f"{name}-malformed-{p.name}")
                yield pytest.param(name, {**good, p.name: "https://w3id.org/htkg/id/org/ovc> } UNION { ?s ?p ?o"},
                                   p.name, id=f"{name}-injection-{p.name}")
            yield pytest.param(name, {**good, p.name: "https://w3id.org/" + "a" * 3000}, p.name,
                               id=f"{name}-overlong-{p.name}")


@pytest.mark.parametrize("name,values,parameter", list(_bad_cases()))
def test_bad_parameter_is_a_400_naming_it(client, name, values, parameter):
    _error(client.get(f"/api/queries/{name}", query_string=values), parameter)


def test_a_parameter_given_twice_is_a_400(client):
    name, q = next((n, q) for n, q in QUERIES.items() if q.params)
    p = q.params[0]
    value = p.example or "https://w3id.org/htkg/id/org/ovc"
    _error(client.get(f"/api/queries/{name}?{p.name}={value}&{p.name}={value}"), p.name)


def test_unknown_query_is_a_404(client):
    resp = client.get("/api/queries/no-such-query")
    assert resp.status_code == 404
    assert "no-such-query" in resp.json["error"]["message"]


def test_unproducible_format_is_a_406(client):
    name = next(iter(QUERIES))
    q = QUERIES[name]
    values = {p.name: p.example for p in q.params if p.required}
    assert client.get(f"/api/queries/{name}", query_string=values, headers={"Accept": "image/png"}).status_code == 406
    assert client.get(f"/api/queries/{name}", query_string={**values, "format": "turtle"}).status_code == 406


def test_list_of_queries(client):
    listed = client.get("/api/queries").json
    assert [q["name"] for q in listed] == list(QUERIES)
    for item in listed:
        q = QUERIES[item["name"]]
        assert item["title"] == q.title and item["sparql"] == q.sparql
        assert [p["name"] for p in item["parameters"]] == [p.name for p in q.params]


# Integer, date and string parameters: no query in queries/ takes one yet, so a copy of the release gets one.
TYPED_QUERY = """# title: Typed parameters
# description: Echoes its parameters.
# param: n integer required "A number"
# param: day date optional "A day"
# param: text string optional "Any text"
SELECT ?n ?day ?text WHERE { }
"""


@pytest.fixture(scope="module")
def typed_client(release_dir, tmp_path_factory):
    from htkg.config import Settings
    from htkg.web import create_app
    copy = tmp_path_factory.mktemp("typed") / "release"
    shutil.copytree(release_dir, copy)
    (copy / "queries" / "typed-parameters.rq").write_text(TYPED_QUERY, encoding="utf-8")
    return create_app(Settings(release_dir=str(copy))).test_client()


@pytest.mark.parametrize("values,parameter", [
    ({"n": "three"}, "n"), ({"n": "1.5"}, "n"), ({"n": "9" * 40}, "n"), ({}, "n"),
    ({"n": "1", "day": "2024-13-01"}, "day"), ({"n": "1", "day": "yesterday"}, "day"),
    ({"n": "1", "text": "x" * 3000}, "text"), ({"n": "1", "format2": "json"}, "format2"),
])
def test_typed_parameters_are_validated(typed_client, values, parameter):
    _error(typed_client.get("/api/queries/typed-parameters", query_string=values), parameter)


def test_typed_parameters_are_bound_as_terms(typed_client):
    hostile = '" } ; DROP ALL ; SELECT * { "'
    resp = typed_client.get("/api/queries/typed-parameters",
                            query_string={"n": "42", "day": "2024-02-29", "text": hostile, "format": "json"})
    assert resp.status_code == 200, resp.data
    (row,) = resp.json["results"]["bindings"]
    assert row["n"] == {"type": "literal", "value": "42", "datatype": XSD + "integer"}
    assert row["day"] == {"type": "literal", "value": "2024-02-29", "datatype": XSD + "date"}
    assert row["text"] == {"type": "literal", "value": hostile}
