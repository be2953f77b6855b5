"""Freeze: write an immutable release directory — dumps, manifest, validation report — atomically.

The release's version is the content hash of its canonical N-Quads (sorted, unique lines: anyone can
check it with ``LC_ALL=C sort -u htkg.nq | sha256sum``), so the same inputs give the same version and
byte-identical files. Everything streams from the build's store through files: the store is dumped
once, sorted by ``sort(1)`` (which spills to disk), and every other format is serialized from the
sorted files, so memory stays flat whatever the size of the data. Everything is written to a hidden
sibling directory first and renamed into place at the end; a failure half-way leaves the previous
release untouched and no partial one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, TextIO

import pyoxigraph as ox
from rdflib import Dataset, URIRef
from rdflib.namespace import RDF, SH, XSD

from ..dataset.release import (DUMP_FORMATS, DUMP_NAME, MANIFEST, release_file_entry, sha256_file,
                               write_release_file)
from ..errors import HtkgError, ReleaseError
from ..formats import by_name
from ..iris import DEFAULT_BASE
from ..namespaces import prefixes_for
from ..store.oxigraph import OxigraphStore
from ..store.base import PlainNames
from .enrich import skolemize
from .sources import to_ox_quads
from .validate import ValidationReport

__all__ = ["Release", "freeze", "rebase_text", "statistics"]

SORT_MEMORY = os.environ.get("HTKG_SORT_MEMORY", "512M")   # sort(1)'s buffer; beyond it, it spills to disk
_XSD_STRING = str(XSD.string)
_RDF_TYPE = "<" + str(RDF.type) + ">"

# The canonical N-Quads, a graph-major copy (for TriG and JSON-LD: one block per graph, subjects
# sorted) and the union as N-Triples (for Turtle and RDF/XML), with C-locale sort(1) throughout.
# A quad line ends with " <graph> ." (no quad sits in the default graph), an IRI holds no space or
# '>', so awk's second-to-last field is the graph and sed can cut it.
_SORT_SCRIPT = r"""set -euo pipefail
export LC_ALL=C
raw="$1" nq="$2" bygraph="$3" nt="$4" tmp="$5" mem="$6"
sort -u -S "$mem" -T "$tmp" "$raw" > "$nq"
awk '{ print $(NF-1), $0 }' "$nq" | sort -S "$mem" -T "$tmp" | cut -d' ' -f2- > "$bygraph"
sed -E 's/ <[^ >]*> \.$/ ./' "$nq" | sort -u -S "$mem" -T "$tmp" > "$nt"
"""


@dataclass
class Release:
    """What ``freeze`` wrote: where, which version, and the manifest."""

    path: Path
    version: str
    manifest: dict


def rebase_text(text: str, base: str) -> str:
    """The default base rewritten to ``base`` everywhere: IRIs, and the query texts and addresses that
    literals carry (a named query's ``PREFIX id: <…>`` must follow the base to match the data)."""
    return text.replace(DEFAULT_BASE, base) if base != DEFAULT_BASE else text


Writer = Callable[[Path, dict, OxigraphStore], None]


def freeze(store: ox.Store, report: ValidationReport, out: Path, *, base_iri: str = DEFAULT_BASE,
           release_date: str | None = None, inputs_sha256: str | None = None,
           extra_writers: list[Writer] | None = None,
           progress: Callable[[str], None] | None = None) -> Release:
    """Write the release for an enriched store that has passed validation.

    ``extra_writers`` are called with the staging directory, the manifest (add files to its
    ``files``) and the release's data as an :class:`OxigraphStore` (the same base IRI as the files).
    """
    if not report.conforms:
        raise ReleaseError("refusing to write a release from data that does not conform to the shapes",
                           hint="run `htkg validate` and fix the violations")
    step = progress or (lambda _msg: None)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    scratch = tmp / ".scratch"
    try:
        scratch.mkdir(parents=True)
        (tmp / "dumps").mkdir()
        step("canonical N-Quads")
        dumps = _sorted_dumps(store, tmp / "dumps", scratch, base_iri)
        version = sha256_file(dumps["nquads"])[:12]
        step("statistics")
        stats = statistics(dumps["nquads"], dumps["ntriples"])
        prefixes = prefixes_for(base_iri)
        for name, fmt in (("trig", ox.RdfFormat.TRIG), ("turtle", ox.RdfFormat.TURTLE),
                          ("rdfxml", ox.RdfFormat.RDF_XML)):
            step(f"dump {name}")
            source = dumps["by-graph"] if name == "trig" else dumps["ntriples"]
            source_fmt = ox.RdfFormat.N_QUADS if name == "trig" else ox.RdfFormat.N_TRIPLES
            dumps[name] = tmp / "dumps" / f"{DUMP_NAME}.{by_name(name).extension}"
            with open(dumps[name], "wb") as fh, PlainNames(fh, prefixes) as plain:   # no `law:a\/b` names
                ox.serialize(ox.parse(path=str(source), format=source_fmt), plain, format=fmt, prefixes=prefixes)
        step("dump jsonld")
        dumps["jsonld"] = tmp / "dumps" / f"{DUMP_NAME}.jsonld"
        with open(dumps["jsonld"], "w", encoding="utf-8") as fh:
            _write_jsonld(ox.parse(path=str(dumps["by-graph"]), format=ox.RdfFormat.N_QUADS), fh, prefixes)
        files = []
        for name in DUMP_FORMATS:
            step(f"gzip {name}")
            fmt = by_name(name)
            rel = f"dumps/{DUMP_NAME}.{fmt.extension}"
            _gzip_file(tmp / rel, tmp / (rel + ".gz"))
            files.append(release_file_entry(tmp, rel, fmt.media_type, name))
            files.append(release_file_entry(tmp, rel + ".gz", "application/gzip", name, encoding="gzip"))
        context = json.dumps({"@context": prefixes}, indent=2, sort_keys=True).encode() + b"\n"
        files.append(write_release_file(tmp, "dumps/context.jsonld", context, "application/ld+json", "context"))
        step("validation report")
        files.extend(_write_report(tmp, report, base_iri, version, prefixes))
        manifest = {
            "name": DUMP_NAME,
            "version": version,
            "release_iri": base_iri + "release/" + version,
            "base_iri": base_iri,
            "release_date": release_date,
            "inputs_sha256": inputs_sha256,
            "validation": {"conforms": report.conforms, "violations": len(report.violations),
                           "results": len(report.results)},
            "statistics": stats,
            "files": files,
        }
        if extra_writers:
            step("metadata")
            # the writers see the release as published: rebased, as in the files
            released = store if base_iri == DEFAULT_BASE else _store_of(dumps["nquads"], scratch / "rebased")
            for writer in extra_writers:
                writer(tmp, manifest, OxigraphStore(released, graph_counts=stats["graphs"]))
            del released   # an on-disk store closes when its last reference goes, before its folder does
        shutil.rmtree(scratch)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        step("rename into place")
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Release(out, version, manifest)


def _sorted_dumps(store: ox.Store, folder: Path, scratch: Path, base_iri: str) -> dict[str, Path]:
    """Dump the store and sort it into the canonical N-Quads, a graph-major copy and the N-Triples union."""
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        raise ReleaseError("the data hold triples outside any named graph", hint="every fact belongs to a graph")
    raw = scratch / "raw.nq"
    store.dump(output=str(raw), format=ox.RdfFormat.N_QUADS)
    if base_iri != DEFAULT_BASE:
        rebased = scratch / "rebased.nq"
        with open(raw, encoding="utf-8") as src, open(rebased, "w", encoding="utf-8") as dst:
            for line in src:
                dst.write(rebase_text(line, base_iri))
        raw.unlink()
        raw = rebased
    paths = {"nquads": folder / f"{DUMP_NAME}.nq", "by-graph": scratch / "by-graph.nq",
             "ntriples": folder / f"{DUMP_NAME}.nt"}
    done = subprocess.run(["bash", "-c", _SORT_SCRIPT, "sort-dumps", str(raw), str(paths["nquads"]),
                           str(paths["by-graph"]), str(paths["ntriples"]), str(scratch), SORT_MEMORY],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise HtkgError(f"sorting the dumps failed: {done.stderr.strip()[-500:]}",
                        hint="the build needs bash, sort, awk, sed and cut, and free disk space beside the release")
    raw.unlink()
    return paths


def _store_of(nquads: Path, folder: Path) -> ox.Store:
    """The N-Quads in a new on-disk store in ``folder`` (memory stays flat)."""
    store = ox.Store(str(folder))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    return store


def statistics(nquads: Path, ntriples: Path) -> dict:
    """Counts computed once at build time from the sorted dumps, streaming: quads per graph, triples,
    entities (subjects with a type), instances per class, triples per property."""
    graphs: Counter = Counter()
    quads = 0
    with open(nquads, encoding="utf-8") as fh:
        for line in fh:
            graphs[line[line.rindex(" <", 0, len(line) - 3) + 2:line.rindex(">")]] += 1
            quads += 1
    classes: Counter = Counter()
    properties: Counter = Counter()
    triples = entities = 0
    last_typed = None
    with open(ntriples, encoding="utf-8") as fh:
        for line in fh:   # sorted: a subject's lines are together
            triples += 1
            s, p, rest = line.split(" ", 2)
            properties[p[1:-1]] += 1
            if p == _RDF_TYPE and rest.startswith("<"):
                classes[rest[1:rest.index(">")]] += 1
                if s != last_typed:
                    entities, last_typed = entities + 1, s
    return {
        "quads": quads,
        "triples": triples,
        "entities": entities,
        "graphs": dict(sorted(graphs.items())),
        "classes": dict(sorted(classes.items())),
        "properties": dict(sorted(properties.items())),
    }


def _write_jsonld(quads: Iterable[ox.Quad], fh: TextIO, prefixes: dict[str, str]) -> None:
    """JSON-LD written directly, streaming over graph-major sorted quads (rdflib's serializer took
    minutes and gigabytes at 1M triples; pyoxigraph's writes expanded IRIs without a context).

    One ``@graph`` entry per named graph, nodes sorted by IRI, IRIs compacted against the published
    context (``prefix:local`` is a compact IRI in JSON-LD, expanded through the context).
    """
    spaces = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def short(iri: str) -> str:
        for k, ns in spaces:
            if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("//"):
                return f"{k}:{iri[len(ns):]}"
        return iri

    def value(term) -> dict:
        if isinstance(term, ox.Literal):
            if term.language:
                return {"@value": term.value, "@language": term.language}
            if term.datatype.value == _XSD_STRING:
                return {"@value": term.value}
            return {"@value": term.value, "@type": short(term.datatype.value)}
        return {"@id": short(term.value)}

    dump = lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False)  # noqa: E731

    def node(subject: str, props: dict[str, list]) -> str:
        out = {"@id": short(subject)}
        for p in sorted(props):
            values = sorted(props[p], key=dump)
            out[p] = values[0] if len(values) == 1 else values
        return dump(out)

    fh.write('{"@context": ' + dump(prefixes) + ',\n"@graph": [\n')
    graph = subject = None
    props: dict[str, list] = {}
    first_graph = True
    for q in quads:
        g, s = q.graph_name.value, q.subject.value
        if (g, s) != (graph, subject):
            if subject is not None:
                fh.write(node(subject, props))
            if g != graph:
                if graph is not None:
                    fh.write("\n]}")
                fh.write(("" if first_graph else ",\n") + '{"@id": ' + json.dumps(short(g), ensure_ascii=False)
                         + ', "@graph": [\n  ')
                first_graph, graph = False, g
            else:
                fh.write(",\n  ")
            subject, props = s, {}
        props.setdefault(short(q.predicate.value), []).append(value(q.object))
    if subject is not None:
        fh.write(node(subject, props) + "\n]}")
    fh.write("\n]}\n")


def _gzip_file(src: Path, dst: Path) -> None:
    # level 6, not 9: on the 1M-statement release's 371 MB N-Quads, 2.0 s instead of 9.1 s for a file
    # 10 % larger (10 MiB against 9); mtime=0 and no file name keep the bytes the same on every build
    with open(src, "rb") as fin, open(dst, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)


def _write_report(root: Path, report: ValidationReport, base: str, version: str, prefixes) -> list[dict]:
    """The SHACL report (blank nodes named deterministically) and its DQV summary."""
    rds = Dataset()
    g = rds.graph(URIRef(base + "release/" + version + "/quality"))
    # the report node itself gets the IRI the DQV annotation points at; its results are named by skolemize
    node = URIRef(base + "release/" + version + "/quality/report")
    roots = set(report.graph.subjects(RDF.type, SH.ValidationReport))
    for s, p, o in report.graph:
        g.add((node if s in roots else s, p, node if o in roots else o))
    skolemize(rds)
    quads = sorted(to_ox_quads(rds), key=str)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    data = PlainNames.rewrite(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes), prefixes)
    entries = [write_release_file(root, "quality/report.ttl", data, "text/turtle", "turtle")]
    rel = base + "release/" + version
    ttl = f"""@prefix dqv: <http://www.w3.org/ns/dqv#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix htkg: <{base}def/> .

<{rel}> dqv:hasQualityMeasurement <{rel}/quality/conformance>, <{rel}/quality/violations> ;
    dqv:hasQualityAnnotation <{rel}/quality/annotation> .
<{rel}/quality/conformance> a dqv:QualityMeasurement ;
    dqv:computedOn <{rel}> ; dqv:isMeasurementOf htkg:shaclConformance ;
    dqv:value {str(report.conforms).lower()} .
<{rel}/quality/violations> a dqv:QualityMeasurement ;
    dqv:computedOn <{rel}> ; dqv:isMeasurementOf htkg:shaclViolationCount ;
    dqv:value "{len(report.violations)}"^^xsd:integer .
<{rel}/quality/annotation> a dqv:QualityAnnotation ;
    oa:motivatedBy dqv:qualityAssessment ; oa:hasTarget <{rel}> ;
    oa:hasBody <{rel}/quality/report> .
htkg:shaclConformance a dqv:Metric ; dqv:expectedDataType xsd:boolean .
htkg:shaclViolationCount a dqv:Metric ; dqv:expectedDataType xsd:integer .
"""
    entries.append(write_release_file(root, "quality/summary.ttl", ttl.encode(), "text/turtle", "turtle"))
    return entries


def _swap(tmp: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.rename(out, old)
    os.rename(tmp, out)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
