"""Harvestable metadata of a release: VoID, a DCAT 3 catalog and a DCAT-US 1.1 (Project Open Data) ``data.json``.

Identifiers use the base IRI; addresses a client fetches (the SPARQL endpoint, the dumps, the landing
page) use ``public_root``: the base IRI when the build writes the files into the release, the request's
own root when the server answers ``/.well-known/void``, ``/catalog`` and ``/data.json``.
Counts come from the statistics the build computed once (``manifest["statistics"]``); themes, example
resources and labels from the store. No Flask here.

``release_writers(settings)`` is what ``htkg build`` calls to write ``void.ttl``, ``catalog.ttl`` and
``data.json`` into the release (``htkg.compiler.pipeline.build_release`` adds them to every build).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, VOID, XSD

from ..namespaces import prefixes_for

__all__ = ["PLACEHOLDERS", "MetadataContext", "void_graph", "catalog_graph", "metadata_graph", "data_json",
           "validate_data_json", "release_writers", "placeholders_in_use", "DATA_JSON_SCHEMA", "LICENSE", "TITLE", "DESCRIPTION", "dumps_of"]

DCAT = Namespace("http://www.w3.org/ns/dcat#")   # DCAT 3 terms (rdflib's closed namespace predates them)
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
TITLE = "Human Trafficking Knowledge Graph (htkg)"
DESCRIPTION = ("The U.S. federal anti-trafficking landscape — the departments, offices, programs, hotlines, "
               "statutes and forms of immigration relief named on the archived Office of Justice Programs page "
               "'Human Trafficking — Related Resources' — as linked data, with a citation (the exact phrase of "
               "the page, or another checked source) for every fact.")
KEYWORDS = ("human trafficking", "anti-trafficking", "federal government", "victim services", "linked data",
            "knowledge graph")
PUBLISHER = "The htkg project"
DATA_JSON_SCHEMA = Path(__file__).with_name("pod-v1.1-catalog.schema.json")
_DATASET_SCHEMA = Path(__file__).with_name("pod-v1.1-dataset.schema.json")

# Values a deploying agency must set. A setting of the same name (when the settings object has one)
# wins over the placeholder; ``contact_email`` already is a setting.
PLACEHOLDERS = {
    "bureau_code": "000:00",      # OMB Circular A-11 Appendix C agency:bureau code
    "program_code": "000:000",    # Federal Program Inventory agency:program code
    "publisher_name": PUBLISHER,
}
# DCAT file types (EU authority table) of the dump formats.
_EU_FILE_TYPE = {"turtle": "RDF_TURTLE", "ntriples": "RDF_N_TRIPLES", "rdfxml": "RDF_XML", "jsonld": "JSON_LD",
                 "trig": "RDF_TRIG", "nquads": "RDF_N_QUADS"}


class MetadataContext:
    """What the three documents are made from: the manifest, a store, settings and the public root."""

    def __init__(self, manifest: Mapping, store, public_root: str, settings=None):
        self.manifest = manifest
        self.store = store
        self.base = manifest["base_iri"]
        self.root = public_root if public_root.endswith("/") else public_root + "/"
        self.settings = settings
        self.version = manifest["version"]
        self.stats = manifest["statistics"]

    def setting(self, name: str) -> str:
        value = getattr(self.settings, name, None) if self.settings is not None else None
        return value or PLACEHOLDERS[name]

    @property
    def contact_email(self) -> str:
        email = getattr(self.settings, "contact_email", None) or "mailto:htkg-maintainers@example.org"
        return email if email.startswith("mailto:") else "mailto:" + email

    @property
    def modified(self) -> str:
        """The release date (last commit of the curated files), else the build date."""
        if self.manifest.get("release_date"):
            return self.manifest["release_date"]
        import datetime as dt
        return dt.datetime.now(dt.timezone.utc).date().isoformat()

    # identifiers (base) and addresses (public root)
    @property
    def dataset(self) -> URIRef:
        return URIRef(self.base + "dataset")

    @property
    def catalog(self) -> URIRef:
        return URIRef(self.base + "catalog")

    @property
    def release(self) -> URIRef:
        return URIRef(self.base + "release/" + self.version)

    def own(self, fragment: str) -> URIRef:
        return URIRef(self.base + "dataset#" + fragment)

    def url(self, path: str) -> URIRef:
        return URIRef(self.root + path.lstrip("/"))

    # from the store
    def topics(self) -> list[tuple[str, str]]:
        """(IRI, label) of the concepts of the topic scheme ``id:scheme/topics``."""
        q = f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?c ?l WHERE {{
  {{ <{self.base}id/scheme/topics> skos:hasTopConcept ?c }} UNION {{ ?c skos:inScheme <{self.base}id/scheme/topics> }}
  OPTIONAL {{ ?c skos:prefLabel ?l FILTER(LANGMATCHES(LANG(?l), "en")) }} }} ORDER BY ?c"""
        out: dict[str, str] = {}
        for row in self.store.query(q).rows:
            out.setdefault(row["c"].value, row["l"].value if "l" in row else row["c"].value)
        return sorted(out.items())

    def example_resources(self, n: int = 3) -> list[str]:
        """The most linked-to resources under ``id/`` (derived from the data, not chosen by hand)."""
        q = f"""SELECT ?x (COUNT(*) AS ?n) WHERE {{ ?s ?p ?x . ?x a ?t .
  FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{self.base}id/")) }} GROUP BY ?x ORDER BY DESC(?n) ?x LIMIT {n}"""
        return [row["x"].value for row in self.store.query(q).rows]

    def temporal(self) -> tuple[str, str] | None:
        """The earliest and the latest date the facts under ``id/`` carry (xsd:date, gYearMonth, gYear)."""
        q = f"""PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT (MIN(STR(?o)) AS ?first) (MAX(STR(?o)) AS ?last) WHERE {{ ?s ?p ?o .
  FILTER(isLITERAL(?o) && DATATYPE(?o) IN (xsd:date, xsd:gYearMonth, xsd:gYear)
         && STRSTARTS(STR(?s), "{self.base}id/")) }}"""
        rows = self.store.query(q).rows
        if not rows or "first" not in rows[0]:
            return None
        return rows[0]["first"].value[:10], rows[0]["last"].value[:10]

    def source_urls(self) -> list[str]:
        q = f"""SELECT DISTINCT ?u WHERE {{ ?d a <{self.base}def/SourceDocument> ; <https://schema.org/url> ?u }}"""
        return sorted(row["u"].value for row in self.store.query(q).rows)


def dumps_of(manifest: Mapping) -> list[dict]:
    """The manifest's dump files (``dumps/htkg.*``, plain and gzipped), not the JSON-LD context."""
    return [f for f in manifest["files"] if f["path"].startswith("dumps/") and f.get("format") != "context"]


def _graph(base: str) -> Graph:
    g = Graph()
    for k, v in prefixes_for(base).items():
        g.bind(k, v)
    for k, v in (("spdx", SPDX), ("vcard", VCARD), ("dcatap", DCATAP), ("void", VOID), ("dcat", DCAT)):
        g.bind(k, v)
    return g


def _typed(g: Graph, node: URIRef, *classes: URIRef) -> URIRef:
    """``node`` with its classes stated in ``g``: DCAT-AP's range rules read them from the catalog itself."""
    for cls in classes:
        g.add((node, RDF.type, cls))
    return node


def _date_literal(text: str) -> Literal:
    kind = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(text), XSD.date)
    return Literal(text, datatype=kind)


def _count(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)


def void_graph(ctx: MetadataContext) -> Graph:
    """The VoID description: counts, partitions, endpoint, dumps, example resources, URI space, vocabularies."""
    g = _graph(ctx.base)
    ds = ctx.dataset
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((ds, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((ds, DCTERMS.license, URIRef(LICENSE)))
    g.add((ds, DCTERMS.modified, Literal(ctx.modified, datatype=XSD.date)))
    g.add((ds, VOID.triples, _count(ctx.stats["triples"])))
    g.add((ds, VOID.entities, _count(ctx.stats["entities"])))
    g.add((ds, VOID.classes, _count(len(ctx.stats["classes"]))))
    g.add((ds, VOID.properties, _count(len(ctx.stats["properties"]))))
    g.add((ds, VOID.sparqlEndpoint, ctx.url("sparql")))
    g.add((ds, VOID.uriSpace, Literal(ctx.base + "id/")))
    g.add((ds, VOID.rootResource, URIRef(ctx.base + "id/scheme/topics")))
    g.add((ds, RDFS.seeAlso, ctx.url("catalog")))
    for f in dumps_of(ctx.manifest):
        if not f.get("encoding"):
            g.add((ds, VOID.dataDump, ctx.url(f["path"])))
    for iri in ctx.example_resources():
        g.add((ds, VOID.exampleResource, URIRef(iri)))
    vocabularies = set()
    for term in list(ctx.stats["classes"]) + list(ctx.stats["properties"]):
        cut = max(term.rfind("#"), term.rfind("/"))
        vocabularies.add(term[:cut + 1])
    for v in sorted(vocabularies):
        g.add((ds, VOID.vocabulary, URIRef(v)))
    for i, (cls, n) in enumerate(sorted(ctx.stats["classes"].items())):
        part = ctx.own(f"class-{i + 1}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, _count(n)))
    for i, (prop, n) in enumerate(sorted(ctx.stats["properties"].items())):
        part = ctx.own(f"property-{i + 1}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, _count(n)))
    return g


def catalog_graph(ctx: MetadataContext) -> Graph:
    """A DCAT 3 catalog with the properties DCAT-AP 3 and DCAT-US 3 make mandatory or recommended (docs/catalog.md)."""
    g = _graph(ctx.base)
    cat, ds = ctx.catalog, ctx.dataset
    publisher, contact = ctx.own("publisher"), ctx.own("contact")
    english = URIRef(EU + "language/ENG")
    usa = URIRef(EU + "country/USA")
    public = URIRef(EU + "access-right/PUBLIC")
    topics = ctx.topics()
    modified = Literal(ctx.modified, datatype=XSD.date)

    # every value the catalog points at carries the class DCAT-AP 3.0.1's range rules expect (docs/catalog.md)
    license_doc = _typed(g, URIRef(LICENSE), DCTERMS.LicenseDocument)
    _typed(g, english, DCTERMS.LinguisticSystem)
    _typed(g, usa, DCTERMS.Location)
    _typed(g, public, DCTERMS.RightsStatement)
    irregular = _typed(g, URIRef(EU + "frequency/IRREG"), DCTERMS.Frequency)
    rdf_standard = _typed(g, URIRef("https://www.w3.org/TR/rdf11-concepts/"), DCTERMS.Standard)
    home = _typed(g, ctx.url(""), FOAF.Document)
    docs = _typed(g, ctx.url("def/"), FOAF.Document)

    _typed(g, publisher, FOAF.Organization, FOAF.Agent)
    g.add((publisher, FOAF.name, Literal(ctx.setting("publisher_name"))))   # DCAT-US 3: a plain xsd:string
    g.add((publisher, FOAF.mbox, URIRef(ctx.contact_email)))
    g.add((publisher, DCTERMS.type, _typed(g, URIRef("http://purl.org/adms/publishertype/NonProfitOrganisation"),
                                            SKOS.Concept)))
    _typed(g, contact, VCARD.Organization, VCARD.Kind)
    g.add((contact, VCARD.fn, Literal(ctx.setting("publisher_name"))))
    g.add((contact, VCARD.hasEmail, URIRef(ctx.contact_email)))

    scheme = _typed(g, URIRef(ctx.base + "id/scheme/topics"), SKOS.ConceptScheme)
    for iri, label in topics:
        _typed(g, URIRef(iri), SKOS.Concept)
        g.add((URIRef(iri), SKOS.inScheme, scheme))
        g.add((URIRef(iri), SKOS.prefLabel, Literal(label, lang="en")))
        g.add((URIRef(iri), RDFS.label, Literal(label, lang="en")))

    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal("htkg catalog", lang="en")))
    g.add((cat, DCTERMS.description, Literal("The datasets and data services of the Human Trafficking Knowledge Graph.",
                                             lang="en")))
    g.add((cat, DCTERMS.publisher, publisher))
    g.add((cat, DCAT.contactPoint, contact))
    g.add((cat, FOAF.homepage, home))
    g.add((cat, DCTERMS.language, english))
    g.add((cat, DCTERMS.license, license_doc))
    g.add((cat, DCTERMS.modified, modified))
    g.add((cat, DCTERMS.issued, modified))
    g.add((cat, DCTERMS.spatial, usa))
    g.add((cat, DCAT.themeTaxonomy, scheme))
    g.add((cat, DCAT.dataset, ds))
    g.add((cat, DCAT.dataset, ctx.release))      # the release is a dataset too: DCAT-AP lists each from a catalog

    period = None
    if (span := ctx.temporal()) is not None:
        period = _typed(g, ctx.own("temporal"), DCTERMS.PeriodOfTime)
        g.add((period, DCAT.startDate, _date_literal(span[0])))
        g.add((period, DCAT.endDate, _date_literal(span[1])))

    # the dataset, and its current release as a dataset of its own (a version of it): the same description
    for node, title in ((ds, TITLE), (ctx.release, f"{TITLE}, release {ctx.version}")):
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCTERMS.title, Literal(title, lang="en")))
        g.add((node, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
        g.add((node, DCTERMS.identifier, Literal(str(node))))
        g.add((node, DCTERMS.publisher, publisher))
        g.add((node, DCTERMS.creator, publisher))
        g.add((node, DCAT.contactPoint, contact))
        g.add((node, DCTERMS.license, license_doc))
        g.add((node, DCTERMS.accessRights, public))
        g.add((node, DCTERMS.modified, modified))
        g.add((node, DCTERMS.issued, modified))
        g.add((node, DCTERMS.language, english))
        g.add((node, DCTERMS.spatial, usa))
        if period is not None:
            g.add((node, DCTERMS.temporal, period))
        g.add((node, DCTERMS.accrualPeriodicity, irregular))
        g.add((node, DCAT.landingPage, home))
        g.add((node, DCAT.version, Literal(ctx.version)))
        g.add((node, DCTERMS.conformsTo, rdf_standard))
        g.add((node, FOAF.page, docs))
        # the web pages the facts come from: documents it is derived from (dct:source would claim datasets)
        for url in ctx.source_urls():
            g.add((node, PROV.wasDerivedFrom, _typed(g, URIRef(url), FOAF.Document)))
        for kw in KEYWORDS:
            g.add((node, DCAT.keyword, Literal(kw, lang="en")))
        for iri, _label in topics:
            g.add((node, DCAT.theme, URIRef(iri)))
    g.add((ds, DCAT.hasCurrentVersion, ctx.release))
    g.add((ds, DCAT.hasVersion, ctx.release))
    g.add((ctx.release, DCTERMS.isVersionOf, ds))
    stable = _typed(g, URIRef(EU + "planned-availability/STABLE"), SKOS.Concept)

    for f in dumps_of(ctx.manifest):
        ext = f["path"].rsplit("/", 1)[1].split(".", 1)[1]
        dist = ctx.own("dump-" + ext.replace(".", "-"))
        gz = f.get("encoding") == "gzip"
        plain_type = next((x["media_type"] for x in ctx.manifest["files"]
                           if x.get("format") == f["format"] and not x.get("encoding")), f["media_type"])
        g.add((ds, DCAT.distribution, dist))
        g.add((ctx.release, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(f"htkg dump, {f['format']}{' (gzip)' if gz else ''}", lang="en")))
        g.add((dist, DCTERMS.description, Literal(
            f"The whole release {ctx.version} as one {f['format']} file" + (", gzip-compressed." if gz else "."),
            lang="en")))
        g.add((dist, DCAT.accessURL, ctx.url("dumps/")))
        g.add((dist, DCAT.downloadURL, ctx.url(f["path"])))
        g.add((dist, DCAT.mediaType, _typed(g, URIRef(IANA + plain_type), DCTERMS.MediaType)))
        if f["format"] in _EU_FILE_TYPE:
            g.add((dist, DCTERMS["format"], _typed(g, URIRef(EU + "file-type/" + _EU_FILE_TYPE[f["format"]]),
                                                   DCTERMS.MediaTypeOrExtent)))
        if gz:
            g.add((dist, DCAT.compressFormat, _typed(g, URIRef(IANA + "application/gzip"), DCTERMS.MediaType)))
        g.add((dist, DCAT.byteSize, Literal(f["bytes"], datatype=XSD.nonNegativeInteger)))
        g.add((dist, DCTERMS.license, license_doc))
        g.add((dist, DCTERMS.accessRights, public))
        g.add((dist, DCTERMS.modified, modified))
        g.add((dist, DCTERMS.issued, modified))
        g.add((dist, DCATAP.availability, stable))
        checksum = ctx.own("dump-" + ext.replace(".", "-") + "-sha256")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(f["sha256"], datatype=XSD.hexBinary)))

    service = ctx.own("sparql")
    g.add((cat, DCAT.service, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal("htkg SPARQL 1.1 endpoint", lang="en")))
    g.add((service, DCTERMS.description, Literal(
        "Read-only SPARQL 1.1 query endpoint over the release; the default graph is the union of the named graphs.",
        lang="en")))
    g.add((service, DCAT.endpointURL, ctx.url("sparql")))
    g.add((service, DCAT.endpointDescription, ctx.url("sparql")))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCTERMS.conformsTo, _typed(g, URIRef(SPARQL_PROTOCOL), DCTERMS.Standard)))
    g.add((service, DCTERMS.license, license_doc))
    g.add((service, DCTERMS.accessRights, public))
    g.add((service, DCTERMS.publisher, publisher))
    g.add((service, DCAT.contactPoint, contact))
    g.add((service, DCAT.landingPage, _typed(g, ctx.url("sparql"), FOAF.Document)))
    endpoint = ctx.own("dump-sparql")
    g.add((ds, DCAT.distribution, endpoint))
    g.add((ctx.release, DCAT.distribution, endpoint))
    g.add((endpoint, RDF.type, DCAT.Distribution))
    g.add((endpoint, DCTERMS.title, Literal("htkg through its SPARQL endpoint", lang="en")))
    g.add((endpoint, DCTERMS.description, Literal(
        "The release queried live with SPARQL 1.1: SELECT and ASK answers as SPARQL JSON (the format named here), "
        "XML, CSV or TSV; CONSTRUCT and DESCRIBE answers in every RDF format the dumps come in.", lang="en")))
    g.add((endpoint, DCTERMS["format"], _typed(g, URIRef(IANA + "application/sparql-results+json"),
                                               DCTERMS.MediaTypeOrExtent, DCTERMS.MediaType)))
    g.add((endpoint, DCAT.accessURL, ctx.url("sparql")))
    g.add((endpoint, DCAT.accessService, service))
    g.add((endpoint, DCTERMS.license, license_doc))
    g.add((endpoint, DCATAP.availability, stable))
    return g


def metadata_graph(release, store, public_root: str, settings=None) -> Graph:
    """VoID + DCAT + the release's DQV quality summary and SHACL report, as one graph."""
    ctx = MetadataContext(release.manifest, store, public_root, settings)
    g = void_graph(ctx) + catalog_graph(ctx)
    for name in ("quality/summary.ttl", "quality/report.ttl"):
        if release.file(name).is_file():
            g.parse(release.file(name), format="turtle")
    for k, v in _graph(ctx.base).namespaces():
        g.bind(k, v)
    return g


def data_json(ctx: MetadataContext) -> dict:
    """The DCAT-US 1.1 (Project Open Data v1.1) catalog: one dataset with a distribution per dump and the endpoint."""
    distributions = []
    for f in dumps_of(ctx.manifest):
        gz = f.get("encoding") == "gzip"
        distributions.append({
            "@type": "dcat:Distribution",
            "title": f"htkg dump, {f['format']}{' (gzip)' if gz else ''}",
            "description": f"The whole release {ctx.version} as one {f['format']} file"
                           + (", gzip-compressed." if gz else ".") + f" SHA-256 {f['sha256']}.",
            "downloadURL": str(ctx.url(f["path"])),
            "mediaType": f["media_type"],
            "format": f["format"],
        })
    distributions.append({
        "@type": "dcat:Distribution",
        "title": "htkg SPARQL 1.1 endpoint",
        "description": "Read-only SPARQL 1.1 query endpoint over the release.",
        "accessURL": str(ctx.url("sparql")),
        "format": "SPARQL",
        "conformsTo": SPARQL_PROTOCOL,
    })
    dataset = {
        "@type": "dcat:Dataset",
        "title": TITLE,
        "description": DESCRIPTION,
        "keyword": list(KEYWORDS),
        "modified": ctx.modified,
        "issued": ctx.modified,
        "publisher": {"@type": "org:Organization", "name": ctx.setting("publisher_name")},
        "contactPoint": {"@type": "vcard:Contact", "fn": ctx.setting("publisher_name"),
                         "hasEmail": ctx.contact_email},
        "identifier": str(ctx.dataset),
        "accessLevel": "public",
        "bureauCode": [ctx.setting("bureau_code")],
        "programCode": [ctx.setting("program_code")],
        "license": LICENSE,
        "spatial": "United States",
        "accrualPeriodicity": "irregular",
        "language": ["en-US"],
        "landingPage": str(ctx.url("")),
        "conformsTo": "https://www.w3.org/TR/rdf11-concepts/",
        "describedBy": str(ctx.url("def/")),
        "theme": [label for _iri, label in ctx.topics()],
        "references": ctx.source_urls(),
        "distribution": distributions,
    }
    return {
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@id": str(ctx.url("data.json")),
        "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
        "dataset": [dataset],
    }


def validate_data_json(doc: dict) -> list[str]:
    """Errors of ``doc`` against the vendored Project Open Data v1.1 JSON Schema (empty when valid)."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4
    catalog = json.loads(DATA_JSON_SCHEMA.read_text(encoding="utf-8"))
    dataset = json.loads(_DATASET_SCHEMA.read_text(encoding="utf-8"))
    registry = Registry().with_resources([
        (catalog["id"].rstrip("#"), Resource.from_contents(catalog, default_specification=DRAFT4)),
        (dataset["id"].rstrip("#"), Resource.from_contents(dataset, default_specification=DRAFT4)),
    ])
    validator = jsonschema.Draft4Validator(catalog, registry=registry)
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(catalog)'}: {e.message}"
            for e in validator.iter_errors(doc)]


_PLACEHOLDER_FIELDS = {
    "bureau_code": "data.json bureauCode",
    "program_code": "data.json programCode",
    "publisher_name": "the publisher of the catalog and data.json",
    "contact_email": "the contact point of the catalog and data.json",
}


def placeholders_in_use(settings) -> list[dict]:
    """The publishing values still at their placeholders: ``{"setting", "env", "value", "field"}`` each.

    A release built (or a catalog served) with any of them names no real agency; the build warns and
    ``/quality`` says so until they are set (docs/catalog.md, "Values a deploying agency must set").
    """
    from ..config import SETTINGS
    defaults = {s.name: s for s in SETTINGS}
    out = []
    for name, field_ in _PLACEHOLDER_FIELDS.items():
        value = getattr(settings, name, None) if settings is not None else None
        placeholder = defaults[name].default if name == "contact_email" else None
        if not value or value == placeholder:
            out.append({"setting": name, "env": defaults[name].env, "field": field_,
                        "value": placeholder or PLACEHOLDERS[name]})
    return out


def release_writers(settings) -> list:
    """Writers for ``freeze(extra_writers=…)``: ``void.ttl``, ``catalog.ttl``, ``data.json`` in the release."""

    def write_metadata(tmp: Path, manifest: dict, store) -> None:
        from ..dataset.release import write_release_file
        ctx = MetadataContext(manifest, store, manifest["base_iri"], settings)
        documents = [
            ("void.ttl", void_graph(ctx).serialize(format="turtle").encode("utf-8"), "text/turtle", "void"),
            ("catalog.ttl", catalog_graph(ctx).serialize(format="turtle").encode("utf-8"), "text/turtle", "dcat"),
            ("data.json", (json.dumps(data_json(ctx), indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
             "application/json", "data.json"),
        ]
        for rel, data, media_type, fmt in documents:
            manifest["files"].append(write_release_file(tmp, rel, data, media_type, fmt))
        manifest["metadata_placeholders"] = placeholders_in_use(settings)

    return [write_metadata]
