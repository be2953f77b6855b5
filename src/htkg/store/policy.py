"""The read-only policy of the SPARQL endpoint, decided on the *parsed* query.

SPARQL allows ``\\uXXXX`` escapes anywhere in a query, so a text search of the raw string can be
fooled (``SERV\\u0049CE``); rdflib's parser expands the escapes and gives a tree to inspect. rdflib
only parses here — nothing is evaluated or fetched. What is refused:

- any SPARQL Update (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``DROP``, ``CREATE``, ``ADD``,
  ``MOVE``, ``COPY``) → 403, the endpoint is read-only;
- ``SERVICE`` anywhere, nested or not, to any address or a variable → 403 (pyoxigraph would fetch it);
- ``FROM`` / ``FROM NAMED`` (and the protocol's ``default-graph-uri`` / ``named-graph-uri``) with an
  IRI that is not one of the store's named graphs → 400 naming the IRI.

>>> check_query("ASK { ?s ?p ?o }", []).form
'ASK'
>>> check_query("SELECT * { SERV\\\\u0049CE <http://example.org/> { ?s ?p ?o } }", [])
Traceback (most recent call last):
htkg.errors.QueryRefused: SERVICE (federated query) is not allowed here: this endpoint never contacts other services
  hint: query the other endpoint yourself and combine the results
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from typing import Collection
from urllib.parse import urljoin

from pyparsing import ParseException
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from ..errors import QueryRefused, QuerySyntaxError
from .syntax_hints import explain

__all__ = ["CheckedQuery", "check_query", "parsed_query", "dataset_of", "check_graphs", "refuse_update", "PARSE_LOCK"]

_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
# pyparsing's packrat cache is process-wide: every rdflib SPARQL parse in htkg takes this lock (a parse
# takes milliseconds)
PARSE_LOCK = threading.Lock()


@dataclass(frozen=True)
class CheckedQuery:
    text: str
    form: str                          # SELECT, ASK, CONSTRUCT or DESCRIBE
    from_default: tuple[str, ...] = ()  # FROM IRIs, resolved
    from_named: tuple[str, ...] = ()    # FROM NAMED IRIs, resolved

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


# The fast path: a query with no backslash (so no \\u escape can spell a keyword) and none of the
# words below in any letter case cannot hold SERVICE, a dataset clause or an update, so the policy has
# nothing to refuse and rdflib's parse (milliseconds to tens of milliseconds) is skipped; pyoxigraph
# parses it anyway when it evaluates. The screen only ever sends more queries to the full parse: a
# word inside a string or an IRI ("address") merely costs the parse.
# Both screens search the lower-cased text with a case-sensitive pattern: the same matches for the ASCII
# letters of SPARQL's keywords (lower() maps A-Z to a-z; a non-ASCII letter it maps into ASCII only sends
# more queries to the parse), in 3 µs instead of re.I's 32 µs over a 300-character query.
_NEEDS_PARSE = re.compile(r"\\|service|from|insert|delete|load|clear|drop|create|add|move|copy|with")
_MAX_FAST_DEPTH = 64   # deeper nesting goes to the parser, which refuses what is too deep
# a trusted query needs the parse only for its dataset clause (however deeply it nests)
_MAY_HAVE_DATASET = re.compile(r"\\|from")


def _fast_path_ok(text: str) -> bool:
    if _NEEDS_PARSE.search(text.lower()):
        return False
    if text.count("(") + text.count("{") + text.count("[") <= _MAX_FAST_DEPTH:
        return True   # cannot nest deeper than it has brackets (counted in C, not char by char)
    depth = deepest = 0
    for ch in text:
        if ch in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")}]":
            depth -= 1
    return deepest <= _MAX_FAST_DEPTH


def _guess_form(text: str) -> str:
    """The query form, read off the text (fast path only: no escapes there)."""
    body = re.sub(r"<[^>]*>|#[^\n]*|\"[^\"\n]*\"|'[^'\n]*'", " ", text)
    m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.I)
    return m.group(1).upper() if m else "SELECT"


def check_query(text: str, graphs: Collection[str]) -> CheckedQuery:
    """Parse ``text`` and apply the policy; QuerySyntaxError or QueryRefused when it does not pass.

    >>> check_query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", []).form      # fast path, no parse
    'SELECT'
    """
    checked = _parse(text, refuse=True)
    check_graphs(checked.from_default, graphs, "FROM")
    check_graphs(checked.from_named, graphs, "FROM NAMED")
    return checked


@functools.lru_cache(maxsize=512)
def parsed_query(text: str) -> CheckedQuery:
    r"""The form and the FROM / FROM NAMED of a query htkg trusts (its own), without the policy.

    >>> q = parsed_query("# the address\nCONSTRUCT { ?s ?p ?o } FROM <http://e/g> WHERE { ?s ?p ?o }")
    >>> q.form, q.from_default, q.from_named
    ('CONSTRUCT', ('http://e/g',), ())
    """
    return _parse(text, refuse=False)


def dataset_of(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The FROM and FROM NAMED IRIs of a query htkg trusts; no parse at all when it cannot have any.

    >>> dataset_of("SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }"), dataset_of("ASK {}")
    ((('http://e/g',), ()), ((), ()))
    """
    if not _MAY_HAVE_DATASET.search(text.lower()):
        return (), ()
    checked = parsed_query(text)
    return checked.from_default, checked.from_named


def _parse(text: str, *, refuse: bool) -> CheckedQuery:
    if (not refuse and not _MAY_HAVE_DATASET.search(text.lower())) or _fast_path_ok(text):
        return CheckedQuery(text, _guess_form(text))
    try:
        with PARSE_LOCK:
            tree = parseQuery(text)
    except ParseException as exc:
        if not refuse:   # the store's own parser says what is wrong with a query htkg trusts
            return CheckedQuery(text, _guess_form(text))
        _raise_if_update(text)
        raise _syntax_error(exc, text) from None
    except RecursionError:
        if not refuse:
            return CheckedQuery(text, _guess_form(text))
        raise QueryRefused("the query is nested too deeply for this endpoint's parser",
                           hint="flatten nested groups or parentheses") from None
    prologue, body = tree[0], tree[1]
    if refuse and _contains(body, "ServiceGraphPattern"):
        raise QueryRefused("SERVICE (federated query) is not allowed here: this endpoint never contacts "
                           "other services", hint="query the other endpoint yourself and combine the results",
                           status=403)
    resolve = _resolver(prologue)
    default, named = [], []
    # CompValue.get returns the key itself when it is missing: use the plain dict methods
    for clause in dict.get(body, "datasetClause") or ():
        if "default" in clause:
            default.append(resolve(clause["default"]))
        if "named" in clause:
            named.append(resolve(clause["named"]))
    return CheckedQuery(text, _FORMS.get(body.name, body.name), tuple(default), tuple(named))


def check_graphs(iris, graphs: Collection[str], where: str) -> None:
    """400 naming the first IRI that is not one of the store's named graphs."""
    for iri in iris:
        if iri not in graphs:
            raise QueryRefused(f"{where} <{iri}> is not one of this store's named graphs; "
                               "nothing outside the store is ever loaded",
                               hint="see the service description (GET /sparql) for the named graphs")


def refuse_update(what: str = "SPARQL Update") -> QueryRefused:
    return QueryRefused(f"{what} is not allowed: this endpoint is read-only", status=403,
                        hint="download a dump (/dumps/) to work on a copy of the data")


def _raise_if_update(text: str) -> None:
    try:
        with PARSE_LOCK:
            update = parseUpdate(text)
    except (ParseException, RecursionError):
        return
    ops = [op.name for op in dict.get(update, "request") or () if isinstance(op, CompValue)]
    names = sorted({_UPDATE_NAMES.get(op, op) for op in ops}) or ["an empty update"]
    raise refuse_update("SPARQL Update (" + ", ".join(names) + ")")


_UPDATE_NAMES = {"InsertData": "INSERT DATA", "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
                 "Modify": "DELETE/INSERT", "Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP",
                 "Create": "CREATE", "Add": "ADD", "Move": "MOVE", "Copy": "COPY"}


def _contains(node, name: str) -> bool:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if item.name == name:
                return True
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "ParseResults":
            stack.extend(item)
    return False


def _resolver(prologue):
    prefixes: dict[str, str] = {}
    base = None
    for decl in prologue:
        if decl.name == "Base":
            base = urljoin(base, str(decl["iri"])) if base else str(decl["iri"])
        elif decl.name == "PrefixDecl":
            iri = str(decl["iri"])
            prefixes[dict.get(decl, "prefix") or ""] = urljoin(base, iri) if base else iri

    def resolve(term) -> str:
        if isinstance(term, CompValue) and term.name == "pname":
            prefix = dict.get(term, "prefix") or ""
            if prefix not in prefixes:
                raise QuerySyntaxError(f"undeclared prefix {prefix!r}")
            return prefixes[prefix] + (dict.get(term, "localname") or "")
        iri = str(term)
        return urljoin(base, iri) if base else iri
    return resolve


def _syntax_error(exc: ParseException, text: str) -> QuerySyntaxError:
    line, col = exc.lineno, exc.col
    src = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    snippet = src[max(0, col - 30):col + 30] if src else None
    message = str(exc.msg) if exc.msg else "unexpected text"
    return QuerySyntaxError(explain(text, message), line, col, snippet)
