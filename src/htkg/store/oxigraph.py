"""The embedded store: pyoxigraph, in memory (default) or on disk, with the union of named graphs as default graph."""

from __future__ import annotations

import io
import os
import shutil
from itertools import islice
from pathlib import Path
from typing import IO, Callable, Iterable, Mapping

import pyoxigraph as ox

from ..errors import QuerySyntaxError, ReleaseError, StoreError
from ..formats import Format
from .base import ASK_TEXT, Answer, QueryResult, Term, ask_text, serialize_triples
from .bind import inject_values
from .syntax_hints import explain

__all__ = ["OxigraphStore", "run_query", "evaluate", "syntax_error", "load_on_disk", "page_of", "serialize_result"]


def syntax_error(exc: SyntaxError, query: str) -> QuerySyntaxError:
    """pyoxigraph's 'error at L:C: …' as a QuerySyntaxError with the offending text."""
    import re
    text = str(exc)
    # pyoxigraph: "error at 3:1"; rdflib: "line 3, column 1"; Virtuoso: "SPARQL compiler, line 3: ..."
    m = re.search(r"(?:error at |line )(\d+)(?:(?::|, column )(\d+))?", text)
    line = int(m.group(1)) if m else None
    col = int(m.group(2)) if m and m.group(2) else None
    message = re.sub(r"^error at \d+:\d+: ", "", text)
    snippet = None
    if line is not None:
        lines = query.splitlines()
        if 0 < line <= len(lines):
            src = lines[line - 1]
            snippet = src[max(0, col - 30):col + 30] if col else src[:60]
    return QuerySyntaxError(explain(query, message), line, col, snippet)


def run_query(store: ox.Store, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None,
              raw: bool = False, base_iri: str | None = None):
    """Evaluate on a pyoxigraph store; the pyoxigraph result when ``raw``, else a :class:`QueryResult`."""
    kwargs = {"base_iri": base_iri} if base_iri else {}
    if default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    else:
        kwargs["use_default_graph_as_union"] = True
    if named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    if bindings:   # a VALUES block, not substitutions, which pyoxigraph joins late (see store.bind)
        sparql = inject_values(sparql, bindings)
    try:
        result = store.query(sparql, **kwargs)
    except SyntaxError as exc:
        raise syntax_error(exc, sparql) from None
    except OSError as exc:
        raise StoreError(f"the query failed in the store: {exc}") from None
    if raw:
        return result
    return to_result(result)


def evaluate(store: ox.Store, text: str, *, bindings=None, default_graphs=None, named_graphs=None,
             check_graphs=None, page: tuple[int, int] | None = None, base_iri: str | None = None):
    """``(form, pyoxigraph result, more)``: the one evaluation path of the embedded store, in process
    or in a query process.

    ``check_graphs`` (the store's graph names) applies the read-only policy first. A query with its
    own FROM / FROM NAMED (checked to be the store's graphs) is evaluated on that dataset, unless the
    protocol gives one (SPARQL 1.1 Protocol §2.1.4: the protocol's wins). ``page``: only rows
    offset…offset+limit (``more``: whether rows follow). ``base_iri`` resolves relative IRIs of a
    query without BASE (the endpoint's address).
    """
    from .policy import check_query, dataset_of
    if check_graphs is not None:
        checked = check_query(text, check_graphs)
        own = checked.from_default or checked.from_named
    else:
        own = any(dataset_of(text))
    own_dataset = bool(own) and default_graphs is None and named_graphs is None
    if own_dataset:
        try:
            result = store.query(inject_values(text, bindings) if bindings else text, base_iri=base_iri)
        except SyntaxError as exc:
            raise syntax_error(exc, text) from None
    else:
        result = run_query(store, text, bindings=bindings, default_graphs=default_graphs,
                           named_graphs=named_graphs, raw=True, base_iri=base_iri)
    form = "graph" if isinstance(result, ox.QueryTriples) else "ask" if isinstance(result, ox.QueryBoolean) \
        else "select"
    more = None
    if page is not None and form != "ask":
        result, more = page_of(result, *page)
    return form, result, more


def to_result(result) -> QueryResult:
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(result))
    if isinstance(result, ox.QueryTriples):
        return QueryResult("graph", triples=list(result))
    variables = [v.value for v in result.variables]
    return QueryResult("select", variables=variables, rows=[_row(sol, variables) for sol in result])


def _row(solution, variables: list[str]) -> dict[str, Term]:
    return {v: solution[v] for v in variables if solution[v] is not None}


def page_of(result, offset: int, limit: int) -> tuple[QueryResult, bool]:
    """Rows (or triples) ``offset`` to ``offset + limit`` of a SELECT or graph result, and whether more follow.

    Reads one row past the page and no further, so a page of a huge result costs the rows before it.
    """
    if isinstance(result, ox.QueryTriples):
        triples = list(islice(result, offset, offset + limit + 1))
        return QueryResult("graph", triples=triples[:limit]), len(triples) > limit
    variables = [v.value for v in result.variables]
    rows = [_row(sol, variables) for sol in islice(result, offset, offset + limit + 1)]
    return QueryResult("select", variables=variables, rows=rows[:limit]), len(rows) > limit


def serialize_result(result, fmt: Format, output: IO[bytes], prefixes: Mapping[str, str] | None = None) -> None:
    """Write a pyoxigraph result (or a :class:`QueryResult`) to ``output`` as the engine produces it."""
    if isinstance(result, QueryResult):
        output.write(result.serialize(fmt, prefixes))
    elif isinstance(result, ox.QueryTriples):
        serialize_triples(result, fmt, prefixes, output=output)
    elif isinstance(result, ox.QueryBoolean) and fmt.name in ASK_TEXT:
        output.write(ask_text(bool(result), fmt))
    else:
        result.serialize(output, format=getattr(ox.QueryResultsFormat, fmt.oxigraph))


class _CountingReader:
    """A binary file that reports how many bytes were read (for a progress bar around bulk_load)."""

    def __init__(self, fh, tick: Callable[[int], None]):
        self.fh, self.tick, self.done = fh, tick, 0

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.done += len(data)
        self.tick(self.done)
        return data

    def readinto(self, buf) -> int:
        n = self.fh.readinto(buf)
        self.done += n or 0
        self.tick(self.done)
        return n


def load_on_disk(nquads: Path, path: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """Bulk-load an N-Quads file into a new on-disk store at ``path``; the number of quads.

    The store is built in a sibling directory and renamed into place, so a failure leaves the
    previous store untouched. ``progress(bytes_read, total_bytes)`` is called while loading.
    """
    nquads, path = Path(nquads), Path(path)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    total = nquads.stat().st_size
    tick = (lambda done: progress(done, total)) if progress else (lambda _done: None)
    try:
        store = ox.Store(str(tmp))
        with open(nquads, "rb") as fh:
            store.bulk_load(_CountingReader(fh, tick), format=ox.RdfFormat.N_QUADS)
        store.optimize()
        count = len(store)
        del store  # closes the database before the rename
    except (OSError, SyntaxError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise StoreError(f"cannot build the on-disk store {path} from {nquads}: {exc}") from None
    old = path.parent / f".{path.name}.old-{os.getpid()}"
    if path.exists():
        os.rename(path, old)
    os.rename(tmp, path)
    shutil.rmtree(old, ignore_errors=True)
    return count


class OxigraphStore:
    """A pyoxigraph store holding one release, queried in this process.

    It cannot stop a query (pyoxigraph cannot cancel one in-process): ``timeout`` is not enforced
    here; the server puts it behind :class:`~htkg.store.executor.QueryExecutor`, which can.
    """

    timeout = float("inf")

    def __init__(self, store: ox.Store | None = None, graph_counts: Mapping[str, int] | None = None):
        self.store = store if store is not None else ox.Store()
        # named graph → triples; from the release's manifest when known (see graphs())
        self._graphs: dict[str, int] | None = dict(sorted(graph_counts.items())) if graph_counts else None

    @classmethod
    def from_quads(cls, quads: Iterable[ox.Quad]) -> "OxigraphStore":
        s = cls()
        s.store.bulk_extend(quads)
        return s

    @classmethod
    def from_file(cls, path: Path, fmt: ox.RdfFormat = ox.RdfFormat.N_QUADS,
                  graph_counts: Mapping[str, int] | None = None) -> "OxigraphStore":
        s = cls(graph_counts=graph_counts)
        try:
            s.store.bulk_load(path=str(path), format=fmt)
        except (OSError, SyntaxError) as exc:
            raise ReleaseError(f"cannot load {path}: {exc}") from None
        return s

    @classmethod
    def open_read_only(cls, path: Path, graph_counts: Mapping[str, int] | None = None) -> "OxigraphStore":
        try:
            return cls(ox.Store.read_only(str(path)), graph_counts)
        except OSError as exc:
            raise ReleaseError(f"cannot open the on-disk store {path}: {exc}",
                               hint="build it with `htkg build --store-path DIR`") from None

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None,
              timeout: float | None = None) -> QueryResult:
        form, result, _ = evaluate(self.store, sparql, bindings=bindings, default_graphs=default_graphs,
                                   named_graphs=named_graphs)
        return to_result(result)

    def query_page(self, sparql: str, *, offset: int, limit: int, bindings: Mapping[str, Term] | None = None,
                   timeout: float | None = None) -> tuple[QueryResult, bool]:
        form, result, more = evaluate(self.store, sparql, bindings=bindings, page=(offset, limit))
        return (to_result(result), False) if form == "ask" else (result, more)

    def answer(self, sparql: str, *, result_format: Format | None, graph_format: Format | None,
               bindings: Mapping[str, Term] | None = None, default_graphs: Iterable[str] | None = None,
               named_graphs: Iterable[str] | None = None, timeout: float | None = None,
               prefixes: Mapping[str, str] | None = None, check: bool = False, base_iri: str | None = None) -> Answer:
        form, result, _ = evaluate(self.store, sparql, bindings=bindings, default_graphs=default_graphs,
                                   named_graphs=named_graphs, check_graphs=self.graphs() if check else None,
                                   base_iri=base_iri)
        fmt = graph_format if form == "graph" else result_format
        if fmt is None:
            return Answer(form, None, b"")
        out = io.BytesIO()
        serialize_result(result, fmt, out, prefixes)
        return Answer(form, fmt, out.getvalue())

    def graphs(self) -> dict[str, int]:
        # Counting walks every quad: done at most once, since a release's store never changes (the
        # web layer asks on every request), and not at all when the manifest gave the counts.
        if self._graphs is None:
            result = self.store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
            self._graphs = dict(sorted((sol["g"].value, int(sol["n"].value)) for sol in result))
        return dict(self._graphs)

    def __len__(self) -> int:
        return len(self.store)

    def close(self) -> None:
        self.store = None
