"""IRI minting and the mapping between IRIs under the base and local paths.

>>> b = Base("https://w3id.org/htkg/")
>>> b.id("org", "ovc")
'https://w3id.org/htkg/id/org/ovc'
>>> b.path_of("https://w3id.org/htkg/id/org/ovc")
'id/org/ovc'
>>> b.iri_of_path("/id/org/ovc")
'https://w3id.org/htkg/id/org/ovc'
>>> slugify("Human Trafficking — Services for Survivors")
'human-trafficking-services-for-survivors'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["DEFAULT_BASE", "Base", "slugify", "SLUG_RE"]

DEFAULT_BASE = "https://w3id.org/htkg/"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Areas under the base that name things (dereferenceable) — the first path segment.
AREAS = ("id", "def", "graph", "release", "shapes")


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class Base:
    iri: str = DEFAULT_BASE

    def __post_init__(self):
        if not self.iri.endswith("/"):
            raise ValueError(f"base IRI must end with '/': {self.iri!r}")

    def id(self, *segments: str) -> str:
        return self.iri + "id/" + "/".join(segments)

    def term(self, name: str) -> str:
        return self.iri + "def/" + name

    def graph(self, *segments: str) -> str:
        return self.iri + "graph/" + "/".join(segments)

    @property
    def ontology(self) -> str:
        return self.iri + "def/"

    def release(self, version: str) -> str:
        return self.iri + "release/" + version

    def contains(self, iri: str) -> bool:
        return iri.startswith(self.iri)

    def path_of(self, iri: str) -> str | None:
        """The local path (no leading slash) of an IRI under the base, else None."""
        return iri[len(self.iri):] if iri.startswith(self.iri) else None

    def iri_of_path(self, path: str) -> str:
        return self.iri + path.lstrip("/")

    def rebase(self, iri: str, other: "Base") -> str:
        """The same IRI under another base (used when a deployment configures its own base)."""
        return other.iri + iri[len(self.iri):] if iri.startswith(self.iri) else iri
