"""The catalog against the rules of the portals that harvest it, checked with pyshacl on the catalog
document alone (no inference, no outside vocabulary loaded: every value carries the class the rule asks for).

- **DCAT-AP 3.0.1 range rules** — SEMIC's ``releases/3.0.1/html/shacl/range.ttl`` (github.com/SEMICeu/DCAT-AP):
  for each node shape (``:Dataset_Shape``…) the class every value of a property must have. They are
  restated below as a table (shape, target class, property, class) and turned into SHACL here.
- **DCAT-AP 3.0.1 recommended properties** the issue asks for: catalog ``dct:issued``, dataset
  ``dct:temporal``, a description and a format on every distribution; every dataset listed from a catalog.
- **DCAT-US 3.0** — ``shacl/dcat-us_3.0_shacl_shapes.ttl`` (github.com/DOI-DO/dcat-us):
  ``Organization_Shape-name``/``Agent_Shape-name`` (one ``foaf:name``, an ``xsd:string``, not a
  language-tagged string) and ``Kind_Shape-fn``/``Kind_Shape-hasEmail`` for the contact point.
"""

from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF, RDF, SH, SKOS, XSD

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
PROV = Namespace("http://www.w3.org/ns/prov#")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
TIME = Namespace("http://www.w3.org/2006/time#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
RANGE_SOURCE = "SEMIC DCAT-AP 3.0.1 range.ttl"

# (node shape of range.ttl, its sh:targetClass, sh:path, the sh:class every value must have)
RANGE_RULES = [
    ("Agent_Shape", FOAF.Agent, DCTERMS.type, SKOS.Concept),
    ("CatalogRecord_Shape", DCAT.CatalogRecord, DCTERMS.conformsTo, DCTERMS.Standard),
    ("CatalogRecord_Shape", DCAT.CatalogRecord, ADMS.status, SKOS.Concept),
    ("CatalogRecord_Shape", DCAT.CatalogRecord, DCTERMS.language, DCTERMS.LinguisticSystem),
    ("CatalogRecord_Shape", DCAT.CatalogRecord, DCTERMS.source, DCAT.CatalogRecord),
    ("Catalog_Shape", DCAT.Catalog, DCAT.catalog, DCAT.Catalog),
    ("Catalog_Shape", DCAT.Catalog, DCAT.dataset, DCAT.Dataset),
    ("Catalog_Shape", DCAT.Catalog, DCAT.record, DCAT.CatalogRecord),
    ("Catalog_Shape", DCAT.Catalog, DCAT.service, DCAT.DataService),
    ("Catalog_Shape", DCAT.Catalog, DCAT.themeTaxonomy, SKOS.ConceptScheme),
    ("Catalog_Shape", DCAT.Catalog, DCATAP.applicableLegislation, ELI.LegalResource),
    ("Catalog_Shape", DCAT.Catalog, DCTERMS.creator, FOAF.Agent),
    ("Catalog_Shape", DCAT.Catalog, DCTERMS.hasPart, DCAT.Catalog),
    ("Catalog_Shape", DCAT.Catalog, DCTERMS.isPartOf, DCAT.Catalog),
    ("Catalog_Shape", DCAT.Catalog, DCTERMS.language, DCTERMS.LinguisticSystem),
    ("Catalog_Shape", DCAT.Catalog, DCTERMS.license, DCTERMS.LicenseDocument),
    ("Catalog_Shape", DCAT.Catalog, DCTERMS.publisher, FOAF.Agent),
    ("Catalog_Shape", DCAT.Catalog, DCTERMS.rights, DCTERMS.RightsStatement),
    ("Catalog_Shape", DCAT.Catalog, DCTERMS.spatial, DCTERMS.Location),
    ("Catalog_Shape", DCAT.Catalog, FOAF.homepage, FOAF.Document),
    ("DataService_Shape", DCAT.DataService, DCAT.contactPoint, VCARD.Kind),
    ("DataService_Shape", DCAT.DataService, DCAT.landingPage, FOAF.Document),
    ("DataService_Shape", DCAT.DataService, DCAT.servesDataset, DCAT.Dataset),
    ("DataService_Shape", DCAT.DataService, DCAT.theme, SKOS.Concept),
    ("DataService_Shape", DCAT.DataService, DCATAP.applicableLegislation, ELI.LegalResource),
    ("DataService_Shape", DCAT.DataService, DCTERMS.accessRights, DCTERMS.RightsStatement),
    ("DataService_Shape", DCAT.DataService, DCTERMS.conformsTo, DCTERMS.Standard),
    ("DataService_Shape", DCAT.DataService, DCTERMS["format"], DCTERMS.MediaTypeOrExtent),
    ("DataService_Shape", DCAT.DataService, DCTERMS.license, DCTERMS.LicenseDocument),
    ("DataService_Shape", DCAT.DataService, DCTERMS.publisher, FOAF.Agent),
    ("Dataset_Shape", DCAT.Dataset, ADMS.identifier, ADMS.Identifier),
    ("Dataset_Shape", DCAT.Dataset, ADMS.sample, DCAT.Distribution),
    ("Dataset_Shape", DCAT.Dataset, DCAT.contactPoint, VCARD.Kind),
    ("Dataset_Shape", DCAT.Dataset, DCAT.distribution, DCAT.Distribution),
    ("Dataset_Shape", DCAT.Dataset, DCAT.inSeries, DCAT.DatasetSeries),
    ("Dataset_Shape", DCAT.Dataset, DCAT.landingPage, FOAF.Document),
    ("Dataset_Shape", DCAT.Dataset, DCAT.qualifiedRelation, DCAT.Relationship),
    ("Dataset_Shape", DCAT.Dataset, DCAT.theme, SKOS.Concept),
    ("Dataset_Shape", DCAT.Dataset, DCATAP.applicableLegislation, ELI.LegalResource),
    ("Dataset_Shape", DCAT.Dataset, DCTERMS.accessRights, DCTERMS.RightsStatement),
    ("Dataset_Shape", DCAT.Dataset, DCTERMS.accrualPeriodicity, DCTERMS.Frequency),
    ("Dataset_Shape", DCAT.Dataset, DCTERMS.conformsTo, DCTERMS.Standard),
    ("Dataset_Shape", DCAT.Dataset, DCTERMS.creator, FOAF.Agent),
    ("Dataset_Shape", DCAT.Dataset, DCTERMS.hasVersion, DCAT.Dataset),
    ("Dataset_Shape", DCAT.Dataset, DCTERMS.language, DCTERMS.LinguisticSystem),
    ("Dataset_Shape", DCAT.Dataset, DCTERMS.provenance, DCTERMS.ProvenanceStatement),
    ("Dataset_Shape", DCAT.Dataset, DCTERMS.publisher, FOAF.Agent),
    ("Dataset_Shape", DCAT.Dataset, DCTERMS.source, DCAT.Dataset),
    ("Dataset_Shape", DCAT.Dataset, DCTERMS.spatial, DCTERMS.Location),
    ("Dataset_Shape", DCAT.Dataset, DCTERMS.temporal, DCTERMS.PeriodOfTime),
    ("Dataset_Shape", DCAT.Dataset, DCTERMS.type, SKOS.Concept),
    ("Dataset_Shape", DCAT.Dataset, FOAF.page, FOAF.Document),
    ("Dataset_Shape", DCAT.Dataset, PROV.qualifiedAttribution, PROV.Attribution),
    ("Dataset_Shape", DCAT.Dataset, PROV.wasGeneratedBy, PROV.Activity),
    ("DatasetSeries_Shape", DCAT.DatasetSeries, DCAT.contactPoint, VCARD.Kind),
    ("DatasetSeries_Shape", DCAT.DatasetSeries, DCTERMS.accrualPeriodicity, DCTERMS.Frequency),
    ("DatasetSeries_Shape", DCAT.DatasetSeries, DCTERMS.publisher, FOAF.Agent),
    ("DatasetSeries_Shape", DCAT.DatasetSeries, DCTERMS.spatial, DCTERMS.Location),
    ("DatasetSeries_Shape", DCAT.DatasetSeries, DCTERMS.temporal, DCTERMS.PeriodOfTime),
    ("Distribution_Shape", DCAT.Distribution, ADMS.status, SKOS.Concept),
    ("Distribution_Shape", DCAT.Distribution, DCAT.accessService, DCAT.DataService),
    ("Distribution_Shape", DCAT.Distribution, DCAT.compressFormat, DCTERMS.MediaType),
    ("Distribution_Shape", DCAT.Distribution, DCAT.mediaType, DCTERMS.MediaType),
    ("Distribution_Shape", DCAT.Distribution, DCAT.packageFormat, DCTERMS.MediaType),
    ("Distribution_Shape", DCAT.Distribution, DCATAP.availability, SKOS.Concept),
    ("Distribution_Shape", DCAT.Distribution, DCTERMS.conformsTo, DCTERMS.Standard),
    ("Distribution_Shape", DCAT.Distribution, DCTERMS["format"], DCTERMS.MediaTypeOrExtent),
    ("Distribution_Shape", DCAT.Distribution, DCTERMS.language, DCTERMS.LinguisticSystem),
    ("Distribution_Shape", DCAT.Distribution, DCTERMS.license, DCTERMS.LicenseDocument),
    ("Distribution_Shape", DCAT.Distribution, DCTERMS.rights, DCTERMS.RightsStatement),
    ("Distribution_Shape", DCAT.Distribution, FOAF.page, FOAF.Document),
    ("Distribution_Shape", DCAT.Distribution, ODRL.hasPolicy, ODRL.Policy),
    ("Distribution_Shape", DCAT.Distribution, SPDX.checksum, SPDX.Checksum),
    ("LicenceDocument_Shape", DCTERMS.LicenseDocument, DCTERMS.type, SKOS.Concept),
    ("PeriodOfTime_Shape", DCTERMS.PeriodOfTime, TIME.hasBeginning, TIME.Instant),
    ("PeriodOfTime_Shape", DCTERMS.PeriodOfTime, TIME.hasEnd, TIME.Instant),
    ("Relationship_Shape", DCAT.Relationship, DCAT.hadRole, DCAT.Role),
]

# (source and rule, target class, path, constraints): properties the catalog must carry, and how
ONE_STRING = {SH.minCount: 1, SH.maxCount: 1, SH.datatype: XSD.string}
PRESENCE_RULES = [
    ("DCAT-AP 3.0.1 recommended: a catalog has a release date", DCAT.Catalog, DCTERMS.issued, {SH.minCount: 1}),
    ("DCAT-AP 3.0.1 recommended: a dataset has a temporal coverage", DCAT.Dataset, DCTERMS.temporal, {SH.minCount: 1}),
    ("DCAT-AP 3.0.1 recommended: a distribution has a description", DCAT.Distribution, DCTERMS.description,
     {SH.minCount: 1}),
    ("DCAT-AP 3.0.1 recommended: a distribution has a format", DCAT.Distribution, DCTERMS["format"], {SH.minCount: 1}),
    ("DCAT-US 3.0 Organization_Shape-name: one foaf:name, an xsd:string", FOAF.Organization, FOAF.name, ONE_STRING),
    ("DCAT-US 3.0 Agent_Shape-name: one foaf:name, an xsd:string", FOAF.Agent, FOAF.name, ONE_STRING),
    ("DCAT-US 3.0 Kind_Shape-fn: one vcard:fn, an xsd:string", VCARD.Kind, VCARD.fn, ONE_STRING),
    ("DCAT-US 3.0 Kind_Shape-hasEmail: one vcard:hasEmail, an IRI", VCARD.Kind, VCARD.hasEmail,
     {SH.minCount: 1, SH.maxCount: 1, SH.nodeKind: SH.IRI}),
]


def _shapes() -> Graph:
    g = Graph()
    for i, (shape, target, path, cls) in enumerate(RANGE_RULES):
        node, prop = URIRef(f"urn:htkg-test:range:{shape}:{i}"), BNode()
        g.add((node, RDF.type, SH.NodeShape))
        g.add((node, SH.targetClass, target))
        g.add((node, SH.property, prop))
        g.add((prop, SH.path, path))
        g.add((prop, SH["class"], cls))
        g.add((prop, SH.message, Literal(f"{RANGE_SOURCE} {shape}: every {g.qname(path)} value must be a {g.qname(cls)}")))
    for i, (source, target, path, constraints) in enumerate(PRESENCE_RULES):
        node, prop = URIRef(f"urn:htkg-test:presence:{i}"), BNode()
        g.add((node, RDF.type, SH.NodeShape))
        g.add((node, SH.targetClass, target))
        g.add((node, SH.property, prop))
        g.add((prop, SH.path, path))
        for k, v in constraints.items():
            g.add((prop, k, Literal(v) if isinstance(v, int) else v))
        g.add((prop, SH.message, Literal(source)))
    # DCAT-AP: every dataset the catalog describes is listed from a catalog (dcat:dataset)
    listed, inv = URIRef("urn:htkg-test:presence:listed"), BNode()
    g.add((listed, RDF.type, SH.NodeShape))
    g.add((listed, SH.targetClass, DCAT.Dataset))
    g.add((listed, SH.property, inv))
    path = BNode()
    g.add((path, SH.inversePath, DCAT.dataset))
    g.add((inv, SH.path, path))
    g.add((inv, SH.minCount, Literal(1)))
    g.add((inv, SH.message, Literal("DCAT-AP 3.0.1: a dcat:Dataset is listed from a catalog by dcat:dataset")))
    return g


def problems(catalog: Graph) -> list[str]:
    """One line per violation: the rule (with its source), the focus node and the value."""
    conforms, report, _text = validate(catalog, shacl_graph=_shapes(), inference="none", advanced=False)
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        out.append(f"{report.value(r, SH.resultMessage)} — {report.value(r, SH.focusNode)}"
                   f" {report.value(r, SH.value) or ''}".rstrip())
    return sorted(out)


@pytest.fixture(scope="module")
def catalog_document(release_dir) -> Graph:
    return Graph().parse(release_dir / "catalog.ttl", format="turtle")


def test_catalog_document_passes_the_dcat_ap_range_and_dcat_us_rules(catalog_document):
    found = problems(catalog_document)
    assert found == [], f"{len(found)} violations:\n" + "\n".join(found[:80])


def test_served_catalog_passes_them_too(client):
    resp = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    found = problems(Graph().parse(data=resp.data, format="turtle"))
    assert found == [], "\n".join(found[:40])


@pytest.mark.parametrize("breakage", ["untyped theme", "tagged publisher name", "unlisted dataset"])
def test_the_rules_catch_what_they_check(catalog_document, breakage):
    g = Graph() + catalog_document
    if breakage == "untyped theme":
        theme = next(g.objects(None, DCAT.theme))
        g.remove((theme, RDF.type, None))
        expected = "dcat:theme value must be a skos:Concept"
    elif breakage == "tagged publisher name":
        agent = next(g.subjects(RDF.type, FOAF.Agent))
        name = g.value(agent, FOAF.name)
        g.set((agent, FOAF.name, Literal(str(name), lang="en")))
        expected = "DCAT-US 3.0 Agent_Shape-name"
    else:
        ds = next(g.subjects(RDF.type, DCAT.Dataset))
        g.remove((None, DCAT.dataset, ds))
        expected = "listed from a catalog"
    assert any(expected in p for p in problems(g)), problems(g)[:5]
