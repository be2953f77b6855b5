"""Open a built release: its manifest, its store, its named queries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..build.freeze import DUMP_NAME, MANIFEST
from ..errors import ReleaseError
from .queries import NamedQuery, load_queries

__all__ = ["ReleaseInfo", "open_release"]


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

    def open_store(self, store_path: str | Path | None = None):
        """The embedded store: the on-disk one (read-only) if given, else the dump loaded into memory."""
        from ..store.oxigraph import OxigraphStore
        # the counts per graph were computed at build time: counting again walks every quad, which
        # at 1M triples outlasted a query's time limit in every new query process
        counts = {g: n for g, n in self.statistics.get("graphs", {}).items() if g}
        if store_path:
            return OxigraphStore.open_read_only(Path(store_path), graph_counts=counts)
        return OxigraphStore.from_file(self.nquads_path, graph_counts=counts)


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
