"""Front-end libraries installed from npm (``make setup``), served from ``node_modules`` — never committed.

Only the packages named in :data:`PACKAGES` are reachable; paths are joined safely (no traversal).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory
from werkzeug.security import safe_join

from .http import cacheable

__all__ = ["bp", "node_modules", "PACKAGES"]

bp = Blueprint("vendor", __name__)
PACKAGES = ("@zazuko/yasgui", "cytoscape", "cytoscape-dagre", "cytoscape-svg", "dagre", "@dagrejs/dagre",
            "@dagrejs/graphlib", "graphlib", "lodash")


def node_modules() -> Path | None:
    """``node_modules`` of the checkout htkg runs from (or of the working directory)."""
    here = Path(__file__).resolve()
    for parent in [Path.cwd(), *here.parents]:
        candidate = parent / "node_modules"
        if candidate.is_dir():
            return candidate
    return None


@bp.get("/vendor/<path:path>")
def vendor(path: str):
    root = node_modules()
    package = next((p for p in PACKAGES if path == p or path.startswith(p + "/")), None)
    if root is None or package is None or safe_join(str(root), path) is None:
        abort(404, description=f"no front-end file {path!r} (run `make setup` to install the npm packages)")
    resp = send_from_directory(root, path, max_age=86400)
    return cacheable(resp, vary_accept=False)
