"""The namespaces htkg uses, and the prefix map every serializer and query editor shares."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SDO, SH, SKOS, VOID, XSD

from .iris import DEFAULT_BASE

__all__ = [
    "HTKG", "ID", "GRAPH", "ORG", "SCHEMA", "FRAPO", "ELI", "OA", "DQV", "SD", "PREFIXES",
    "RDF", "RDFS", "OWL", "XSD", "SKOS", "PROV", "DCTERMS", "DCAT", "FOAF", "VOID", "SH",
    "KNOWN_VOCABULARIES", "AREA_PREFIXES", "prefixes_for",
]

HTKG = Namespace(DEFAULT_BASE + "def/")
ID = Namespace(DEFAULT_BASE + "id/")
GRAPH = Namespace(DEFAULT_BASE + "graph/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = SDO  # https://schema.org/ — never the http form
FRAPO = Namespace("http://purl.org/cerif/frapo/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

# One prefix per area of IRIs under the base, the ones the curated files declare (docs/conventions.md):
# a prefixed name cannot hold a '/', so `id:org/ovc` would be no name at all. Deeper IRIs (a law's
# section, a quote of a source) are written in full wherever a person reads or types them.
AREA_PREFIXES: dict[str, str] = {
    "orgs": "id/org/", "group": "id/group/", "prog": "id/program/", "svc": "id/service/",
    "contact": "id/contact/", "law": "id/law/", "relief": "id/relief/", "topic": "id/topic/",
    "scheme": "id/scheme/", "page": "id/page/", "funding": "id/funding/", "event": "id/event/",
    "operation": "id/operation/", "src": "id/source/", "query": "id/query/",
    "graph": "graph/", "pg": "graph/page/", "ext": "graph/ext/",
}

PREFIXES: dict[str, str] = {
    "htkg": str(HTKG),
    **{prefix: DEFAULT_BASE + path for prefix, path in AREA_PREFIXES.items()},
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "prov": str(PROV),
    "oa": str(OA),
    "dct": str(DCTERMS),
    "dcat": str(DCAT),
    "foaf": str(FOAF),
    "frapo": str(FRAPO),
    "eli": str(ELI),
    "void": str(VOID),
    "sd": str(SD),
    "dqv": str(DQV),
    "sh": str(SH),
}

# Namespaces whose terms count as defined without an htkg: declaration.
KNOWN_VOCABULARIES = tuple(v for k, v in PREFIXES.items() if k != "htkg" and k not in AREA_PREFIXES)


def prefixes_for(base: str) -> dict[str, str]:
    """The prefix map with the htkg namespaces under another base."""
    out = dict(PREFIXES)
    for key in ("htkg", *AREA_PREFIXES):
        out[key] = base + PREFIXES[key][len(DEFAULT_BASE):]
    return out
