"""The Store protocol and the backend-neutral query result."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import IO, Iterable, Mapping, Protocol, runtime_checkable

import pyoxigraph as ox

from ..formats import Format

__all__ = ["Store", "QueryResult", "Term", "term_json", "term_from_json", "serialize_triples", "CHUNK_BYTES"]

CHUNK_BYTES = 64 * 1024   # a streamed answer goes to the client in pieces of this size, from any store

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass
class QueryResult:
    """The answer to a query, with terms as pyoxigraph terms whatever the backend.

    ``kind`` is ``"select"`` (``variables`` + ``rows``), ``"ask"`` (``boolean``) or ``"graph"``
    (``triples``, for CONSTRUCT and DESCRIBE).
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Term]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)

    def serialize(self, fmt: Format, prefixes: Mapping[str, str] | None = None) -> bytes:
        """Bytes in ``fmt`` (a results format for select/ask, an RDF format for graph results)."""
        if self.kind == "graph":
            return serialize_triples(self.triples, fmt, prefixes)
        rfmt = getattr(ox.QueryResultsFormat, fmt.oxigraph)
        # pyoxigraph results cannot be constructed, only parsed: go through the JSON form
        parsed = ox.parse_query_results(json.dumps(self.to_json()).encode(), format=ox.QueryResultsFormat.JSON)
        return parsed.serialize(format=rfmt)

    def to_json(self) -> dict:
        """SPARQL 1.1 Query Results JSON."""
        if self.kind == "ask":
            return {"head": {}, "boolean": bool(self.boolean)}
        return {"head": {"vars": list(self.variables)},
                "results": {"bindings": [{k: term_json(v) for k, v in row.items()} for row in self.rows]}}

    def simple_rows(self) -> list[dict[str, str]]:
        """Rows as plain strings (IRIs and lexical forms), for tests and the CLI table."""
        return [{k: v.value for k, v in row.items()} for row in self.rows]


def term_json(term: Term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def term_from_json(b: dict) -> Term:
    kind = b.get("type")
    if kind == "uri":
        return ox.NamedNode(b["value"])
    if kind == "bnode":
        return ox.BlankNode(b["value"])
    if "xml:lang" in b:
        return ox.Literal(b["value"], language=b["xml:lang"])
    if b.get("datatype"):
        return ox.Literal(b["value"], datatype=ox.NamedNode(b["datatype"]))
    return ox.Literal(b["value"])


def serialize_triples(triples, fmt: Format, prefixes: Mapping[str, str] | None = None,
                      output: IO[bytes] | None = None) -> bytes | None:
    """Triples in an RDF format; TriG and N-Quads put them in the default graph.

    The bytes, or with ``output`` nothing: they are written there as ``triples`` is read.
    """
    kind = getattr(ox.RdfFormat, fmt.oxigraph)
    if fmt.named_graphs:
        triples = (ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    if fmt.name in ("turtle", "trig", "rdfxml"):
        return ox.serialize(triples, output, format=kind, prefixes=dict(prefixes or {}))
    return ox.serialize(triples, output, format=kind)


@runtime_checkable
class Store(Protocol):
    """What the rest of htkg needs of a store: a few methods, one contract test suite."""

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None,
              timeout: float | None = None) -> QueryResult:
        """Evaluate a SPARQL query over the union default graph (or the given dataset)."""

    def graphs(self) -> dict[str, int]:
        """Named graph IRI → number of triples."""

    def __len__(self) -> int:
        """Number of quads."""

    def close(self) -> None:
        ...
