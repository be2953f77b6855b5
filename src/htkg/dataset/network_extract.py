"""Reading the relation network from a store, in SPARQL: the whole of it, or a part (a department, kinds, nodes).

A node falls under the departments it reaches through ``org:subOrganizationOf*`` (for things that
organizations run or fund, through their operator or funder); it comes from the page when a
``graph/page/…`` graph mentions it, or only from outside sources when only ``graph/ext/…`` graphs do.
Works on any :class:`~htkg.store.base.Store`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from ..iris import DEFAULT_BASE
from .network import _UNSAFE_IRI, Citation, Edge, GraphFilter, Network, NetworkTooLarge, Node, checked_iri

__all__ = ["extract_network", "count_nodes", "citations_of", "select"]

_PREFIXES = """PREFIX htkg: <{base}def/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

# The most specific kinded class of each resource (a FundingProgram is not also drawn as a Program).
_NODES = """SELECT DISTINCT ?x ?kind WHERE { {values}
  ?c htkg:nodeKind ?kind . ?x a ?c . FILTER(isIRI(?x))
  FILTER NOT EXISTS { ?x a ?c2 . ?c2 htkg:nodeKind ?k2 ; rdfs:subClassOf+ ?c . FILTER(?c2 != ?c) }
}"""
_LABELS = """SELECT ?x ?p ?l WHERE { {values}
  VALUES ?p { skos:prefLabel skos:altLabel rdfs:label dct:description }
  ?c htkg:nodeKind ?kind . ?x a ?c ; ?p ?l .
  FILTER(isLiteral(?l) && (lang(?l) = "" || langMatches(lang(?l), "en")))
}"""
_DEPARTMENTS = """SELECT DISTINCT ?x ?d WHERE { {values}
  ?dc htkg:nodeKind "department" . ?d a ?dc .
  ?c htkg:nodeKind ?kind . ?x a ?c .
  { ?x org:subOrganizationOf* ?d } UNION { ?o htkg:operates|htkg:funds ?x . ?o org:subOrganizationOf* ?d }
}"""
# The same for given resources (?x bound by VALUES; only the kinded ones are kept by the caller).
# (FILTER, not VALUES ?p: two VALUES blocks make oxigraph hash-join a scan, ten times slower on disk)
_LABELS_OF = """SELECT ?x ?p ?l WHERE { {values}
  ?x ?p ?l . FILTER(?p IN (skos:prefLabel, skos:altLabel, rdfs:label, dct:description))
  FILTER(isLiteral(?l) && (lang(?l) = "" || langMatches(lang(?l), "en")))
}"""
_MENTIONS = """SELECT DISTINCT ?x ?g WHERE { {values}
  ?c htkg:nodeKind ?kind . ?x a ?c .
  GRAPH ?g { { ?x ?p ?o } UNION { ?s ?p ?x } }
  FILTER(STRSTARTS(STR(?g), "{base}graph/page/") || STRSTARTS(STR(?g), "{base}graph/ext/"))
}"""
# A triple drawn once, under the most specific labelled property that states it.
_EDGES = """SELECT ?s ?p ?o ?g ?label WHERE { {values}
  ?p htkg:edgeLabel ?label . FILTER(lang(?label) = "" || langMatches(lang(?label), "en"))
  GRAPH ?g { ?s ?p ?o }
  FILTER NOT EXISTS { ?p2 htkg:edgeLabel ?l2 ; rdfs:subPropertyOf+ ?p . GRAPH ?g2 { ?s ?p2 ?o } }
}"""
_RELATIONS = """SELECT ?p ?label ?inverse WHERE {
  ?p htkg:edgeLabel ?label . FILTER(lang(?label) = "" || langMatches(lang(?label), "en"))
  OPTIONAL { ?p htkg:inverseLabel ?inverse }
}"""
_KINDS = "SELECT DISTINCT ?kind WHERE { ?c htkg:nodeKind ?kind }"
# The resources a filter selects before the edges are followed (?x; a superset, Network.filter decides).
_KINDED = "?_c htkg:nodeKind ?_k . ?x a ?_c . FILTER(isIRI(?x))"
_SUBTREE = ("{{ ?x org:subOrganizationOf* <{d}> }} UNION "
            "{{ ?_o org:subOrganizationOf* <{d}> . ?_o htkg:operates|htkg:funds ?x }}")
_CHUNK = 500          # IRIs per VALUES block
# each OPTIONAL in its own GRAPH group: inside one GRAPH group Oxigraph read every quote, source and
# title of the store before joining (0.45 s for two graphs at 20M quads), this way it looks them up
_CITATIONS = """SELECT ?g ?quote ?source ?title WHERE { {values}
  GRAPH ?pg { ?g a prov:Bundle } OPTIONAL { GRAPH ?pg { ?g htkg:quote ?quote } }
  OPTIONAL { GRAPH ?pg { ?g dct:source ?source } } OPTIONAL { GRAPH ?pg { ?g dct:title ?title } }
}"""



def _select(store, sparql: str, base: str, values: str = ""):
    text = sparql.replace("{base}", base).replace("{values}", values)
    return store.query(_PREFIXES.format(base=base) + text).rows


def _select_in(store, sparql: str, base: str, var: str, iris):
    """Rows of ``sparql`` with ``?var`` bound to each of ``iris`` (all rows when ``iris`` is None)."""
    if iris is None:
        yield from _select(store, sparql, base)
        return
    items = sorted(iris)
    for i in range(0, len(items), _CHUNK):
        block = " ".join(f"<{x}>" for x in items[i:i + _CHUNK])
        yield from _select(store, sparql, base, f"VALUES ?{var} {{ {block} }}")



def _selection_pattern(f: GraphFilter) -> str | None:
    """The SPARQL pattern (binding ?x) that narrows the network for ``f``; None if ``f`` does not narrow."""
    if not (f.department or f.kinds):
        return None
    parts = []       # most selective first: oxigraph joins in the order written
    if f.department:
        # a subquery: joined with the kinded pattern in one group, oxigraph would scan every node first
        parts.append("{ SELECT DISTINCT ?x WHERE { " + _SUBTREE.format(d=checked_iri(f.department, "department"))
                     + " } }")
    if f.kinds:
        kinds = " ".join('"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"' for k in sorted(f.kinds))
        parts.append(f"VALUES ?_k {{ {kinds} }}")
    parts.append(_KINDED)
    return " ".join(parts)


def count_nodes(store, base_iri: str = DEFAULT_BASE, f: GraphFilter | None = None) -> int:
    """How many resources the network of ``f`` starts from (all nodes when ``f`` does not narrow)."""
    pattern = _selection_pattern(f or GraphFilter()) or _KINDED
    rows = _select(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}", base_iri)
    return int(rows[0]["n"].value) if rows and "n" in rows[0] else 0


def extract_network(store, base_iri: str = DEFAULT_BASE, f: GraphFilter | None = None, *,
                    nodes: Iterable[str] | None = None, max_nodes: int | None = None) -> Network:
    """The network of the store (union of its named graphs): the whole of it, or only a part read in SPARQL.

    With ``nodes`` (IRIs) or a narrowing filter ``f`` (``department``, ``kind``), only those resources,
    the edges touching them and their other ends are read — never the whole graph; ``f`` is then applied
    as :meth:`Network.filter` does. ``max_nodes`` refuses (:class:`NetworkTooLarge`) a selection of more
    resources than that, counted in SPARQL before anything is read.
    """
    pattern = _selection_pattern(f) if f is not None else None
    if nodes is None and pattern is None:
        if max_nodes is not None:
            total = count_nodes(store, base_iri)
            if total > max_nodes:
                raise NetworkTooLarge(total, max_nodes)
        net = _extract(store, base_iri, None)
        return net.filter(f) if f is not None else net
    if nodes is not None:
        selected = {checked_iri(x, "iri") for x in nodes}
    else:
        limit = "" if max_nodes is None else f" LIMIT {max_nodes + 1}"      # one more tells it is too many
        selected = {r["x"].value for r in _select(store, f"SELECT DISTINCT ?x WHERE {{ {pattern} }}{limit}",
                                                  base_iri)}
        if max_nodes is not None and len(selected) > max_nodes:
            raise NetworkTooLarge(None, max_nodes, "department" if f.department or not f.kinds else "kind")
    extra = {f.department} if f is not None and f.department else set()
    # the other ends of the edges matter for a node or a department (kept if in no department), not for kinds
    follow = nodes is not None or bool(f.department)
    net = _extract(store, base_iri, selected, extra, follow, between=bool(f is not None and f.department))
    return net.filter(f) if f is not None else net


def _extract(store, base_iri: str, selected: set[str] | None, extra: set[str] = frozenset(),
             follow: bool = True, between: bool = False) -> Network:
    """The network of ``selected`` (None: of everything), ``extra``, their departments, and (``follow``) the
    other ends of their edges; without ``follow`` only the edges between selected resources. ``between``
    adds the edges between those other ends that are in no department (what a department view keeps)."""
    base = base_iri
    edge_rows = None
    iris = None
    if selected is not None:
        edge_rows, seen = [], set()
        for var in ("s", "o"):
            for row in _select_in(store, _EDGES, base, var, selected):
                key = (row["s"].value, row["p"].value, row["o"].value, row["g"].value)
                if key not in seen and (follow or (key[0] in selected and key[2] in selected)):
                    seen.add(key)
                    edge_rows.append(row)
        iris = set(selected) | set(extra) | {r["s"].value for r in edge_rows} | {r["o"].value for r in edge_rows}
        iris = {x for x in iris if not (_UNSAFE_IRI & set(x))}
    departments: dict[str, set[str]] = {}
    for row in _select_in(store, _DEPARTMENTS, base, "x", iris):
        departments.setdefault(row["x"].value, set()).add(row["d"].value)
    if between and iris is not None:
        loose = {x for x in iris - selected if x not in departments}
        for row in _select_in(store, _EDGES, base, "s", loose):
            key = (row["s"].value, row["p"].value, row["o"].value, row["g"].value)
            if key[2] in loose and key not in seen:
                seen.add(key)
                edge_rows.append(row)
    if iris is not None:
        iris |= {d for ds in departments.values() for d in ds}
    kinds_of: dict[str, str] = {}
    for row in _select_in(store, _NODES, base, "x", iris):
        iri, kind = row["x"].value, row["kind"].value
        kinds_of[iri] = min(kinds_of.get(iri, kind), kind)     # deterministic if classes disagree
    texts: dict[str, dict[str, list[str]]] = {iri: {} for iri in kinds_of}
    for row in _select_in(store, _LABELS if iris is None else _LABELS_OF, base, "x", iris):
        if row["x"].value not in texts:
            continue
        prop = row["p"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        texts[row["x"].value].setdefault(prop, []).append(row["l"].value)
    graphs: dict[str, set[str]] = {}
    for row in _select_in(store, _MENTIONS, base, "x", iris):
        graphs.setdefault(row["x"].value, set()).add(row["g"].value)
    page_prefix, ext_prefix = base + "graph/page/", base + "graph/ext/"

    nodes = {}
    for iri, kind in kinds_of.items():
        t = texts[iri]
        preferred = sorted(t.get("prefLabel", [])) or sorted(t.get("label", [])) or [iri.rsplit("/", 1)[-1]]
        label = preferred[0]
        alts = sorted((set(t.get("altLabel", [])) | set(t.get("label", [])) | set(preferred[1:])) - {label})
        gs = graphs.get(iri, set())
        origin = ("page" if any(g.startswith(page_prefix) for g in gs)
                  else "outside" if any(g.startswith(ext_prefix) for g in gs) else "other")
        desc = sorted(t.get("description", []))
        nodes[iri] = Node(iri, label, kind, tuple(alts), desc[0] if desc else None,
                          tuple(sorted(departments.get(iri, ()))), origin)

    if edge_rows is None:
        edge_rows = _select(store, _EDGES, base)
    citations = citations_of(store, base, None if selected is None else {r["g"].value for r in edge_rows})
    relations = {row["p"].value: row["label"].value for row in _select(store, _RELATIONS, base)}
    grouped: dict[tuple[str, str, str], set[str]] = {}
    for row in edge_rows:
        s, p, o = row["s"].value, row["p"].value, row["o"].value
        if s in nodes and o in nodes:
            grouped.setdefault((s, p, o), set()).add(row["g"].value)
    edges = [Edge(s, p, relations[p], o,
                  tuple(citations.get(g, Citation(g, outside=g.startswith(ext_prefix))) for g in sorted(gs)))
             for (s, p, o), gs in sorted(grouped.items())]
    kinds = sorted(row["kind"].value for row in _select(store, _KINDS, base))
    return Network(dict(sorted(nodes.items())), edges, dict(sorted(relations.items())), kinds)


def citations_of(store, base_iri: str, graphs: Iterable[str] | None) -> dict[str, Citation]:
    """What supports each of ``graphs`` (every bundle's when None): its quote, or its outside source and title."""
    ext_prefix = base_iri + "graph/ext/"
    citations: dict[str, Citation] = {}
    for row in _select_in(store, _CITATIONS, base_iri, "g", graphs):
        g = row["g"].value
        c = citations.get(g) or Citation(g, outside=g.startswith(ext_prefix))
        citations[g] = replace(c, quote=c.quote or _val(row, "quote"), source=c.source or _val(row, "source"),
                               title=c.title or _val(row, "title"))
    if graphs is not None:
        for g in graphs:
            citations.setdefault(g, Citation(g, outside=g.startswith(ext_prefix)))
    return citations


def select(store, sparql: str, base_iri: str, values: str = ""):
    """Rows of ``sparql`` with the network's prefixes; ``{base}`` and ``{values}`` filled in."""
    return _select(store, sparql, base_iri, values)


def _val(row, key: str) -> str | None:
    term = row.get(key)
    return term.value if term is not None else None

