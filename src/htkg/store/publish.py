"""``htkg publish --to URL``: load a built release into a SPARQL 1.1 store without a half-loaded moment.

1. every named graph of the release is PUT (Graph Store HTTP Protocol, N-Triples) under a staging
   name ``urn:htkg:staging:<version>:<n>``, with retries on connection errors and 5xx answers;
2. one SPARQL Update request then ``MOVE``s every staging graph onto its real name, ``DROP``s the
   graphs of the previous release that the new one no longer has (and stale staging graphs) and
   records the release's version in the graph ``urn:htkg:release`` (what ``htkg serve --store-url``
   checks at start-up). A store runs one update request as one transaction (Oxigraph, Jena
   Fuseki/TDB2, GraphDB, Neptune), so a reader that names graphs sees the old release or the new one,
   never a mix;
3. the switch is verified: every graph of the release must hold its triples and no staging graph may
   be left (a store can accept ``MOVE`` and do nothing: Jena's in-memory datasets reject it, and
   ``SILENT`` would hide that); otherwise publish fails loudly;
4. a graph the store refuses stops the publish with an error naming the graph and the URL, before
   anything visible has changed; the staging graphs loaded so far are dropped again.

Staging graphs are named graphs: a query over the *union* of all graphs sees them while step 1 runs.
``htkg serve`` names the release's graphs in every query, so its readers never see them.

Credentials (HTTP Basic or Digest, whichever the store asks for) come from the settings
``store_user``/``store_password`` (environment or config file) or the host's entry in ``~/.netrc``.
"""

from __future__ import annotations

import contextlib
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from ..errors import HtkgError, StoreError, StoreUnavailable
from .remote import RELEASE_GRAPH, STAGING_PREFIX, VERSION_PREDICATE, Credentials, SparqlEndpoint, graph_counts

__all__ = ["StoreEndpoints", "publish_release", "PublishResult"]

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class StoreEndpoints:
    """The three URLs of a SPARQL 1.1 store: Graph Store Protocol, query, update."""

    gsp: str
    query: str
    update: str

    @classmethod
    def from_url(cls, gsp: str, query: str | None = None, update: str | None = None) -> "StoreEndpoints":
        """Derive the query and update URLs from the GSP URL for the common layouts.

        >>> StoreEndpoints.from_url("http://127.0.0.1:7878/store")
        StoreEndpoints(gsp='http://127.0.0.1:7878/store', query='http://127.0.0.1:7878/query', update='http://127.0.0.1:7878/update')
        >>> StoreEndpoints.from_url("http://localhost:3030/ds/data").query
        'http://localhost:3030/ds/query'
        >>> StoreEndpoints.from_url("http://localhost:8890/sparql-graph-crud-auth").update
        'http://localhost:8890/sparql-auth'
        """
        base, _, last = gsp.rstrip("/").rpartition("/")
        guess = {"store": ("query", "update"), "data": ("query", "update"),   # Oxigraph, Fuseki
                 "sparql-graph-crud": ("sparql", "sparql"),                   # Virtuoso
                 "sparql-graph-crud-auth": ("sparql-auth", "sparql-auth")}.get(last)
        if (query is None or update is None) and guess is None:
            raise StoreError(f"cannot tell the query and update URLs of {gsp}",
                             hint="give --query-url and --update-url")
        return cls(gsp, query or f"{base}/{guess[0]}", update or f"{base}/{guess[1]}")


@dataclass
class PublishResult:
    version: str
    graphs: int
    triples: int
    dropped: list[str]
    seconds: float


def _graph_bodies(nquads: Path):
    """(graph IRI, N-Triples bytes, count) per named graph, in IRI order, from the release dump."""
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    for g in sorted(store.named_graphs(), key=lambda n: n.value):
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in store.quads_for_pattern(None, None, None, g)]
        yield g.value, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), len(triples)


def _put(opener, url: str, staging: str, graph: str, body: bytes, *, timeout: float, retries: int) -> None:
    """PUT ``body`` as the graph ``staging``; errors name ``graph``, the release graph it stands for, and the URL."""
    target = url + ("&" if "?" in url else "?") + urllib.parse.urlencode({"graph": staging})
    delay = 0.5
    for attempt in range(retries + 1):
        req = urllib.request.Request(target, data=body, method="PUT",
                                     headers={"Content-Type": "application/n-triples"})
        try:
            with opener.open(req, timeout=timeout) as resp:
                resp.read()
            return
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace").strip()[:500]
            if exc.code < 500 or attempt == retries:
                hint = "set HTKG_STORE_USER and HTKG_STORE_PASSWORD, or a machine entry in ~/.netrc" \
                    if exc.code == 401 else "nothing visible has changed; fix the cause and publish again"
                raise StoreError(f"the store at {url} refused graph {graph} (loading it as {staging}): "
                                 f"{exc.code} {text}", hint=hint) from None
        except (urllib.error.URLError, OSError) as exc:
            if attempt == retries:
                raise StoreUnavailable(f"could not load graph {graph} into {url} after {retries + 1} attempts: "
                                       f"{getattr(exc, 'reason', exc)}",
                                       hint="nothing visible has changed; publish again when the store is up") from None
        time.sleep(delay)
        delay *= 2


def publish_release(release, endpoints: StoreEndpoints, *, timeout: float = 120.0, retries: int = 3,
                    progress: Progress | None = None, credentials: Credentials | None = None) -> PublishResult:
    """Load ``release`` (a ReleaseInfo) into the store; the switch to it is one update transaction."""
    started = time.monotonic()
    tick = progress or (lambda _done, _total, _graph: None)
    version = release.version
    graph_prefix = release.base_iri + "graph/"
    sparql = SparqlEndpoint(endpoints.query, timeout, endpoints.update, credentials=credentials)
    opener = sparql.opener(endpoints.gsp)
    total = len(release.statistics.get("graphs", {})) or 1
    moves, expected, triples = [], {}, 0
    try:
        for n, (graph, body, count) in enumerate(_graph_bodies(release.nquads_path)):
            staging = f"{STAGING_PREFIX}{version}:{n}"
            tick(n, total, graph)
            moves.append((staging, graph))
            _put(opener, endpoints.gsp, staging, graph, body, timeout=timeout, retries=retries)
            expected[graph] = count
            triples += count
        tick(len(moves), total, "switch")
        existing = graph_counts(sparql)
        new = set(expected)
        ours = {s for s, _ in moves}
        dropped = sorted(g for g in existing
                         if (g.startswith(graph_prefix) and g not in new) or (g.startswith(STAGING_PREFIX) and g not in ours))
        ops = [f"MOVE SILENT GRAPH <{s}> TO GRAPH <{g}>" for s, g in moves] + \
              [f"DROP SILENT GRAPH <{g}>" for g in dropped + [RELEASE_GRAPH]] + \
              [f'INSERT DATA {{ GRAPH <{RELEASE_GRAPH}> {{ <{RELEASE_GRAPH}> <{VERSION_PREDICATE}> "{version}" }} }}']
        sparql.update(" ;\n".join(ops))
    except HtkgError:
        _drop_staging(sparql, [s for s, _ in moves])
        raise
    _verify_switch(sparql, expected, {s for s, _ in moves}, endpoints.update)
    tick(len(moves), total, "done")
    return PublishResult(version, len(moves), triples, dropped, time.monotonic() - started)


def _drop_staging(sparql: SparqlEndpoint, staging: list[str]) -> None:
    """Best effort after a failure: the staging graphs loaded so far go again (the cause is what is reported)."""
    if staging:
        with contextlib.suppress(HtkgError):
            sparql.update(" ;\n".join(f"DROP SILENT GRAPH <{s}>" for s in staging))


def _verify_switch(sparql: SparqlEndpoint, expected: dict[str, int], staging: set[str], url: str) -> None:
    """Every release graph holds its triples and no staging graph is left, or a StoreError naming the first that does not."""
    counts = graph_counts(sparql)
    left = sorted(g for g in staging if counts.get(g))
    wrong = [(g, n, counts.get(g, 0)) for g, n in expected.items() if counts.get(g, 0) != n]
    if left or wrong:
        _drop_staging(sparql, sorted(staging))
        what = (f"graph <{wrong[0][0]}> has {wrong[0][2]} triples instead of {wrong[0][1]}" if wrong
                else f"the staging graph <{left[0]}> is still there")
        raise StoreError(f"the switch to the new release at {url} did not take effect: {what}",
                         hint="the store accepted MOVE but did not move the graphs (Jena's in-memory datasets do "
                              "this); publish into a store that supports SPARQL 1.1 MOVE between named graphs")
