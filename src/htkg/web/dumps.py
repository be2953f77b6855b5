"""``/dumps/``: the release's dump files, listed with size, media type and SHA-256 from the manifest.

Downloads carry the media type of their format (``application/n-quads``, ``text/turtle``…) and their
exact ``Content-Length``. A ``.gz`` file is served as what it is — ``application/gzip``, byte for byte
the file whose checksum the manifest lists — never with ``Content-Encoding``, so a client that saves it
gets the compressed file and its checksum matches. Only files the manifest lists are served: any other
path, traversal included, is a 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, send_file

from ..formats import by_name
from .http import cacheable, choose_format, not_acceptable
from .site import site

__all__ = ["bp", "listed_files"]

bp = Blueprint("dumps", __name__)
_LISTING_FORMATS = (by_name("html"), by_name("json"))


def listed_files() -> dict[str, dict]:
    """``name`` → manifest entry, for every file under ``dumps/``."""
    return {f["path"][len("dumps/"):]: f for f in site().release.files() if f["path"].startswith("dumps/")}


@bp.route("/dumps", methods=["GET", "HEAD"])
@bp.route("/dumps/", methods=["GET", "HEAD"])
def index():
    files = sorted(listed_files().values(), key=lambda f: f["path"])
    json_fmt = by_name("json")
    wanted = request.args.get("format")
    fmt = json_fmt if wanted == "json" else choose_format((by_name("html"), json_fmt))
    if fmt is None:
        return not_acceptable(_LISTING_FORMATS)
    root = request.url_root
    if fmt.name == "json":
        body = {"version": site().version, "files": [{**f, "url": root + f["path"]} for f in files]}
        import json
        return cacheable(Response(json.dumps(body, indent=1) + "\n", content_type="application/json; charset=utf-8"))
    html = render_template("dumps/index.html", files=files, version=site().version)
    return cacheable(Response(html, content_type="text/html; charset=utf-8"))


@bp.route("/dumps/<path:name>", methods=["GET", "HEAD"])
def download(name: str):
    entry = listed_files().get(name)
    if entry is None:
        abort(404, description=f"no dump named {name!r}; see /dumps/")
    path = site().release.file(entry["path"])
    if not path.is_file():
        abort(404, description=f"{name!r} is listed but missing from the release")
    resp = send_file(path, mimetype=entry["media_type"], conditional=False, etag=False, max_age=None,
                     download_name=path.name)
    resp.headers["Content-Disposition"] = f'inline; filename="{path.name}"'
    resp.headers["Digest"] = "sha-256=" + _b64(entry["sha256"])
    out = cacheable(resp, vary_accept=False, key=entry["sha256"])
    if out is not resp:      # a 304: the file that send_file opened is not going to be sent
        resp.close()
    return out


def _b64(hexdigest: str) -> str:
    import base64
    return base64.b64encode(bytes.fromhex(hexdigest)).decode()
