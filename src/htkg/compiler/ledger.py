"""The claims ledger: a standing for every claim of the source page, derived from the graph.

A page claim is a ``graph:page/…`` named graph (one quoted phrase and what it supports). At every
build, after the standard view is materialized, each gets one ``htkg:standing`` in graph:provenance:

- ``htkg:Revised`` — a ``graph:ext/…`` graph ``htkg:revises`` it (its ``htkg:Revision`` says what
  and since when);
- ``htkg:Corroborated`` — an ext graph states one of its relations (the same subject, predicate and
  resource; types and topic tags do not count), or, for the page's looser ancestry
  (``org:transitiveSubOrganizationOf``), a chain of ``org:subOrganizationOf`` that starts in an ext
  graph; or an ext graph ``htkg:corroborates`` it explicitly. Each such graph is named with
  ``htkg:corroboratedBy``;
- ``htkg:PageOnly`` — neither: the claim rests on the page alone.

A claim that is both revised and corroborated is a curation error (a revision flagged a true
claim, or two claims share one page graph): the build stops and names the graph.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from rdflib.namespace import RDF, SKOS

from ..errors import DataError
from ..namespaces import HTKG, GRAPH

__all__ = ["claim_standings", "STANDINGS"]

STANDINGS = ("Corroborated", "Revised", "PageOnly")
_N = ox.NamedNode
_PROV = _N(str(GRAPH["provenance"]))
PAGE_PREFIX = str(GRAPH["page/"])
EXT_PREFIX = str(GRAPH["ext/"])
ORG = "http://www.w3.org/ns/org#"
# Predicates whose agreement does not make two sources say the same thing: classes, and the
# project's own topic tags (and their materialized dct:subject).
_NOT_A_CLAIM = (str(RDF.type), str(HTKG.addressesTopic), "http://purl.org/dc/terms/subject",
                str(SKOS.inScheme))


def claim_standings(store: ox.Store) -> list[ox.Quad]:
    """The ledger's quads for graph:provenance (raises DataError on a claim both revised and corroborated)."""
    pages = sorted({r["g"].value for r in store.query(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH <{_PROV.value}> {{ ?g <{HTKG.quote}> ?q }} }}")})
    revised = _pairs(store, f"""SELECT DISTINCT ?page ?ext WHERE {{ GRAPH <{_PROV.value}> {{
        ?ext <{HTKG.revises}> ?page }} }}""")
    corroborated = _pairs(store, f"""SELECT DISTINCT ?page ?ext WHERE {{ GRAPH <{_PROV.value}> {{
        ?ext <{HTKG.corroborates}> ?page }} }}""")
    not_a_claim = ", ".join(f"<{p}>" for p in _NOT_A_CLAIM)
    same = _pairs(store, f"""SELECT DISTINCT ?page ?ext WHERE {{
        GRAPH ?page {{ ?s ?p ?o }}
        FILTER (STRSTARTS(STR(?page), "{PAGE_PREFIX}") && isIRI(?o) && ?p NOT IN ({not_a_claim}))
        GRAPH ?ext {{ ?s ?p ?o }}
        FILTER (STRSTARTS(STR(?ext), "{EXT_PREFIX}")) }}""")
    chain = _pairs(store, f"""SELECT DISTINCT ?page ?ext WHERE {{
        GRAPH ?page {{ ?s <{ORG}transitiveSubOrganizationOf> ?top }}
        FILTER (STRSTARTS(STR(?page), "{PAGE_PREFIX}"))
        GRAPH ?ext {{ ?s <{ORG}subOrganizationOf> ?mid }}
        FILTER (STRSTARTS(STR(?ext), "{EXT_PREFIX}"))
        ?mid <{ORG}subOrganizationOf>* ?top }}""")
    stated = defaultdict(set)
    for source in (same, chain):
        for page, exts in source.items():
            stated[page] |= exts
    clashes = sorted(p for p in revised if stated.get(p) or corroborated.get(p))
    if clashes:
        page = clashes[0]
        others = sorted(stated.get(page, set()) | corroborated.get(page, set()))
        raise DataError("data/", f"the page claim {page} is revised (by {', '.join(sorted(revised[page]))}) "
                        f"and corroborated (by {', '.join(others)}) at once",
                        hint="a revision must not flag a true claim: split the page graph so that the revised "
                             "relation has a graph of its own (the same quote may support several graphs), "
                             "or drop the htkg:revises / htkg:corroborates that is wrong")
    out: list[ox.Quad] = []
    for page in pages:
        node = _N(page)
        if page in revised:
            standing = "Revised"
        elif stated.get(page) or corroborated.get(page):
            standing = "Corroborated"
            for ext in sorted(stated.get(page, set()) | corroborated.get(page, set())):
                out.append(ox.Quad(node, _N(str(HTKG.corroboratedBy)), _N(ext), _PROV))
        else:
            standing = "PageOnly"
        out.append(ox.Quad(node, _N(str(HTKG.standing)), _N(str(HTKG[standing])), _PROV))
    return out


def _pairs(store: ox.Store, sparql: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in store.query(sparql, use_default_graph_as_union=True):
        out[r["page"].value].add(r["ext"].value)
    return dict(out)
