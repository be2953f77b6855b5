"""``/claims``: the claims ledger — every claim of the source page with its standing, quote and sources.

The standings are the build's (``htkg.compiler.ledger``): ``htkg:standing`` in graph:provenance, with
``htkg:corroboratedBy`` and the ``htkg:Revision`` nodes. This page only reads them, a page of claims
at a time (``?page=N``), optionally one standing only (``?standing=revised``). The same ledger as
data is the named query ``claims-ledger`` (``/api/queries/claims-ledger``).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, render_template, request, url_for

from ..errors import QueryParameterError
from .http import PAGE_PARAM, cacheable, page_param
from .site import site

__all__ = ["bp", "STANDINGS"]

bp = Blueprint("claims", __name__)

# URL value → (local name in the htkg ontology, heading)
STANDINGS = {
    "revised": ("Revised", "Revised since the page"),
    "corroborated": ("Corroborated", "Corroborated"),
    "page-only": ("PageOnly", "On the page only"),
}
_BY_LOCAL = {local: key for key, (local, _) in STANDINGS.items()}
_MAX_PAGES = 10_000


@bp.app_template_filter("standing_link")
def standing_link(local: str) -> tuple[str, str, str]:
    """A page claim's standing (the ontology's local name) as (key, /claims link, heading) for a resource page."""
    key = _BY_LOCAL.get(local, "page-only")
    return key, url_for("claims.index", standing=key), STANDINGS[key][1]


def _standing_param() -> str | None:
    given = request.args.getlist("standing")
    if not given:
        return None
    if len(given) > 1 or given[0] not in STANDINGS:
        raise QueryParameterError("standing", f"expected one of {', '.join(STANDINGS)}, got {given[-1][:40]!r}")
    return given[0]


@bp.get("/claims")
def index():
    s = site()
    defs, prov = s.base.iri + "def/", s.base.iri + "graph/provenance"
    size = s.settings.html_row_limit
    standing = _standing_param()          # a bad value is a 400 naming the parameter (web/errors.py)
    number = page_param(_MAX_PAGES)
    only = f"FILTER (?standing = <{defs}{STANDINGS[standing][0]}>)" if standing else ""
    counts = {_BY_LOCAL.get(r["standing"].value[len(defs):], "?"): int(r["n"].value) for r in s.store.query(
        f"""SELECT ?standing (COUNT(DISTINCT ?claim) AS ?n) WHERE {{ GRAPH <{prov}> {{ ?claim <{defs}standing> ?standing }} }}
        GROUP BY ?standing""").rows}
    offset = (number - 1) * size
    page = s.store.query(f"""SELECT DISTINCT ?claim ?quote ?standing WHERE {{ GRAPH <{prov}> {{
        ?claim <{defs}standing> ?standing ; <{defs}quote> ?quote }} {only} }}
        ORDER BY ?claim LIMIT {size + 1} OFFSET {offset}""").rows
    more = len(page) > size
    claims = [_claim(r, defs) for r in page[:size]]
    if claims:
        _add_sources(claims, defs, prov)
    args = {"standing": standing} if standing else {}

    def link(n: int) -> str:
        q = {**args, PAGE_PARAM: n} if n > 1 else args
        return url_for("claims.index") + ("?" + urlencode(q) if q else "")

    total = sum(counts.get(standing, 0) for standing in ([standing] if standing else STANDINGS))
    pages = {"number": number, "first": offset + 1, "last": offset + len(claims), "total": total,
             "previous": link(number - 1) if number > 1 else None, "next": link(number + 1) if more else None}
    html = render_template("claims/index.html", claims=claims, counts=counts, standing=standing,
                           standings=STANDINGS, pages=pages,
                           filter_links={k: url_for("claims.index", standing=k) for k in STANDINGS},
                           all_link=url_for("claims.index"))
    return cacheable(Response(html))


def _claim(row, defs: str) -> dict:
    s = site()
    iri = row["claim"].value
    path = s.base.path_of(iri)
    key = _BY_LOCAL.get(row["standing"].value[len(defs):], "page-only")
    return {"iri": iri, "href": "/" + path if path is not None else iri, "name": iri.rsplit("/", 1)[-1],
            "quote": row["quote"].value, "standing": key, "standing_label": STANDINGS[key][1],
            "sources": [], "revisions": []}


def _add_sources(claims: list[dict], defs: str, prov: str) -> None:
    """The corroborating and revising sources of the claims on this page, and what changed since when."""
    values = " ".join(f"<{c['iri']}>" for c in claims)
    by_iri = {c["iri"]: c for c in claims}
    rows = site().store.query(f"""SELECT DISTINCT ?claim ?ext ?role ?source ?title ?verification WHERE {{
        VALUES ?claim {{ {values} }}
        GRAPH <{prov}> {{
          {{ ?claim <{defs}corroboratedBy> ?ext BIND ("corroborates" AS ?role) }}
          UNION {{ ?ext <{defs}revises> ?claim BIND ("revises" AS ?role) }}
          ?ext <http://purl.org/dc/terms/source> ?source .
          OPTIONAL {{ ?ext <http://purl.org/dc/terms/title> ?title }}
          OPTIONAL {{ ?ext <{defs}verification> ?verification }} }} }}
        ORDER BY ?claim ?ext ?source""").rows
    for r in rows:
        by_iri[r["claim"].value]["sources"].append({
            "role": r["role"].value, "url": r["source"].value, "host": urlsplit(r["source"].value).hostname or "",
            "title": r["title"].value if r.get("title") is not None else r["source"].value,
            "secondary": r.get("verification") is not None and r["verification"].value.endswith("VerifiedSecondary")})
    rows = site().store.query(f"""SELECT DISTINCT ?claim ?since ?note WHERE {{
        VALUES ?claim {{ {values} }}
        ?rev <{defs}revisedClaim> ?claim ; <{defs}since> ?since ;
            <http://www.w3.org/2004/02/skos/core#note> ?note }}
        ORDER BY ?claim ?since""").rows     # a revision is stated in the graph of the source that revises
    for r in rows:
        by_iri[r["claim"].value]["revisions"].append({"since": r["since"].value, "note": r["note"].value})
