"""The query editor (YASGUI) at ``/query``; the SPARQL endpoint renders the same template for a browser.

The template ``sparql/editor.html`` is rendered by :func:`editor_html` for both routes; the download
formats come from the format registry through a context processor, so both routes offer the same.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from ..formats import RDF_DATASET_FORMATS, RDF_GRAPH_FORMATS, RESULT_FORMATS
from .http import cacheable
from .site import site

__all__ = ["bp", "ENDPOINT_PATH", "editor_html"]

bp = Blueprint("workbench", __name__)
ENDPOINT_PATH = "/sparql"


@bp.app_context_processor
def _download_formats() -> dict:
    def listed(formats):
        return [{"name": f.name, "label": f.label, "media_type": f.media_type, "extension": f.extension}
                for f in formats]
    return {"workbench_formats": {"results": listed(RESULT_FORMATS),
                                  "graph": listed(RDF_GRAPH_FORMATS + RDF_DATASET_FORMATS)}}


def editor_html(endpoint_url: str = ENDPOINT_PATH) -> str:
    """The editor page (``/query``, and ``/sparql`` for a browser)."""
    s = site()
    return render_template("sparql/editor.html", endpoint_url=endpoint_url, version=s.version,
                           prefixes=s.prefixes, base_iri=s.release.base_iri, row_cap=s.settings.html_row_limit)


@bp.get("/query")
def editor():
    return cacheable(Response(editor_html()))
