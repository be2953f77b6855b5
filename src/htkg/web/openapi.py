"""The OpenAPI 3 description of the named-query API, derived from the release's ``queries/``."""

from __future__ import annotations

from typing import Mapping

from ..dataset.queries import FORMAT_PARAM, MAX_PARAM_CHARS, NamedQuery
from ..formats import RDF_GRAPH_FORMATS, RESULT_FORMATS

__all__ = ["openapi_spec", "offered_formats", "FORMAT_PARAM"]

_SCHEMAS = {
    "iri": {"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": MAX_PARAM_CHARS},
    "string": {"type": "string", "maxLength": MAX_PARAM_CHARS},
    "integer": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
}


def offered_formats(query: NamedQuery):
    """SPARQL results formats for SELECT/ASK, RDF formats for CONSTRUCT/DESCRIBE."""
    return RDF_GRAPH_FORMATS if query.form in ("construct", "describe") else RESULT_FORMATS


def _error_response(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _operation(q: NamedQuery) -> dict:
    params = []
    for p in q.params:
        param = {"name": p.name, "in": "query", "required": p.required,
                 "description": p.help or p.name, "schema": dict(_SCHEMAS[p.type])}
        if p.default is not None:
            param["schema"]["default"] = int(p.default) if p.type == "integer" else p.default
        if p.example is not None:
            param["example"] = int(p.example) if p.type == "integer" else p.example
        params.append(param)
    formats = offered_formats(q)
    params.append({"name": FORMAT_PARAM, "in": "query", "required": False,
                   "description": "Response format (overrides Accept): a name, extension or media type.",
                   "schema": {"type": "string", "enum": [f.name for f in formats]}})
    content = {}
    for f in formats:
        if f.name == "json":
            content[f.media_type] = {"schema": {"$ref": "#/components/schemas/SparqlResults"}}
        else:
            content[f.media_type] = {"schema": {"type": "string"}}
    return {
        "operationId": "query_" + q.name.replace("-", "_"),
        "summary": q.title,
        "description": (q.description + "\n\n" if q.description else "")
        + f"Runs the named query `{q.name}` ({q.form.upper()}); parameters are bound as RDF terms.",
        "tags": ["named queries"],
        "parameters": params,
        "responses": {
            "200": {"description": "The query's results", "content": content},
            "400": _error_response("A parameter is missing, unknown or malformed (`error.parameter` names it)"),
            "406": _error_response("None of the accepted media types can be produced"),
            "503": _error_response("The query ran past the time limit, or the server is busy"),
        },
    }


def openapi_spec(queries: Mapping[str, NamedQuery], *, version: str, title: str = "htkg named queries") -> dict:
    """An OpenAPI 3.0 document: one path per named query, plus the list of queries."""
    paths = {
        "/api/queries": {"get": {
            "operationId": "list_queries",
            "summary": "Every named query with its title, description, parameters and SPARQL",
            "tags": ["named queries"],
            "responses": {"200": {"description": "The named queries", "content": {"application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/NamedQuery"}}}}}},
        }},
    }
    for name, q in queries.items():
        paths[f"/api/queries/{name}"] = {"get": _operation(q)}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": title,
            "version": version,
            "description": "The competency questions of the Human Trafficking Knowledge Graph as a web API. "
                           "Each named query (`queries/*.rq`) answers at `/api/queries/NAME?param=value` in "
                           "SPARQL JSON, XML, CSV or TSV (by `Accept` or `format=`). Parameters are bound as RDF "
                           "terms, never pasted into the query text; a missing, unknown or malformed one is a "
                           "400 naming it.",
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": "named queries", "description": "The project's competency queries"}],
        "paths": paths,
        "components": {"schemas": {
            "Error": {
                "type": "object", "required": ["error"],
                "properties": {"error": {
                    "type": "object", "required": ["status", "type", "message"],
                    "properties": {
                        "status": {"type": "integer"},
                        "type": {"type": "string"},
                        "message": {"type": "string"},
                        "hint": {"type": "string"},
                        "parameter": {"type": "string", "description": "The offending parameter, for a 400"},
                        "line": {"type": "integer"},
                        "column": {"type": "integer"},
                    }}},
            },
            "SparqlResults": {
                "type": "object",
                "description": "SPARQL 1.1 Query Results JSON Format",
                "properties": {
                    "head": {"type": "object", "properties": {"vars": {"type": "array", "items": {"type": "string"}}}},
                    "boolean": {"type": "boolean"},
                    "results": {"type": "object", "properties": {"bindings": {"type": "array", "items": {
                        "type": "object", "additionalProperties": {"$ref": "#/components/schemas/RdfTerm"}}}}},
                },
            },
            "RdfTerm": {
                "type": "object", "required": ["type", "value"],
                "properties": {"type": {"type": "string", "enum": ["uri", "literal", "bnode"]},
                               "value": {"type": "string"}, "datatype": {"type": "string"},
                               "xml:lang": {"type": "string"}},
            },
            "NamedQuery": {
                "type": "object", "required": ["name", "title", "sparql", "parameters"],
                "properties": {
                    "name": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
                    "form": {"type": "string", "enum": ["select", "ask", "construct", "describe"]},
                    "sparql": {"type": "string"}, "api": {"type": "string"}, "page": {"type": "string"},
                    "parameters": {"type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}, "type": {"type": "string", "enum": ["iri", "string", "integer", "date"]},
                        "required": {"type": "boolean"}, "help": {"type": "string"},
                        "example": {"type": "string"}, "default": {"type": "string"},
                    }}},
                },
            },
        }},
    }
