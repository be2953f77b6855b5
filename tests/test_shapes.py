"""The SHACL shapes: every rule fires on a fixture that breaks it, and the curated data conform.

Each ``tests/fixtures/shapes/<rule>.trig`` breaks one rule and says so in its header::

    # expect-focus: https://w3id.org/htkg/id/org/doj
    # expect-shape: https://w3id.org/htkg/shapes/KnownVocabularyShape
    # also-shape: ...            (optional: another rule the same mistake necessarily breaks)

It is compiled with the ontology through the build (parse → enrich) and validated; the report must
name that focus node and that shape, and no other shape. ``valid.trig`` passes every shape.
``combined/property-shapes.trig`` breaks, each on its own resource, the property shapes that have no
fixture of their own (``# expect: <focus> <shape>`` lines), to keep the suite to one run for them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.sparql import processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

from htkg.compiler.compile import compile_files
from htkg.compiler.validate import load_shapes, validate

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ROOT / "shapes"
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
ONTOLOGY = sorted((ROOT / "ontology").glob("*.ttl"))
SHAPE_NS = "https://w3id.org/htkg/shapes/"
FAILING = sorted(p for p in FIXTURES.glob("*.trig") if p.name != "valid.trig")
MIN_FAILING_FIXTURES = 72  # raise it when you add fixtures; it keeps the suite from shrinking silently
COMBINED = FIXTURES / "combined" / "property-shapes.trig"
COMBINED_LINE = re.compile(r"^#\s*expect:\s*<?(\S+?)>?\s+<?(\S+?)>?\s*$", re.M)
HEADER = re.compile(r"^#\s*(expect-focus|expect-shape|also-shape):\s*<?(\S+?)>?\s*$", re.M)


@pytest.fixture(scope="module", autouse=True)
def prepared_queries():
    """Parse each SPARQL text once: pyshacl hands rdflib the same query text for every focus node
    and every run, and rdflib's parser (~10-50 ms a query) would otherwise dominate the suite."""
    cache: dict = {}
    original = processor.SPARQLProcessor.query

    def query(self, str_or_query, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(str_or_query, str):
            key = (str_or_query, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            if key not in cache:
                cache[key] = translateQuery(parseQuery(str_or_query), base, initNs)
            str_or_query = cache[key]
        return original(self, str_or_query, initBindings, initNs, base, DEBUG)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(processor.SPARQLProcessor, "query", query)
        yield


@pytest.fixture(scope="module")
def shapes():
    return load_shapes(SHAPES)


def _expectations(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"expect-focus": [], "expect-shape": [], "also-shape": []}
    for key, value in HEADER.findall(path.read_text(encoding="utf-8")):
        found[key].append(value)
    return found


def _node_shapes(shapes) -> set[URIRef]:
    return {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}


def _property_shapes(shapes) -> set[URIRef]:
    return {o for o in shapes.objects(None, SH.property) if isinstance(o, URIRef)}


def test_fixture_count():
    assert len(FAILING) >= MIN_FAILING_FIXTURES, f"only {len(FAILING)} failing shape fixtures in {FIXTURES}"


def test_valid_fixture_conforms(shapes):
    report = validate(compile_files(ONTOLOGY + [FIXTURES / "valid.trig"]), shapes)
    assert report.conforms, report.text()


@pytest.mark.parametrize("fixture", FAILING, ids=lambda p: p.stem)
def test_rule_fires(fixture: Path, shapes):
    expect = _expectations(fixture)
    assert len(expect["expect-focus"]) == 1 and len(expect["expect-shape"]) == 1, \
        f"{fixture.name}: the header needs one '# expect-focus:' and one '# expect-shape:' line"
    focus, shape = expect["expect-focus"][0], expect["expect-shape"][0]
    assert (URIRef(shape), None, None) in shapes, f"{fixture.name}: no shape {shape} in shapes/"

    report = validate(compile_files(ONTOLOGY + [fixture]), shapes)
    text = report.text()

    assert not report.conforms, f"{fixture.name} should break {shape}, but the data conform"
    hits = [r for r in report.results if r.focus_node == focus and r.source_shape == shape]
    assert hits, f"{fixture.name}: no result for focus {focus} from {shape}:\n{text}"
    assert all(r.message and r.message != "(no message)" for r in hits), text
    label = str(shapes.value(URIRef(shape), RDFS.label))
    assert focus in text and shape in text and label in text, text
    fired = {r.source_shape for r in report.results}
    assert fired <= {shape, *expect["also-shape"]}, f"{fixture.name} breaks more than {shape}:\n{text}"


def test_every_property_shape_fires(shapes):
    """The combined fixture: each listed property shape fires on its focus node, and nothing else fires."""
    expected = set(COMBINED_LINE.findall(COMBINED.read_text(encoding="utf-8")))
    assert len(expected) >= 20
    report = validate(compile_files(ONTOLOGY + [COMBINED]), shapes)
    fired = {(r.focus_node, r.source_shape) for r in report.results}
    assert expected <= fired, f"did not fire: {sorted(expected - fired)}\n{report.text()}"
    assert fired <= expected, f"fired unexpectedly: {sorted(fired - expected)}\n{report.text()}"


def test_every_rule_has_a_failing_fixture(shapes):
    """Each node shape is named by a fixture, itself or through one of its property shapes, and each
    property shape by a fixture of its own or by the combined one."""
    named = {e for p in FAILING for e in _expectations(p)["expect-shape"]}
    named_combined = {shape for _, shape in COMBINED_LINE.findall(COMBINED.read_text(encoding="utf-8"))}
    uncovered = []
    for node in _node_shapes(shapes):
        covering = {str(node)} | {str(p) for p in shapes.objects(node, SH.property)}
        if not covering & named:
            uncovered.append(str(node))
    uncovered += [str(p) for p in _property_shapes(shapes) if str(p) not in named | named_combined]
    assert not uncovered, f"rules without a failing fixture in {FIXTURES}: {sorted(uncovered)}"


def test_rule_count(shapes):
    rules = _node_shapes(shapes) | _property_shapes(shapes)
    assert len(rules) >= len(FAILING), (len(rules), len(FAILING))
    assert len(_node_shapes(shapes)) >= 40


def test_every_shape_is_named_labelled_and_explained(shapes):
    """Shapes are IRIs with a label; every constraint carries a message saying what to fix."""
    for shape in _node_shapes(shapes) | _property_shapes(shapes):
        assert str(shape).startswith(SHAPE_NS), shape
        assert isinstance(shapes.value(shape, RDFS.label), Literal), f"{shape} has no rdfs:label"
    for prop in _property_shapes(shapes):
        assert shapes.value(prop, SH.message) is not None, f"{prop} has no sh:message"
    for node in _node_shapes(shapes):
        has_core = any(shapes.value(node, p) is not None
                       for p in (SH["or"], SH["not"], SH["class"], SH.hasValue, SH.pattern))
        if has_core:
            assert shapes.value(node, SH.message) is not None, f"{node} has a constraint but no sh:message"
        for constraint in shapes.objects(node, SH.sparql):
            assert shapes.value(constraint, SH.message) is not None, f"a SPARQL constraint of {node} has no sh:message"
            assert shapes.value(constraint, SH.prefixes) is not None, f"a SPARQL constraint of {node} has no sh:prefixes"


def test_curated_data_conform(compiled, shapes):
    report = validate(compiled, shapes)
    assert report.conforms, report.text()


def test_docs_list_every_rule_and_fixture(shapes):
    """docs/shapes.md has a row for every shape and names every fixture."""
    doc = (ROOT / "docs" / "shapes.md").read_text(encoding="utf-8")
    missing = [str(s) for s in _node_shapes(shapes) | _property_shapes(shapes)
               if f"`shape:{str(s)[len(SHAPE_NS):]}`" not in doc]
    missing += [p.name for p in FAILING + [COMBINED] if f"`{p.name}`" not in doc]
    assert not missing, f"add these to docs/shapes.md: {sorted(missing)}"


def test_shapes_graph_is_well_formed_shacl(shapes):
    """The shapes graph itself conforms to SHACL's own shapes (shacl-shacl)."""
    import pyshacl
    from rdflib import Graph

    conforms, _, text = pyshacl.validate(data_graph=Graph(), shacl_graph=shapes, meta_shacl=True, advanced=True)
    assert conforms, text
