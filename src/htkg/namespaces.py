"""The namespaces htkg uses, and the prefix map every serializer and query editor shares."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SDO, SH, SKOS, VOID, XSD

from .iris import DEFAULT_BASE

__all__ = [
    "HTKG", "ID", "GRAPH", "ORG", "SCHEMA", "FRAPO", "ELI", "OA", "DQV", "SD", "PREFIXES",
    "RDF", "RDFS", "OWL", "XSD", "SKOS", "PROV", "DCTERMS", "DCAT", "FOAF", "VOID", "SH",
    "KNOWN_VOCABULARIES",
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

PREFIXES: dict[str, str] = {
    "htkg": str(HTKG),
    "id": str(ID),
    "graph": str(GRAPH),
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
KNOWN_VOCABULARIES = tuple(v for k, v in PREFIXES.items() if k not in {"htkg", "id", "graph"})


def prefixes_for(base: str) -> dict[str, str]:
    """The prefix map with the htkg namespaces under another base."""
    out = dict(PREFIXES)
    for key in ("htkg", "id", "graph"):
        out[key] = base + PREFIXES[key][len(DEFAULT_BASE):]
    return out
