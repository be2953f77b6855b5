"""The scale commands of ``htkg``: ``synth``, ``load`` (on-disk store) and ``publish --to`` (remote store).

Registered on the main group by :mod:`htkg.cli`; exit codes as there (0 ok, 2 usage, 3 tool or store error).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from .config import Settings

__all__ = ["register"]


@contextmanager
def _bar(description: str, total: float | None, enabled: bool = True):
    """A rich progress bar on a terminal (``update(done, total=None, description=None)``); silent otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield lambda *_a, **_k: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)

        def update(done, total=None, description=None):
            progress.update(task, completed=done, **({"total": total} if total else {}),
                           **({"description": description} if description else {}))
        yield update


def register(cli: click.Group, errors, help_of: dict[str, str]) -> None:
    """Add the scale commands to ``cli``; ``errors`` is the CLI's exception-to-exit-code context manager."""

    @cli.command()
    @click.option("--triples", type=click.IntRange(min=1), required=True,
                  help="About how many statements to write (the build's enrichment roughly doubles them).")
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
                  help="Project directory to write (its ontology/, shapes/, queries/ and data/ are replaced).")
    @click.option("--seed", type=int, default=1, show_default=True, help="Random seed: same seed, same files.")
    @click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
                  help="Project whose ontology, shapes, queries and source texts are copied.")
    def synth(triples: int, out: Path, seed: int, root: Path):
        """Write a synthetic project of N triples in the project's model, for scale tests and benchmarks.

        Departments → agencies → offices, programs, statutes, funding awards with amounts and fiscal
        years, topics; every fact in an ext/ graph citing a synthetic source. `htkg build --root OUT`
        builds it. Streams: memory stays flat up to 10M triples.
        """
        from .synth import synth as run
        with errors(), _bar("synth", triples) as update:
            result = run(out, triples, seed=seed, project_root=root, progress=update)
        click.echo(f"wrote {result.triples} statements in {result.files} file(s) to {result.out}/data: "
                   f"{result.departments} departments, {result.agencies} agencies, {result.awards} awards")

    @cli.command()
    @click.option("--release", "release_dir", type=click.Path(path_type=Path), default=None, help=help_of["release_dir"])
    @click.option("--store-path", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help=help_of["store_path"])
    def load(release_dir: Path | None, store_path: Path | None):
        """Bulk-load a built release into an on-disk pyoxigraph store (serve it with --store-path)."""
        from .dataset.release import open_release
        from .store.oxigraph import load_on_disk
        with errors():
            settings = Settings.load({"release_dir": str(release_dir) if release_dir else None,
                                      "store_path": str(store_path) if store_path else None})
            if not settings.store_path:
                raise click.UsageError("give --store-path DIR (or set HTKG_STORE_PATH)")
            release = open_release(settings.release_dir)
            with _bar("bulk load", release.nquads_path.stat().st_size) as update:
                count = load_on_disk(release.nquads_path, Path(settings.store_path), update)
        click.echo(f"loaded {count} quads of release {release.version} into {settings.store_path}")

    @cli.command()
    @click.option("--to", "gsp_url", required=True, metavar="URL",
                  help="Graph Store HTTP Protocol endpoint of the store (Oxigraph: http://HOST:7878/store, "
                       "Fuseki: http://HOST:3030/DATASET/data, Virtuoso: http://HOST:8890/sparql-graph-crud "
                       "or, with credentials, /sparql-graph-crud-auth).")
    @click.option("--query-url", default=None, help="SPARQL query endpoint (default: derived from --to).")
    @click.option("--update-url", default=None, help="SPARQL update endpoint (default: derived from --to).")
    @click.option("--release", "release_dir", type=click.Path(path_type=Path), default=None, help=help_of["release_dir"])
    @click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds per HTTP request.")
    @click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
                  help="Retries per graph on connection errors and 5xx answers.")
    def publish(gsp_url: str, query_url: str | None, update_url: str | None, release_dir: Path | None,
                timeout: float, retries: int):
        """Load a built release into a SPARQL 1.1 store, one named graph at a time, then switch atomically.

        Each graph is PUT under a staging name, then one SPARQL Update moves them all onto their real
        names and drops the previous release's leftovers, so readers never see a half-loaded release;
        the switch is verified graph by graph. Credentials (Basic or Digest): HTKG_STORE_USER and
        HTKG_STORE_PASSWORD, or the host's entry in ~/.netrc — never on the command line.
        """
        from .dataset.release import open_release
        from .store.publish import StoreEndpoints, publish_release
        from .store.remote import credentials_for
        with errors():
            settings = Settings.load({"release_dir": str(release_dir) if release_dir else None})
            release = open_release(settings.release_dir)
            endpoints = StoreEndpoints.from_url(gsp_url, query_url, update_url)
            credentials = credentials_for(gsp_url, settings.store_user, settings.store_password)
            with _bar("publish", len(release.statistics.get("graphs", {})) or None) as update:
                result = publish_release(release, endpoints, timeout=timeout, retries=retries, credentials=credentials,
                                         progress=lambda done, total, graph: update(done, total, graph[-50:]))
        click.echo(f"published release {result.version} to {gsp_url}: {result.graphs} graphs, "
                   f"{result.triples} triples, {len(result.dropped)} old graph(s) dropped "
                   f"in {result.seconds:.1f} s")
