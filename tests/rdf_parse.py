"""rdflib parsing for tests that compare RDF as graphs, never as strings."""

from __future__ import annotations

import warnings

from rdflib import Dataset, Graph

__all__ = ["parse_graph", "parse_union"]


def parse_graph(data: bytes | str, fmt: str) -> Graph:
    """``data`` parsed by rdflib as format ``fmt`` (an rdflib parser name).

    rdflib 7's own JSON-LD parser builds a ConjunctiveGraph internally and so warns that the class is
    deprecated; that warning is rdflib's business, not ours, so it alone is silenced here.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*(ConjunctiveGraph|default_context).*")
        return Graph().parse(data=data, format=fmt)


def parse_union(data: bytes | str, fmt: str) -> Graph:
    """The union of every graph in ``data`` (a format that may hold named graphs: TriG, N-Quads, JSON-LD)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*(ConjunctiveGraph|default_context).*")
        ds = Dataset()
        ds.parse(data=data, format=fmt)
    union = Graph()
    for s, p, o, _g in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    return union
