"""Validation against the SHACL shapes, returning a typed report (the tool raises only when it fails itself).

pyshacl validates the build's pyoxigraph store directly (its Oxigraph mode): the data stay in the
store (on disk for large builds) and the SPARQL-based shapes run on pyoxigraph's engine — 13× faster
than on an rdflib copy on 24k synthetic triples (0.76 s against 10.1 s), and no copy in memory.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox
import pyshacl
from pyshacl.graph_abstraction import OxigraphDataGraph
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from ..errors import HtkgError
from ..namespaces import PREFIXES
from .sources import parse_file, rdflib_quiet, to_ox_quads, to_rdflib

__all__ = ["ValidationResult", "ValidationReport", "load_shapes", "validate", "SHAPES_GRAPH"]

SHAPES_GRAPH = URIRef("https://w3id.org/htkg/shapes/")
_SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class ValidationResult:
    focus_node: str
    result_path: str | None
    value: str | None
    message: str
    severity: str
    source_shape: str | None
    source_constraint_component: str | None
    shape_label: str | None = None

    def text(self) -> str:
        rule = self.shape_label or self.source_shape or "?"
        where = f" path {self.result_path}" if self.result_path else ""
        value = f" value {self.value}" if self.value else ""
        return f"{self.severity}: {self.focus_node}{where}{value}\n  rule: {rule} ({self.source_shape})\n  {self.message}"


@dataclass
class ValidationReport:
    conforms: bool
    results: list[ValidationResult]
    graph: Graph = field(repr=False)   # the SHACL report as RDF (blank nodes as pyshacl made them)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    def text(self) -> str:
        if self.conforms:
            head = "Conforms: the data satisfy every shape."
        else:
            head = f"Does not conform: {len(self.violations)} violation(s), {len(self.results) - len(self.violations)} other result(s)."
        return "\n".join([head] + [r.text() for r in self.results])

    def as_json(self) -> dict:
        return {"conforms": self.conforms, "results": [r.__dict__ for r in self.results]}


def load_shapes(folder_or_files: Path | Iterable[Path]) -> Graph:
    paths = sorted(Path(folder_or_files).glob("*.ttl")) if isinstance(folder_or_files, Path) else list(folder_or_files)
    g = Graph()
    for k, v in PREFIXES.items():
        g.bind(k, v)
    for p in paths:
        for s, pr, o, _ in to_rdflib(parse_file(p)):
            g.add((s, pr, o))
    return g


@contextmanager
def _never_empty():
    """pyshacl tests the data graph's truth (``datagraph or shapes``) for every result it describes,
    even those of an ``sh:or`` branch it then drops, and its Oxigraph view answers with ``len()``: a
    COUNT(DISTINCT) over the whole store, 20 ms each at 24k triples — 74 s of a 76 s validation.
    The views it makes (also of named graphs) are all of this class, so truth is patched on the class
    for the duration of one validation; a store holding the data is never empty here."""
    before = OxigraphDataGraph.__dict__.get("__bool__")
    OxigraphDataGraph.__bool__ = lambda self: True
    try:
        yield
    finally:
        if before is None:
            del OxigraphDataGraph.__bool__
        else:
            OxigraphDataGraph.__bool__ = before


def validate(data: ox.Store | Dataset, shapes: Graph) -> ValidationReport:
    """Validate a store (or an rdflib Dataset, copied into a store) against ``shapes``; the union of
    the named graphs is the data graph."""
    if not isinstance(data, ox.Store):
        store = ox.Store()
        store.bulk_extend(to_ox_quads(data))
        data = store
    try:
        with rdflib_quiet(), _never_empty():
            conforms, report_graph, _ = pyshacl.validate(
                data_graph=data, shacl_graph=shapes, inference="none", advanced=True,
                allow_warnings=True, abort_on_first=False, meta_shacl=False,
            )
    except Exception as exc:  # pyshacl's own failure, e.g. a malformed shape
        raise HtkgError(f"the SHACL validator failed: {exc}", hint="check the shapes in shapes/") from exc
    results = []
    for r in report_graph.subjects(RDF.type, SH.ValidationResult):
        shape = report_graph.value(r, SH.sourceShape)
        label = shapes.value(shape, URIRef("http://www.w3.org/2000/01/rdf-schema#label")) if shape is not None else None
        messages = sorted(str(m) for m in report_graph.objects(r, SH.resultMessage))
        results.append(ValidationResult(
            focus_node=_show(report_graph.value(r, SH.focusNode)),
            result_path=_show(report_graph.value(r, SH.resultPath)),
            value=_show(report_graph.value(r, SH.value)),
            message=" / ".join(messages) or "(no message)",
            severity=_SEVERITY.get(report_graph.value(r, SH.resultSeverity), "Violation"),
            source_shape=_show(shape),
            source_constraint_component=_show(report_graph.value(r, SH.sourceConstraintComponent)),
            shape_label=str(label) if label is not None else None,
        ))
    results.sort(key=lambda r: (r.severity != "Violation", r.focus_node, r.source_shape or "", r.message))
    return ValidationReport(bool(conforms), results, report_graph)


def _show(node) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, Literal):
        return node.n3()
    if isinstance(node, BNode):
        return "[blank node]"
    return str(node)
