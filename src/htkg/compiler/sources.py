"""Reading the curated files: ontology (Turtle), data (TriG), with errors that name file, line and column.

Files are parsed with pyoxigraph (precise error positions, fast) and converted to rdflib terms, with
plain literals kept plain (pyoxigraph reports them as ``xsd:string``, which rdflib treats as different).
"""

from __future__ import annotations

import hashlib
import warnings
from contextlib import contextmanager
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from ..errors import DataError
from ..iris import DEFAULT_BASE
from ..namespaces import GRAPH, XSD

__all__ = ["rdflib_quiet", "CuratedFiles", "find_curated", "parse_file", "to_rdflib", "to_ox", "to_ox_quads",
           "ONTOLOGY_GRAPH", "load_store"]

ONTOLOGY_GRAPH = URIRef(GRAPH["ontology"])
_XSD_STRING = str(XSD.string)
_POS = re.compile(r"line (\d+) column (\d+)")


@dataclass
class CuratedFiles:
    """The curated inputs of one project directory."""

    root: Path
    ontology: list[Path] = field(default_factory=list)
    data: list[Path] = field(default_factory=list)
    shapes: list[Path] = field(default_factory=list)
    queries: list[Path] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)   # plain-text copies of cited documents

    @property
    def rdf_files(self) -> list[Path]:
        return self.ontology + self.data

    def all(self) -> list[Path]:
        return self.ontology + self.data + self.shapes + self.queries + self.sources

    def digest(self) -> str:
        """SHA-256 over the inputs' relative paths and bytes: same inputs, same digest."""
        h = hashlib.sha256()
        for p in sorted(self.all()):
            h.update(str(p.relative_to(self.root)).encode() + b"\0" + p.read_bytes() + b"\0")
        return h.hexdigest()


@contextmanager
def rdflib_quiet():
    """Silence rdflib 7.6's deprecations of Dataset.default_context and .contexts, which pyshacl and rdflib's own
    JSON-LD serializer still call; it is not ours to fix and must not fail the build."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Dataset\.\w+ is deprecated", category=DeprecationWarning)
        yield


def find_curated(root: Path) -> CuratedFiles:
    root = Path(root)
    if not (root / "ontology").is_dir() or not (root / "data").is_dir():
        raise DataError(root, "not an htkg project: expected the folders ontology/ and data/ here",
                        hint="run the command from the repository root or pass --root")
    return CuratedFiles(
        root=root,
        ontology=sorted((root / "ontology").glob("*.ttl")),
        data=sorted(p for p in (root / "data").rglob("*") if p.suffix in {".trig", ".ttl"}),
        shapes=sorted((root / "shapes").glob("*.ttl")) if (root / "shapes").is_dir() else [],
        queries=sorted((root / "queries").glob("*.rq")) if (root / "queries").is_dir() else [],
        sources=sorted((root / "data" / "sources").glob("*.txt")) if (root / "data" / "sources").is_dir() else [],
    )


def parse_file(path: Path, *, default_graph: URIRef | None = None) -> list[ox.Quad]:
    """All quads of a Turtle or TriG file; a syntax error becomes a DataError with line and column.

    A ``.ttl`` file goes into ``default_graph``. In a ``.trig`` file every triple must be inside a
    named graph: a default-graph triple is an error naming the line of its subject.
    """
    path = Path(path)
    fmt = ox.RdfFormat.TRIG if path.suffix == ".trig" else ox.RdfFormat.TURTLE
    try:
        text = path.read_bytes()
        quads = list(ox.parse(text, format=fmt, path=None, base_iri=None))
    except SyntaxError as exc:
        line, col = _position(exc)
        raise DataError(path, f"syntax error: {_clean(exc)}", line, col,
                        hint="fix the Turtle/TriG syntax at that position") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, f"cannot read: {exc}") from None
    if fmt is ox.RdfFormat.TURTLE:
        target = ox.NamedNode(str(default_graph)) if default_graph else ox.DefaultGraph()
        return [ox.Quad(q.subject, q.predicate, q.object, target) for q in quads]
    for q in quads:
        if isinstance(q.graph_name, ox.DefaultGraph):
            line = _line_of(text.decode("utf-8", "replace"), q.subject)
            raise DataError(path, f"triple outside a named graph: {q.subject} {q.predicate} {q.object}",
                            line, None,
                            hint="put it inside a graph block, e.g. graph:page/<slug> { … } (docs/conventions.md)")
    return quads


def _position(exc: SyntaxError) -> tuple[int | None, int | None]:
    if exc.lineno:
        return exc.lineno, exc.offset
    m = _POS.search(str(exc))
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def _clean(exc: SyntaxError) -> str:
    msg = exc.msg if hasattr(exc, "msg") else str(exc)
    return re.sub(r"^Parser error between line \d+ column \d+ and line \d+ column \d+: ", "", msg)


def _line_of(text: str, term) -> int | None:
    """Best effort: the first line (past the prefix declarations) that writes the term."""
    value = getattr(term, "value", str(term))
    local = re.split(r"[/#]", value)[-1] if value else ""
    patterns = [re.escape(f"<{value}>")]
    if local:
        patterns.append(r"(?<![\w<])[A-Za-z][\w-]*:" + re.escape(local) + r"(?![\w-])")
    pattern = re.compile("|".join(patterns))
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"\s*(@prefix|PREFIX|@base|BASE)\b", line):
            continue
        if pattern.search(line):
            return number
    return None


class _Converter:
    """pyoxigraph terms → rdflib terms, rewriting the default base to the configured one."""

    def __init__(self, base_iri: str = DEFAULT_BASE):
        self.rebase = base_iri != DEFAULT_BASE
        self.base = base_iri
        self.bnodes: dict[str, BNode] = {}

    def __call__(self, term) -> Node:
        if isinstance(term, ox.NamedNode):
            v = term.value
            if self.rebase and v.startswith(DEFAULT_BASE):
                v = self.base + v[len(DEFAULT_BASE):]
            return URIRef(v)
        if isinstance(term, ox.Literal):
            if term.language:
                return Literal(term.value, lang=term.language)
            dt = term.datatype.value
            if dt == _XSD_STRING:
                return Literal(term.value)
            return Literal(term.value, datatype=URIRef(dt))
        if isinstance(term, ox.BlankNode):
            return self.bnodes.setdefault(term.value, BNode(term.value))
        raise DataError("<input>", f"unsupported term {term!r} (RDF 1.2 triple terms are not used here)")


def to_rdflib(quads: Iterable[ox.Quad], base_iri: str = DEFAULT_BASE) -> Iterator[tuple[Node, Node, Node, Node | None]]:
    conv = _Converter(base_iri)
    for q in quads:
        g = None if isinstance(q.graph_name, ox.DefaultGraph) else conv(q.graph_name)
        yield conv(q.subject), conv(q.predicate), conv(q.object), g


def to_ox(term) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """An rdflib term as a pyoxigraph term (a plain literal becomes an ``xsd:string`` one: the same in RDF 1.1)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise DataError("<input>", f"cannot convert term {term!r}")


def to_ox_quads(ds: Dataset) -> list[ox.Quad]:
    out = []
    for s, p, o, g in ds.quads((None, None, None, None)):
        gid = g.identifier if isinstance(g, Graph) else g
        graph = ox.DefaultGraph() if gid is None or str(gid) == "urn:x-rdflib:default" else to_ox(gid)
        out.append(ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph))
    return out


def load_store(store: ox.Store, files: CuratedFiles | Iterable[Path]) -> ox.Store:
    """Parse each file (ontology → ``graph:ontology``) and add its quads to ``store``, one file at a time.

    The data keep the default base here; the release is rebased as text when it is frozen."""
    if isinstance(files, CuratedFiles):
        paths = files.rdf_files
        ontology = set(files.ontology)
    else:
        paths = list(files)
        ontology = {p for p in paths if Path(p).suffix == ".ttl"}
    for path in paths:
        quads = parse_file(path, default_graph=ONTOLOGY_GRAPH if path in ontology else None)
        store.bulk_extend(quads)
    return store

