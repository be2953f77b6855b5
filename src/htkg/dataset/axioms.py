"""The closure of an ontology's axioms: superclasses, superproperties, inverses (no store, no Flask).

The build (``htkg.compiler.enrich``) materializes what it derives; the resource pages
(``htkg.dataset.describe``) fold a fact's derived statements back into one row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

__all__ = ["Ontology"]

_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_NAME = "https://schema.org/name"


@dataclass
class Ontology:
    """The closure of the ontology's class and property axioms (IRIs as strings): what the build
    materializes, and what a resource page folds into one row.

    ``derived(p, literal)`` is what one triple with predicate ``p`` stands for: the set of
    ``(predicate, flipped)`` the rules reach from it — superproperties (transitively), ``owl:inverseOf``
    (flipping subject and object, only when the object is not a literal), ``rdfs:label`` and
    ``schema:name`` for ``skos:prefLabel`` — so one pass over the data reaches the fixpoint.
    """

    superclasses: dict[str, set[str]]
    superproperties: dict[str, set[str]]
    inverses: dict[str, set[str]]
    _memo: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_pairs(cls, subclass_of, subproperty_of, inverse_of) -> "Ontology":
        """From the ``(sub, super)`` and ``(a, b)`` IRI pairs of the three kinds of axiom."""
        inverses: dict[str, set[str]] = defaultdict(set)
        for a, b in inverse_of:
            inverses[a].add(b)
            inverses[b].add(a)
        return cls(_closure(subclass_of), _closure(subproperty_of), dict(inverses))

    def derived(self, p: str, literal: bool) -> frozenset[tuple[str, bool]]:
        key = (p, literal)
        if key not in self._memo:
            seen: set[tuple[str, bool]] = set()
            todo = [(p, False)]
            while todo:
                q, flipped = todo.pop()
                nexts = [(sup, flipped) for sup in self.superproperties.get(q, ())]
                if q == _PREF:
                    nexts += [(_LABEL, flipped), (_NAME, flipped)]
                if flipped or not literal:  # the object of the derived triple is a resource
                    nexts += [(inv, not flipped) for inv in self.inverses.get(q, ())]
                for n in nexts:
                    if n not in seen and n != (p, False):
                        seen.add(n)
                        todo.append(n)
            self._memo[key] = frozenset(seen)
        return self._memo[key]


def _closure(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    direct: dict[str, set[str]] = defaultdict(set)
    for s, o in pairs:
        if s != o:
            direct[s].add(o)
    out: dict[str, set[str]] = {}
    for start in direct:
        seen, todo = set(), list(direct[start])
        while todo:
            n = todo.pop()
            if n in seen or n == start:
                continue
            seen.add(n)
            todo.extend(direct.get(n, ()))
        out[start] = seen
    return out
