"""What every request handler needs: settings, the release, the store, the IRI base — one object per app."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from ..config import Settings
from ..dataset.release import ReleaseInfo
from ..iris import Base
from ..namespaces import prefixes_for

__all__ = ["Site", "site"]


@dataclass
class Site:
    settings: Settings
    release: ReleaseInfo
    store: object                  # htkg.store.base.Store (or the web layer's isolating wrapper)
    extras: dict = field(default_factory=dict)

    @property
    def base(self) -> Base:
        return Base(self.release.base_iri)

    @property
    def prefixes(self) -> dict[str, str]:
        return prefixes_for(self.release.base_iri)

    @property
    def version(self) -> str:
        return self.release.version

    def graph_names(self) -> frozenset[str]:
        """The store's named graphs. The embedded store's never change: read once (copying its 37k
        counts on every request cost a 10M-triple release half its small-query throughput); a remote
        store is asked each time, as another release may be published into it."""
        names = self.extras.get("graph_names")
        if names is None:
            names = frozenset(self.store.graphs())
            if hasattr(self.store, "query_serialized"):   # the embedded store's executor
                self.extras["graph_names"] = names
        return names


def site() -> Site:
    return current_app.extensions["htkg"]
