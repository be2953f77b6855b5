"""The application factory."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from flask import Flask, jsonify

from ..config import Settings
from ..dataset.release import open_release
from . import errors, http
from .site import Site

__all__ = ["create_app", "BLUEPRINTS"]

# One module per area, each exposing ``bp`` (a Blueprint). Add a line here for a new area.
BLUEPRINTS: list[str] = ["vendor", "resources", "dumps", "catalog", "home", "explore", "workbench", "queries"]


def create_app(settings: Settings | None = None, *, store=None) -> Flask:
    """Build the app for the release in ``settings.release_dir`` (a ReleaseError if there is none)."""
    settings = settings or Settings.load()
    release = open_release(Path(settings.release_dir))
    if store is None:
        store = _open_store(settings, release)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["JSON_SORT_KEYS"] = False
    app.extensions["htkg"] = Site(settings, release, store)
    logging.getLogger("htkg").setLevel(settings.log_level.upper())
    errors.install(app)
    http.install(app)

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


def _open_store(settings: Settings, release):
    try:
        from ..store.factory import open_store
    except ImportError:
        return release.open_store(settings.store_path)
    return open_store(settings, release)
