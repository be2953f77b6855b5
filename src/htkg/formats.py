"""One registry of formats and one pure content-negotiation function.

>>> negotiate("text/turtle;q=0.9, application/ld+json", RDF_GRAPH_FORMATS).name
'jsonld'
>>> negotiate("text/*", RDF_GRAPH_FORMATS).name
'turtle'
>>> negotiate("image/png", RDF_GRAPH_FORMATS) is None
True
>>> by_extension("ttl").media_type
'text/turtle'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Format", "FORMATS", "RDF_GRAPH_FORMATS", "RDF_DATASET_FORMATS", "RESULT_FORMATS",
    "RESOURCE_FORMATS", "negotiate", "by_name", "by_extension", "by_media_type", "parse_accept",
]


@dataclass(frozen=True)
class Format:
    name: str                 # short name, used by ?format= and the CLI
    media_type: str           # canonical media type
    extension: str            # file extension without dot
    kind: str                 # "graph", "dataset", "results", "html", "json"
    label: str
    aliases: tuple[str, ...] = ()       # other media types accepted for it
    rdflib: str | None = None           # rdflib serializer/parser name
    oxigraph: str | None = None         # pyoxigraph RdfFormat / QueryResultsFormat attribute name

    @property
    def named_graphs(self) -> bool:
        return self.kind == "dataset"

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.media_type.endswith(("json", "xml"))
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", "ttl", "graph", "Turtle", ("application/x-turtle",), "turtle", "TURTLE"),
    Format("ntriples", "application/n-triples", "nt", "graph", "N-Triples", ("text/plain",), "nt", "N_TRIPLES"),
    Format("rdfxml", "application/rdf+xml", "rdf", "graph", "RDF/XML", ("application/xml",), "xml", "RDF_XML"),
    Format("jsonld", "application/ld+json", "jsonld", "graph", "JSON-LD", (), "json-ld", "JSON_LD"),
    Format("trig", "application/trig", "trig", "dataset", "TriG", (), "trig", "TRIG"),
    Format("nquads", "application/n-quads", "nq", "dataset", "N-Quads", (), "nquads", "N_QUADS"),
    Format("json", "application/sparql-results+json", "srj", "results", "SPARQL JSON", ("application/json",), None, "JSON"),
    Format("xml", "application/sparql-results+xml", "srx", "results", "SPARQL XML", ("application/xml",), None, "XML"),
    Format("csv", "text/csv", "csv", "results", "CSV", (), None, "CSV"),
    Format("tsv", "text/tab-separated-values", "tsv", "results", "TSV", (), None, "TSV"),
    Format("html", "text/html", "html", "html", "HTML", ("application/xhtml+xml",)),
)

_BY_NAME = {f.name: f for f in FORMATS}
RDF_GRAPH_FORMATS = tuple(f for f in FORMATS if f.kind == "graph")
RDF_DATASET_FORMATS = tuple(f for f in FORMATS if f.kind == "dataset")
RESULT_FORMATS = tuple(f for f in FORMATS if f.kind == "results")
RESOURCE_FORMATS = (_BY_NAME["html"],) + RDF_GRAPH_FORMATS


def by_name(name: str) -> Format | None:
    """A format by short name, extension or media type (``?format=`` accepts all three)."""
    name = name.strip().lower()
    return _BY_NAME.get(name) or by_extension(name) or by_media_type(name)


def by_extension(ext: str) -> Format | None:
    ext = ext.lstrip(".").lower()
    if ext == "owl":  # ontologies are often published as .owl (RDF/XML)
        return _BY_NAME["rdfxml"]
    return next((f for f in FORMATS if f.extension == ext), None)


def by_media_type(media_type: str, offered=FORMATS) -> Format | None:
    media_type = media_type.split(";")[0].strip().lower()
    return next((f for f in offered if f.media_type == media_type), None) or \
        next((f for f in offered if media_type in f.aliases), None)


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """``[(media_range, q, specificity)]``, in the header's order; malformed parts are skipped."""
    out = []
    for part in (header or "").split(","):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if not media or "/" not in media:
            continue
        q = 1.0
        for param in bits[1:]:
            if param.lower().startswith("q="):
                try:
                    q = max(0.0, min(1.0, float(param[2:])))
                except ValueError:
                    q = 0.0
        main, _, sub = media.partition("/")
        specificity = 0 if main == "*" else (1 if sub == "*" else 2)
        out.append((media, q, specificity))
    return out


def negotiate(accept: str | None, offered: tuple[Format, ...] | list[Format]) -> Format | None:
    """The best of ``offered`` for an ``Accept`` header; the first offered when it is empty; None when nothing fits.

    For each offered format, the most specific matching range gives its q (RFC 9110 §12.5.1);
    the highest q wins, ties go to the server's order of preference.
    """
    if not accept or not accept.strip():
        return offered[0] if offered else None
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for fmt in offered:
        q = _quality(fmt, ranges)
        if q > best_q:
            best, best_q = fmt, q
    return best


def _quality(fmt: Format, ranges) -> float:
    types = (fmt.media_type,) + fmt.aliases
    match_q, match_spec = 0.0, -1
    for media, q, spec in ranges:
        main, _, sub = media.partition("/")
        for t in types:
            tmain, _, tsub = t.partition("/")
            exact = media == t
            fits = exact or (spec == 1 and main == tmain) or spec == 0
            # an alias only counts when named exactly (text/plain must not win */* for N-Triples)
            if t != fmt.media_type and not exact:
                continue
            if fits and spec > match_spec:
                match_q, match_spec = q, spec
    return match_q
