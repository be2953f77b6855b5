"""Find resources by what people type: labels, alternative labels and acronyms, kinds, and the page's text.

An index is built once per release from a :class:`~htkg.store.base.Store` (three SPARQL queries: the
names of every resource under ``<base>id/``, their kinds, and the quoted phrases of the graphs that
state facts about them) and kept in memory; a search never queries the store. Ranking, best first:

====================  =====  ==============================================================
match                 score  when
====================  =====  ==============================================================
``label``             100    the query is the preferred label (case, accents, punctuation ignored)
``altLabel``          95     … an alternative label or acronym (``NHTRC``, ``TIP Office``)
``prefix``            80     a name starts with the query (typeahead)
``words``             60     every word of the query is a word of a name (the last may be a prefix)
``kind``              50     the query names the kind and its words are in a name (``hotline``)
``quote``             30     every word is in a phrase of the page quoted for the resource
====================  =====  ==============================================================

A query that names a kind (``hotline``, ``statutes``) adds 25 to things of that kind; things of no kind
(contact points, qualified relations) lose 3.

Ties go to the preferred label, then the shorter name. No Flask here: the web's ``/search``, the
reconciliation service and the 404 page's suggestions all call this module.

>>> normalize("J/TIP Office")
'j tip office'
>>> edit_distance("ovc", "ovcc", 2)
1
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field

from ..errors import QueryParameterError

__all__ = ["SearchIndex", "Hit", "Entry", "normalize", "edit_distance", "MAX_QUERY_CHARS", "MAX_LIMIT",
           "DEFAULT_LIMIT"]

MAX_QUERY_CHARS = 200
MAX_LIMIT = 50
DEFAULT_LIMIT = 10
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_PREF = (_SKOS + "prefLabel", "http://www.w3.org/2000/01/rdf-schema#label", "https://schema.org/name",
         "http://purl.org/dc/terms/title")
_ALT = (_SKOS + "altLabel", _SKOS + "hiddenLabel")
_SCORES = {"label": 100, "altLabel": 95, "prefix": 80, "words": 60, "kind": 50, "quote": 30}
_KIND_BONUS = 25          # "hotline": the hotline before the "Hotline TTY line" contact point
_MAX_QUOTES = 20          # quoted phrases kept per resource (a hub is stated in many graphs)


def normalize(text: str) -> str:
    """Lower case, accents and punctuation dropped, spaces squeezed: what a comparison sees."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def edit_distance(a: str, b: str, bound: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``bound + 1`` as soon as it must exceed ``bound``."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > bound:
            return bound + 1
        previous = current
    return previous[-1]


@dataclass
class Entry:
    """One resource as the index holds it."""

    iri: str
    path: str                               # under the base: ``id/org/ovc``
    label: str = ""
    alt: list[str] = field(default_factory=list)
    kind: str | None = None
    types: list[str] = field(default_factory=list)              # every rdf:type, standard ones included
    quotes: list[str] = field(default_factory=list)
    names: list[tuple[str, str]] = field(default_factory=list)   # (normalized, "label" | "altLabel")
    quote_words: list[tuple[set[str], str]] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    """A resource found, with how it matched."""

    iri: str
    path: str
    label: str
    kind: str | None
    score: int
    match: str                              # a key of the ranking table
    matched: str                            # the name (or quoted phrase) that matched
    alt: tuple[str, ...] = ()

    @property
    def snippet(self) -> str:
        return self.matched

    def as_json(self) -> dict:
        return {"id": self.iri, "path": "/" + self.path, "label": self.label, "kind": self.kind,
                "score": self.score, "match": self.match, "matched": self.matched, "altLabels": list(self.alt)}


def _check(q: str, limit: int) -> None:
    if len(q) > MAX_QUERY_CHARS:
        raise QueryParameterError("q", f"at most {MAX_QUERY_CHARS} characters (got {len(q)})")
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryParameterError("limit", f"from 1 to {MAX_LIMIT} (got {limit})")


class SearchIndex:
    """Every named resource under ``<base>id/``, searchable in memory."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.by_path = {e.path: e for e in entries}
        self.kinds = sorted({e.kind for e in entries if e.kind})
        # inverted indexes (word → entries), so a search scores only the entries that hold its words
        self._name_words: dict[str, set[int]] = {}
        self._quote_words: dict[str, set[int]] = {}
        self._of_kind: dict[str, set[int]] = {}
        for i, e in enumerate(entries):
            for name, _how in e.names:
                for w in name.split():
                    self._name_words.setdefault(w, set()).add(i)
            for words, _text in e.quote_words:
                for w in words:
                    self._quote_words.setdefault(w, set()).add(i)
            if e.kind:
                self._of_kind.setdefault(e.kind, set()).add(i)
        self._name_vocab = sorted(self._name_words)
        self._quote_vocab = sorted(self._quote_words)

    @staticmethod
    def _holding(words: list[str], postings: dict[str, set[int]], vocab: list[str]) -> set[int]:
        """Entries with every word (the last one may be the start of a word)."""
        *whole, last = words
        found: set[int] | None = None
        for w in whole:
            found = set(postings.get(w, ())) if found is None else found & postings.get(w, set())
            if not found:
                return set()
        i = bisect.bisect_left(vocab, last)
        starting: set[int] = set()
        while i < len(vocab) and vocab[i].startswith(last):
            starting |= postings[vocab[i]]
            i += 1
        return starting if found is None else found & starting

    def _candidates(self, words: list[str], kind_words: set[str]) -> set[int]:
        found = self._holding(words, self._name_words, self._name_vocab)
        found |= self._holding(words, self._quote_words, self._quote_vocab)
        if kind_words:
            of_kind = set().union(*(self._of_kind.get(k, set()) | self._of_kind.get(k.rstrip("s"), set())
                                    for k in kind_words))
            rest = [w for w in words if w not in kind_words]
            found |= of_kind & self._holding(rest, self._name_words, self._name_vocab) if rest else of_kind
        return found

    @classmethod
    def from_store(cls, store, base_iri: str) -> "SearchIndex":
        area = base_iri + "id/"
        if any(c in area for c in '<>" {}\\'):
            return cls([])
        entries: dict[str, Entry] = {}
        names = ", ".join(f"<{p}>" for p in _PREF + _ALT)
        q = f"""SELECT ?x ?p ?l WHERE {{ ?x ?p ?l FILTER(?p IN ({names}))
  FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{area}") && isLiteral(?l)) }}"""
        best: dict[str, tuple] = {}
        for row in store.query(q).rows:
            iri, p, lit = row["x"].value, row["p"].value, row["l"]
            if "#" in iri:
                continue
            e = entries.setdefault(iri, Entry(iri, iri[len(base_iri):]))
            if p in _ALT:
                if lit.value not in e.alt:
                    e.alt.append(lit.value)
                continue
            rank = (_PREF.index(p), 0 if (lit.language or "en") == "en" else 1, lit.value)
            if iri not in best or rank < best[iri]:
                best[iri] = rank
                e.label = lit.value
        for row in store.query(f"""SELECT ?x ?c ?k WHERE {{ ?x a ?c FILTER(STRSTARTS(STR(?x), "{area}"))
  OPTIONAL {{ ?c <{base_iri}def/nodeKind> ?k }} }}""").rows:
            e = entries.get(row["x"].value)
            if e is None:
                continue
            if row["c"].value not in e.types:
                e.types.append(row["c"].value)
            if "k" in row and (e.kind is None or row["k"].value < e.kind):
                e.kind = row["k"].value
        for row in store.query(f"""SELECT ?x ?quote WHERE {{ ?x <{base_iri}def/statedIn> ?g .
  ?g <{base_iri}def/quote> ?quote FILTER(STRSTARTS(STR(?x), "{area}")) }}""").rows:
            e = entries.get(row["x"].value)
            if e is not None and len(e.quotes) < _MAX_QUOTES and row["quote"].value not in e.quotes:
                e.quotes.append(row["quote"].value)
        out = []
        for e in entries.values():
            if not e.label:
                e.label = e.alt[0] if e.alt else e.path.rsplit("/", 1)[-1]
            e.alt.sort()
            e.types.sort()
            e.names = [(normalize(e.label), "label")] + [(normalize(a), "altLabel") for a in e.alt]
            e.quote_words = [(set(normalize(t).split()), t) for t in sorted(e.quotes)]
            out.append(e)
        out.sort(key=lambda e: e.path)
        return cls(out)

    def __len__(self) -> int:
        return len(self.entries)

    # -----------------------------------------------------------------------------------------

    def search(self, q: str, *, limit: int = DEFAULT_LIMIT, kinds: set[str] | None = None) -> list[Hit]:
        """The best ``limit`` resources for ``q`` (optionally of the given kinds), best first."""
        _check(q, limit)
        query = normalize(q)
        if not query:
            return []
        words = query.split()
        kind_words = {w for w in words if w in self.kinds or w.rstrip("s") in self.kinds}
        hits = []
        for i in sorted(self._candidates(words, kind_words)):
            e = self.entries[i]
            if kinds and e.kind not in kinds:
                continue
            hit = self._score(e, query, words, kind_words)
            if hit is not None:
                hits.append(hit)
        hits.sort(key=lambda h: (-h.score, h.match not in ("label", "prefix") or h.matched != h.label,
                                 len(h.label), h.label.casefold(), h.path))
        return hits[:limit]

    def _score(self, e: Entry, query: str, words: list[str], kind_words: set[str]) -> Hit | None:
        best: tuple[int, str, str] | None = None

        def offer(score: int, match: str, matched: str) -> None:
            nonlocal best
            if best is None or score > best[0]:
                best = (score, match, matched)

        originals = [e.label] + e.alt
        for (name, how), original in zip(e.names, originals):
            if name == query:
                offer(_SCORES[how], how, original)
            elif name.startswith(query):
                # shorter completions first: "nhtrc" before "nhtrc hotline number"
                offer(_SCORES["prefix"] - min(9, (len(name) - len(query)) // 8), "prefix", original)
            else:
                name_words = name.split()
                if _all_words(words, name_words):
                    offer(_SCORES["words"] - min(9, len(name_words) - len(words)), "words", original)
                elif kind_words and e.kind in {w.rstrip("s") for w in kind_words} | kind_words and \
                        _all_words([w for w in words if w not in kind_words], name_words):
                    offer(_SCORES["kind"], "kind", original)
        if best is None and kind_words and len(words) == len(kind_words) and \
                e.kind in {w.rstrip("s") for w in kind_words} | kind_words:
            offer(_SCORES["kind"], "kind", e.label)
        if best is None:
            for quote_words, text in e.quote_words:
                if _all_words(words, quote_words):
                    offer(_SCORES["quote"], "quote", text)
                    break
        if best is None:
            return None
        # the query naming the kind lifts things of that kind; things of no kind (contact points,
        # qualified relations) come after the graph's own things at the same level
        score = best[0] + (_KIND_BONUS if kind_words and e.kind in {w.rstrip("s") for w in kind_words} | kind_words
                           else 0) \
            - (0 if e.kind else 3)
        return Hit(e.iri, e.path, e.label, e.kind, score, best[1], best[2], tuple(e.alt))

    def nearest(self, path: str, *, limit: int = 5) -> list[Hit]:
        """Existing resources near a path that names none: same path in another case, a slug a few
        edits away in the same area, then resources whose names hold the slug's words."""
        path = path.strip("/")[:MAX_QUERY_CHARS]
        if not path:
            return []
        folded = path.casefold()
        area, _, slug = folded.rpartition("/")
        found: dict[str, Hit] = {}

        def add(e: Entry, score: int, match: str) -> None:
            if e.path not in found or found[e.path].score < score:
                found[e.path] = Hit(e.iri, e.path, e.label, e.kind, score, match, e.path, tuple(e.alt))

        bound = max(1, min(3, len(slug) // 3))
        for e in self.entries:
            p = e.path.casefold()
            if p == folded:
                add(e, 100, "case")
                continue
            e_area, _, e_slug = p.rpartition("/")
            if e_area == area or not area:
                d = edit_distance(slug, e_slug, bound)
                if d <= bound:
                    add(e, 90 - 10 * d, "slug")
        words = " ".join(re.split(r"[-_./]+", slug))
        if words.strip():
            for h in self.search(words[:MAX_QUERY_CHARS], limit=MAX_LIMIT):
                e = self.by_path[h.path]
                if h.score >= _SCORES["words"]:
                    add(e, min(h.score, 70), "label")
        return sorted(found.values(), key=lambda h: (-h.score, h.path))[:limit]


def _all_words(words: list[str], name_words) -> bool:
    """Every query word is a word of the name; the last one may be the start of a word (typing)."""
    if not words:
        return False
    pool = set(name_words)
    *whole, last = words
    return all(w in pool for w in whole) and (last in pool or any(n.startswith(last) for n in pool))
