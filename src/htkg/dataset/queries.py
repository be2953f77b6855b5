"""Named queries: the ``queries/*.rq`` files with their headers, parameters bound as RDF terms.

A header is a block of ``# key: value`` comment lines at the top of the file::

    # title: Who funds whom
    # description: Every funding relation …
    # param: org iri optional "Only funding by this organization" example=https://w3id.org/htkg/id/org/orr

>>> q = parse_named_query("x", '# title: T\\n# param: n integer required "How many"\\nSELECT ?n WHERE {}')
>>> q.params[0].name, q.params[0].type, q.params[0].required
('n', 'integer', True)
>>> q.bind({"n": "3"})["n"]
<Literal value=3 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pyoxigraph as ox

from ..errors import DataError, QueryParameterError

__all__ = ["Parameter", "NamedQuery", "parse_named_query", "load_queries", "PARAM_TYPES", "FORMAT_PARAM", "PAGE_PARAM"]

PARAM_TYPES = ("iri", "string", "integer", "date")
_HEADER = re.compile(r"^#\s*([a-z_-]+)\s*:\s*(.*)$")
_XSD = "http://www.w3.org/2001/XMLSchema#"
MAX_PARAM_CHARS = 2000
# the server's own parameters of a named query's URL: a query cannot declare them
FORMAT_PARAM = "format"   # the answer's format, instead of Accept
PAGE_PARAM = "page"       # the page of an HTML view's results, from 1


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    required: bool
    help: str = ""
    example: str | None = None
    default: str | None = None

    def to_term(self, raw: str) -> ox.NamedNode | ox.Literal:
        """Validate and convert a client's value; a bad one raises QueryParameterError naming the parameter."""
        if len(raw) > MAX_PARAM_CHARS:
            raise QueryParameterError(self.name, f"longer than {MAX_PARAM_CHARS} characters")
        if self.type == "iri":
            if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", raw):
                raise QueryParameterError(self.name, f"expected an absolute http(s) IRI, got {raw!r}")
            return ox.NamedNode(raw)
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?\d{1,18}", raw.strip()):
                raise QueryParameterError(self.name, f"expected an integer, got {raw!r}")
            return ox.Literal(str(int(raw)), datatype=ox.NamedNode(_XSD + "integer"))
        if self.type == "date":
            try:
                dt.date.fromisoformat(raw.strip())
            except ValueError:
                raise QueryParameterError(self.name, f"expected a date YYYY-MM-DD, got {raw!r}") from None
            return ox.Literal(raw.strip(), datatype=ox.NamedNode(_XSD + "date"))
        return ox.Literal(raw)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    sparql: str
    params: tuple[Parameter, ...] = ()
    path: Path | None = None
    headers: dict = field(default_factory=dict, compare=False)

    @property
    def form(self) -> str:
        body = re.sub(r"(?m)^\s*#.*$", "", self.sparql)
        body = re.sub(r"(?is)\bPREFIX\s+\S*\s*<[^>]*>|\bBASE\s*<[^>]*>", "", body)
        m = re.search(r"(?i)\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body)
        return m.group(1).lower() if m else "select"

    def param(self, name: str) -> Parameter | None:
        return next((p for p in self.params if p.name == name), None)

    def bind(self, values: Mapping[str, str], *, complete: bool = True) -> dict[str, ox.NamedNode | ox.Literal]:
        """Check the client's values (unknown, missing, malformed → QueryParameterError) and convert them.

        ``complete=False`` checks the values given and lets a required parameter be missing (a form half
        filled in: what is there must still be right).
        """
        known = {p.name for p in self.params}
        for key in values:
            if key not in known:
                raise QueryParameterError(key, f"unknown parameter of query {self.name!r}"
                                          + (f"; it takes: {', '.join(sorted(known))}" if known else "; it takes none"))
        out = {}
        for p in self.params:
            raw = values.get(p.name)
            if raw is None or raw == "":
                raw = p.default
            if raw is None:
                if p.required and complete:
                    raise QueryParameterError(p.name, f"required by query {self.name!r} ({p.help})")
                continue
            out[p.name] = p.to_term(raw)
        return out

    def execute(self, store, params: Mapping[str, str] | None = None, **kwargs):
        return store.query(self.sparql, bindings=self.bind(params or {}), **kwargs)


def parse_named_query(name: str, text: str, path: Path | None = None) -> NamedQuery:
    headers: dict[str, list[str]] = {}
    lines: list[int] = []   # the line of each '# param:'
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if not line.lstrip().startswith("#"):
            break
        m = _HEADER.match(line.strip())
        if m:
            headers.setdefault(m.group(1).lower(), []).append(m.group(2).strip())
            if m.group(1).lower() == "param":
                lines.append(number)
    params = []
    for raw, number in zip(headers.get("param", []), lines):
        params.append(_parse_param(raw, path or Path(name), number))
    title = (headers.get("title") or [name])[0]
    if path is not None and "title" not in headers:
        raise DataError(path, "named query without a '# title:' header line", 1, 1)
    return NamedQuery(name=name, title=title, description=" ".join(headers.get("description", [])),
                      sparql=text, params=tuple(params), path=path,
                      headers={k: v for k, v in headers.items() if k not in {"title", "description", "param"}})


def _parse_param(raw: str, path: Path, line: int | None = None) -> Parameter:
    try:
        parts = shlex.split(raw)
    except ValueError as exc:
        raise DataError(path, f"bad '# param:' line {raw!r}: {exc}", line) from None
    if len(parts) < 3 or parts[1] not in PARAM_TYPES or parts[2] not in ("required", "optional"):
        raise DataError(path, f"bad '# param:' line {raw!r}", line,
                        hint='write: # param: NAME TYPE required|optional "help" [example=…] [default=…]; '
                             f"TYPE one of {', '.join(PARAM_TYPES)}")
    extra = {}
    help_text = ""
    for bit in parts[3:]:
        if "=" in bit and bit.split("=", 1)[0] in ("example", "default"):
            k, v = bit.split("=", 1)
            extra[k] = v
        else:
            help_text = (help_text + " " + bit).strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", parts[0]):
        raise DataError(path, f"bad parameter name {parts[0]!r}", line)
    if parts[0] in (FORMAT_PARAM, PAGE_PARAM):
        raise DataError(path, f"the parameter name {parts[0]!r} is the server's own (the answer's format, the "
                              "result page)", line, hint="choose another name for the query's parameter")
    return Parameter(parts[0], parts[1], parts[2] == "required", help_text, extra.get("example"), extra.get("default"))


def load_queries(folder: Path) -> dict[str, NamedQuery]:
    """Every ``*.rq`` in ``folder`` by name (the file's stem), in name order."""
    out = {}
    for p in sorted(Path(folder).glob("*.rq")):
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(p, f"cannot read: {exc}") from None
        out[p.stem] = parse_named_query(p.stem, text, p)
    return out
