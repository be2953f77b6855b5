"""The htkg command, driven through click's CliRunner: exit codes, errors, byte-identical builds."""

from __future__ import annotations

import importlib
import json
import tomllib
from pathlib import Path

from click.testing import CliRunner

from htkg.cli import cli
from htkg.store import open_store
from htkg.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def run(*args, **kw):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, **kw)


def test_every_script_target_imports_and_has_help():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts, "no console scripts declared"
    for name, target in scripts.items():
        module, _, attr = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attr))
    result = run("--help")
    assert result.exit_code == 0 and "validate" in result.output
    for command in cli.commands:
        assert run(command, "--help").exit_code == 0, command


def test_validate_conforms_on_curated_data():
    result = run("validate", "--root", ROOT)
    assert result.exit_code == 0, result.output
    assert "Conforms" in result.output


def test_validate_json_format():
    result = run("validate", "--root", ROOT, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["conforms"] is True


def test_malformed_file_names_file_line_column_and_writes_nothing(project_copy, tmp_path):
    bad = project_copy / "data" / "zz-broken.trig"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:g {\n  ex:a ex:b "unterminated .\n}\n')
    out = tmp_path / "rel"
    result = run("build", "--root", project_copy, "--out", out)
    assert result.exit_code == 1
    assert "zz-broken.trig:3:" in result.output
    assert not out.exists()
    assert list(tmp_path.glob(".rel*")) == [], "a temporary release was left behind"
    assert run("validate", "--root", project_copy).exit_code == 1


def test_default_graph_triple_is_refused(project_copy):
    (project_copy / "data" / "zz-default.trig").write_text(
        '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n')
    result = run("validate", "--root", project_copy)
    assert result.exit_code == 1
    assert "zz-default.trig:2" in result.output and "outside a named graph" in result.output


def test_quote_not_in_source_is_refused(project_copy):
    (project_copy / "data" / "zz-quote.trig").write_text(
        "@prefix htkg: <https://w3id.org/htkg/def/> .\n@prefix graph: <https://w3id.org/htkg/graph/> .\n"
        'graph:provenance { <https://w3id.org/htkg/graph/page/zz> htkg:quote "words the page never said" . }\n')
    result = run("validate", "--root", project_copy)
    assert result.exit_code == 1
    assert "does not occur in the source text" in result.output


def test_two_builds_are_byte_identical(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run("build", "--root", ROOT, "--out", a).exit_code == 0
    assert run("build", "--root", ROOT, "--out", b).exit_code == 0
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) >= 14
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), f"{rel} differs between builds"


def test_build_replaces_previous_release_atomically(tmp_path):
    out = tmp_path / "rel"
    assert run("build", "--root", ROOT, "--out", out).exit_code == 0
    first = json.loads((out / "manifest.json").read_text())["version"]
    assert run("build", "--root", ROOT, "--out", out).exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["version"] == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel"]


def test_query_select_formats(release_dir):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    table = run("query", q, "--release", release_dir)
    assert table.exit_code == 0 and "1 row(s)" in table.output
    csv = run("query", q, "--release", release_dir, "--format", "csv")
    assert csv.output.splitlines()[0].strip() == "n" and int(csv.output.splitlines()[1]) > 100
    js = json.loads(run("query", q, "--release", release_dir, "--format", "json").output)
    assert int(js["results"]["bindings"][0]["n"]["value"]) > 100


def test_query_construct_as_turtle_parses(release_dir):
    import rdflib
    out = run("query", "CONSTRUCT WHERE { ?s a ?t } LIMIT 5", "--release", release_dir, "--format", "turtle")
    assert out.exit_code == 0
    assert len(rdflib.Graph().parse(data=out.output, format="turtle")) == 5


def test_query_syntax_error_gives_position_and_exit_2(release_dir):
    result = run("query", "SELECT * WHERE {\n ?s ?p }", "--release", release_dir)
    assert result.exit_code == 2
    assert "line 2" in result.output


def test_named_query_unknown_parameter(release_dir, named_queries):
    name = next(iter(named_queries))
    result = run("query", "--name", name, "--param", "nonexistent=1", "--release", release_dir)
    assert result.exit_code == 2 and "nonexistent" in result.output


def test_query_needs_exactly_one_source():
    assert run("query").exit_code == 2


def test_stats_json_counts(release_dir):
    result = run("stats", "--release", release_dir, "--format", "json")
    st = json.loads(result.output)
    assert st["triples"] > 100 and st["graphs"] and st["classes"] and st["properties"]
    text = run("stats", "--release", release_dir)
    assert "triples per named graph" in text.output


def test_another_base_iri_rebases_data_queries_and_shapes(tmp_path, release_dir):
    """A deployment under its own base: every IRI, the named queries' texts and the shapes follow it,
    and each named query answers as many rows as on the default base."""
    from htkg.dataset.release import open_release
    base = "https://data.example.gov/ht/"
    out = tmp_path / "rebased"
    assert run("build", "--root", ROOT, "--out", out, "--base-iri", base).exit_code == 0
    nq = (out / "dumps" / "htkg.nq").read_text(encoding="utf-8")
    assert "https://w3id.org/htkg/" not in nq and base + "id/org/ovc" in nq
    lines = nq.splitlines()
    assert lines == sorted(set(lines))
    assert all("https://w3id.org/htkg/" not in p.read_text() for p in (out / "queries").glob("*.rq"))
    assert all("https://w3id.org/htkg/" not in p.read_text() for p in (out / "shapes").glob("*.ttl"))
    rebased, default = open_release(out), open_release(release_dir)
    assert rebased.base_iri == base
    store_r, store_d = open_store(Settings(), rebased), open_store(Settings(), default)
    for name, q in default.queries.items():
        params = {p.name: p.example for p in q.params if p.example}
        rows_d = q.execute(store_d, params).rows
        rq = rebased.queries[name]
        rows_r = rq.execute(store_r, {p.name: p.example for p in rq.params if p.example}).rows
        assert len(rows_r) == len(rows_d), name


def test_query_answers_as_the_site_on_another_base(tmp_path):
    """Regression: `htkg query --name` read the checkout's named queries (default base) and opened its own
    store, so on a release built with --base-iri https://example.org/kg/ entities-by-kind printed only a
    header while /api/queries/entities-by-kind answered 12 rows. It now takes the release's queries
    through open_store, as the site does: every named query gives the API's answer."""
    import pyoxigraph as ox
    from rdflib import Graph
    from rdflib.compare import isomorphic
    from htkg.config import Settings
    from htkg.dataset.release import open_release
    from htkg.web import create_app
    out = tmp_path / "release"
    assert run("build", "--root", ROOT, "--out", out, "--base-iri", "https://example.org/kg/").exit_code == 0
    release = open_release(out)
    client = create_app(Settings(release_dir=str(out))).test_client()
    checked = 0
    for name, q in release.queries.items():
        params = {p.name: p.example for p in q.params if p.example}
        graph = q.form in ("CONSTRUCT", "DESCRIBE")
        fmt = "ntriples" if graph else "json"
        cli_out = run("query", "--name", name, "--release", out, "--format", fmt,
                      *[a for k, v in params.items() for a in ("--param", f"{k}={v}")])
        assert cli_out.exit_code == 0, cli_out.output
        api = client.get(f"/api/queries/{name}", query_string={**params, "format": fmt})
        assert api.status_code == 200, api.get_data(as_text=True)
        if graph:
            assert isomorphic(Graph().parse(data=cli_out.output, format="nt"),
                              Graph().parse(data=api.get_data(as_text=True), format="nt")), name
        else:
            def rows(body: bytes):
                result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
                return sorted(sorted((v.value, str(s[v])) for v in result.variables if s[v] is not None)
                              for s in result)
            assert rows(cli_out.stdout_bytes) == rows(api.get_data()), name
        checked += 1
    assert checked == len(release.queries) >= 10
    entities = run("query", "--name", "entities-by-kind", "--release", out)
    assert "0 row(s)" not in entities.output and "14 row(s)" in entities.output  # the 14 node kinds the data use
