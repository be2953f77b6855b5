"""Front-end assets — the site's own JS/CSS (``web/static``) and the npm libraries (``node_modules``) —
served minified, gzip-compressed and cached for a year under content-hashed paths.

``/assets/<digest>/static/<file>`` and ``/assets/<digest>/vendor/<package file>``: ``<digest>`` is a
SHA-256 over every file of ``web/static`` and ``package-lock.json`` (the exact library versions),
computed once per process, so any change to any asset gives every asset a new address and a page never
mixes old and new files. Relative imports between modules (``./graph.js``) stay inside the same digest;
absolute ones (``"/vendor/…"``, ``"/static/…"``) are rewritten to it. Templates need no change: the
``url_for`` they see gives these addresses for the ``static`` and ``vendor.vendor`` endpoints.

Each file is minified on first request by esbuild (an npm devDependency installed by ``make setup``;
files whose name says ``.min`` are served as their package ships them), gzip-compressed once, and kept
in memory: answers carry ``Cache-Control: public, max-age=31536000, immutable``. A request naming an
older digest gets today's file with the ordinary short cache, never a 404 (a page cached before a
deploy still works). Nothing built is written to disk or committed.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import subprocess
import threading
from pathlib import Path

from flask import Blueprint, Response, abort, request, url_for
from werkzeug.security import safe_join

from ..turnstile import waiting
from .vendor import PACKAGES, node_modules

__all__ = ["bp", "asset_url", "IMMUTABLE"]

bp = Blueprint("assets", __name__)
STATIC = Path(__file__).with_name("static")
IMMUTABLE = "public, max-age=31536000, immutable"
_TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8"}
_IMPORT = re.compile(rb'((?:\bfrom|\bimport)\s*\(?\s*["\'])/(static|vendor)/')
_lock = threading.Lock()
_digest: str | None = None
_built: dict[str, tuple[bytes, bytes, str]] = {}     # "static/x.js" -> (minified, gzipped, content type)


def digest() -> str:
    """The content hash of every asset (own files and the locked npm versions), once per process."""
    global _digest
    if _digest is None:
        h = hashlib.sha256()
        for path in sorted(p for p in STATIC.rglob("*") if p.is_file()):
            h.update(path.relative_to(STATIC).as_posix().encode() + b"\0" + path.read_bytes())
        modules = node_modules()
        lock = modules.parent / "package-lock.json" if modules is not None else None
        if lock is not None and lock.is_file():
            h.update(lock.read_bytes())
        _digest = h.hexdigest()[:16]
    return _digest


def asset_url(area: str, path: str) -> str:
    """``/assets/<digest>/<area>/<path>`` (``area``: ``static`` or ``vendor``)."""
    return f"/assets/{digest()}/{area}/{path}"


def url_for_assets(endpoint: str, **values) -> str:
    """Flask's ``url_for``, except that static files and npm files get their hashed address."""
    if endpoint == "static" and "filename" in values and len(values) == 1:
        return asset_url("static", values["filename"])
    if endpoint == "vendor.vendor" and "path" in values and len(values) == 1:
        return asset_url("vendor", values["path"])
    return url_for(endpoint, **values)


@bp.record_once
def _templates_use_hashed_addresses(state) -> None:
    state.app.jinja_env.globals["url_for"] = url_for_assets


def _source(area: str, path: str) -> Path | None:
    if area == "static":
        root = STATIC
    else:
        if not any(path == p or path.startswith(p + "/") for p in PACKAGES):
            return None
        root = node_modules()
        if root is None:
            return None
    joined = safe_join(str(root), path)
    return Path(joined) if joined is not None and Path(joined).is_file() else None


def _minify(data: bytes, suffix: str) -> bytes:
    modules = node_modules()
    esbuild = modules / ".bin" / "esbuild" if modules is not None else None
    if esbuild is None or not esbuild.exists():
        raise RuntimeError("esbuild is missing from node_modules: run `make setup`")
    loader = "css" if suffix == ".css" else "js"
    with waiting():   # another request may run its Python meanwhile (htkg.turnstile)
        done = subprocess.run([str(esbuild), "--minify", f"--loader={loader}", "--log-level=error"], input=data,
                              capture_output=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"esbuild could not minify a {suffix} file: {done.stderr.decode(errors='replace')[:500]}")
    return done.stdout


def _build(area: str, path: str) -> tuple[bytes, bytes, str] | None:
    key = f"{area}/{path}"
    with _lock:
        if key in _built:
            return _built[key]
    source = _source(area, path)
    if source is None:
        return None
    data = source.read_bytes()
    suffix = source.suffix
    ctype = _TYPES.get(suffix)
    if ctype is not None and ".min." not in source.name:
        data = _minify(data, suffix)
    if suffix in (".js", ".mjs"):
        data = _IMPORT.sub(lambda m: m.group(1) + f"/assets/{digest()}/".encode() + m.group(2) + b"/", data)
    if ctype is None:
        import mimetypes
        ctype = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    built = (data, gzip.compress(data, compresslevel=9, mtime=0), ctype)
    with _lock:
        _built[key] = built
    return built


@bp.get("/assets/<string:tag>/<any(static, vendor):area>/<path:path>")
def asset(tag: str, area: str, path: str):
    built = _build(area, path)
    if built is None:
        abort(404, description=f"no front-end file {area}/{path!r} (run `make setup` for the npm packages)")
    data, zipped, ctype = built
    zipped_ok = request.accept_encodings.quality("gzip") > 0 and len(zipped) < len(data)
    resp = Response(zipped if zipped_ok else data, content_type=ctype)
    if zipped_ok:
        resp.headers["Content-Encoding"] = "gzip"
    resp.vary.add("Accept-Encoding")
    resp.headers["Cache-Control"] = IMMUTABLE if tag == digest() else "public, max-age=300"
    resp.set_etag(hashlib.sha256(data).hexdigest()[:24] + ("-gz" if zipped_ok else ""))
    return resp.make_conditional(request)
