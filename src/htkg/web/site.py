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


def site() -> Site:
    return current_app.extensions["htkg"]
