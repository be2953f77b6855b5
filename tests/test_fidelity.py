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
    assert counts == {"Corroborated": "16", "PageOnly": "47", "Revised": "4"}  # + pg:doj-office-ovw (CRS R42499, row 30)


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


# --- Fidelity II, the rest: facts.md rows the graph did not state, and notes restored as nodes. ---

XSD = "http://www.w3.org/2001/XMLSchema#"


def test_ojps_predecessors_with_their_periods_and_succession(compiled):
    """Rows 3 and 5: LEAA (1968–1982), then OJARS (1982–1984), then OJP (12 Oct 1984), each a change event."""
    assert rows(compiled, """SELECT DISTINCT ?org ?from ?to WHERE { ?org a htkg:FormerAgency ; schema:foundingDate ?from ;
        schema:dissolutionDate ?to FILTER (?org IN (orgs:leaa, orgs:ojars)) }""") == \
        [("org/leaa", "1968", "1982"), ("org/ojars", "1982", "1984")]
    assert rows(compiled, """SELECT ?new ?old ?date WHERE { ?e a org:ChangeEvent ; org:originalOrganization ?old ;
        org:resultingOrganization ?new ; dct:date ?date . ?new dct:replaces ?old
        FILTER (?old IN (orgs:leaa, orgs:ojars)) }""") == \
        [("org/ojars", "org/leaa", "1982"), ("org/ojp", "org/ojars", "1984-10-12")]
    assert rows(compiled, """SELECT ?v WHERE { GRAPH ?g { orgs:ojars dct:replaces orgs:leaa }
        GRAPH <https://w3id.org/htkg/graph/provenance> { ?g htkg:verification ?v } }""") == [("VerifiedSecondary",)]


def test_ojjdp_was_created_within_leaa_but_leaa_is_no_current_parent(compiled):
    """Row 18: a dated former home, never a current parent."""
    assert rows(compiled, "SELECT ?p WHERE { orgs:ojjdp org:subOrganizationOf ?p }") == [("org/ojp",)]
    assert ask(compiled, "ASK { orgs:ojjdp htkg:createdWithin orgs:leaa ; org:linkedTo orgs:leaa }")
    assert not ask(compiled, """ASK { ?x org:subOrganizationOf ?p . ?p a htkg:FormerAgency
        FILTER NOT EXISTS { ?x a htkg:FormerAgency } }""")


def test_nij_renamed_in_1978_and_the_founding_day_is_left_unsaid(compiled):
    """Rows 12–13: the forerunner created 1968 under the Omnibus Act, renamed in 1978; the day is unverified."""
    assert rows(compiled, """SELECT ?date WHERE { ?e org:originalOrganization orgs:nilecj ;
        org:resultingOrganization orgs:nij ; dct:date ?date }""") == [("1978",)]
    assert ask(compiled, "ASK { orgs:nilecj htkg:establishedBy law:omnibus-1968 ; schema:foundingDate ?d }")
    assert not ask(compiled, f"""ASK {{ ?s ?p ?o FILTER (?o IN ("1968-10-21"^^<{XSD}date>, "1969"^^<{XSD}gYear>)) }}""")


def test_nij_authority_without_the_unverified_title_34_codification(compiled):
    """Row 14 (V) is stated, row 15 (U) is not: no codification of the Omnibus Act at all."""
    assert rows(compiled, "SELECT ?law WHERE { orgs:nij htkg:authorizedBy ?law }") == \
        [("law/hsa-2002",), ("law/omnibus-1968",)]
    assert not ask(compiled, "ASK { ?x htkg:codifiedAt ?c FILTER (STRSTARTS(STR(?x), STR(law:omnibus-1968))) }")
    assert not ask(compiled, """ASK { ?c a htkg:Codification ; schema:legislationIdentifier ?id
        FILTER (CONTAINS(?id, "3721") || CONTAINS(?id, "34 U.S.C. 10")) }""")


def test_bjas_statutory_home_is_section_401_of_the_omnibus_act(compiled):
    """Row 7: an authorization, not a second creation (BJA was created by the Justice Assistance Act)."""
    assert ask(compiled, """PREFIX eli: <http://data.europa.eu/eli/ontology#>
        ASK { orgs:bja htkg:authorizedBy ?s . ?s eli:number "401" ; eli:is_part_of law:omnibus-1968 .
        ?e a htkg:Authorization ; htkg:legalBasis ?s ; htkg:authorizedOrganization orgs:bja }""")
    assert rows(compiled, "SELECT ?e WHERE { orgs:bja org:resultedFrom ?e }") == [("event/bja-established",)]


def test_jjdp_act_signed_7_september_1974(compiled):
    """Rows 16, 17, 81."""
    assert rows(compiled, "SELECT ?d WHERE { law:jjdp-act-1974 schema:legislationDate ?d }") == [("1974-09-07",)]
    assert rows(compiled, "SELECT ?id WHERE { law:jjdp-act-1974 schema:legislationIdentifier ?id }") == \
        [("42 U.S.C. 5601 et seq.",), ("Pub. L. 93-415",)]


def test_ojjdp_runs_icac_since_1998_and_supports_ncmec(compiled):
    """Row 19."""
    assert rows(compiled, """SELECT ?start WHERE { ?op htkg:operator orgs:ojjdp ; htkg:operatedThing ?p ;
        schema:startDate ?start . ?p skos:altLabel "ICAC Task Force Program"@en }""") == [("1998",)]
    assert ask(compiled, "ASK { orgs:ojjdp htkg:supports orgs:ncmec . orgs:ncmec a schema:NGO }")


def test_ovw_created_in_1995_and_codified_in_2002(compiled):
    """Rows 30–31: one creation (administrative, no statute), the 2002 codification an authorization."""
    assert rows(compiled, "SELECT ?e ?d WHERE { orgs:ovw org:resultedFrom ?e . ?e dct:date ?d }") == \
        [("event/ovw-created-1995", "1995")]
    assert not ask(compiled, "ASK { orgs:ovw htkg:establishedBy ?law }")
    assert rows(compiled, """SELECT ?id ?d WHERE { ?a a htkg:Authorization ; htkg:authorizedOrganization orgs:ovw ;
        htkg:legalBasis ?law ; dct:date ?d . ?law schema:legislationIdentifier ?id }""") == [("Pub. L. 107-273", "2002")]
    assert rows(compiled, """SELECT ?id ?d WHERE { law:vawa-1994 schema:legislationIdentifier ?id ;
        schema:legislationDate ?d }""") == [("Pub. L. 103-322, title IV", "1994-09-13")]


def test_dhs_resulted_from_the_homeland_security_act_as_a_statute_node(compiled):
    """Rows 51, 79 (V2): a statute with its Pub. L. number and date, DHS's legal basis."""
    assert ask(compiled, """ASK { orgs:dhs htkg:establishedBy law:hsa-2002 ; org:resultedFrom ?e .
        ?e htkg:legalBasis law:hsa-2002 . law:hsa-2002 a schema:Legislation ;
        schema:legislationIdentifier "Pub. L. 107-296" ; schema:legislationDate "2002-11-25"^^<""" + XSD + "date> }")


def test_ccht_is_hsi_led_and_nothing_unverified_is_said(compiled):
    """Rows 55–57: stood up October 2020, HSI-led (as of 26 Feb 2021 too); not that it administers Continued
    Presence, and no successor link from ICE's former unit."""
    assert rows(compiled, """SELECT ?start ?asof WHERE { ?op htkg:operator orgs:hsi ; htkg:operatedThing orgs:ccht .
        OPTIONAL { ?op schema:startDate ?start } OPTIONAL { ?op htkg:asOf ?asof } }""") == \
        [("", "2021-02-26"), ("2020-10", "")]
    assert rows(compiled, "SELECT ?p WHERE { orgs:ccht org:subOrganizationOf ?p }") == [("org/dhs",)]
    assert not ask(compiled, """ASK { { orgs:ccht ?p ?o } UNION { ?s ?p orgs:ccht }
        FILTER (CONTAINS(STR(?o), "continued-presence") || CONTAINS(STR(?s), "continued-presence")) }""")
    assert not ask(compiled, """ASK { ?unit skos:prefLabel ?l FILTER (CONTAINS(?l, "Human Trafficking Unit"))
        { orgs:ccht ?p ?unit } UNION { ?unit ?p orgs:ccht } }""")


def test_tvpa_signed_by_president_clinton_and_the_hotline_citation(compiled):
    """Rows 76 (V2) and 47 (V2)."""
    assert ask(compiled, """ASK { law:tvpa-2000 prov:wasGeneratedBy ?a ; schema:legislationDate ?d .
        ?a dct:date ?d ; prov:wasAssociatedWith ?who . ?who skos:prefLabel "Bill Clinton"@en }""")
    assert rows(compiled, """SELECT ?cite WHERE { svc:nhtrc htkg:authorizedBy ?s . ?s htkg:codifiedAt ?c .
        ?c schema:legislationIdentifier ?cite }""") == [("22 U.S.C. 7105(b)(1)(B)",)]


def test_notes_are_nodes_now(compiled):
    """Item 2: OTIP's 2020 divisions, the TIP Office's head and five sections, the Crime Victims Fund, the FBI's
    current program, the JVTA (no Pub. L. number or date: row 83 is U), OJP's head."""
    assert rows(compiled, """SELECT ?d WHERE { ?x org:subOrganizationOf orgs:otip ; a htkg:InternalDivision ;
        schema:foundingDate ?d }""") == [("2020-10-02",)] * 3
    assert len(rows(compiled, "SELECT ?x WHERE { ?x org:subOrganizationOf orgs:tip-office ; a htkg:InternalDivision }")) == 5
    assert ask(compiled, """ASK { orgs:tip-office org:hasPost ?p . ?p a org:Post ;
        skos:prefLabel "Ambassador-at-Large to Monitor and Combat Trafficking in Persons"@en }""")
    assert ask(compiled, """ASK { orgs:ojp org:hasPost ?p . ?p skos:prefLabel ?l ; htkg:asOf ?y
        FILTER (CONTAINS(?l, "Assistant Attorney General")) }""")
    assert rows(compiled, """SELECT DISTINCT ?sec ?start WHERE { ?f skos:prefLabel "Crime Victims Fund"@en ; htkg:createdBy ?sec .
        ?op htkg:operator orgs:ovc ; htkg:operatedThing ?f ; schema:startDate ?start }""") == \
        [("law/voca-1984/sec-1402", "1988")]
    assert rows(compiled, """SELECT ?p WHERE { orgs:fbi htkg:operates ?p . ?p skos:prefLabel ?l
        FILTER (CONTAINS(?l, "Crimes Against Children and Human Trafficking")) }""") == [("program/fbi-cacht",)]
    assert not ask(compiled, "ASK { orgs:fbi htkg:operates ?p . ?p skos:prefLabel ?l FILTER (CONTAINS(?l, 'Civil Rights program')) }")
    assert ask(compiled, "ASK { law:jvta-2015 a htkg:Statute }")
    assert not ask(compiled, "ASK { law:jvta-2015 schema:legislationIdentifier|schema:legislationDate|eli:date_document ?x }"
                   .replace("eli:date_document", "<http://data.europa.eu/eli/ontology#date_document>"))
    notes = rows(compiled, """SELECT ?s ?n WHERE { GRAPH ?g { ?s skos:note|skos:scopeNote|skos:historyNote ?n }
        FILTER (STRSTARTS(STR(?g), "https://w3id.org/htkg/graph/ext/")) }""")
    stand_ins = ("three divisions", "Five sections", "Headed by an Assistant Attorney General",
                 "Crimes Against Children", "Justice for Victims of Trafficking Act", "forerunner")
    assert [(s, n) for s, n in notes if any(x in n for x in stand_ins)] == []


def test_the_hotlines_rename_has_no_date(compiled):
    """Row 44 (U): the rename is an org:ChangeEvent with no date, and the operation rule does not fire on it."""
    assert ask(compiled, "ASK { ?e a org:ChangeEvent ; dct:subject svc:nhtrc }")
    assert not ask(compiled, "ASK { ?e a org:ChangeEvent ; dct:subject svc:nhtrc ; ?p ?d FILTER (isLiteral(?d) && DATATYPE(?d) IN (<" + XSD + "date>, <" + XSD + "gYear>, <" + XSD + "gYearMonth>)) }")


def test_the_new_history_is_in_standard_terms_for_a_client_without_inference(compiled):
    """ORG, schema.org, PROV, DCTERMS, SKOS, ELI and FRAPO alone find the predecessors, divisions, posts,
    funds, statutes and authorizations."""
    checks = [
        "ASK { orgs:leaa a org:Organization , schema:GovernmentOrganization ; schema:dissolutionDate ?d ; skos:prefLabel ?l }",
        "ASK { orgs:ojp dct:replaces orgs:ojars . ?e a org:ChangeEvent ; org:originalOrganization orgs:ojars ; org:resultingOrganization orgs:ojp }",
        "ASK { orgs:ojjdp org:linkedTo orgs:leaa ; schema:parentOrganization orgs:ojp }",
        "ASK { orgs:otip-protection a org:OrganizationalUnit ; org:subOrganizationOf orgs:otip ; schema:parentOrganization orgs:otip }",
        "ASK { orgs:otip org:hasSubOrganization orgs:otip-prevention ; schema:subOrganization orgs:otip-prevention }",
        "ASK { orgs:ojp org:hasPost ?p . ?p a org:Post ; org:postIn orgs:ojp }",
        """ASK { ?f a <http://purl.org/cerif/frapo/FundingProgramme> ; rdfs:label "Crime Victims Fund"@en ;
               prov:wasInfluencedBy <https://w3id.org/htkg/id/law/voca-1984/sec-1402> }""",
        """ASK { law:hsa-2002 a <http://data.europa.eu/eli/ontology#LegalResource> , schema:Legislation .
               orgs:dhs prov:wasInfluencedBy law:hsa-2002 ; org:resultedFrom ?e . ?e prov:used law:hsa-2002 }""",
        "ASK { ?a a prov:Activity ; prov:used law:pub-l-107-273 ; prov:influenced orgs:ovw ; dct:date ?d }",
        "ASK { orgs:ccht schema:parentOrganization orgs:dhs ; org:subOrganizationOf orgs:dhs . ?op a schema:Role ; dct:relation orgs:hsi , orgs:ccht }",
        "ASK { orgs:fbi dct:relation ?p . ?p rdfs:label ?l FILTER (CONTAINS(?l, 'Crimes Against Children')) }",
    ]
    missing = [c for c in checks if not ask(compiled, "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + c)]
    assert missing == []
