"""A deterministic generator of realistic synthetic data in the project's own model, for scale tests.

``synth(out, triples=N, seed=S)`` writes a project directory that ``htkg build --root out`` accepts:

    out/ontology/ out/shapes/ out/queries/ out/data/ (curated)  copied from the project
    out/data/synth-NNNNN.trig                                  topic scheme (graph:vocab), statutes and
                                                               sections, departments → agencies →
                                                               offices, programs, recipients, awards

Every fact sits in a ``graph:ext/synth-…`` graph whose citation in ``graph:provenance`` names a
synthetic source (``https://synth.example.org/…``, titled as synthetic), so the shapes pass and no
one can mistake the data for real. Writing streams: memory stays constant whatever ``N`` is. ``N``
counts the statements written to the files; the build's enrichment roughly doubles them.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TextIO

__all__ = ["synth", "SynthResult"]

_PREFIXES = """PREFIX xsd:    <http://www.w3.org/2001/XMLSchema#>
PREFIX skos:   <http://www.w3.org/2004/02/skos/core#>
PREFIX dct:    <http://purl.org/dc/terms/>
PREFIX org:    <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX eli:    <http://data.europa.eu/eli/ontology#>
PREFIX htkg:   <https://w3id.org/htkg/def/>
PREFIX graph:  <https://w3id.org/htkg/graph/>
PREFIX gext:   <https://w3id.org/htkg/graph/ext/>
PREFIX orgs:   <https://w3id.org/htkg/id/org/>
PREFIX prog:   <https://w3id.org/htkg/id/program/>
PREFIX law:    <https://w3id.org/htkg/id/law/>
PREFIX topic:  <https://w3id.org/htkg/id/topic/>
PREFIX scheme: <https://w3id.org/htkg/id/scheme/>
PREFIX page:   <https://w3id.org/htkg/id/page/>
PREFIX fund:   <https://w3id.org/htkg/id/funding/>
PREFIX event:  <https://w3id.org/htkg/id/event/>
PREFIX op:     <https://w3id.org/htkg/id/operation/>

"""
_SOURCE = "https://synth.example.org/"
_ID = "https://w3id.org/htkg/id/"
_TOPICS = (
    "Human trafficking", "Labor trafficking", "Sex trafficking", "Victim services", "Victim compensation",
    "Victim identification", "Prevention", "Research", "Training", "Public awareness", "Task forces",
    "Investigation and prosecution", "Child exploitation", "Immigration relief", "Housing assistance",
    "Legal services", "Mental health care", "Case management", "Data collection", "Supply chains",
    "Youth outreach", "Tribal communities", "Online exploitation", "Forced marriage",
)
_DEPT_WORDS = ("Justice", "Labor", "Health", "Homeland Security", "State", "Education", "Interior",
               "Agriculture", "Commerce", "Transportation", "Treasury", "Housing", "Energy", "Defense")
_UNIT_KINDS = ("Office", "Bureau", "Administration", "Service", "Center", "Institute")
_UNIT_SUBJECTS = ("Victim Assistance", "Justice Programs", "Community Protection", "Labor Standards",
                  "Refugee Resettlement", "Investigations", "Child Welfare", "Civil Rights", "Research",
                  "Border Protection", "Public Health", "Grants Management", "Outreach", "Policy")
_PROGRAM_KINDS = ("Grant Program", "Initiative", "Task Force Program", "Training Program", "Campaign",
                  "Demonstration Program", "Technical Assistance Program")
_RECIPIENT_KINDS = ("Coalition", "Legal Aid Society", "Shelter Network", "Outreach Center", "Alliance",
                    "Family Services", "Community Foundation")
_PLACES = ("Northern", "Southern", "Eastern", "Western", "Central", "Coastal", "Mountain", "River",
           "Lakes", "Valley", "Prairie", "Capital")


@dataclass
class SynthResult:
    out: Path
    triples: int
    files: int
    departments: int
    agencies: int
    awards: int


class _Writer:
    """Writes graph blocks into numbered TriG files, starting a new file every ``per_file`` statements."""

    def __init__(self, folder: Path, per_file: int):
        self.folder, self.per_file = folder, per_file
        self.total = self.in_file = self.files = 0
        self.fh: TextIO | None = None

    def block(self, graph: str, statements: list[str]) -> None:
        if self.fh is None or self.in_file >= self.per_file:
            self._next()
        self.fh.write(f"{graph} {{\n")
        for s in statements:
            self.fh.write("  ")
            self.fh.write(s)
            self.fh.write(" .\n")
        self.fh.write("}\n")
        self.total += len(statements)
        self.in_file += len(statements)

    def _next(self) -> None:
        self.close()
        self.files += 1
        self.fh = open(self.folder / f"synth-{self.files:05d}.trig", "w", encoding="utf-8")
        self.fh.write(_PREFIXES)
        self.in_file = 0

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"@en'


def _cite(graph: str, title: str, path: str, row: int) -> list[str]:
    return [f"{graph} dct:source <{_SOURCE}{path}>",
            f"{graph} dct:title {_lit('Synthetic data (htkg synth): ' + title)}",
            f"{graph} htkg:verification htkg:Verified",
            f"{graph} htkg:factsRow {row}"]


def synth(out: Path, triples: int, *, seed: int = 1, project_root: Path = Path("."),
          per_file: int = 200_000, progress: Callable[[int], None] | None = None) -> SynthResult:
    """Write a synthetic project of about ``triples`` statements into ``out`` (replacing its data)."""
    if triples < 1:
        raise ValueError("triples must be at least 1")
    out = Path(out)
    for folder in ("ontology", "shapes", "queries"):
        if (out / folder).exists():
            shutil.rmtree(out / folder)
        if (project_root / folder).is_dir():
            shutil.copytree(project_root / folder, out / folder)
    data = out / "data"
    if data.exists():
        shutil.rmtree(data)
    (data / "sources").mkdir(parents=True)
    # the curated data come along: the named queries' examples and the citations point into them
    for p in sorted((project_root / "data").rglob("*")) if (project_root / "data").is_dir() else ():
        if p.is_file() and (p.suffix in (".trig", ".ttl") or p.parent.name == "sources"):
            dst = data / p.relative_to(project_root / "data")
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dst)
    rng = random.Random(seed)
    tick = progress or (lambda _n: None)
    w = _Writer(data, per_file)
    try:
        _vocab(w)
        n_statutes = max(4, min(400, triples // 5000))
        _statutes(w, n_statutes)
        counts = {"departments": 0, "agencies": 0, "awards": 0}
        for _ in _agencies(w, rng, triples, n_statutes, counts):
            tick(w.total)
    finally:
        w.close()
    return SynthResult(out, w.total, w.files, counts["departments"], counts["agencies"], counts["awards"])


def _vocab(w: _Writer) -> None:
    st = ["scheme:synth-topics a skos:ConceptScheme",
          f"scheme:synth-topics skos:prefLabel {_lit('Synthetic anti-trafficking topics')}"]
    for i, label in enumerate(_TOPICS):
        t = f"topic:synth-{i:02d}"
        st += [f"{t} a htkg:Topic", f"{t} skos:inScheme scheme:synth-topics", f"{t} skos:prefLabel {_lit(label)}"]
        if i < 4:
            st += [f"{t} skos:topConceptOf scheme:synth-topics", f"scheme:synth-topics skos:hasTopConcept {t}"]
        else:
            st.append(f"{t} skos:broader topic:synth-{i % 4:02d}")
    w.block("graph:vocab", st)


def _statutes(w: _Writer, n: int) -> None:
    g = "gext:synth-statutes"
    st = []
    for k in range(n):
        year = 1970 + (k * 7) % 54
        act = f"law:synth-act-{k}-{year}"
        st += [f"{act} a htkg:Statute", f"{act} skos:prefLabel {_lit(f'Synthetic Protection Act No. {k} of {year}')}",
               f"{act} schema:legislationDate \"{year}-0{1 + k % 9}-15\"^^xsd:date",
               f"{act} schema:legislationIdentifier \"Pub. L. {year % 100}-{k}\""]
        for s in range(1, 6):
            sec = f"<{_ID}law/synth-act-{k}-{year}/sec-{100 * s + k % 100}>"
            st += [f"{sec} a htkg:StatuteSection", f"{sec} eli:is_part_of {act}",
                   f"{sec} skos:prefLabel {_lit(f'Section {100 * s + k % 100} of Act No. {k}')}",
                   f"{sec} eli:number \"{100 * s + k % 100}\""]
    w.block(g, st)
    w.block("graph:provenance", _cite(g, "statutes", "statutes", 1))


def _section(k: int, s: int) -> str:
    year = 1970 + (k * 7) % 54
    return f"<{_ID}law/synth-act-{k}-{year}/sec-{100 * s + k % 100}>"


def _org(iri: str, cls: str, label: str, rng: random.Random) -> list[str]:
    """An organization's class, English name and one topic it addresses."""
    return [f"{iri} a {cls}", f"{iri} skos:prefLabel {_lit(label)}",
            f"{iri} htkg:addressesTopic topic:synth-{rng.randrange(len(_TOPICS)):02d}"]


def _agencies(w: _Writer, rng: random.Random, target: int, n_statutes: int, counts: dict) -> Iterator[None]:
    """One agency (with its offices, programs, recipients and awards) per step, until ``target``."""
    per_dept = 12
    a = 0
    programs_so_far = 0
    while w.total < target:
        d, local = divmod(a, per_dept)
        dept = f"orgs:synth-dept-{d}"
        if local == 0:
            counts["departments"] += 1
            g = f"gext:synth-dept-{d}"
            name = f"Department of {_DEPT_WORDS[d % len(_DEPT_WORDS)]}" + (f" {d // len(_DEPT_WORDS) + 1}" if d >= len(_DEPT_WORDS) else "")
            w.block(g, [f"{dept} a htkg:Department", f"{dept} skos:prefLabel {_lit(name)}",
                        f"{dept} skos:altLabel {_lit('SD' + str(d))}"])
            w.block("graph:provenance", _cite(g, f"department {d}", f"departments/{d}", 2))
        counts["agencies"] += 1
        ag = f"orgs:synth-agency-{a}"
        g = f"gext:synth-agency-{a}"
        uname = f"{rng.choice(_UNIT_KINDS)} of {rng.choice(_UNIT_SUBJECTS)} {a}"
        st = [f"{ag} a htkg:GovernmentUnit", f"{ag} skos:prefLabel {_lit(uname)}",
              f"{ag} skos:altLabel {_lit('SA' + str(a))}", f"{ag} org:subOrganizationOf {dept}",
              f"{ag} htkg:addressesTopic topic:synth-{rng.randrange(len(_TOPICS)):02d}"]
        # established by a section of a statute, qualified node and shortcut
        k, s = rng.randrange(n_statutes), rng.randrange(1, 6)
        ev = f"event:synth-agency-{a}-established"
        st += [f"{ag} htkg:establishedBy {_section(k, s)}", f"{ag} org:resultedFrom {ev}",
               f"{ev} a htkg:Establishment", f"{ev} htkg:legalBasis {_section(k, s)}",
               f"{ev} htkg:establishedOrganization {ag}"]
        pg = f"page:synth-agency-{a}"
        st += [f"{pg} a htkg:ResourcePage", f"{pg} dct:title {_lit(uname + ': resources')}",
               f"{pg} skos:prefLabel {_lit(uname + ': resources')}", f"{pg} dct:publisher {ag}",
               f"{ag} htkg:resourcePage {pg}"]
        offices = []
        for o in range(3):
            off = f"orgs:synth-agency-{a}-office-{o}"
            offices.append(off)
            st += _org(off, "htkg:GovernmentUnit", f"{rng.choice(_UNIT_SUBJECTS)} Division {o} of {uname}", rng)
            st.append(f"{off} org:subOrganizationOf {ag}")
        programs = []
        for p in range(4):
            pr = f"prog:synth-agency-{a}-program-{p}"
            programs.append(pr)
            runner = rng.choice([ag] + offices)
            opn = f"op:synth-agency-{a}-program-{p}"
            kind = "htkg:FundingProgram" if p == 0 else "htkg:Program"
            st += [f"{pr} a {kind}",
                   f"{pr} skos:prefLabel {_lit(f'{rng.choice(_PLACES)} {rng.choice(_TOPICS)} {rng.choice(_PROGRAM_KINDS)} {a}-{p}')}",
                   f"{pr} htkg:addressesTopic topic:synth-{rng.randrange(len(_TOPICS)):02d}",
                   f"{runner} htkg:operates {pr}", f"{opn} a htkg:Operation",
                   f"{opn} htkg:operator {runner}", f"{opn} htkg:operatedThing {pr}",
                   f"{opn} schema:startDate \"{2000 + (a + p) % 24}\"^^xsd:gYear"]   # an outside operation is dated
            if p > 0:
                st.append(f"{pr} htkg:partOfProgram {programs[0]}")
        w.block(g, st)
        w.block("graph:provenance", _cite(g, f"agency {a}", f"agencies/{a}", 3))
        # recipients and awards, in the agency's award listing
        g = f"gext:synth-awards-{a}"
        st = []
        recipients = []
        for r in range(6):
            rec = f"orgs:synth-recipient-{a}-{r}"
            recipients.append(rec)
            st += _org(rec, "htkg:NonprofitOrganization", f"{rng.choice(_PLACES)} {rng.choice(_RECIPIENT_KINDS)} {a}-{r}", rng)
        funded = set()
        for n in range(40):
            funder = rng.choice([ag] + offices)
            pick = rng.random()
            if pick < 0.6:
                item = rng.choice(recipients)
            elif pick < 0.85 or programs_so_far == 0:
                item = rng.choice(programs)
            else:  # a program of another agency, funded across the department boundary
                other = rng.randrange(programs_so_far)
                item = f"prog:synth-agency-{other // 4}-program-{other % 4}"
            fy = 2001 + rng.randrange(24)
            award = f"fund:synth-{a}-{n}"
            amount = f"<{_ID}funding/synth-{a}-{n}#amount>"
            value = rng.randrange(25, 4000) * 1000
            st += [f"{award} a htkg:Funding", f"{award} schema:funder {funder}", f"{award} schema:fundedItem {item}",
                   f"{award} schema:identifier \"SYN-{fy}-{a:06d}-{n:03d}\"",
                   f"{award} skos:prefLabel {_lit(f'Award SYN-{fy}-{a:06d}-{n:03d} (FY{fy})')}",
                   f"{award} schema:startDate \"{fy - 1}-10-01\"^^xsd:date",
                   f"{award} schema:endDate \"{fy}-09-30\"^^xsd:date",
                   f"{award} schema:amount {amount}", f"{amount} a schema:MonetaryAmount",
                   f"{amount} schema:value {value}", f"{amount} schema:currency \"USD\""]
            if (funder, item) not in funded:
                funded.add((funder, item))
                st.append(f"{funder} htkg:funds {item}")
        counts["awards"] += 40
        w.block(g, st)
        w.block("graph:provenance", _cite(g, f"awards of agency {a}", f"awards/{a}", 4))
        programs_so_far += 4
        a += 1
        yield None
