"""Named queries on the web: the catalog (HTML or RDF), a page per query, the JSON/CSV API and its OpenAPI.

Parameters come from the query string and are bound as RDF terms by :meth:`NamedQuery.bind` (never
pasted into the text); a missing, unknown or malformed one is a QueryParameterError → 400 naming it.

A query's page shows its results ``html_row_limit`` rows at a time: ``?page=N`` (1-based, at most
:data:`MAX_PAGE_OFFSET` rows in) with links to the previous and next pages; only the page's rows
(and one more, to know whether others follow) are read from the engine.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for

from ..dataset.queries import NamedQuery
from ..errors import QueryParameterError
from ..formats import RDF_GRAPH_FORMATS, by_name
from ..publish.queries_rdf import QUERIES_GRAPH
from ..store.bind import inject_values
from ..iris import DEFAULT_BASE
from .http import PAGE_PARAM, Streamed, cacheable, choose_format, not_acceptable, page_out_of_range, page_param
from .openapi import FORMAT_PARAM, offered_formats, openapi_spec
from .site import site
from .sparql import evaluate

__all__ = ["bp", "relation_graph", "example_api_url", "MAX_PAGE_OFFSET"]

bp = Blueprint("queries", __name__)
CATALOG_FORMATS = (by_name("html"),) + RDF_GRAPH_FORMATS
MAX_PAGE_OFFSET = 1_000_000   # rows before a page: the engine reads them all to get there


def _named(name: str) -> NamedQuery:
    q = site().release.queries.get(name)
    if q is None:
        abort(404, description=f"no named query {name!r}; the catalog is at /queries")
    return q


def _values() -> dict[str, str]:
    """The query string minus ``format`` and ``page``; a parameter given twice is an error naming it."""
    out = {}
    for key in request.args:
        if key in (FORMAT_PARAM, PAGE_PARAM):
            continue
        values = request.args.getlist(key)
        if len(values) > 1:
            raise QueryParameterError(key, f"given {len(values)} times; give it once")
        out[key] = values[0]
    return out


def with_values(q: NamedQuery, values: dict[str, str]) -> str:
    """The query's text with ``values`` bound by one VALUES block: a query that runs as it is in the editor."""
    return inject_values(q.sparql, q.bind(values))


def _describe(q: NamedQuery) -> dict:
    examples = {p.name: p.example for p in q.params if p.required and p.example}
    return {
        "name": q.name, "title": q.title, "description": q.description, "form": q.form, "sparql": q.sparql,
        "example_sparql": with_values(q, examples),
        "api": url_for("queries.api_query", name=q.name), "page": url_for("queries.page", name=q.name),
        "parameters": [{"name": p.name, "type": p.type, "required": p.required, "help": p.help,
                        **{k: v for k, v in (("example", p.example), ("default", p.default)) if v is not None}}
                       for p in q.params],
    }


@bp.get("/api/queries")
def api_list():
    return cacheable(jsonify([_describe(q) for q in site().release.queries.values()]))


@bp.get("/api/queries/<name>")
def api_query(name: str):
    q = _named(name)
    bindings = q.bind(_values())
    offered = offered_formats(q)
    fmt = choose_format(offered)
    if fmt is None:
        return not_acceptable(offered)
    graph = fmt.kind == "graph"
    _form, fmt_name, body, stream = evaluate(q.sparql, None if graph else fmt, fmt if graph else None,
                                             bindings=bindings)
    if fmt_name is None:   # the query's form and the format disagree: cannot happen for offered formats
        if stream is not None:
            stream.close()
        return not_acceptable(offered)
    if stream is not None:   # a large answer, sent as it is produced
        body = Streamed(body, stream)
    return cacheable(Response(body, content_type=fmt.content_type))


def example_api_url(q: NamedQuery, fmt: str) -> str:
    """The API URL of ``q`` in format ``fmt``, its required parameters set to their examples (so it answers)."""
    args = {p.name: p.example for p in q.params if p.required and p.example}
    return url_for("queries.api_query", name=q.name) + "?" + urlencode({**args, FORMAT_PARAM: fmt})


@bp.get("/api/openapi.json")
def openapi():
    s = site()
    return cacheable(jsonify(openapi_spec(s.release.queries, version=s.version)), vary_accept=False)


@bp.get("/queries")
def catalog():
    fmt = choose_format(CATALOG_FORMATS)
    if fmt is None:
        return not_acceptable(CATALOG_FORMATS)
    s = site()
    if fmt.name != "html":
        graph = s.release.base_iri + QUERIES_GRAPH[len(DEFAULT_BASE):]
        result = s.store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        resp = Response(result.serialize(fmt, s.prefixes), content_type=fmt.content_type)
        return cacheable(resp)
    queries = list(s.release.queries.values())
    resp = Response(render_template("workbench/catalog.html", queries=queries, rdf_formats=RDF_GRAPH_FORMATS,
                                    api_links={q.name: {f: example_api_url(q, f) for f in ("json", "csv")}
                                               for q in queries}))
    return cacheable(resp)


@bp.get("/queries/<name>")
def page(name: str):
    """A named query's page: the form, and the results of the values given (none: every optional one unset).

    The page never runs on the examples by itself: they are shown as placeholders, and a query with a
    required parameter left empty shows a link that runs it on its example instead of results.
    """
    s = site()
    q = _named(name)
    values = _values()
    missing = [p for p in q.params if p.required and not values.get(p.name) and p.default is None]
    size = s.settings.html_row_limit
    error, result, status, more, number = None, None, 200, False, 1
    try:
        given = q.bind({k: v for k, v in values.items() if v}, complete=False)   # what is given must be right
        bindings = None if missing else given
        number = page_param(lambda: _last_page(q.sparql, bindings, size))
        if bindings is not None:
            result, more = _page_of(q.sparql, bindings, (number - 1) * size, size)
            if number > 1 and not _rows_of(result):
                raise page_out_of_range(number, _last_page(q.sparql, bindings, size))
    except QueryParameterError as exc:
        error, status, result = exc, 400, None
    table = _table(result, first=(number - 1) * size, more=more) if result is not None else None
    kept = {k: v for k, v in values.items() if v}
    query_string = urlencode(kept)
    downloads = [(f, url_for("queries.api_query", name=name) + "?" + urlencode(
        {**kept, FORMAT_PARAM: f.name})) for f in offered_formats(q)]
    pages = {"number": number,
             "previous": _page_link(name, kept, number - 1) if number > 1 else None,
             "next": _page_link(name, kept, number + 1) if more else None}
    examples = {p.name: p.example for p in q.params if p.example}
    try:
        editor_query = with_values(q, kept) if table is not None else q.sparql
    except QueryParameterError:
        editor_query = q.sparql
    html = render_template(
        "workbench/query.html", q=q, values=values, missing=missing, error=error,
        result=result, table=table, downloads=downloads, query_string=query_string, pages=pages,
        graph=relation_graph(table),
        example_link=_page_link(name, {**examples, **kept}, 1) if missing and examples else None,
        editor_link=url_for("workbench.editor") + "?" + urlencode({"query": editor_query}),
    )
    resp = Response(html, status=status)
    return cacheable(resp) if status == 200 else resp


def _rows_of(result) -> list:
    return result.rows if result.kind == "select" else result.triples if result.kind == "graph" else [True]


def _last_page(sparql: str, bindings, size: int) -> int:
    """How many pages the results fill (1 when empty), reading at most MAX_PAGE_OFFSET rows."""
    if bindings is None:
        return 1
    result, more = _page_of(sparql, bindings, 0, MAX_PAGE_OFFSET)
    rows = len(_rows_of(result)) if result.kind in ("select", "graph") else 1
    return max(1, -(-rows // size))


def _page_link(name: str, values: dict, number: int) -> str:
    args = {**values, PAGE_PARAM: number} if number > 1 else values
    return url_for("queries.page", name=name) + ("?" + urlencode(args) if args else "")


def _page_of(sparql: str, bindings, offset: int, size: int):
    """One page of a query's results and whether more follow, reading no more rows than that needs."""
    return site().store.query_page(sparql, bindings=bindings, offset=offset, limit=size)


def _cell(term) -> dict:
    """One result cell for the template: text, and for an IRI its label and link."""
    s = site()
    if isinstance(term, ox.NamedNode):
        path = s.base.path_of(term.value)
        return {"kind": "iri", "value": term.value, "href": "/" + path if path is not None else term.value,
                "local": path is not None, "label": None}
    if isinstance(term, ox.Literal):
        return {"kind": "literal", "value": term.value, "lang": term.language,
                "datatype": None if term.language else term.datatype.value}
    return {"kind": "bnode", "value": term.value}


def _table(result, *, first: int = 0, more: bool = False) -> dict:
    """The template's view of one page of results (``first``: rows before it; ``more``: rows after it)."""
    if result.kind == "ask":
        return {"kind": "ask", "boolean": result.boolean}
    if result.kind == "graph":
        variables = ["subject", "predicate", "object"]
        rows = [dict(zip(variables, (t.subject, t.predicate, t.object))) for t in result.triples]
    else:
        variables, rows = result.variables, result.rows
    cells = [[_cell(r[v]) if v in r else None for v in variables] for r in rows]
    iris = {c["value"] for row in cells for c in row if c and c["kind"] == "iri"}
    labels = _labels(iris)
    for row in cells:
        for c in row:
            if c and c["kind"] == "iri":
                c["label"] = labels.get(c["value"])
    # the total is known when this page is the last one, and it holds rows (or is the first)
    known = not more and (cells or not first)
    return {"kind": "rows", "variables": variables, "rows": cells, "first": first + 1, "last": first + len(cells),
            "more": more, "total": first + len(cells) if known else None}


def _labels(iris) -> dict[str, str]:
    from ..dataset.describe import labels_of
    return labels_of(site().store, iris) if iris else {}


def relation_graph(table: dict | None) -> dict | None:
    """Nodes and edges when a result holds relations: two columns of things (IRIs under ``id/``) per row.

    The edge goes from the first such column to the second; its label is the row's first literal column
    that is not a label of either end (a reading such as "funds"), or else the variable of the target.
    """
    if not table or table["kind"] != "rows" or not table["rows"]:
        return None
    variables = table["variables"]

    def is_thing(c):
        return c is not None and c["kind"] == "iri" and c["local"] and c["href"].startswith("/id/")

    thing_columns = [i for i in range(len(variables)) if all(is_thing(r[i]) for r in table["rows"] if r[i] is not None)
                     and any(r[i] is not None for r in table["rows"])]
    if len(thing_columns) < 2:
        return None
    a, b = thing_columns[:2]
    label_vars = {variables[a] + "Label", variables[b] + "Label", variables[a] + "_label", variables[b] + "_label"}
    reading = next((i for i, v in enumerate(variables) if v not in label_vars and i not in (a, b)
                    and all(r[i] is None or r[i]["kind"] == "literal" for r in table["rows"])
                    and any(r[i] is not None for r in table["rows"])), None)
    nodes, edges = {}, {}
    for row in table["rows"]:
        src, dst = row[a], row[b]
        if src is None or dst is None:
            continue
        for c in (src, dst):
            nodes.setdefault(c["value"], {"id": c["value"], "label": c["label"] or c["href"].rsplit("/", 1)[-1],
                                          "href": c["href"]})
        label = row[reading]["value"] if reading is not None and row[reading] else variables[b]
        key = (src["value"], dst["value"], label)
        edges.setdefault(key, {"id": f"e{len(edges)}", "source": src["value"], "target": dst["value"],
                               "label": label})
    return {"nodes": list(nodes.values()), "edges": list(edges.values())} if edges else None
