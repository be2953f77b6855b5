"""Compile curated files into one enriched pyoxigraph store (parse → enrich)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox
from rdflib import URIRef

from ..errors import DataError
from ..namespaces import ID
from .enrich import enrich
from .sources import CuratedFiles, find_curated, load_store

__all__ = ["compile_files", "compile_project", "source_texts"]


def source_texts(paths: Iterable[Path]) -> dict[URIRef, tuple[Path, str]]:
    """``data/sources/<slug>.txt`` is the text of the document ``id:source/<slug>``."""
    out = {}
    for p in paths:
        try:
            out[URIRef(ID["source/" + p.stem])] = (p, p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(p, f"cannot read source text: {exc}") from None
    return out


def compile_files(paths: Iterable[Path], sources: Iterable[Path] | None = None, *,
                  store: ox.Store | None = None) -> ox.Store:
    """Parse the given files (``.ttl`` = ontology, ``.trig`` = data) and enrich them into ``store``.

    ``sources`` are the plain-text documents quotes are checked against; by default those of the
    repository the first file lives in (``data/sources/*.txt``).
    """
    paths = [Path(p) for p in paths]
    if sources is None:
        sources = _default_sources(paths)
    store = ox.Store() if store is None else store
    return enrich(load_store(store, paths), source_texts(sources))


def compile_project(root: Path | CuratedFiles, *, store: ox.Store | None = None,
                    work_dir: Path | None = None, progress: Callable[[str], None] | None = None) -> ox.Store:
    """Parse and enrich a project into ``store`` (a new in-memory store by default; give an on-disk
    one for data larger than memory). ``work_dir`` holds the enrichment's temporary files."""
    files = root if isinstance(root, CuratedFiles) else find_curated(Path(root))
    step = progress or (lambda _m: None)
    store = ox.Store() if store is None else store
    step("parse")
    load_store(store, files)
    step("enrich")
    return enrich(store, source_texts(files.sources), work_dir)


def _default_sources(paths: list[Path]) -> list[Path]:
    for p in paths:
        for parent in p.resolve().parents:
            if (parent / "data" / "sources").is_dir():
                return sorted((parent / "data" / "sources").glob("*.txt"))
    return []
