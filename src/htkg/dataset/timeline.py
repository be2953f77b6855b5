"""Dated facts on a time axis: who ran or funded what and when, when offices were created or authorized,
when statutes were enacted — read from the store, each with the citations of the graphs that state it.

Nothing is hand-kept. A *dated fact* is a literal of a date property: ``schema:startDate``,
``schema:endDate``, ``schema:foundingDate``, ``schema:dissolutionDate``, ``schema:legislationDate``,
``dct:date``, or any property the ontology declares a sub-property of one of them (``htkg:asOf``,
``htkg:since``), whose value is an ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear``. The facts of one
resource make one :class:`Entry`: a span (``start``/``end``; a start with no end is still running) and
points (a founding, an enactment, a dated event). An entry names the kinded resources it is about: the
resource itself when it is drawn in the explorer (an office, a statute), and the kinded resources it
points to (an operation's operator and service, a funding's funder, an establishment's office and legal
basis) — which is what the organization filter matches, with everything under that organization.

The source page's own date, if the graph has one (a date of a resource of kind ``source``), is the
marker between "what the page said" and "what changed after"; :attr:`Timeline.page_dates` is empty when
the graph does not date the page.

>>> TimelineFilter.from_args({"org": "https://w3id.org/htkg/id/org/ovc"}).organization
'https://w3id.org/htkg/id/org/ovc'
>>> date_key("2007-12") < date_key("2008") < date_key("2008-01-05")
True
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Mapping

from ..iris import DEFAULT_BASE
from .network import Citation, checked_iri, compact
from .network_extract import citations_of, select

__all__ = ["Entry", "DatedFact", "Timeline", "TimelineFilter", "extract_timeline", "timeline_json", "timeline_csv",
           "date_key", "TIMELINE_COLUMNS"]

# The date properties read (and their sub-properties); how each reads on the axis.
DATE_PROPERTIES = {
    "https://schema.org/startDate": "start",
    "https://schema.org/endDate": "end",
    "https://schema.org/foundingDate": "founded",
    "https://schema.org/dissolutionDate": "dissolved",
    "https://schema.org/legislationDate": "enacted",
    "http://purl.org/dc/terms/date": "dated",
}
# A drawn resource's entry names what links it to a statute; a qualified node's entry names every drawn resource.
LEGAL_KINDS = frozenset({"statute", "section"})
_DATATYPES = ("http://www.w3.org/2001/XMLSchema#date", "http://www.w3.org/2001/XMLSchema#gYearMonth",
              "http://www.w3.org/2001/XMLSchema#gYear")

_FACTS = """SELECT DISTINCT ?x ?p ?top ?d ?g WHERE { {narrow}
  { VALUES ?p { %(tops)s } BIND(?p AS ?top) } UNION { VALUES ?top { %(tops)s } ?p rdfs:subPropertyOf+ ?top }
  GRAPH ?g { ?x ?p ?d }
  FILTER(isIRI(?x) && isLiteral(?d) && datatype(?d) IN (%(types)s))
  FILTER NOT EXISTS { GRAPH ?_b { ?x a prov:Bundle } }      # a source's own date is not a fact about agencies
}""" % {"tops": " ".join(f"<{p}>" for p in DATE_PROPERTIES), "types": ", ".join(f"<{t}>" for t in _DATATYPES)}
# the sources a resource points to (a revision's revising graph): its citations when its own graph has none
_BUNDLES_OF = """SELECT DISTINCT ?x ?g WHERE { {values} ?x ?p ?g . FILTER(isIRI(?g)) GRAPH ?_b { ?g a prov:Bundle } }"""
# what a dated resource is (its most specific kinded class, else any labelled class) and is called
_ABOUT = """SELECT ?x ?label ?kind ?type ?typeLabel WHERE { {values}
  OPTIONAL { ?x skos:prefLabel ?label FILTER(lang(?label) = "" || langMatches(lang(?label), "en")) }
  OPTIONAL { ?c htkg:nodeKind ?kind . ?x a ?c }
  OPTIONAL { ?x a ?type . ?type rdfs:label ?typeLabel FILTER(STRSTARTS(STR(?type), "{base}def/")
             && (lang(?typeLabel) = "" || langMatches(lang(?typeLabel), "en"))) }
}"""
# the kinded resources a dated resource points to
_NAMES = """SELECT DISTINCT ?x ?p ?y ?kind ?label WHERE { {values}
  ?x ?p ?y . FILTER(isIRI(?y) && ?p != rdf:type && ?y != ?x)
  ?c htkg:nodeKind ?kind . ?y a ?c .
  OPTIONAL { ?y skos:prefLabel ?label FILTER(lang(?label) = "" || langMatches(lang(?label), "en")) }
}"""
_UNDER = "SELECT DISTINCT ?x WHERE { ?x org:subOrganizationOf* <%s> }"
# only the resources that are, or point to, the organization or something under it (read first)
_NARROW = ("{ SELECT DISTINCT ?x WHERE { { BIND(<%(o)s> AS ?_o) } UNION { ?_o org:subOrganizationOf+ <%(o)s> } "
           "{ BIND(?_o AS ?x) } UNION { ?x ?_q ?_o FILTER(isIRI(?x)) } } }")
_PROPERTY_LABELS = """SELECT ?p ?label WHERE { {values}
  ?p rdfs:label ?label FILTER(lang(?label) = "" || langMatches(lang(?label), "en")) }"""


def date_key(value: str) -> tuple[int, int, int, int]:
    """A sort key for ``YYYY``, ``YYYY-MM`` and ``YYYY-MM-DD`` (a year sorts before its months and days)."""
    parts = [int(p) for p in value.split("-")[:3] if p.isdigit()] if value[:1] != "-" else [0]
    parts += [0] * (3 - len(parts))
    return (parts[0], parts[1], parts[2], len(value))


@dataclass(frozen=True)
class DatedFact:
    """One date statement: ``resource`` ``property`` ``date``, and the graphs that state it."""
    property: str
    reading: str              # start | end | founded | enacted | dated | … (from the top property)
    label: str                # the property's own label (for example "as of")
    date: str
    graphs: tuple[str, ...]


@dataclass
class Entry:
    """The dated facts of one resource."""
    iri: str
    label: str
    kind: str | None                          # its node kind, if the explorer draws it
    type_label: str | None                    # what it is (Operation, Funding, Establishment, …)
    facts: list[DatedFact] = field(default_factory=list)
    names: list[dict] = field(default_factory=list)           # [{iri, label, kind, property}]
    citations: list[Citation] = field(default_factory=list)

    @property
    def start(self) -> str | None:
        return next((f.date for f in self.facts if f.reading == "start"), None)

    @property
    def end(self) -> str | None:
        return next((f.date for f in self.facts if f.reading == "end"), None)

    @property
    def first(self) -> str:
        return min((f.date for f in self.facts), key=date_key)

    def entities(self) -> set[str]:
        return ({self.iri} if self.kind else set()) | {n["iri"] for n in self.names}


@dataclass(frozen=True)
class TimelineFilter:
    organization: str | None = None       # entries naming this organization or anything under it

    @classmethod
    def from_args(cls, args: Mapping[str, object]) -> "TimelineFilter":
        org = str(args.get("org") or "").strip()
        return cls(checked_iri(org, "org") if org else None)


@dataclass
class Timeline:
    entries: list[Entry]
    page_dates: list[DatedFact]           # the source page's own dates (empty if the graph has none)

    def filter(self, f: TimelineFilter, under: set[str] | None = None) -> "Timeline":
        if not f.organization:
            return self
        wanted = (under or set()) | {f.organization}
        return Timeline([e for e in self.entries if e.entities() & wanted], self.page_dates)


def extract_timeline(store, base_iri: str = DEFAULT_BASE, f: TimelineFilter | None = None) -> Timeline:
    """Every dated fact of the store (union of its named graphs), grouped by resource, oldest first; with an
    organization, only the resources that are or name it or something under it are read."""
    facts: dict[str, dict[tuple[str, str], set[str]]] = {}
    tops: dict[str, str] = {}
    narrow = _NARROW % {"o": f.organization} if f is not None and f.organization else ""
    for row in select(store, _FACTS.replace("{narrow}", narrow), base_iri):
        x, p, d, g = row["x"].value, row["p"].value, row["d"].value, row["g"].value
        tops[p] = p if p in DATE_PROPERTIES else tops.get(p, row["top"].value)
        facts.setdefault(x, {}).setdefault((p, d), set()).add(g)
    if not facts:
        return Timeline([], [])
    values = "VALUES ?x { " + " ".join(f"<{x}>" for x in sorted(facts)) + " }"
    about: dict[str, dict] = {x: {} for x in facts}
    for row in select(store, _ABOUT, base_iri, values):
        a = about[row["x"].value]
        for key in ("label", "kind", "typeLabel"):
            if row.get(key) is not None:
                a[key] = min(a.get(key, row[key].value), row[key].value)
    names: dict[str, dict[str, dict]] = {x: {} for x in facts}
    for row in select(store, _NAMES, base_iri, values):
        y, kind = row["y"].value, row["kind"].value
        if about[row["x"].value].get("kind") and not {kind, about[row["x"].value]["kind"]} & LEGAL_KINDS:
            continue    # an office's own entry names only its legal basis (a statute's, what it established)
        label = row["label"].value if row.get("label") is not None else y.rsplit("/", 1)[-1]
        names[row["x"].value].setdefault(y, {"iri": y, "label": label, "kind": kind,
                                               "property": compact(row["p"].value)})
    props = "VALUES ?p { " + " ".join(f"<{p}>" for p in sorted(tops)) + " }"
    plabels = {row["p"].value: row["label"].value for row in select(store, _PROPERTY_LABELS, base_iri, props)}
    graphs = {g for by in facts.values() for gs in by.values() for g in gs}
    cites = citations_of(store, base_iri, graphs)
    pointed: dict[str, set[str]] = {}
    for row in select(store, _BUNDLES_OF, base_iri, values):
        pointed.setdefault(row["x"].value, set()).add(row["g"].value)
    cites.update(citations_of(store, base_iri, {g for gs in pointed.values() for g in gs} - set(cites)))

    for by in facts.values():     # a date stated by a sub-property is not repeated under its materialized parent
        for p, d in [k for k in by if k[0] in DATE_PROPERTIES]:
            if any(q != p and tops[q] == p and e == d for q, e in by):
                del by[(p, d)]
    entries = []
    for x, by in facts.items():
        a = about[x]
        dated = sorted((DatedFact(p, _reading(p, tops), plabels.get(p, compact(p).split(":")[-1]), d,
                                  tuple(sorted(gs))) for (p, d), gs in by.items()), key=lambda t: date_key(t.date))
        used = sorted({g for t in dated for g in t.graphs})
        if not any(cites[g].quote or cites[g].source for g in used):     # stated where nothing is quoted
            used += sorted(pointed.get(x, set()) - set(used))
        entries.append(Entry(x, a.get("label", x.rsplit("/", 1)[-1]), a.get("kind"), a.get("typeLabel"), dated,
                             sorted(names[x].values(), key=lambda n: n["label"]), [cites[g] for g in used]))
    entries.sort(key=lambda e: (date_key(e.first), e.label))
    page = [t for e in entries if e.kind == "source" for t in e.facts]
    timeline = Timeline([e for e in entries if e.kind != "source"], page)
    if f is not None and f.organization:
        under = {row["x"].value for row in select(store, _UNDER % f.organization, base_iri)}
        timeline = timeline.filter(f, under)
    return timeline


def _reading(p: str, tops: dict[str, str]) -> str:
    return DATE_PROPERTIES[tops[p]]


def timeline_json(t: Timeline, base_iri: str = DEFAULT_BASE) -> dict:
    def fact(d: DatedFact) -> dict:
        return {"property": compact(d.property), "reading": d.reading, "label": d.label, "date": d.date,
                "graphs": list(d.graphs)}
    items = [{"iri": e.iri, "label": e.label, "kind": e.kind, "type": e.type_label, "start": e.start, "end": e.end,
              "path": "/" + e.iri[len(base_iri):] if e.iri.startswith(base_iri) else None,
              "facts": [fact(d) for d in e.facts], "names": e.names,
              "citations": [c.as_json() for c in e.citations]} for e in t.entries]
    dates = [d.date for e in t.entries for d in e.facts] + [d.date for d in t.page_dates]
    return {"items": items, "pageDates": [fact(d) for d in t.page_dates],
            "range": [min(dates, key=date_key), max(dates, key=date_key)] if dates else None,
            "counts": {"items": len(items), "facts": sum(len(e.facts) for e in t.entries)}}


TIMELINE_COLUMNS = ["resource", "label", "type", "property", "reading", "date", "names", "name_labels", "citation",
                    "graphs"]


def timeline_csv(t: Timeline) -> bytes:
    """One row per date statement, oldest first."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(TIMELINE_COLUMNS)
    for e in t.entries:
        cites = {c.graph: c for c in e.citations}
        for d in e.facts:
            w.writerow([e.iri, e.label, e.type_label or e.kind or "", compact(d.property), d.reading, d.date,
                        " ".join(n["iri"] for n in e.names), " | ".join(n["label"] for n in e.names),
                        " | ".join(cites[g].text() for g in d.graphs if g in cites), " ".join(d.graphs)])
    return buf.getvalue().encode("utf-8")
