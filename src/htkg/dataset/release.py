"""A built release: its layout (defined here, where it is read; the compiler's freeze writes it), its
manifest, its named queries. Its store: ``htkg.store.open_store(settings, release)``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import ReleaseError
from .queries import NamedQuery, load_queries

__all__ = ["ReleaseInfo", "open_release", "release_file_entry", "write_release_file", "sha256_file",
           "DUMP_NAME", "DUMP_FORMATS", "MANIFEST"]

# The layout of a release directory:
#   manifest.json                  version, base IRI, statistics, and an entry per file (release_file_entry)
#   dumps/htkg.{nq,trig,ttl,nt,rdf,jsonld}[.gz], dumps/context.jsonld
#   queries/*.rq, shapes/*.ttl, sources/*   the curated files, rebased
#   quality/report.ttl, quality/summary.ttl, void.ttl, catalog.ttl, data.json
DUMP_NAME = "htkg"
DUMP_FORMATS = ("nquads", "trig", "turtle", "ntriples", "rdfxml", "jsonld")
MANIFEST = "manifest.json"


@dataclass
class ReleaseInfo:
    path: Path
    manifest: dict = field(repr=False)

    @property
    def version(self) -> str:
        return self.manifest["version"]

    @property
    def base_iri(self) -> str:
        return self.manifest["base_iri"]

    @property
    def statistics(self) -> dict:
        return self.manifest["statistics"]

    @property
    def nquads_path(self) -> Path:
        return self.path / "dumps" / f"{DUMP_NAME}.nq"

    def file(self, rel: str) -> Path:
        return self.path / rel

    def files(self) -> list[dict]:
        return self.manifest["files"]

    @cached_property
    def queries(self) -> dict[str, NamedQuery]:
        return load_queries(self.path / "queries") if (self.path / "queries").is_dir() else {}


def open_release(path: str | Path) -> ReleaseInfo:
    path = Path(path)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise ReleaseError(f"no release at {path}: {MANIFEST} is missing",
                           hint="build one with `htkg build --out DIR` (or `make build`)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"cannot read {manifest_path}: {exc}") from None
    for key in ("version", "base_iri", "statistics", "files"):
        if key not in manifest:
            raise ReleaseError(f"{manifest_path} has no {key!r}: the release is incomplete")
    return ReleaseInfo(path, manifest)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def release_file_entry(root: Path, rel: str, media_type: str, fmt: str, encoding: str | None = None) -> dict:
    """The manifest entry of a file already written under ``root``: size and SHA-256, read streaming."""
    path = root / rel
    entry = {"path": rel, "format": fmt, "media_type": media_type, "bytes": path.stat().st_size,
             "sha256": sha256_file(path)}
    if encoding:
        entry["encoding"] = encoding
    return entry


def write_release_file(root: Path, rel: str, data: bytes, media_type: str, fmt: str, encoding: str | None = None) -> dict:
    """Write ``data`` at ``rel`` under ``root`` and return its manifest entry."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return release_file_entry(root, rel, media_type, fmt, encoding)
