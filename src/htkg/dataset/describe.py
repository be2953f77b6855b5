"""Describe one resource for people and machines: labels, types, properties, inbound links, citations, RDF.

Everything comes from SPARQL on a :class:`~htkg.store.base.Store`, so it works on every backend.
No Flask here: the resource pages and the explorer's side panel both call :func:`describe`.

>>> humanize("subOrganizationOf")
'sub organization of'
>>> humanize("http://www.w3.org/ns/org#hasUnit")
'has unit'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

__all__ = ["Node", "Citation", "Statement", "Alias", "Period", "Fact", "Contact", "Description", "describe",
           "labels_of", "humanize", "LABEL_PROPERTIES"]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"

# Most preferred first.
LABEL_PROPERTIES = (SKOS + "prefLabel", RDFS + "label", SCHEMA + "name", DCT + "title")
DESCRIPTION_PROPERTIES = (DCT + "description", SCHEMA + "description", RDFS + "comment", SKOS + "definition")
_LANG_RANK = {"en": 0, "": 1}
# Triples describing nodes hanging off a resource are included in its RDF (qualified nodes are IRIs here,
# so only skolemized blank nodes and fragment IRIs of the resource itself count as "its own").
_GENID = "/.well-known/genid/"
_ROW_CAP = 5000      # a hub (a class, a topic) may have many inbound links; pages show this many at most


@dataclass(frozen=True)
class Node:
    """An RDF term with what a page needs to show it: its label and whether it is ours to link to."""

    value: str
    kind: str = "iri"                      # "iri", "bnode" or "literal"
    label: str | None = None
    datatype: str | None = None
    language: str | None = None

    @property
    def is_iri(self) -> bool:
        return self.kind == "iri"

    @property
    def text(self) -> str:
        """What to show: the label, else the value."""
        return self.label or self.value


@dataclass
class Citation:
    """Where a fact comes from: the named graph that holds it, and what that graph cites."""

    graph: str
    kind: str                              # "page" (a quoted phrase), "ext" (another source) or "other"
    quote: str | None = None
    start: int | None = None
    end: int | None = None
    source: str | None = None              # the cited document (an IRI here, or an outside URL)
    source_label: str | None = None
    source_url: str | None = None          # an address for people (the document's schema:url)
    title: str | None = None
    standing: str | None = None            # a page claim's standing from the claims ledger: "Corroborated", "Revised", "PageOnly"


@dataclass
class Statement:
    """One property–value pair of a resource, read outward (``predicate``) or inward (``inverse``)."""

    predicate: Node                        # the property, labelled
    value: Node                            # the other end, labelled
    reading: str                           # "funds", or for inbound links "is funded by"
    citations: list[Citation] = field(default_factory=list)


@dataclass(frozen=True)
class Alias:
    """A standard term a fact is also stated with (``inverse``: stated from the other end)."""

    predicate: Node
    inverse: bool = False


@dataclass(frozen=True)
class Period:
    """When a qualified relation held (``schema:startDate`` / ``schema:endDate`` of its node), as written."""

    start: str | None
    end: str | None
    node: str | None = None                # the qualified node (an htkg:Operation, htkg:Funding…)
    date: str | None = None                # the date of an event (an establishment's dct:date)
    as_of: str | None = None               # when a source says it held, without a start or end (htkg:asOf)

    @property
    def text(self) -> str:
        """``Dec 2007–2025``, ``since 2025``, ``until 2015``, an event's date ``10 Jun 2015``, ``as of 2013``."""
        start, end = _show_date(self.start), _show_date(self.end)
        if start and end:
            return f"{start}–{end}"
        if start or end:
            return f"since {start}" if start else f"until {end}"
        if self.date:
            return _show_date(self.date)
        return f"as of {_show_date(self.as_of)}" if self.as_of else ""


@dataclass
class Fact:
    """One row of a resource page: a fact in the project's own term, read from this resource.

    ``also`` are the standard terms the build materialized for it (superproperties, inverses): the same
    fact, kept in the RDF, shown once. ``standing`` is left for a judgement of the fact's sources
    (corroborated, revised, page only) that other code may fill in.
    """

    direction: str                         # "out": this resource is the subject; "in": the object
    predicate: Node
    reading: str                           # "funds", "is funded by"
    value: Node
    citations: list[Citation] = field(default_factory=list)
    also: list[Alias] = field(default_factory=list)
    period: Period | None = None           # the first of ``periods``
    standing: str | None = None
    relation: bool = False                 # the property carries an edge label: a relation the explorer draws
    periods: list[Period] = field(default_factory=list)   # one per qualified node (two spells, two grants)


@dataclass(frozen=True)
class Contact:
    """A number that reaches this resource, to call (``kind`` "tel") or to text ("sms"), with its opening
    hours and the one time a source says it held (``as_of``), when known."""

    telephone: str
    label: str | None = None
    hours: str | None = None
    node: str | None = None
    kind: str = "tel"
    as_of: str | None = None

    @property
    def as_of_text(self) -> str | None:
        """``as of Apr 2013``."""
        return f"as of {_show_date(self.as_of)}" if self.as_of else None


@dataclass
class Description:
    """What :func:`describe` returns."""

    iri: str
    label: str | None
    types: list[Node]
    description: str | None
    outgoing: list[Statement]
    inbound: list[Statement]
    triples: list[ox.Triple]               # the resource's RDF: outgoing, inbound, and labels of linked nodes
    graph_size: int = 0                    # triples in the named graph of this IRI, when it names one
    inbound_truncated: bool = False
    facts: list[Fact] = field(default_factory=list)   # one row per fact, own terms first (for pages)
    current_name: str | None = None        # a newer name, from a source that revises the page's claims
    contacts: list[Contact] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return bool(self.outgoing or self.inbound or self.graph_size)

    def to_dict(self) -> dict:
        """Plain JSON-ready data (for an API or the explorer's side panel)."""
        from dataclasses import asdict
        out = asdict(self)
        out.pop("triples")
        return out


def humanize(name: str) -> str:
    """A property's local name as words: ``subOrganizationOf`` → ``sub organization of``."""
    local = re.split(r"[#/]", name.rstrip("/#"))[-1]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("_", " ").replace("-", " ")
    return words.lower()


def _node(term, labels: dict[str, str]) -> Node:
    if isinstance(term, ox.NamedNode):
        return Node(term.value, "iri", labels.get(term.value))
    if isinstance(term, ox.BlankNode):
        return Node(term.value, "bnode")
    dt = term.datatype.value if term.datatype is not None and not term.language else None
    return Node(term.value, "literal", None, dt, term.language)


def _iri_list(iris) -> str:
    return " ".join(f"<{i}>" for i in sorted(iris) if ">" not in i and " " not in i)


def labels_of(store, iris) -> dict[str, str]:
    """The best label of each IRI (skos:prefLabel > rdfs:label > schema:name > dct:title; English first)."""
    return {x: lit.value for x, (_p, lit) in _label_triples(store, iris).items()}


def _label_triples(store, iris) -> dict[str, tuple]:
    """IRI → (label property, literal) of its best label."""
    iris = {i for i in iris if i}
    if not iris:
        return {}
    props = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    found: dict[str, tuple] = {}
    values = _iri_list(iris)
    # FILTER, not a second VALUES block: with two, oxigraph hash-joins a scan of every label (grows with the data)
    q = f"SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }} ?x ?p ?l FILTER(?p IN ({props})) }}"
    for row in store.query(q).rows:
        lit = row["l"]
        if not isinstance(lit, ox.Literal):
            continue
        rank = (LABEL_PROPERTIES.index(row["p"].value), _LANG_RANK.get(lit.language or "", 2), lit.value)
        x = row["x"].value
        if x not in found or rank < found[x][0]:
            found[x] = (rank, row["p"], lit)
    return {x: (p, lit) for x, (_rank, p, lit) in found.items()}


def _property_readings(store, props) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(label, edge label, inverse label) of each property, from the ontology in the store."""
    labels = labels_of(store, props)
    edge, inverse = {}, {}
    if props:
        base_q = "SELECT ?p ?e ?i ?inv WHERE {{ VALUES ?p {{ {} }} " \
                 "OPTIONAL {{ ?p ?edge ?e FILTER(STRENDS(STR(?edge), '/def/edgeLabel')) }} " \
                 "OPTIONAL {{ ?p ?ilab ?i FILTER(STRENDS(STR(?ilab), '/def/inverseLabel')) }} " \
                 "OPTIONAL {{ {{ ?p <http://www.w3.org/2002/07/owl#inverseOf> ?inv }} UNION " \
                 "{{ ?inv <http://www.w3.org/2002/07/owl#inverseOf> ?p }} }} }}"
        inverse_of: dict[str, str] = {}
        for row in store.query(base_q.format(_iri_list(props))).rows:
            p = row["p"].value
            if "e" in row:
                edge[p] = row["e"].value
            if "i" in row:
                inverse[p] = row["i"].value
            if "inv" in row:
                inverse_of[p] = row["inv"].value
        # a property without an inverse label reads as the label of its declared inverse
        inv_labels = labels_of(store, set(inverse_of.values()) - set(labels))
        for p, inv in inverse_of.items():
            if p not in inverse and (labels.get(inv) or inv_labels.get(inv)):
                inverse[p] = labels.get(inv) or inv_labels[inv]
    return labels, edge, inverse


def _citations(store, graphs) -> dict[str, Citation]:
    """What each named graph cites: a quote with its position in the source, or a source and its title."""
    out: dict[str, Citation] = {}
    if not graphs:
        return out
    # htkg:quote under the graphs' own base, not a variable predicate filtered by name; the selector
    # chain nested under its first step: as one group, Oxigraph joined it from oa:end, 0.26 s a page at 20M quads
    bases = sorted({g.split("/graph/", 1)[0] for g in graphs if "/graph/" in g})
    quoted = " ".join(f"OPTIONAL {{ ?g <{b}/def/quote> ?quote }} OPTIONAL {{ ?g <{b}/def/standing> ?standing }}"
                      for b in bases)
    q = f"""PREFIX prov: <{PROV}> PREFIX oa: <{OA}> PREFIX dct: <{DCT}> PREFIX schema: <{SCHEMA}>
SELECT ?g ?quote ?standing ?start ?end ?src ?title ?url WHERE {{
  VALUES ?g {{ {_iri_list(graphs)} }}
  OPTIONAL {{ ?g prov:value ?quote }}
  {quoted}
  OPTIONAL {{ ?g prov:wasDerivedFrom ?sel0 OPTIONAL {{ ?sel0 oa:hasSelector ?pos .
             ?pos oa:start ?start ; oa:end ?end }} }}
  OPTIONAL {{ ?g dct:source ?src OPTIONAL {{ ?src schema:url ?url }} }}
  OPTIONAL {{ ?g dct:title ?title }}
}}"""
    rows = store.query(q).rows
    for g in graphs:
        path = g.split("/graph/", 1)[1] if "/graph/" in g else ""
        kind = "page" if path.startswith("page/") else "ext" if path.startswith("ext/") else "other"
        out[g] = Citation(g, kind)
    for row in rows:
        c = out[row["g"].value]
        if "quote" in row and c.quote is None:
            c.quote = row["quote"].value
        if "standing" in row and c.standing is None:
            c.standing = row["standing"].value.rsplit("/", 1)[-1]
        if "start" in row and c.start is None:
            try:
                c.start, c.end = int(row["start"].value), int(row["end"].value)
            except (KeyError, ValueError):
                pass
        if "src" in row and c.source is None:
            c.source = row["src"].value
        if "url" in row and c.source_url is None:
            c.source_url = row["url"].value
        if "title" in row and c.title is None:
            c.title = row["title"].value
    src_labels = labels_of(store, {c.source for c in out.values() if c.source})
    for c in out.values():
        if c.source:
            c.source_label = src_labels.get(c.source) or c.title
            if c.source_url is None and c.kind == "ext":
                c.source_url = c.source            # an ext graph's dct:source is the outside address itself
    return out


def _statements(rows, key: str, labels, prop_labels, readings, citations) -> list[Statement]:
    grouped: dict[tuple, list[str]] = {}
    terms: dict[tuple, tuple] = {}
    for row in rows:
        k = (row["p"].value, str(row[key]))
        grouped.setdefault(k, [])
        terms[k] = (row["p"], row[key])
        if "g" in row and row["g"].value not in grouped[k]:
            grouped[k].append(row["g"].value)
    out = []
    for k, graphs in grouped.items():
        p, other = terms[k]
        pnode = Node(p.value, "iri", prop_labels.get(p.value))
        out.append(Statement(pnode, _node(other, labels), readings(p.value),
                             [citations[g] for g in sorted(graphs) if g in citations]))
    # own vocabulary first, then by reading; a total order, so every backend gives the same list
    order = lambda s: (0 if "/def/" in s.predicate.value else 1, s.reading, s.value.text,  # noqa: E731
                       s.predicate.value, s.value.value)
    return sorted(out, key=order)


def describe(store, iri: str) -> Description:
    """Everything the store says about ``iri``, labelled and cited. ``.exists`` is False for an unknown IRI."""
    if ">" in iri or " " in iri or '"' in iri:
        return Description(iri, None, [], None, [], [], [])
    ref = f"<{iri}>"
    out_rows = store.query(f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {ref} ?p ?o }} }}").rows
    in_rows = store.query(f"SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p {ref} }} }} LIMIT {_ROW_CAP}").rows
    graph_size = 0
    size_rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ref} {{ ?s ?p ?o }} }}").rows
    if size_rows and "n" in size_rows[0]:
        graph_size = int(size_rows[0]["n"].value)

    linked = {r["o"].value for r in out_rows if isinstance(r["o"], ox.NamedNode)} | \
             {r["s"].value for r in in_rows if isinstance(r["s"], ox.NamedNode)} | {iri}
    props = {r["p"].value for r in out_rows} | {r["p"].value for r in in_rows}
    labels = labels_of(store, linked)
    vocab = _vocabulary_base(iri, props)
    # the shortcuts of qualified relations too: a relation known only from its node still reads "runs"
    prop_labels, edge, inverse = _property_readings(
        store, props | ({vocab + short for short, _s, _o in _QUALIFIED} if vocab else set()))
    graphs = {r["g"].value for r in out_rows + in_rows if "g" in r}
    citations = _citations(store, graphs)

    def forward(p: str) -> str:
        return edge.get(p) or prop_labels.get(p) or humanize(p)

    def backward(p: str) -> str:
        # a property read backwards without an inverse label in the ontology: an arrow, not a guessed phrase
        return inverse.get(p) or f"← {prop_labels.get(p) or humanize(p)}"

    outgoing = _statements(out_rows, "o", labels, prop_labels, forward, citations)
    inbound = _statements(in_rows, "s", labels, prop_labels, backward, citations)

    types = [s.value for s in outgoing if s.predicate.value == RDF_TYPE]
    type_labels = labels_of(store, {t.value for t in types})
    types = sorted((Node(t.value, "iri", type_labels.get(t.value)) for t in types),
                   key=lambda n: (0 if "/def/" in n.value else 1, n.text))
    description = None
    for prop in DESCRIPTION_PROPERTIES:
        texts = sorted((s.value for s in outgoing if s.predicate.value == prop),
                       key=lambda n: (_LANG_RANK.get(n.language or "", 2), n.value))
        if texts:
            description = texts[0].value
            break
    facts = _facts(store, iri, outgoing, inbound, _ontology(store), edge, vocab, forward, backward)
    return Description(iri, labels.get(iri), types, description, outgoing, inbound,
                       _rdf(store, iri, out_rows, in_rows, linked), graph_size,
                       inbound_truncated=len(in_rows) >= _ROW_CAP, facts=facts,
                       current_name=_current_name(store, iri, vocab, labels.get(iri)),
                       contacts=_contacts(store, iri, vocab))


# ---------------------------------------------------------------------------------------------
# one row per fact
# ---------------------------------------------------------------------------------------------

OWL = "http://www.w3.org/2002/07/owl#"
SKOS_ALT = SKOS + "altLabel"
_AREAS = ("/id/", "/def/", "/graph/", "/release/", "/shapes/", "/.well-known/")
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
# Qualified relations (docs/conventions.md): the shortcut's local name under the vocabulary, and the
# roles of its node that hold the shortcut's subject and object.
_QUALIFIED = (("funds", SCHEMA + "funder", SCHEMA + "fundedItem"),
              ("operates", "operator", "operatedThing"),
              ("establishedBy", "establishedOrganization", "legalBasis"),
              ("authorizedBy", "authorizedOrganization", "legalBasis"))


def _show_date(value: str | None) -> str | None:
    """``2007-12`` → ``Dec 2007``; ``2015-06-10`` → ``10 Jun 2015``; a year as it is."""
    if not value:
        return None
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value)
    if m and 1 <= int(m.group(2)) <= 12:
        month = _MONTHS[int(m.group(2)) - 1]
        return f"{int(m.group(3))} {month} {m.group(1)}" if m.group(3) else f"{month} {m.group(1)}"
    return value


def _vocabulary_base(iri: str, props) -> str | None:
    """The project's vocabulary namespace (``<base>def/``), from the resource's IRI or its properties."""
    for candidate in [iri, *sorted(props)]:
        for area in _AREAS:
            if area in candidate:
                return candidate.split(area, 1)[0] + "/def/"
    return None


def _ontology(store):
    """The closure of the class and property axioms in the store (the ontology is small: one query)."""
    from .axioms import Ontology
    rels = {RDFS + "subClassOf": [], RDFS + "subPropertyOf": [], OWL + "inverseOf": []}
    q = ("SELECT ?a ?r ?b WHERE { VALUES ?r { " + " ".join(f"<{r}>" for r in rels) + " } ?a ?r ?b "
         "FILTER(isIRI(?a) && isIRI(?b)) }")
    for row in store.query(q).rows:
        rels[row["r"].value].append((row["a"].value, row["b"].value))
    return Ontology.from_pairs(*rels.values())


def _facts(store, iri, outgoing, inbound, ontology, edge, vocab, forward, backward) -> list[Fact]:
    """Group the statements that state one fact (a term, its superproperties, its inverses) into one row.

    Statements are taken in order of preference — the project's own terms, then those the ontology gives
    an edge label, then read outward — and each becomes a row unless a row taken before derives it.
    """
    own = (lambda p: p.startswith(vocab)) if vocab else (lambda p: False)   # noqa: E731
    candidates = [(d, st) for d, sts in (("out", outgoing), ("in", inbound)) for st in sts
                  if st.predicate.value != RDF_TYPE]
    candidates.sort(key=lambda c: (0 if own(c[1].predicate.value) else 1, 0 if c[1].predicate.value in edge else 1,
                                   0 if c[0] == "out" else 1, c[1].predicate.value, c[1].value.value))
    # a statement another one derives (and that does not derive it back) is never a row of its own:
    # rdfs:label under skos:prefLabel, frapo:funds under htkg:funds
    def reach(direction: str, st: Statement) -> set:
        return {(p, (direction == "out") != flipped)
                for p, flipped in ontology.derived(st.predicate.value, st.value.kind == "literal")}

    groups: dict[str, list] = {}
    for direction, st in candidates:
        groups.setdefault(_value_key(st.value), []).append((direction, st, reach(direction, st)))
    derived_only: set[int] = set()
    for group in groups.values():
        for direction, st, _r in group:
            me = (st.predicate.value, direction == "out")
            by = [r for d, o, r in group if o is not st and me in r]
            mine = reach(direction, st)
            if by and not any((o.predicate.value, d == "out") in mine for d, o, r in group if o is not st and me in r):
                derived_only.add(id(st))
    candidates.sort(key=lambda c: 1 if id(c[1]) in derived_only else 0)     # stable: the preference order holds
    rows: dict[str, list[tuple[Fact, frozenset]]] = {}
    facts: list[Fact] = []
    for direction, st in candidates:
        same_value = rows.setdefault(_value_key(st.value), [])
        p = st.predicate.value
        parents = [f for f, derived in same_value if (p, direction != f.direction) in derived]
        if parents:
            for f in parents:
                f.also.append(Alias(st.predicate, direction != f.direction))
                known = {c.graph for c in f.citations}
                f.citations.extend(c for c in st.citations if c.graph not in known)
            continue
        reading = forward(p) if direction == "out" else backward(p)
        fact = Fact(direction, st.predicate, reading, st.value, list(st.citations), relation=p in edge)
        same_value.append((fact, ontology.derived(p, st.value.kind == "literal")))
        facts.append(fact)
    facts += _type_facts(outgoing, ontology)
    _add_periods(store, iri, facts, vocab, forward, backward)
    for f in facts:
        f.also.sort(key=lambda a: (a.inverse, a.predicate.value))
    order = {RDF_TYPE: 0, **{p: 1 for p in LABEL_PROPERTIES}, SKOS_ALT: 1, **{p: 2 for p in DESCRIPTION_PROPERTIES}}
    facts.sort(key=lambda f: (order.get(f.predicate.value, 3 if own(f.predicate.value) else 4), f.direction != "out",
                              f.reading, f.value.text, f.value.value))
    return facts


def _value_key(n: Node) -> str:
    return f"{n.kind}|{n.value}|{n.datatype}|{n.language}"


def _type_facts(outgoing, ontology) -> list[Fact]:
    """``is a`` rows: the most specific types, each with the superclasses it implies."""
    types = {st.value.value: st for st in outgoing if st.predicate.value == RDF_TYPE}
    implied = {sup for t in types for sup in ontology.superclasses.get(t, ())}
    out = []
    for t, st in types.items():
        if t in implied:
            continue
        supers = sorted(ontology.superclasses.get(t, set()) & set(types))
        cites = list(st.citations)
        for sup in supers:
            cites.extend(c for c in types[sup].citations if c.graph not in {x.graph for x in cites})
        out.append(Fact("out", st.predicate, "is a", st.value, cites,
                        [Alias(types[sup].value) for sup in supers]))
    return out


def _add_periods(store, iri: str, facts: list[Fact], vocab: str | None, forward, backward) -> None:
    """Attach the periods of qualified relations (``is run by Polaris Dec 2007–2025``) to their rows; a
    relation known only from its qualified node (an operation that has ended has no shortcut) gets a row."""
    if not vocab or ">" in iri:
        return
    def full(name: str) -> str:
        return name if name.startswith("http") else vocab + name
    values = " ".join(f"(<{full(short)}> <{full(rs)}> <{full(ro)}>)" for short, rs, ro in _QUALIFIED)
    q = f"""SELECT ?short ?dir ?other ?node ?g ?start ?end ?date ?asof WHERE {{
  VALUES (?short ?rs ?ro) {{ {values} }}
  {{ GRAPH ?g {{ ?node ?rs <{iri}> }} ?node ?ro ?other BIND("out" AS ?dir) }}
  UNION {{ GRAPH ?g {{ ?node ?ro <{iri}> }} ?node ?rs ?other BIND("in" AS ?dir) }}
  OPTIONAL {{ ?node <{SCHEMA}startDate> ?start }} OPTIONAL {{ ?node <{SCHEMA}endDate> ?end }}
  OPTIONAL {{ ?node <{DCT}date> ?date }} OPTIONAL {{ ?node <{vocab}asOf> ?asof }}
}} ORDER BY ?short ?dir ?other ?start ?node LIMIT {_ROW_CAP}"""
    periods: dict[tuple, list[Period]] = {}
    graphs: dict[tuple, set[str]] = {}
    others: dict[tuple, object] = {}
    for row in store.query(q).rows:
        key = (row["short"].value, row["dir"].value, row["other"].value)
        others[key] = row["other"]
        graphs.setdefault(key, set()).add(row["g"].value)
        start, end, date, as_of = (row[k].value if k in row else None for k in ("start", "end", "date", "asof"))
        if as_of and date == as_of:
            date = None    # the dct:date the build derives from htkg:asOf: a time it held, not when it happened
        if start or end or date or as_of:
            period = Period(start, end, row["node"].value, date, as_of)
            if period not in periods.setdefault(key, []):
                periods[key].append(period)
    matched = set()
    for f in facts:
        # the row may be read from the inverse term (is funded by): match the shortcut from either end
        for p in [f.predicate.value] + [a.predicate.value for a in f.also]:
            flipped = p != f.predicate.value and any(a.inverse for a in f.also if a.predicate.value == p)
            direction = f.direction if not flipped else ("in" if f.direction == "out" else "out")
            key = (p, direction, f.value.value)
            if key in graphs:
                matched.add(key)
                f.periods = periods.get(key, [])
                f.period = f.periods[0] if f.periods else None
                break
    missing = [k for k in graphs if k not in matched and isinstance(others[k], ox.NamedNode)]
    if not missing:
        return
    labels = labels_of(store, {k[2] for k in missing})
    cites = _citations(store, {g for k in missing for g in graphs[k]})
    for short, direction, other in missing:
        key = (short, direction, other)
        found = periods.get(key, [])
        facts.append(Fact(direction, Node(short, "iri"), forward(short) if direction == "out" else backward(short),
                          Node(other, "iri", labels.get(other)), [cites[g] for g in sorted(graphs[key]) if g in cites],
                          period=found[0] if found else None, periods=found, relation=True))


def _current_name(store, iri: str, vocab: str | None, label: str | None) -> str | None:
    """A newer name: stated by a source that revises the page's claim naming this resource (the page graph
    with its skos:prefLabel), and not a name the page itself gives. A source that revises another claim
    about it (where the HSTC belongs) and gives its acronym names no newer name."""
    if not vocab or ">" in iri:
        return None
    q = f"""SELECT ?alt WHERE {{ GRAPH ?g {{ <{iri}> <{SKOS_ALT}> ?alt }} ?g <{vocab}revises> ?h .
  GRAPH ?h {{ <{iri}> <{SKOS}prefLabel> ?old }} FILTER NOT EXISTS {{ GRAPH ?h {{ <{iri}> <{SKOS_ALT}> ?alt }} }} }}
  ORDER BY ?alt LIMIT 1"""
    rows = store.query(q).rows
    name = rows[0]["alt"].value if rows else None
    return name if name != label else None


def _contacts(store, iri: str, vocab: str | None = None) -> list[Contact]:
    """Numbers that reach the resource (its own, its contact points', its channels': call lines, then text
    lines), with hours and the time a source dates them to (htkg:asOf)."""
    if ">" in iri:
        return []
    as_of = f"OPTIONAL {{ ?cp <{vocab}asOf> ?asof }}" if vocab else ""
    q = f"""PREFIX schema: <{SCHEMA}> PREFIX skos: <{SKOS}>
SELECT DISTINCT ?cp ?tel ?label ?hours ?kind ?asof WHERE {{
  {{ BIND(<{iri}> AS ?cp) BIND("tel" AS ?kind) }}
  UNION {{ <{iri}> schema:contactPoint|schema:servicePhone ?cp BIND("tel" AS ?kind) }}
  UNION {{ <{iri}> schema:availableChannel/schema:servicePhone ?cp BIND("tel" AS ?kind) }}
  UNION {{ <{iri}> schema:availableChannel/schema:serviceSmsNumber ?cp BIND("sms" AS ?kind) }}
  ?cp schema:telephone ?tel .
  OPTIONAL {{ ?cp skos:prefLabel ?label }}
  OPTIONAL {{ ?cp schema:hoursAvailable/skos:prefLabel ?hours }}
  {as_of}
}} ORDER BY DESC(?kind) ?tel ?cp LIMIT 20"""
    out: dict[tuple, Contact] = {}
    for row in store.query(q).rows:
        key = (row["cp"].value, row["tel"].value)
        out.setdefault(key, Contact(row["tel"].value, row["label"].value if "label" in row else None,
                                    row["hours"].value if "hours" in row else None, row["cp"].value,
                                    row["kind"].value, row["asof"].value if "asof" in row else None))
    return list(out.values())


def _rdf(store, iri: str, out_rows, in_rows, linked) -> list[ox.Triple]:
    """The resource's triples, its inbound links, the label triple of each linked IRI, and its own genid nodes."""
    subject = ox.NamedNode(iri)
    triples = {ox.Triple(subject, r["p"], r["o"]) for r in out_rows}
    triples |= {ox.Triple(r["s"], r["p"], subject) for r in in_rows}
    own = {r["o"].value for r in out_rows if isinstance(r["o"], ox.NamedNode)
           and (_GENID in r["o"].value or r["o"].value.startswith(iri + "#"))}
    if own:
        q = f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {_iri_list(own)} }} ?s ?p ?o }}"
        triples |= {ox.Triple(r["s"], r["p"], r["o"]) for r in store.query(q).rows}
    for x, (p, lit) in _label_triples(store, linked - {iri}).items():
        triples.add(ox.Triple(ox.NamedNode(x), p, lit))
    return sorted(triples, key=str)
