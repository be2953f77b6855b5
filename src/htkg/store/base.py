"""The Store protocol, the backend-neutral query result and the one answer type every backend streams."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import IO, Iterable, Iterator, Mapping, Protocol, runtime_checkable

import pyoxigraph as ox

from ..formats import Format

__all__ = ["Store", "QueryResult", "Answer", "AnswerStream", "Term", "term_json", "term_from_json",
           "serialize_triples", "PlainNames", "time_limit", "ask_text", "ASK_TEXT", "CHUNK_BYTES"]

CHUNK_BYTES = 64 * 1024   # a streamed answer goes to the client in pieces of this size, from any store

Term = ox.NamedNode | ox.BlankNode | ox.Literal


def time_limit(requested: float | None, ceiling: float) -> float:
    """The time limit of one request: a client may lower the server's ``ceiling``, never raise it.

    >>> time_limit(0.5, 10), time_limit(600, 10), time_limit(None, 10), time_limit(0, 10)
    (0.5, 10, 10, 10)
    """
    if requested is None or requested <= 0:
        return ceiling
    return min(requested, ceiling)


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
        if self.kind == "ask" and fmt.name in ASK_TEXT:
            return ask_text(bool(self.boolean), fmt)
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


class AnswerStream(Protocol):
    """The rest of a large answer: iterate it for chunks of bytes; ``close()`` when not read to the end
    (the store stops working on it). Iterating raises :class:`~htkg.errors.QueryTimeout` when the time
    limit passes mid-answer and :class:`~htkg.errors.StoreUnavailable` or
    :class:`~htkg.errors.StoreError` when the store fails: the answer is then incomplete."""

    def __iter__(self) -> Iterator[bytes]: ...

    def __next__(self) -> bytes: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Answer:
    """A query's answer as bytes in a negotiated format, from any store.

    ``form`` is ``"select"``, ``"ask"`` or ``"graph"``; ``format`` is None when none of the formats
    asked for fits the form (the caller answers 406). ``body`` is the whole answer, or when ``stream``
    is set its first chunk: iterate ``stream`` for the rest (and close it when not read to the end).
    ``truncated``: the store cut the answer at this many rows without an error (Virtuoso's
    ``ResultSetMaxRows``); the answer is incomplete and the client must be told.
    """

    form: str
    format: Format | None
    body: bytes
    stream: AnswerStream | None = None
    truncated: int | None = None
    more: bool | None = None     # a page: whether rows follow it

    def read(self) -> bytes:
        """The whole body (reads the stream to its end: for answers known to be small)."""
        if self.stream is None:
            return self.body
        with contextlib.closing(self.stream):
            return self.body + b"".join(self.stream)

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


# An ASK answer in CSV and TSV as Jena and Fuseki write it, and as their readers need it (a bare
# `true`, which pyoxigraph writes, is read by Jena 4.5 as a SELECT with a variable named "true")
ASK_TEXT = {"csv": ("_askResult", "\r\n"), "tsv": ("?_askResult", "\n")}


def ask_text(value: bool, fmt: Format) -> bytes:
    """
    >>> from htkg.formats import by_name
    >>> ask_text(True, by_name("csv")), ask_text(False, by_name("tsv"))
    (b'_askResult\\r\\ntrue\\r\\n', b'?_askResult\\nfalse\\n')
    """
    header, eol = ASK_TEXT[fmt.name]
    return f"{header}{eol}{'true' if value else 'false'}{eol}".encode()


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
    In Turtle and TriG no prefixed name carries an escaped ``/`` (see :class:`PlainNames`).
    """
    kind = getattr(ox.RdfFormat, fmt.oxigraph)
    if fmt.named_graphs:
        triples = (ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    if fmt.name in ("turtle", "trig") and prefixes:
        if output is None:
            return PlainNames.rewrite(ox.serialize(triples, format=kind, prefixes=dict(prefixes)), prefixes)
        with PlainNames(output, prefixes) as plain:
            ox.serialize(triples, plain, format=kind, prefixes=dict(prefixes))
        return None
    if fmt.name == "rdfxml":
        return ox.serialize(triples, output, format=kind, prefixes=dict(prefixes or {}))
    return ox.serialize(triples, output, format=kind)


class PlainNames:
    r"""A binary writer that spells out, as ``<IRI>``, every prefixed name holding an escaped ``/``.

    pyoxigraph abbreviates ``<…/id/law/irtpa-2004/sec-7202>`` with the prefix ``law:`` as
    ``law:irtpa-2004\/sec-7202``: legal Turtle, but a name a person cannot read or paste into a query
    as it looks. Lines are rewritten as they are written (a prefixed name never spans lines); in a string
    literal a backslash before ``/`` is itself escaped (``\\/``), so literals are never touched.

    >>> PlainNames.rewrite(b"law:a\/b law:c .\n", {"law": "http://e/law/"})
    b'<http://e/law/a/b> law:c .\n'
    """

    _NAME = re.compile(rb"(?<![\w.\\:/<-])([A-Za-z][\w.-]*)?:((?:[\w.%-]|\\[-/~.!$&'()*+,;=?#@%_])+)")

    def __init__(self, output: IO[bytes], prefixes: Mapping[str, str]):
        self.output, self.pending = output, b""
        self.namespaces = {k.encode(): v.encode() for k, v in prefixes.items()}

    @classmethod
    def rewrite(cls, data: bytes, prefixes: Mapping[str, str]) -> bytes:
        if b"\\/" not in data:
            return data
        return cls(None, prefixes)._plain(data)

    def _plain(self, data: bytes) -> bytes:
        def spell(m: re.Match) -> bytes:
            local = m.group(2)
            ns = self.namespaces.get(m.group(1) or b"")
            if b"\\" not in local or ns is None:
                return m.group(0)
            return b"<" + ns + re.sub(rb"\\(.)", rb"\1", local) + b">"
        return self._NAME.sub(spell, data) if b"\\/" in data else data

    def write(self, data: bytes) -> int:
        cut = data.rfind(b"\n") + 1
        if cut:
            self.output.write(self._plain(self.pending + data[:cut]))
            self.pending = data[cut:]
        else:
            self.pending += data
        return len(data)

    def flush(self) -> None:
        self.output.flush()

    def __enter__(self) -> "PlainNames":
        return self

    def __exit__(self, *exc) -> None:
        if self.pending:
            self.output.write(self._plain(self.pending))
            self.pending = b""


@runtime_checkable
class Store(Protocol):
    """What the rest of htkg calls on a store — every backend, one contract suite (tests/store).

    Backends: :class:`~htkg.store.oxigraph.OxigraphStore` (embedded, in memory or on disk),
    :class:`~htkg.store.executor.QueryExecutor` (the embedded store behind killable query processes)
    and :class:`~htkg.store.remote.RemoteStore` (a SPARQL 1.1 endpoint). Get one from
    :func:`~htkg.store.factory.open_store`.
    """

    timeout: float   # the longest a query may run, in seconds; a caller may ask for less (time_limit)

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None,
              timeout: float | None = None) -> QueryResult:
        """Evaluate a SPARQL query over the release's graphs (their union as default graph), or the given dataset."""

    def query_page(self, sparql: str, *, offset: int, limit: int, bindings: Mapping[str, Term] | None = None,
                   timeout: float | None = None) -> tuple[QueryResult, bool]:
        """Rows ``offset`` to ``offset + limit`` of a SELECT (triples of a graph query), and whether more
        follow, reading no more of the answer than that needs."""

    def answer(self, sparql: str, *, result_format: Format | None, graph_format: Format | None,
               bindings: Mapping[str, Term] | None = None, default_graphs: Iterable[str] | None = None,
               named_graphs: Iterable[str] | None = None, timeout: float | None = None,
               prefixes: Mapping[str, str] | None = None, check: bool = False,
               base_iri: str | None = None) -> Answer:
        """The answer as bytes: ``result_format`` for SELECT/ASK, ``graph_format`` for CONSTRUCT/DESCRIBE,
        streamed when large. ``check``: an outside query, which must pass the read-only policy
        (:mod:`htkg.store.policy`) against this store's graphs before anything is evaluated.
        ``base_iri``: what relative IRIs of a query without BASE resolve against (the endpoint's address)."""

    def graphs(self) -> dict[str, int]:
        """The release's named graph IRIs → number of triples."""

    def close(self) -> None:
        """Let go of the store (query processes, connections)."""
