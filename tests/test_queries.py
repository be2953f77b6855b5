"""Every named query answers exactly what the curated data say.

For ``queries/<name>.rq`` the expected answer is ``tests/expected/queries/<name>.json``: a list of rows,
each a dict variable → value (IRIs and literals' lexical forms). A query that takes parameters runs with
the ``example=`` value of each parameter that has one. Rows are compared in order when the query has an
ORDER BY (each such query orders completely), otherwise as multisets.

``VARIANTS`` runs some queries again with other parameter values; their answers are in
``tests/expected/queries/<name>@<variant>.json``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUERY_FILES = sorted((ROOT / "queries").glob("*.rq"))
EXPECTED = Path(__file__).resolve().parent / "expected" / "queries"
MIN_QUERIES = 60
ID = "https://w3id.org/htkg/id/"

# (query, variant, parameters): the same questions asked about other things.
VARIANTS = [
    ("who-funds-whom", "all", {}),
    ("units-under-organization", "hhs", {"top": ID + "org/hhs"}),
    ("units-under-organization", "dhs", {"top": ID + "org/dhs"}),
    ("citation-of-a-fact", "ovc-in-ojp", {"subject": ID + "org/ovc",
                                          "predicate": "http://www.w3.org/ns/org#subOrganizationOf"}),
    ("topics-of-an-organization", "ovc", {"org": ID + "org/ovc"}),
    # time-aware: the same question in other years (2025: the year the operator changed; 2000: before
    # any source names an operator or a funder with a start)
    ("hotline-operator-in-year", "2025", {"year": "2025"}),
    ("hotline-operator-in-year", "2000", {"year": "2000"}),
    ("hotline-funders-in-year", "2020", {"year": "2020"}),
    ("revised-by-year", "1990", {"year": "1990"}),
    ("direct-parent", "otip", {"org": ID + "org/otip"}),
    ("ancestors", "ceos", {"org": ID + "org/ceos"}),
    ("claims-about", "nhtrc", {"entity": ID + "service/nhtrc"}),
    ("predecessors-of-an-organization", "nij", {"org": ID + "org/nij"}),
    ("former-agencies-in-year", "1983", {"year": "1983"}),
    ("operations-of-an-organization", "fbi", {"org": ID + "org/fbi"}),
]


def _ordered(sparql: str) -> bool:
    body = "\n".join(line for line in sparql.splitlines() if not line.lstrip().startswith("#"))
    return re.search(r"(?i)\bORDER\s+BY\b", body) is not None


def _key(row: dict) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def test_enough_queries():
    assert len(QUERY_FILES) >= MIN_QUERIES, [p.name for p in QUERY_FILES]


def test_every_query_has_an_expected_answer():
    missing = [p.stem for p in QUERY_FILES if not (EXPECTED / f"{p.stem}.json").is_file()]
    orphans = [p.stem for p in EXPECTED.glob("*.json")
               if not (ROOT / "queries" / f"{p.stem.split('@')[0]}.rq").is_file()]
    unused = sorted({p.stem for p in EXPECTED.glob("*@*.json")} - {f"{q}@{v}" for q, v, _ in VARIANTS})
    assert missing == [] and orphans == [] and unused == [], (missing, orphans, unused)


def test_every_query_has_a_title_and_description(named_queries):
    for name, query in named_queries.items():
        assert query.title and query.title != name, name
        assert query.description, name


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_answer(store, named_queries, path):
    query = named_queries[path.stem]
    params = {p.name: p.example for p in query.params if p.example}
    assert all(p.name in params for p in query.params if p.required), f"{path.name}: a required parameter has no example"
    assert json.loads((EXPECTED / f"{path.stem}.json").read_text(encoding="utf-8")), f"{path.stem}: empty answer"
    _check(store, query, params, EXPECTED / f"{path.stem}.json")


@pytest.mark.parametrize("name,variant,params", VARIANTS, ids=[f"{q}@{v}" for q, v, _ in VARIANTS])
def test_query_answer_variant(store, named_queries, name, variant, params):
    _check(store, named_queries[name], params, EXPECTED / f"{name}@{variant}.json")


def _check(store, query, params: dict, expected_file: Path) -> None:
    got = query.execute(store, params).simple_rows()
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    if _ordered(query.sparql):
        assert got == expected
    else:
        assert sorted(map(_key, got)) == sorted(map(_key, expected))


@pytest.mark.parametrize("name", ["format", "page"])
def test_a_parameter_may_not_take_a_name_the_server_uses(tmp_path, name):
    """``format`` and ``page`` already mean the answer's format and the result page in a query's URL."""
    from htkg.dataset.queries import load_queries
    from htkg.errors import DataError
    (tmp_path / "q.rq").write_text(f'# title: T\n# description: D\n# param: {name} string optional "x"\n'
                                   "SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_queries(tmp_path)
    assert "q.rq:3" in str(info.value) and repr(name) in str(info.value)
