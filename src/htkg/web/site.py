"""What every request handler needs: settings, the release, the store, the IRI base — one object per app."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from ..config import Settings
from ..dataset.release import ReleaseInfo
from ..iris import Base
from ..namespaces import prefixes_for
from ..store.base import Store

__all__ = ["Site", "site"]


@dataclass
class Site:
    settings: Settings
    release: ReleaseInfo
    store: Store                   # from htkg.store.open_store
    extras: dict = field(default_factory=dict)

    @property
    def base(self) -> Base:
        return Base(self.release.base_iri)

    @property
    def prefixes(self) -> dict[str, str]:
        """The release's prefix map (worked out once; each caller gets its own copy)."""
        found = self.extras.get("prefixes")
        if found is None:
            found = self.extras["prefixes"] = prefixes_for(self.release.base_iri)
        return dict(found)

    @property
    def version(self) -> str:
        return self.release.version

    def graph_names(self) -> frozenset[str]:
        """The release's named graphs, read once (copying 37k counts on every request cost a
        10M-triple release half its small-query throughput): every store serves exactly those."""
        names = self.extras.get("graph_names")
        if names is None:
            names = self.extras["graph_names"] = frozenset(self.store.graphs())
        return names

    def endpoint_iri(self) -> str:
        """What relative IRIs in a query without BASE resolve against: the endpoint's address."""
        return self.release.base_iri + "sparql"


def site() -> Site:
    return current_app.extensions["htkg"]
