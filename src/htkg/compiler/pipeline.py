"""The whole build as plain functions the CLI calls: validate a project, build a release."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import tempfile
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from ..config import Settings
from ..errors import ValidationFailed
from ..dataset.queries import load_queries
from ..iris import DEFAULT_BASE
from ..publish.metadata import release_writers
from ..publish.queries_rdf import add_queries_graph
from .compile import compile_project
from .freeze import Release, freeze, rebase_text
from .sources import to_ox_quads
from .sources import CuratedFiles, find_curated
from .validate import ValidationReport, load_shapes, validate

__all__ = ["Checked", "check_project", "build_release", "release_date_of", "work_directory"]


@dataclass
class Checked:
    files: CuratedFiles
    store: ox.Store
    report: ValidationReport


def check_project(root: Path, progress: Callable[[str], None] | None = None, *,
                  base_iri: str = DEFAULT_BASE, work_dir: Path | None = None) -> Checked:
    """Parse, enrich and validate the curated files under ``root`` (raises DataError on bad files).

    With ``work_dir`` the data go into an on-disk store there (memory stays flat whatever their size),
    else into memory. The named queries join the data as ``graph:queries`` (SHACL executables), so
    the shapes check them too.
    """
    step = progress or (lambda _m: None)
    files = find_curated(root)
    store = ox.Store(str(Path(work_dir) / "store")) if work_dir else ox.Store()
    compile_project(files, store=store, work_dir=work_dir, progress=step)
    if (files.root / "queries").is_dir():
        from rdflib import Dataset
        queries = Dataset()
        add_queries_graph(queries, load_queries(files.root / "queries"), endpoint=base_iri + "sparql")
        store.extend(to_ox_quads(queries))
    step("validate")
    report = validate(store, load_shapes(files.shapes))
    return Checked(files, store, report)


def release_date_of(root: Path, env: dict | None = None) -> str | None:
    """The date of the last commit touching the curated files (or ``SOURCE_DATE_EPOCH``): stable across builds."""
    env = os.environ if env is None else env
    if env.get("SOURCE_DATE_EPOCH"):
        import datetime as dt
        return dt.datetime.fromtimestamp(int(env["SOURCE_DATE_EPOCH"]), dt.timezone.utc).date().isoformat()
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%cs", "--", "ontology", "data", "shapes", "queries"],
                             cwd=root, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def build_release(root: Path, out: Path, *, settings: Settings | None = None,
                  progress: Callable[[str], None] | None = None, extra_writers=None) -> tuple[Release, ValidationReport]:
    """Parse → enrich → validate → freeze, with VoID, DCAT and data.json. Invalid data raises
    ValidationFailed and writes nothing."""
    settings = settings or Settings()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with work_directory(out.parent, f".{out.name}.work-") as work:
        return _build(root, out, work, settings, progress, extra_writers)


@contextmanager
def work_directory(parent: Path | None, prefix: str):
    """A scratch directory for an on-disk work store, removed afterwards — also after an error.

    pyoxigraph closes an on-disk store only when the last reference to it goes, and an exception's
    traceback keeps the frames (and their stores) alive; RocksDB would go on writing into the
    directory being removed. So the frames' locals are cleared first (the traceback keeps its lines).
    Do not keep the store past the ``with`` block.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield path
    except BaseException as exc:
        traceback.clear_frames(exc.__traceback__)
        raise
    finally:
        gc.collect()
        shutil.rmtree(path, ignore_errors=True)


def _build(root: Path, out: Path, work: Path, settings: Settings, progress, extra_writers):
    base_iri = settings.base_iri
    checked = check_project(root, progress, base_iri=base_iri, work_dir=work)
    if not checked.report.conforms:
        raise ValidationFailed(checked.report)

    def copy_curated(tmp: Path, manifest: dict, _store) -> None:
        for folder, paths in (("shapes", checked.files.shapes), ("queries", checked.files.queries),
                              ("sources", checked.files.sources)):
            for p in paths:
                (tmp / folder).mkdir(exist_ok=True)
                if folder == "sources":
                    shutil.copyfile(p, tmp / folder / p.name)
                else:  # shapes and queries name the graph's IRIs: they follow the configured base
                    (tmp / folder / p.name).write_text(rebase_text(p.read_text(encoding="utf-8"), base_iri),
                                                       encoding="utf-8")
        manifest["curated"] = {
            "shapes": [f"shapes/{p.name}" for p in checked.files.shapes],
            "queries": [f"queries/{p.name}" for p in checked.files.queries],
            "sources": [f"sources/{p.name}" for p in checked.files.sources],
        }

    writers = [copy_curated, *release_writers(settings), *(extra_writers or [])]
    release = freeze(checked.store, checked.report, out, base_iri=base_iri,
                     release_date=release_date_of(root), inputs_sha256=checked.files.digest(),
                     extra_writers=writers, progress=progress)
    return release, checked.report
