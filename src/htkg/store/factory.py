"""Which store to serve from, decided once from the settings: remote, on-disk, or in memory."""

from __future__ import annotations

from pathlib import Path

from ..config import Settings
from ..errors import ConfigError
from .base import Store

__all__ = ["open_store"]


def open_store(settings: Settings, release=None) -> Store:
    """The store the settings ask for.

    - ``store_url`` set: a :class:`~htkg.store.remote.RemoteStore` on that SPARQL query endpoint
      (``store_timeout`` seconds per request);
    - else ``store_path`` set: the on-disk pyoxigraph store there, opened read-only (memory does not
      grow with the data; many worker processes can share it);
    - else: the release's N-Quads dump loaded into an in-memory pyoxigraph store.

    ``release`` is a :class:`~htkg.dataset.release.ReleaseInfo` or a release directory: needed for the
    in-memory store, and it gives the on-disk store its counts per graph.
    """
    if settings.store_url:
        from .remote import RemoteStore
        return RemoteStore(settings.store_url, settings.store_timeout)
    from .oxigraph import OxigraphStore
    if isinstance(release, (str, Path)):
        from ..dataset.release import open_release
        release = open_release(release)
    if settings.store_path:
        if release is not None:   # with the release's counts per graph: counting walks every quad
            return release.open_store(settings.store_path)   # (7.5 s at 20M quads, in every worker)
        return OxigraphStore.open_read_only(Path(settings.store_path))
    if release is None:
        raise ConfigError("store_url", "no store: set store_url or store_path, or give a release to load")
    return release.open_store()
