"""The landing page's directory: departments and their units as a tree, and the other things by kind.

Read from the store with SPARQL (any backend), in a few queries whatever the size of the graph; every
list is capped at ``cap`` entries and says how many there are. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .describe import Fact, describe, labels_of

__all__ = ["Directory", "Branch", "Listing", "KeyService", "directory"]

ORG = "http://www.w3.org/ns/org#"
ELI = "http://data.europa.eu/eli/ontology#"
# (heading, class under <base>def/, what the list is for): the order of the page
LISTS = (("Services", "Hotline", "who to call"),
         ("Programs", "Program", "initiatives, campaigns and grant programs"),
         ("Statutes", "Statute", "acts of Congress, with their sections"),
         ("Forms of immigration relief", "ReliefType", "for victims of trafficking"),
         ("Other organizations", "NonprofitOrganization", "outside the federal government"))


@dataclass
class Branch:
    """An organization and the units under it."""

    iri: str
    label: str
    children: list["Branch"] = field(default_factory=list)

    @property
    def size(self) -> int:
        return 1 + sum(c.size for c in self.children)


@dataclass
class Listing:
    heading: str
    about: str
    cls: str
    items: list[tuple[str, str, list[tuple[str, str]]]]   # (iri, label, parts: [(iri, label)])
    total: int


@dataclass
class KeyService:
    """A service with its telephone numbers and who funds and runs it (facts of its resource page)."""

    iri: str
    label: str
    current_name: str | None
    telephones: list[tuple[str, str | None]]           # (number, hours)
    funded_by: list[Fact]
    run_by: list[Fact]


@dataclass
class Directory:
    departments: list[Branch]
    units_total: int
    lists: list[Listing]
    key_services: list[KeyService]


def _by_label(pairs) -> list:
    return sorted(pairs, key=lambda x: (x[1].casefold(), x[0]))


def directory(store, base_iri: str, *, cap: int = 200, key_services: int = 3) -> Directory:
    """What the graph holds, by kind, for people arriving at the site."""
    vocab = base_iri + "def/"
    if any(c in base_iri for c in '<>" {}\\'):
        return Directory([], 0, [], [])

    def instances(cls: str) -> tuple[list[str], int]:
        rows = store.query(f"SELECT ?x WHERE {{ ?x a <{vocab}{cls}> }} ORDER BY ?x LIMIT {cap + 1}").rows
        total = len(rows)
        if total > cap:
            total = int(store.query(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{vocab}{cls}> }}")
                        .rows[0]["n"].value)
        return [r["x"].value for r in rows[:cap]], total

    departments, _n = instances("Department")
    # units under departments (and under one another), their most specific parents only
    rows = store.query(f"""SELECT DISTINCT ?u ?p WHERE {{ ?u a <{vocab}GovernmentUnit> ; <{ORG}subOrganizationOf> ?p }}
ORDER BY ?u ?p LIMIT {cap * 20}""").rows
    parents: dict[str, set[str]] = {}
    for r in rows:
        parents.setdefault(r["u"].value, set()).add(r["p"].value)
    units_total = len(parents)

    def ancestors(x: str, seen: set[str]) -> set[str]:
        for p in parents.get(x, ()):
            if p not in seen:
                seen.add(p)
                ancestors(p, seen)
        return seen

    children: dict[str, list[str]] = {}
    for u, ps in parents.items():
        nearest = {p for p in ps if not any(p in ancestors(q, set()) for q in ps if q != p)}
        for p in nearest:
            children.setdefault(p, []).append(u)

    listed_iris: dict[str, list[str]] = {}
    totals: dict[str, int] = {}
    for _h, cls, _a in LISTS:
        listed_iris[cls], totals[cls] = instances(cls)
    statutes = listed_iris.get("Statute", [])
    sections: dict[str, list[str]] = {}
    if statutes:
        values = " ".join(f"<{s}>" for s in statutes)
        for r in store.query(f"SELECT ?s ?law WHERE {{ VALUES ?law {{ {values} }} ?s <{ELI}is_part_of> ?law }} "
                             f"ORDER BY ?s LIMIT {cap * 5}").rows:
            sections.setdefault(r["law"].value, []).append(r["s"].value)
    everyone = set(departments) | set(parents) | {p for ps in parents.values() for p in ps} | \
        {x for xs in listed_iris.values() for x in xs} | {x for xs in sections.values() for x in xs}
    labels = labels_of(store, everyone)

    def label(x: str) -> str:
        return labels.get(x) or x.rsplit("/", 1)[-1]

    def branch(x: str, path: frozenset) -> Branch:
        kids = [branch(c, path | {c}) for c in children.get(x, []) if c not in path]
        return Branch(x, label(x), sorted(kids, key=lambda b: (b.label.casefold(), b.iri)))

    tree = sorted((branch(d, frozenset({d})) for d in departments), key=lambda b: (b.label.casefold(), b.iri))
    lists = []
    for heading, cls, about in LISTS:
        items = [(x, label(x), _by_label((s, label(s)) for s in sections.get(x, []))) for x in listed_iris[cls]]
        lists.append(Listing(heading, about, vocab + cls, _by_label(items), totals[cls]))
    return Directory(tree, units_total, lists, _key_services(store, listed_iris.get("Hotline", [])[:key_services],
                                                             vocab))


def _key_services(store, iris: list[str], vocab: str) -> list[KeyService]:
    """The hotline numbers and who funds and runs each service: the facts of its own resource page."""
    out = []
    for iri in iris:
        d = describe(store, iri)
        if not d.exists:
            continue
        in_facts = [f for f in d.facts if f.direction == "in"]
        out.append(KeyService(iri, d.label or iri, d.current_name,
                              [(c.telephone, c.hours) for c in d.contacts],
                              [f for f in in_facts if f.predicate.value == vocab + "funds"],
                              [f for f in in_facts if f.predicate.value == vocab + "operates"]))
    return out
