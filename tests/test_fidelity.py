"""What a domain expert checked in the content: one regression test per error an audit found.

Each test asks the compiled graph (the curated files parsed and enriched, as the build makes them)
a question whose right answer comes from the source page and ``reference/facts.md``; the numbers in
the comments are facts.md rows. The SHACL shapes keep most of these errors from coming back
(``docs/shapes.md``); these tests pin the answers themselves.
"""

from __future__ import annotations

import re

import pytest
import pyoxigraph as ox

H = "https://w3id.org/htkg/"
PREFIXES = f"""
PREFIX htkg: <{H}def/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX orgs: <{H}id/org/>
PREFIX svc: <{H}id/service/>
PREFIX law: <{H}id/law/>
PREFIX topic: <{H}id/topic/>
PREFIX pg: <{H}graph/page/>
PREFIX ext: <{H}graph/ext/>
"""
# reference/facts.md §2: the rows verified only in secondary sources (V2).
V2_ROWS = {5, 13, 27, 47, 50, 51, 53, 55, 58, 76, 79}


def _short(term) -> str:
    value = term.value if hasattr(term, "value") else str(term)
    return value.replace(H + "id/", "").replace(H + "graph/", "").replace(H + "def/", "")


def rows(store: ox.Store, sparql: str) -> list[tuple[str, ...]]:
    result = store.query(PREFIXES + sparql, use_default_graph_as_union=True)
    return sorted(tuple(_short(s[v]) if s[v] is not None else "" for v in result.variables) for s in result)


def ask(store: ox.Store, sparql: str) -> bool:
    return bool(store.query(PREFIXES + sparql, use_default_graph_as_union=True))


# 1. The hotline: the responsible agency is its provider, each operator a dated serviceOperator.

def test_hotline_provider_is_the_responsible_agency(compiled):
    assert rows(compiled, "SELECT DISTINCT ?p WHERE { svc:nhtrc schema:provider ?p }") == [("org/acf",)]


def test_hotline_operators_are_dated_service_operators(compiled):
    got = rows(compiled, """SELECT ?op ?start ?end WHERE {
        svc:nhtrc schema:serviceOperator ?role . ?role schema:serviceOperator ?op ; schema:startDate ?start .
        OPTIONAL { ?role schema:endDate ?end } }""")
    assert got == [("org/compass-connections", "2025", ""), ("org/polaris", "2007-12", "2025")]  # rows 42, 45, 49
    assert not ask(compiled, "ASK { svc:nhtrc schema:serviceOperator ?x . ?x a org:Organization }")


def test_provider_only_on_services(compiled):
    """schema:provider's domain: no organization (the HSTC was one) is anything's provider subject."""
    assert rows(compiled, "SELECT DISTINCT ?s WHERE { ?s schema:provider ?p . ?s a org:Organization }") == []


# 2. The HSTC: an interagency body operated by State, DHS and the Attorney General (rows 68, 69).

def test_hstc_is_no_unit_of_state(compiled):
    assert not ask(compiled, "ASK { orgs:hstc org:subOrganizationOf|org:transitiveSubOrganizationOf ?parent }")
    assert ask(compiled, "ASK { orgs:hstc a htkg:InteragencyBody }")
    assert rows(compiled, "SELECT ?o WHERE { ?o htkg:operates orgs:hstc }") == [("org/dhs",), ("org/doj",), ("org/dos",)]


def test_the_pages_state_initiative_claim_is_kept_as_the_pages(compiled):
    assert ask(compiled, "ASK { GRAPH pg:dos-initiative-hstc { orgs:hstc htkg:initiativeOf orgs:dos } }")


# 3. Time on every time-bound fact.

def test_every_operation_has_a_time(compiled):
    assert rows(compiled, """SELECT ?op WHERE { ?op a htkg:Operation .
        FILTER NOT EXISTS { ?op schema:startDate|schema:endDate|htkg:asOf ?t }
        FILTER EXISTS { GRAPH ?g { ?op ?p ?o } FILTER STRSTARTS(STR(?g), "https://w3id.org/htkg/graph/ext/") } }""") == []


def test_ice_runs_the_hstc_only_as_of_2008(compiled):
    assert not ask(compiled, "ASK { orgs:ice htkg:operates orgs:hstc }")
    assert rows(compiled, """SELECT ?when WHERE { ?op htkg:operator orgs:ice ; htkg:operatedThing orgs:hstc ;
        htkg:asOf ?when }""") == [("2008",)]


def test_no_shortcut_for_an_ended_operation(compiled):
    assert rows(compiled, """SELECT ?o ?t WHERE { ?o htkg:operates ?t .
        FILTER NOT EXISTS { ?op htkg:operator ?o ; htkg:operatedThing ?t .
                            FILTER NOT EXISTS { ?op schema:endDate|htkg:asOf ?w } }
        FILTER EXISTS { ?op2 htkg:operator ?o ; htkg:operatedThing ?t } }""") == []


def test_the_hotline_address_is_dated(compiled):
    assert ask(compiled, """ASK { GRAPH ?g { svc:nhtrc <http://xmlns.com/foaf/0.1/homepage> ?home }
        GRAPH <https://w3id.org/htkg/graph/provenance> { ?g dct:temporal ?when } }""")


# 4. Revision per claim: a graph that a later source revises holds no claim another source states.

def test_no_true_claim_is_flagged_as_revised(compiled):
    got = rows(compiled, """SELECT DISTINCT ?page ?s ?p ?o WHERE {
        ?ext htkg:revises ?page .
        GRAPH ?page { ?s ?p ?o } FILTER (isIRI(?o) && ?p != rdf:type)
        GRAPH ?other { ?s ?p ?o } FILTER (STRSTARTS(STR(?other), "https://w3id.org/htkg/graph/ext/")) }""")
    assert got == []
    assert not ask(compiled, "ASK { ?ext htkg:revises ?g . GRAPH ?g { orgs:tip-office org:subOrganizationOf orgs:dos } }")


# 5. One direct parent.

def test_one_direct_parent(compiled):
    assert rows(compiled, """SELECT ?u WHERE { ?u org:subOrganizationOf ?a , ?b . FILTER (?a != ?b) }""") == []
    assert rows(compiled, "SELECT ?p WHERE { orgs:ceos org:subOrganizationOf ?p }") == [("org/criminal-division",)]
    assert rows(compiled, "SELECT ?p WHERE { orgs:otip org:subOrganizationOf ?p }") == [("org/acf",)]


# 6. The TVPA's citation (row 75).

def test_tvpa_is_cited_at_114_stat_1466(compiled):
    got = rows(compiled, "SELECT ?id WHERE { law:tvpa-2000 schema:legislationIdentifier ?id }")
    assert ("114 Stat. 1466",) in got and ("114 Stat. 1464",) not in got


# 7. One creation event per organization; an authorization is not one.

def test_one_creation_event_per_organization(compiled):
    got = rows(compiled, """SELECT ?org (COUNT(DISTINCT ?e) AS ?n) WHERE {
        ?org org:resultedFrom ?e .
        FILTER NOT EXISTS { GRAPH ?g { ?e a htkg:Establishment } ?x htkg:revises ?g } }
        GROUP BY ?org HAVING (COUNT(DISTINCT ?e) > 1)""")
    assert got == []
    assert not ask(compiled, "ASK { ?org org:resultedFrom ?e . ?e a htkg:Authorization }")
    assert rows(compiled, """SELECT ?e WHERE { orgs:ovc org:resultedFrom ?e .
        FILTER NOT EXISTS { GRAPH ?g { ?e a htkg:Establishment } ?x htkg:revises ?g } }""") == [("event/ovc-created-1983",)]


# 8. Source addresses: the page facts.md names, not a folder or a home page.

def test_sources_of_facts_rows_are_pages_not_folders(compiled):
    got = rows(compiled, """SELECT ?g ?src WHERE { GRAPH <https://w3id.org/htkg/graph/provenance> {
        ?g htkg:factsRow ?row ; dct:source ?src } }""")
    bad = [(g, src) for g, src in got if re.fullmatch(r"https?://[^/]+/?", src) or re.search(r"/\d{4}/\d{2}/\d{2}/$", src)]
    assert bad == []
    sources = {src for _, src in got}
    assert "https://getpocketlaw.com/law/usc_8/section-1777-establishment-of-human-smuggling-and-trafficking-center_b82c9b69170c" in sources
    assert not any("law.cornell.edu/uscode/text/8/1777" in s for s in sources)  # facts.md lists no such copy


# 9. Verification per fact: a graph states rows of one status only, and that status is its own.

def test_verification_matches_the_rows_stated(compiled):
    got = rows(compiled, """SELECT ?g ?row ?v WHERE { GRAPH <https://w3id.org/htkg/graph/provenance> {
        ?g htkg:factsRow ?row ; htkg:verification ?v } }""")
    wrong = [(g, row, v) for g, row, v in got if (int(row) in V2_ROWS) != (v == "VerifiedSecondary")]
    assert wrong == []


# 10. The 2025 award funds the hotline's operation (row 45).

def test_who_funds_the_hotline_now(compiled):
    got = rows(compiled, """SELECT DISTINCT ?funder WHERE { ?f a htkg:Funding ; schema:fundedItem svc:nhtrc ;
        schema:funder ?funder . FILTER NOT EXISTS { ?f schema:endDate ?end } }""")
    assert ("org/acf",) in got
    assert rows(compiled, """SELECT ?item ?to WHERE { ?f schema:fundedItem ?item ; htkg:awardedTo ?to ;
        schema:startDate "2025-09-22"^^<http://www.w3.org/2001/XMLSchema#date> }""") == \
        [("service/nhtrc", "org/compass-connections")]


# 11. The page's text as printed.

def test_page_title_kept_as_printed(compiled, source_text):
    title = rows(compiled, "SELECT ?t WHERE { <https://w3id.org/htkg/id/page/ojjdp-services-for-survivors> dct:title ?t }")
    assert title == [("Office of Juvenile Justice and Delinquency Prevention (OJJDP): Human Trafficking ??? Services for Survivors",)]
    assert title[0][0] in source_text
    assert ask(compiled, "ASK { <https://w3id.org/htkg/id/page/ojjdp-services-for-survivors> htkg:repairedTitle ?r }")


@pytest.fixture(scope="module")
def source_text() -> str:
    from pathlib import Path
    return (Path(__file__).resolve().parents[1] / "data" / "sources" / "ojp-related-resources.txt").read_text(encoding="utf-8")


# 12. Topics.

def test_worker_exploitation_is_not_a_kind_of_trafficking(compiled):
    assert not ask(compiled, "ASK { topic:worker-exploitation skos:broader+ topic:human-trafficking }")


def test_investigation_and_prosecution_are_two_topics(compiled):
    assert rows(compiled, "SELECT ?t WHERE { orgs:crt-criminal-section htkg:addressesTopic ?t FILTER (?t IN (topic:investigation, topic:prosecution)) }") \
        == [("topic/prosecution",)]
    assert ask(compiled, "ASK { orgs:dhs htkg:addressesTopic topic:investigation }")


# 13. Codifications as separate, ordered resources (row 22).

def test_where_section_1411_is_codified_now(compiled):
    sec = "<https://w3id.org/htkg/id/law/voca-1984/sec-1411>"
    assert rows(compiled, f"SELECT ?c ?n WHERE {{ {sec} htkg:codifiedAt ?c . ?c htkg:codificationOrder ?n }}") == \
        [("law/usc/34-20111", "2"), ("law/usc/42-10605", "1")]
    assert rows(compiled, f"""SELECT ?id WHERE {{ {sec} htkg:codifiedAt ?c . ?c schema:legislationIdentifier ?id .
        FILTER NOT EXISTS {{ ?c dct:isReplacedBy ?later }} }}""") == [("34 U.S.C. 20111",)]


# The claims ledger (compiler/ledger.py): derived at build time, and a revision never flags a true claim.

def test_every_page_claim_has_one_derived_standing(compiled):
    assert rows(compiled, """SELECT ?g WHERE { ?g htkg:quote ?q .
        FILTER NOT EXISTS { ?g htkg:standing ?s } }""") == []
    counts = dict(rows(compiled, "SELECT ?s (COUNT(?g) AS ?n) WHERE { ?g htkg:standing ?s } GROUP BY ?s"))
    assert counts == {"Corroborated": "15", "PageOnly": "48", "Revised": "4"}


def test_a_revised_claim_that_another_source_states_stops_the_build(tmp_path):
    """The old mistake: the TIP Office's true place under State sat in a graph revised for the HSTC."""
    from pathlib import Path
    from htkg.compiler.compile import compile_files
    from htkg.errors import DataError
    root = Path(__file__).resolve().parents[1]
    trig = tmp_path / "clash.trig"
    trig.write_text("""BASE <https://w3id.org/htkg/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX htkg: <https://w3id.org/htkg/def/>
<graph/provenance> {
  <graph/page/dos-initiatives> htkg:quote "Following are Department of State initiatives that focus on anti-trafficking efforts" .
  <graph/ext/usc> dct:source <https://checkoutapi.com/uscode/8/1777> ; htkg:verification htkg:Verified ; htkg:factsRow 69 ;
      htkg:revises <graph/page/dos-initiatives> .
  <graph/ext/jtip> dct:source <https://www.state.gov/> ; htkg:verification htkg:Verified ; htkg:factsRow 63 .
}
<graph/page/dos-initiatives> {
  <id/org/hstc> org:subOrganizationOf <id/org/dos> .
  <id/org/tip-office> org:subOrganizationOf <id/org/dos> .
}
<graph/ext/usc> { <id/org/dhs> htkg:operates <id/org/hstc> . }
<graph/ext/jtip> { <id/org/tip-office> org:subOrganizationOf <id/org/dos> . }
""", encoding="utf-8")
    with pytest.raises(DataError) as info:
        compile_files(sorted((root / "ontology").glob("*.ttl")) + [trig])
    text = str(info.value)
    assert "graph/page/dos-initiatives" in text and "graph/ext/jtip" in text and "revised" in text


def test_resource_descriptions_carry_each_page_claims_standing(store):
    """describe() gives each page citation its claim's standing (for the resource pages)."""
    from htkg.dataset.describe import describe
    d = describe(store, H + "id/org/hstc")
    standing = {c.graph.rsplit("/", 1)[-1]: c.standing for s in d.outgoing for c in s.citations if c.kind == "page"}
    assert standing["dos-initiative-hstc"] == "Revised"
    assert standing["hstc-established-by-irtpa-7202"] == "Corroborated"
    assert standing["hstc-mission"] == "PageOnly"
    assert all(c.standing is None for s in d.outgoing for c in s.citations if c.kind == "ext")


def test_the_new_facts_are_in_standard_terms_for_a_client_without_inference(compiled):
    """The standard-vocabulary view of the fixes: ORG, schema.org, PROV, DCTERMS, SKOS and ELI alone."""
    assert ask(compiled, "ASK { orgs:hstc a org:Organization , schema:GovernmentOrganization ; org:linkedTo orgs:dos }")
    assert ask(compiled, "ASK { orgs:ceos org:transitiveSubOrganizationOf orgs:doj ; schema:parentOrganization orgs:criminal-division }")
    assert ask(compiled, "ASK { pg:dos-initiative-hstc dct:type htkg:Revised . ext:usc-8-1777 dct:relation pg:dos-initiative-hstc }")
    assert ask(compiled, """ASK { ?rev a prov:Entity ; prov:wasDerivedFrom pg:dos-initiative-hstc , ext:usc-8-1777 ;
        dct:date "2004-12-17"^^<http://www.w3.org/2001/XMLSchema#date> }""")
    assert ask(compiled, """ASK { <https://w3id.org/htkg/id/law/usc/34-20111> a <http://data.europa.eu/eli/ontology#LegalResource> ;
        dct:replaces <https://w3id.org/htkg/id/law/usc/42-10605> .
        <https://w3id.org/htkg/id/law/voca-1984/sec-1411> dct:relation <https://w3id.org/htkg/id/law/usc/34-20111> }""")
    assert ask(compiled, """ASK { <https://w3id.org/htkg/id/operation/ice-hstc> a schema:Role ;
        dct:date "2008"^^<http://www.w3.org/2001/XMLSchema#gYear> }""")
    assert ask(compiled, "ASK { ?e a org:ChangeEvent ; org:originalOrganization ?old ; org:resultingOrganization orgs:otip }")
