"""The application factory."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from flask import Flask, jsonify

from ..config import Settings
from ..dataset.release import open_release
from . import errors, http, metrics as metrics_area
from ..store.factory import open_store
from .metrics import Metrics
from .site import Site
from .sparql_lean import LeanQueryPath
from ..turnstile import TurnMiddleware

__all__ = ["create_app", "BLUEPRINTS"]

# One module per area, each exposing ``bp`` (a Blueprint). Add a line here for a new area.
BLUEPRINTS: list[str] = ["vendor", "assets", "sparql", "metrics", "resources", "dumps", "catalog", "home", "explore", "workbench", "queries", "claims", "search", "reconcile"]


def create_app(settings: Settings | None = None, *, store=None) -> Flask:
    """Build the app for the release in ``settings.release_dir`` (a ReleaseError if there is none)."""
    settings = (settings or Settings.load()).resolved()   # relative paths mean the working directory's, once
    release = open_release(Path(settings.release_dir))
    metrics = Metrics(settings.extra.get("metrics_dir"))
    if store is None:
        # the embedded store behind killable query processes (time limit, memory cap, crash
        # recovery); a remote store keeps its own HTTP time limit
        store = open_store(settings, release, isolate=True, metrics=metrics)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["JSON_SORT_KEYS"] = False
    app.extensions["htkg"] = Site(settings, release, store)
    logging.getLogger("htkg").setLevel(settings.log_level.upper())
    errors.install(app)
    http.install(app)
    metrics_area.install(app, metrics)
    app.wsgi_app = http.large_file_chunks(app.wsgi_app)
    app.wsgi_app = LeanQueryPath(app.wsgi_app, app)   # GET /sparql?query=… without Flask's dispatch
    if settings.request_turns and settings.store_url is None:
        # first come, first served (htkg.turnstile); a remote store's waits are HTTP reads all over the
        # store client, which do not give a turn up: no turns then. The response cache answers outside
        # the turns: a hit is a dictionary lookup that never waits, and handing turns on cost hits ~15%
        app.wsgi_app = TurnMiddleware(app.wsgi_app, settings.request_turns, settings.max_body_bytes)
    app.wsgi_app = app.extensions["htkg_response_cache"] = http.ResponseCache(app.wsgi_app, metrics)
    if settings.trust_proxy:
        app.wsgi_app = http.behind_proxy(app.wsgi_app)

    @app.context_processor
    def _globals():
        return {"htkg_version": release.version, "url_map_endpoints": app.view_functions}

    @app.get("/-/health")
    def health():
        return jsonify(status="ok", version=release.version, triples=release.statistics["triples"])

    for name in BLUEPRINTS:
        module = importlib.import_module(f"{__package__}.{name}")
        app.register_blueprint(module.bp)
    return app
