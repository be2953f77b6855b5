"""Queries whose work is bounded before they run, so that the server worker may answer them itself.

Every query of the endpoint goes to a query process that can be killed at the time limit
(:mod:`htkg.store.executor`). For the smallest queries that hand-over costs more than the query: a
lookup of one agency's properties takes pyoxigraph 0.15 ms, and the trip to a query process and back
about 0.35 ms of CPU more (``bench/request_cost.py``). A query can only run away if its evaluation
can grow without bound — joins, unanchored paths, sorting or grouping a large pattern. This module
recognizes, strictly from the tokens of its text, the shape that cannot:

    [PREFIX p: <iri>]…  SELECT [DISTINCT|REDUCED] (* | ?v … | (COUNT([DISTINCT] ?v | *) AS ?n))
    [WHERE] { S P O [.] }

one triple pattern, where

- P is an IRI, a prefixed name, ``a`` or a variable, and S or P or O is a constant: the evaluation
  reads the quads that match the constants, one index range; or
- P is a property path of one IRI, ``p+`` or ``p*`` (``^p+``, ``^p*`` inverted), and S or O is a
  constant: the closure reads at most every triple of that one predicate.

A constant is an absolute IRI, a prefixed name declared in the query, or (as the object) a simple
literal. Anything else — another keyword, a second pattern, a FILTER, a modifier, a backslash (a
``\\u`` escape could spell a keyword), a blank node, a relative IRI — is not recognized, and the query
goes to a query process as every query did before.

The shape bounds the *kind* of work; :class:`Probe` bounds its *amount* before the query runs: the
same pattern (for a path: every triple of its predicate) asked with ``OFFSET cap LIMIT 1`` must find
nothing, that is, at most ``cap`` quads match, so the evaluation reads at most ``cap`` index entries
(about 0.5 µs each) and its answer has at most ``cap`` rows. A probe's answer is kept for the life of
the process: the release never changes under a running server.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

__all__ = ["bounded_pattern", "Probe"]

Pattern = tuple[str, str, str]   # SPARQL terms; variables as ?s, ?p, ?o

_TOKEN = re.compile(r"""
    (?P<skip>[\ \t\r\n]+|\#[^\r\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z_][A-Za-z0-9_]*)
  | (?P<pname>(?:[A-Za-z][A-Za-z0-9_-]*)?:(?:[A-Za-z0-9_:](?:[A-Za-z0-9_.:-]*[A-Za-z0-9_:-])?)?)
  | (?P<string>"[^"\\\n\r]*"|'[^'\\\n\r]*')
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[A-Za-z]+)
  | (?P<punct>\^\^|[{}().*+^])
""", re.VERBOSE)
# SPARQL's white space is space, tab, CR and LF only, and a comment ends at CR *or* LF (SPARQL 1.1
# Query §19.8): a comment read up to LF alone would hide from this reader what follows a CR, which the
# engine reads as query text
_ABSOLUTE = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]*:")
_MAX_CHARS = 4000
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def _tokens(text: str) -> list[tuple[str, str]] | None:
    """The tokens, or None where something is not one. The scanner matches at the position where the last
    match ended, never further on (no token is empty, so it always moves), and stops at the first place
    no token matches: the text is read whole only if the last match ends at its end."""
    out, end = [], 0
    for m in iter(_TOKEN.scanner(text).match, None):
        end = m.end()
        if m.lastgroup != "skip":
            out.append((m.lastgroup, m.group()))
    return out if end == len(text) else None


class _Reader:
    def __init__(self, tokens):
        self.tokens, self.i = tokens, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def take(self, kind: str, value: str | None = None) -> str | None:
        k, v = self.peek()
        if k != kind or (value is not None and v.upper() != value):
            return None
        self.i += 1
        return v

    def word(self, *values: str) -> str | None:
        k, v = self.peek()
        if k == "word" and v.upper() in values:
            self.i += 1
            return v.upper()
        return None


def bounded_pattern(text: str) -> Pattern | None:
    """If ``text`` is one of the bounded shapes above, the pattern whose matches bound its work (for a
    closure: every triple of its predicate); else None.

    >>> bounded_pattern("SELECT ?p ?o WHERE { <http://e/a> ?p ?o }")
    ('<http://e/a>', '?p', '?o')
    >>> bounded_pattern("PREFIX org: <http://www.w3.org/ns/org#> SELECT (COUNT(DISTINCT ?x) AS ?n) "
    ...                 "WHERE { ?x org:subOrganizationOf+ <http://e/d> }")
    ('?s', '<http://www.w3.org/ns/org#subOrganizationOf>', '?o')
    >>> bounded_pattern("SELECT * WHERE { ?s ?p ?o }"), bounded_pattern("SELECT * { <http://e/a> ?p ?o . ?o ?q ?r }")
    (None, None)
    """
    if len(text) > _MAX_CHARS or "\\" in text:
        return None
    tokens = _tokens(text)
    if tokens is None:
        return None
    r = _Reader(tokens)
    prefixes: dict[str, str] = {}
    while r.word("PREFIX"):
        name, iri = r.take("pname"), r.take("iri")
        if name is None or not name.endswith(":") or iri is None or not _ABSOLUTE.match(iri):
            return None
        prefixes[name[:-1]] = iri[1:-1]
    if not r.word("SELECT"):
        return None
    r.word("DISTINCT", "REDUCED")
    if not _projection(r):
        return None
    r.word("WHERE")
    if r.take("punct", "{") is None:
        return None
    subject = _term(r, prefixes, literal=False)
    predicate, path = _predicate(r, prefixes)
    obj = _term(r, prefixes, literal=True)
    if subject is None or predicate is None or obj is None:
        return None
    r.take("punct", ".")
    if r.take("punct", "}") is None or r.peek()[0] != "end":
        return None
    s_var, o_var = subject.startswith("?"), obj.startswith("?")
    if path:
        if s_var and o_var:
            return None   # an unanchored closure: every start node
        return ("?s", predicate, "?o")
    o_probe = "?o" if o_var or obj.startswith('"') else obj   # a literal only narrows: bound by the rest
    probe = ("?s" if s_var else subject, "?p" if predicate.startswith("?") else predicate, o_probe)
    if probe == ("?s", "?p", "?o"):
        return None   # no constant to bound the scan
    return probe


def _projection(r: _Reader) -> bool:
    if r.take("punct", "*"):
        return True
    if r.take("punct", "("):   # (COUNT([DISTINCT] ?v | *) AS ?n)
        return bool(r.word("COUNT") and r.take("punct", "(") and (r.word("DISTINCT") or True)
                    and (r.take("var") or r.take("punct", "*")) and r.take("punct", ")") and r.word("AS")
                    and r.take("var") and r.take("punct", ")"))
    seen = False
    while r.take("var"):
        seen = True
    return seen


def _term(r: _Reader, prefixes: dict[str, str], *, literal: bool) -> str | None:
    kind, value = r.peek()
    if kind == "var":
        r.i += 1
        return "?" + value[1:]
    if kind in ("iri", "pname"):
        return _constant(r, prefixes)
    if literal and kind == "string":
        r.i += 1
        if r.take("lang"):
            return '"lang"'
        if r.take("punct", "^^"):
            return '"typed"' if _constant(r, prefixes) else None
        return '"plain"'
    return None


def _constant(r: _Reader, prefixes: dict[str, str]) -> str | None:
    kind, value = r.peek()
    r.i += 1
    if kind == "iri":
        return value if _ABSOLUTE.match(value) else None
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix in prefixes and "." not in local:
            return f"<{prefixes[prefix]}{local}>"
    return None


def _predicate(r: _Reader, prefixes: dict[str, str]) -> tuple[str | None, bool]:
    """The predicate (full IRI or ``?var``) and whether it is a closure ``p+`` / ``p*`` (``^`` allowed)."""
    inverse = r.take("punct", "^") is not None
    kind, value = r.peek()
    if kind == "var" and not inverse:
        r.i += 1
        return "?" + value[1:], False
    if kind == "word" and value == "a" and not inverse:
        r.i += 1
        return _RDF_TYPE, False
    if kind not in ("iri", "pname"):
        return None, False
    iri = _constant(r, prefixes)
    closure = r.take("punct", "+") or r.take("punct", "*")
    if inverse and not closure:
        return None, False
    return iri, bool(closure)


class Probe:
    """Whether a :func:`bounded_pattern` matches at most ``cap`` quads of a pyoxigraph store (cached)."""

    def __init__(self, store, cap: int, entries: int = 4096):
        self.store, self.cap, self.entries = store, cap, entries
        self._known: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def within(self, pattern: Pattern) -> bool:
        with self._lock:
            known = self._known.get(pattern)
        if known is not None:
            return known
        s, p, o = pattern
        query = f"ASK {{ {{ SELECT * WHERE {{ {s} {p} {o} }} OFFSET {self.cap} LIMIT 1 }} }}"
        try:
            over = bool(self.store.query(query, use_default_graph_as_union=True))
        except (SyntaxError, OSError, ValueError):
            over = True   # not ours to judge: the query process will say what is wrong
        with self._lock:
            self._known[pattern] = not over
            while len(self._known) > self.entries:
                self._known.popitem(last=False)
        return not over
