"""What a SPARQL syntax error means, in words: the parsers say what they expected, not what is wrong.

``explain(query, message)`` puts the cause of the common mistakes before the parser's own message:

- a prefixed name with a ``/`` after the prefix (``id:org/otip``): pyoxigraph says "expected OPTIONAL",
  YASQE "Expected SelectQuery" — the name is not a name; the full IRI or the area's own prefix is;
- two ``VALUES`` blocks after the query (SPARQL allows one, with every variable in it);
- a prefix used but not declared.

>>> print(explain("PREFIX id: <http://e/id/>\\nSELECT * { id:org/otip ?p ?o }", "expected OPTIONAL"))
`id:org/otip` is not a prefixed name: the part after `id:` cannot contain '/'. Write the whole IRI <http://e/id/org/otip> (parser: expected OPTIONAL)
"""

from __future__ import annotations

import re

from ..namespaces import PREFIXES

__all__ = ["explain"]

_DECL = re.compile(r"(?i)PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>")
# a would-be prefixed name with a '/' in its local part, outside <IRIs>, strings and comments
_SLASHED = re.compile(r"(?<![\w<:/?$.-])([A-Za-z][\w.-]*)?:([\w.-]*/[\w./-]*)")
_TAIL_VALUES = re.compile(r"(?is)\}[^{}]*\bVALUES\b[^{}]*\{[^{}]*\}\s*VALUES\b")


def _code(query: str) -> str:
    """The query with IRIs, strings and comments blanked (same length), so patterns see only code."""
    return re.sub(r'<[^<>"{}|^`\\\s]*>|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*',
                  lambda m: " " * len(m.group(0)), query)


def explain(query: str, message: str) -> str:
    """``message`` with the cause of the error first, when it is one of the mistakes this module knows."""
    code = _code(query)
    declared = {(m.group(1) or ""): m.group(2) for m in _DECL.finditer(query)}
    m = _SLASHED.search(code)
    if m and (m.group(1) or "") in declared:
        prefix, local = m.group(1) or "", m.group(2)
        iri = declared[prefix] + local
        better = next((f"{p}:{iri[len(ns):]}" for p, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
                       if iri.startswith(ns) and re.fullmatch(r"[\w][\w.-]*", iri[len(ns):])), None)
        hint = f"Write the whole IRI <{iri}>" + (f", or {better} with that prefix declared" if better else "")
        return (f"`{prefix}:{local}` is not a prefixed name: the part after `{prefix}:` cannot contain '/'. "
                f"{hint} (parser: {message})")
    if _TAIL_VALUES.search(code):
        return ("a query may end with one VALUES block only; put the variables in one: "
                f"VALUES (?a ?b) {{ (<x> \"y\") }} (parser: {message})")
    used = {u.group(1) for u in re.finditer(r"(?<![\w<:/?$.-])([A-Za-z][\w.-]*):(?!//)", code)}
    undeclared = sorted(p for p in used if p not in declared and p.upper() not in ("PREFIX", "BASE"))
    if undeclared:
        return (f"the prefix{'es' if len(undeclared) > 1 else ''} {', '.join(f'`{p}:`' for p in undeclared)} "
                f"{'are' if len(undeclared) > 1 else 'is'} used but not declared: add "
                f"PREFIX {undeclared[0]}: <…> at the top (parser: {message})")
    return message
