"""The ``htkg`` command: thin click commands over the build, dataset, store and web functions.

Exit codes: 0 ok · 1 the data are malformed or do not conform · 2 usage · 3 tool or store error.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from .config import SETTINGS, Settings
from .errors import DataError, HtkgError, QueryError, ValidationFailed
from .formats import by_name

__all__ = ["main", "cli"]

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_TOOL = 0, 1, 2, 3
_HELP = {s.name: f"{s.help} [env {s.env}; default {s.default}]" for s in SETTINGS}


def _fail(exc: HtkgError) -> NoReturn:
    click.echo(f"error: {exc}", err=True)
    code = EXIT_DATA if isinstance(exc, (DataError, ValidationFailed)) else \
        EXIT_USAGE if isinstance(exc, QueryError) else EXIT_TOOL
    sys.exit(code)


@contextmanager
def _errors():
    try:
        yield
    except HtkgError as exc:
        _fail(exc)


@contextmanager
def _progress(enabled: bool):
    """A rich progress display on a terminal; silent otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _msg: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("starting", total=None)
        yield lambda msg: progress.update(task, description=msg)


root_option = click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                           show_default=True, help="Project directory holding ontology/, data/, shapes/, queries/.")
release_option = click.option("--release", "release_dir", type=click.Path(path_type=Path), default=None,
                              help=_HELP["release_dir"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="htkg")
def cli():
    """htkg — the Human Trafficking Knowledge Graph: validate, build, query and serve it."""


@cli.command()
@root_option
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text", show_default=True)
def validate(root: Path, fmt: str):
    """Validate data + ontology against the shapes. Exit 0 conforms, 1 does not."""
    from .compiler.pipeline import check_project, work_directory
    with _errors(), _progress(fmt == "text") as step, work_directory(None, "htkg-validate-") as work:
        report = check_project(root, step, work_dir=work).report   # on disk: memory stays flat
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), indent=2))
    elif fmt == "turtle":
        click.echo(report.graph.serialize(format="turtle"))
    else:
        click.echo(report.text())
    sys.exit(EXIT_OK if report.conforms else EXIT_DATA)


@cli.command()
@root_option
@click.option("--out", type=click.Path(path_type=Path), default=None, help=_HELP["release_dir"])
@click.option("--base-iri", default=None, help=_HELP["base_iri"])
def build(root: Path, out: Path | None, base_iri: str | None):
    """Parse → enrich → validate → freeze a release (dumps, manifest, report). Invalid data write nothing."""
    from .compiler.pipeline import build_release
    with _errors():
        settings = Settings.load({"release_dir": str(out) if out else None, "base_iri": base_iri})
        with _progress(True) as step:
            release, _ = build_release(root, Path(settings.release_dir), settings=settings, progress=step)
    stats = release.manifest["statistics"]
    click.echo(f"release {release.version} written to {release.path}: "
               f"{stats['triples']} triples, {stats['quads']} quads in {len(stats['graphs'])} graphs")
    _warn_placeholders(release.manifest.get("metadata_placeholders", []))


def _warn_placeholders(placeholders: list[dict]) -> None:
    """Say loudly that the catalog and data.json name no real agency yet (the release is still written)."""
    if not placeholders:
        return
    click.secho(f"WARNING: this release's catalog.ttl and data.json carry {len(placeholders)} placeholder "
                "value(s) a portal would publish as is:", fg="yellow", bold=True, err=True)
    for p in placeholders:
        click.secho(f"  - {p['field']}: {p['value']!r} (set {p['env']}, or {p['setting']} in the $HTKG_CONFIG "
                    "file)", fg="yellow", err=True)
    click.secho("  Set them before publishing for an agency (docs/catalog.md); /quality lists them too.",
                fg="yellow", err=True)


@cli.command()
@click.argument("sparql", required=False)
@click.option("--name", help="Run the release's named query NAME instead (its queries/NAME.rq).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A named query's parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld"]),
              default="table", show_default=True)
@release_option
@root_option
def query(sparql: str | None, name: str | None, params: tuple[str, ...], fmt: str, release_dir: Path | None, root: Path):
    """Run SPARQL over the release, in the store the settings name (default graph = union of its graphs).

    The same store, named queries and base IRI as ``htkg serve``: the answers are the site's. Without
    a built release (``htkg build``), one is built from the curated files into a temporary folder first.
    """
    from .store.factory import open_store
    if bool(sparql) == bool(name):
        raise click.UsageError("give either a SPARQL query or --name NAME")
    with _errors(), _release(root, release_dir) as (release, settings):
        store = open_store(settings, release)
        try:
            bindings = {}
            if name:
                if name not in release.queries:
                    raise click.UsageError(f"no named query {name!r}; known: {', '.join(release.queries) or 'none'}")
                pairs = {}
                for p in params:
                    if "=" not in p:
                        raise click.UsageError(f"--param expects NAME=VALUE, got {p!r}")
                    k, v = p.split("=", 1)
                    pairs[k] = v
                nq = release.queries[name]
                sparql = nq.sparql
                bindings = nq.bind(pairs)
            result = store.query(sparql, bindings=bindings)
        finally:
            store.close()
    _print_result(result, fmt)


@contextmanager
def _release(root: Path, release_dir: Path | None):
    """``(release, settings)``: the built release at ``release_dir`` (or the setting), else one built
    from the project at ``root`` into a temporary folder, removed afterwards."""
    from .dataset.release import MANIFEST, open_release
    settings = Settings.load({"release_dir": str(release_dir) if release_dir else None})
    path = Path(settings.release_dir)
    if (path / MANIFEST).exists():
        yield open_release(path), settings
        return
    import tempfile
    from .compiler.pipeline import build_release
    click.echo(f"no release at {path}: building one from {root} in a temporary folder", err=True)
    with tempfile.TemporaryDirectory(prefix="htkg-query-") as tmp:
        built, _ = build_release(root, Path(tmp) / "release", settings=settings)
        yield open_release(built.path), settings.replace(release_dir=str(built.path))


def _print_result(result, fmt: str) -> None:
    from .namespaces import PREFIXES
    if fmt == "table":
        if result.kind == "ask":
            click.echo("true" if result.boolean else "false")
            return
        if result.kind == "graph":
            fmt = "turtle"
        else:
            from rich.console import Console
            from rich.table import Table
            table = Table(*result.variables, show_lines=False)
            for row in result.rows:
                table.add_row(*[_short(row[v].value if v in row else "", PREFIXES) for v in result.variables])
            Console(width=200).print(table)
            click.echo(f"{len(result.rows)} row(s)")
            return
    want = by_name(fmt)
    if result.kind == "graph" and want.kind != "graph":
        raise click.UsageError(f"a graph result cannot be written as {fmt}; use turtle, ntriples or jsonld")
    if result.kind != "graph" and want.kind != "results":
        raise click.UsageError(f"a {result.kind} result cannot be written as {fmt}; use csv, tsv, json or xml")
    sys.stdout.buffer.write(result.serialize(want, PREFIXES))


def _short(iri: str, prefixes: dict) -> str:
    for k, v in prefixes.items():
        if iri.startswith(v) and k not in ("graph",):
            return f"{k}:{iri[len(v):]}"
    return iri


@cli.command()
@release_option
@root_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def stats(release_dir: Path | None, root: Path, fmt: str):
    """Triples, entities per class, relations per property, triples per named graph."""
    with _errors(), _release(root, release_dir) as (release, _settings):
        st = release.statistics
    if fmt == "json":
        click.echo(json.dumps(st, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    from .namespaces import PREFIXES
    console = Console(width=160)
    console.print(f"triples {st['triples']} · quads {st['quads']} · typed entities {st['entities']} · graphs {len(st['graphs'])}")
    for title, key in (("entities per class", "classes"), ("relations per property", "properties"),
                       ("triples per named graph", "graphs")):
        t = Table("", "count", title=title)
        for k, v in sorted(st[key].items(), key=lambda kv: (-kv[1], kv[0])):
            t.add_row(_short(k, PREFIXES) if key != "graphs" else k, str(v))
        console.print(t)


def _settings_options(names):
    """click options for the given settings, with their help derived from SETTINGS."""
    def deco(f):
        for s in reversed([x for x in SETTINGS if x.name in names]):
            f = click.option(s.flag, s.name, default=None, help=_HELP[s.name])(f)
        return f
    return deco


SERVE_SETTINGS = ("release_dir", "base_iri", "host", "port", "workers", "store_path", "store_url", "store_timeout",
                  "store_transport", "store_named_graphs", "store_user",
                  "query_timeout", "query_memory_mb", "max_concurrent_queries", "request_turns", "max_body_bytes",
                  "max_request_head_bytes", "max_query_chars",
                  "html_row_limit", "explore_max_nodes", "trust_proxy", "cors_origin", "cache_max_age", "log_level")


@cli.command()
@_settings_options(SERVE_SETTINGS)
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A TOML file of settings (keys as in the settings table) [env HTKG_CONFIG].")
def serve(config_file: Path | None, **overrides):
    """Serve a release with granian: SPARQL endpoint, resource pages, dumps, catalog."""
    from .web.serve import serve as run_server
    with _errors():
        settings = Settings.load({k: v for k, v in overrides.items() if v is not None}, file=config_file)
        run_server(settings)


def _network(root: Path, release_dir: Path | None, filters: tuple[str, ...]):
    """The release's (or the curated files') relation network, filtered by ``KEY=VALUE`` pairs."""
    from .dataset.network import GraphFilter
    from .dataset.network_extract import extract_network
    from .store.factory import open_store
    args: dict[str, list[str]] = {}
    for pair in filters:
        key, sep, value = pair.partition("=")
        if not sep or key not in ("relation", "kind", "department", "outside"):
            raise click.UsageError(f"--filter expects relation=…, kind=…, department=IRI or outside=hide; got {pair!r}")
        args.setdefault(key, []).append(value)
    wanted = GraphFilter.from_args({k: v if k in ("relation", "kind") else v[-1] for k, v in args.items()})
    with _release(root, release_dir) as (release, settings):
        store = open_store(settings, release)
        try:
            return extract_network(store, release.base_iri).filter(wanted), release.base_iri
        finally:
            store.close()


def _write(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    click.echo(f"wrote {out} ({len(data)} bytes)", err=True)


filter_option = click.option("--filter", "filters", multiple=True, metavar="KEY=VALUE",
                             help="relation=htkg:funds, kind=unit, department=IRI or outside=hide (repeatable; "
                                  "values may be comma-separated).")


@cli.group()
def export():
    """Write data for other tools."""


@export.command("graph")
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "csv", "cytoscape"]), default="graphml",
              show_default=True)
@filter_option
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output file (for csv: a directory receiving nodes.csv and edges.csv). Default: stdout.")
@release_option
@root_option
def export_graph(fmt: str, filters: tuple[str, ...], out: Path | None, release_dir: Path | None, root: Path):
    """The relation network (labels, kinds, relation names, citations) as GraphML, GEXF, CSV or Cytoscape JSON."""
    from .dataset import network_export as nw
    with _errors():
        net, base = _network(root, release_dir, filters)
        if fmt == "csv":
            if out is None:
                raise click.UsageError("--format csv writes two files: give --out DIRECTORY")
            _write(nw.nodes_csv(net), out / "nodes.csv")
            _write(nw.edges_csv(net), out / "edges.csv")
            return
        data = {"graphml": nw.graphml_bytes, "gexf": nw.gexf_bytes}.get(fmt)
        body = data(net) if data else (json.dumps(nw.to_cytoscape(net, base), indent=1, ensure_ascii=False) + "\n").encode()
    _write(body, out)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["svg", "png"]), default="svg", show_default=True)
@filter_option
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output file. Default: stdout.")
@release_option
@root_option
def render(fmt: str, filters: tuple[str, ...], out: Path | None, release_dir: Path | None, root: Path):
    """A static figure of the network as the explorer first shows it (Graphviz `dot`): the agencies and their
    organisational relations, wholes above parts, with a legend; --filter kind=… or relation=… draws those instead."""
    from .dataset.network_figure import render_figure
    with _errors():
        net, _ = _network(root, release_dir, filters)
        agencies = not any(p.split("=", 1)[0] in ("kind", "relation") for p in filters)
        path = release_dir or Path(Settings.load().release_dir)
        version = json.loads((path / "manifest.json").read_text())["version"] if (path / "manifest.json").exists() else None
        what = "the agencies and their organisational relations" if agencies else "; ".join(filters)
        caption = f"htkg{' release ' + version if version else ''}: {what}" + (
            f" ({'; '.join(p for p in filters if not p.startswith(('kind=', 'relation=')))})"
            if agencies and filters else "")
        body = render_figure(net, fmt, agencies, caption)
    _write(body, out)


from .cli_scale import register as _register_scale  # noqa: E402  (synth, load, publish)

_register_scale(cli, _errors, _HELP)


def main() -> None:
    cli(prog_name="htkg")
