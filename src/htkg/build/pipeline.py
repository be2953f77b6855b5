"""The whole build as plain functions the CLI calls: validate a project, build a release."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rdflib import Dataset

from ..config import Settings
from ..errors import ValidationFailed
from ..dataset.queries import load_queries
from ..iris import DEFAULT_BASE
from ..publish.metadata import release_writers
from ..publish.queries_rdf import add_queries_graph
from .compile import compile_project
from .freeze import Release, freeze, rebase_text
from .sources import CuratedFiles, find_curated
from .validate import ValidationReport, load_shapes, validate

__all__ = ["Checked", "check_project", "build_release", "release_date_of"]


@dataclass
class Checked:
    files: CuratedFiles
    dataset: Dataset
    report: ValidationReport


def check_project(root: Path, progress: Callable[[str], None] | None = None, *,
                  base_iri: str = DEFAULT_BASE) -> Checked:
    """Parse, enrich and validate the curated files under ``root`` (raises DataError on bad files).

    The named queries join the data as ``graph:queries`` (SHACL executables), so the shapes check them too.
    """
    step = progress or (lambda _m: None)
    step("parse and enrich")
    files = find_curated(root)
    ds = compile_project(files)
    if (files.root / "queries").is_dir():
        add_queries_graph(ds, load_queries(files.root / "queries"), endpoint=base_iri + "sparql")
    step("validate")
    report = validate(ds, load_shapes(files.shapes))
    return Checked(files, ds, report)


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
    base_iri = settings.base_iri
    checked = check_project(root, progress, base_iri=base_iri)
    if not checked.report.conforms:
        raise ValidationFailed(checked.report)

    def copy_curated(tmp: Path, manifest: dict, _quads) -> None:
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
    release = freeze(checked.dataset, checked.report, out, base_iri=base_iri,
                     release_date=release_date_of(root), inputs_sha256=checked.files.digest(),
                     extra_writers=writers, progress=progress)
    return release, checked.report
