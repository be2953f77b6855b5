"""``open_store``: the one way to get a store — for the CLI, the site, the bench and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from ..config import Settings
from ..errors import ConfigError
from .base import Store

__all__ = ["open_store", "embedded_store", "release_graph_counts", "store_of"]


def open_store(settings: Settings, release=None, *, isolate: bool = False, metrics=None) -> Store:
    """The store the settings ask for, holding ``release``.

    - ``store_url`` set: a :class:`~htkg.store.remote.RemoteStore` on that SPARQL query endpoint, which
      names the release's graphs as the dataset of every query; with a release it is checked first
      to hold exactly that release (its version and triples per graph), else a StoreError says why;
    - else ``store_path`` set: the on-disk pyoxigraph store there, opened read-only (memory does not
      grow with the data; many worker processes can share it);
    - else: the release's N-Quads dump loaded into an in-memory pyoxigraph store.

    ``isolate``: the embedded store behind killable query processes
    (:class:`~htkg.store.executor.QueryExecutor`: ``query_timeout``, ``query_memory_mb``,
    ``max_concurrent_queries``), as the server uses it; ``metrics`` counts their events.

    ``release`` is a :class:`~htkg.dataset.release.ReleaseInfo` (anything with ``version``,
    ``nquads_path`` and ``statistics``).
    """
    if settings.store_url:
        from .remote import RemoteStore, credentials_for
        store = RemoteStore(settings.store_url, min(settings.query_timeout, settings.store_timeout),
                            transport=settings.store_transport, named_max=settings.store_named_graphs,
                            credentials=credentials_for(settings.store_url, settings.store_user,
                                                        settings.store_password),
                            release_graphs=release_graph_counts(release) if release is not None else None)
        if release is not None:
            store.verify(release.version, timeout=settings.store_timeout)
        return store
    if release is None and not settings.store_path:
        raise ConfigError("store_url", "no store: set store_url or store_path, or give a release to load")
    counts = release_graph_counts(release) if release is not None else None
    store = embedded_store(release.nquads_path if release is not None else None, settings.store_path, counts)
    if not isolate:
        return store
    if release is None:
        raise ConfigError("store_path", "the isolated store needs the release it holds")
    from .executor import QueryExecutor
    return QueryExecutor(store, release, store_path=settings.store_path, timeout=settings.query_timeout,
                         max_concurrent=settings.max_concurrent_queries, memory_mb=settings.query_memory_mb,
                         metrics=metrics, bounded_cap=settings.bounded_query_cap)


def release_graph_counts(release) -> dict[str, int]:
    """The counts per graph computed at build time: counting again walks every quad, which at 1M
    triples outlasted a query's time limit in every new query process (7.5 s at 20M quads)."""
    return {g: n for g, n in release.statistics.get("graphs", {}).items() if g}


def embedded_store(nquads_path: str | Path | None, store_path: str | Path | None = None,
                   graph_counts: Mapping[str, int] | None = None):
    """The embedded pyoxigraph store: the on-disk one at ``store_path`` (read-only) if given, else the
    N-Quads dump loaded into memory."""
    from .oxigraph import OxigraphStore
    if store_path:
        return OxigraphStore.open_read_only(Path(store_path), graph_counts=graph_counts)
    return OxigraphStore.from_file(Path(nquads_path), graph_counts=graph_counts)


def store_of(quads) -> Store:
    """A small in-memory store of ``quads`` (pyoxigraph quads): what the site describes that is not in
    the release's store (the shapes, the catalog metadata)."""
    from .oxigraph import OxigraphStore
    return OxigraphStore.from_quads(quads)
