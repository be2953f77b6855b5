"""Entity reconciliation (the W3C Entity Reconciliation Community Group's API, version 0.2, which
OpenRefine speaks): a batch of names, each with optional types and property values, gets candidates —
htkg IRIs with their names, types, a score from 0 to 100 and ``match`` when one is certain.

Candidates come from :class:`~htkg.dataset.search.SearchIndex` (names, acronyms, kinds, quoted text);
types filter or prefer them (``type_strict``); property values given with the query (``pid``/``v``)
are compared with the store's values and move the score. No Flask here: ``htkg.web.reconcile``
translates HTTP to :func:`parse_batch` and :func:`reconcile`.

>>> parse_batch('{"q0": {"query": "OVC"}}')["q0"].query
'OVC'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import QueryParameterError
from .describe import labels_of
from .search import MAX_LIMIT, MAX_QUERY_CHARS, SearchIndex, normalize

__all__ = ["Query", "Candidate", "parse_batch", "reconcile", "suggest", "type_ids", "MAX_BATCH", "VERSIONS"]

VERSIONS = ["0.1", "0.2"]
MAX_BATCH = 100                 # queries in one batch (OpenRefine sends 10 at a time)
MAX_PROPERTIES = 10             # property values in one query
DEFAULT_LIMIT = 5
MATCH_SCORE = 95                # an exact name or acronym…
MATCH_MARGIN = 10               # …ahead of the next candidate by this much is a certain match
_KEYS = {"query", "type", "limit", "properties", "type_strict"}
_STRICT = ("any", "should", "all")


@dataclass
class Query:
    query: str = ""
    types: list[str] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    properties: list[tuple[str, list]] = field(default_factory=list)   # (pid, values)
    type_strict: str = "any"


@dataclass
class Candidate:
    id: str
    name: str
    score: float
    match: bool
    types: list[dict]
    description: str | None = None
    features: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        out = {"id": self.id, "name": self.name, "score": self.score, "match": self.match, "type": self.types,
               "features": self.features}
        if self.description:
            out["description"] = self.description
        return out


def _bad(key: str, message: str) -> QueryParameterError:
    return QueryParameterError("queries", f"query {key[:40]!r}: {message}")


def parse_batch(text: str) -> dict[str, Query]:
    """A batch of queries (``{"q0": {"query": …, "type": …, …}, …}``) checked against the API's rules."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise QueryParameterError("queries", f"not JSON: {e}") from None
    if not isinstance(data, dict) or not data:
        raise QueryParameterError("queries", "expected an object of queries by key: {\"q0\": {\"query\": \"…\"}}")
    if len(data) > MAX_BATCH:
        raise QueryParameterError("queries", f"at most {MAX_BATCH} queries in one batch (got {len(data)})")
    return {str(k): _parse_query(str(k), v) for k, v in data.items()}


def _parse_query(key: str, raw) -> Query:
    if not isinstance(raw, dict):
        raise _bad(key, "each query is an object")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise _bad(key, f"unknown field {unknown[0][:40]!r} (fields: {', '.join(sorted(_KEYS))})")
    q = Query()
    if "query" in raw:
        if not isinstance(raw["query"], str):
            raise _bad(key, "'query' is a string")
        if len(raw["query"]) > MAX_QUERY_CHARS:
            raise _bad(key, f"'query' is at most {MAX_QUERY_CHARS} characters")
        q.query = raw["query"]
    if "type" in raw:
        types = raw["type"] if isinstance(raw["type"], list) else [raw["type"]]
        if not all(isinstance(t, str) and len(t) <= 500 for t in types) or len(types) > 20:
            raise _bad(key, "'type' is a type identifier or a list of at most 20")
        q.types = types
    if "limit" in raw:
        limit = raw["limit"]
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 1 <= limit <= MAX_LIMIT:
            raise _bad(key, f"'limit' is a number from 1 to {MAX_LIMIT}")
        q.limit = int(limit)
    if "type_strict" in raw:
        if raw["type_strict"] not in _STRICT:
            raise _bad(key, f"'type_strict' is one of {', '.join(_STRICT)}")
        q.type_strict = raw["type_strict"]
    if "properties" in raw:
        props = raw["properties"]
        if not isinstance(props, list) or len(props) > MAX_PROPERTIES:
            raise _bad(key, f"'properties' is a list of at most {MAX_PROPERTIES} {{pid, v}} objects")
        for p in props:
            if not isinstance(p, dict) or set(p) != {"pid", "v"} or not isinstance(p["pid"], str):
                raise _bad(key, "each property is {\"pid\": \"…\", \"v\": value or list of values}")
            values = p["v"] if isinstance(p["v"], list) else [p["v"]]
            for v in values:
                ok = isinstance(v, (str, int, float, bool)) or (isinstance(v, dict) and isinstance(v.get("id"), str))
                if not ok or len(str(v)) > MAX_QUERY_CHARS:
                    raise _bad(key, "a property value is a string, number, boolean or {\"id\": …}")
            q.properties.append((p["pid"], values))
    if not q.query.strip() and not q.properties:
        raise _bad(key, "needs a 'query' (a name) or 'properties'")
    return q


def type_ids(vocab: str, given: list[str]) -> set[str]:
    """Type identifiers as IRIs: an IRI as it is, a bare name as a class of the project's vocabulary."""
    return {t if ":" in t and "/" in t else vocab + t.split(":")[-1] for t in given}


def reconcile(store, index: SearchIndex, base_iri: str, queries: dict[str, Query]) -> dict[str, dict]:
    """Candidates for every query of a batch: ``{"q0": {"result": [candidate, …]}, …}``."""
    vocab = base_iri + "def/"
    type_names: dict[str, str] = {}
    out = {}
    for key, q in queries.items():
        wanted = type_ids(vocab, q.types)
        pool = index.search(q.query, limit=MAX_LIMIT) if q.query.strip() else []
        cands = []
        for hit in pool:
            entry = index.by_path[hit.path]
            have = set(entry.types)
            typed = bool(wanted & have) if q.type_strict != "all" else wanted <= have
            if wanted and q.type_strict in ("any", "all") and not typed:
                continue
            score = float(min(100, hit.score))
            features = [{"id": "name", "value": score}]
            if wanted and q.type_strict == "should":
                features.append({"id": "type", "value": typed})
                score = score if typed else score - 20
            cands.append([entry, score, features])
        if q.properties and cands:
            _score_properties(store, vocab, cands, q.properties)
        cands.sort(key=lambda c: (-c[1], c[0].label.casefold(), c[0].iri))
        cands = cands[:q.limit]
        type_names.update(_type_names(store, {t for c in cands for t in c[0].types} - set(type_names)))
        result = []
        for i, (entry, score, features) in enumerate(cands):
            score = round(max(0.0, min(100.0, score)), 1)
            runner_up = cands[1][1] if len(cands) > 1 else 0
            certain = i == 0 and score >= MATCH_SCORE and score - runner_up >= MATCH_MARGIN
            result.append(Candidate(entry.iri, entry.label, score, certain,
                                    [{"id": t, "name": type_names.get(t) or _local(t)} for t in _own_first(entry.types, vocab)],
                                    ", ".join(entry.alt) or None, features).as_json())
        out[key] = {"result": result}
    return out


def suggest(store, index: SearchIndex, base_iri: str, prefix: str, *, limit: int = 10) -> list[dict]:
    """Entities whose names start with (or hold the words of) ``prefix``, for OpenRefine's suggest box."""
    hits = index.search(prefix, limit=limit) if prefix.strip() else []
    names = _type_names(store, {t for h in hits for t in index.by_path[h.path].types})
    vocab = base_iri + "def/"
    return [{"id": h.iri, "name": h.label, **({"description": ", ".join(h.alt)} if h.alt else {}),
             "notable": [{"id": t, "name": names.get(t) or _local(t)}
                         for t in _own_first(index.by_path[h.path].types, vocab)]} for h in hits]


def _own_first(types: list[str], vocab: str) -> list[str]:
    return sorted(types, key=lambda t: (not t.startswith(vocab), t))


def _local(iri: str) -> str:
    return iri.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1]


def _type_names(store, types: set[str]) -> dict[str, str]:
    return labels_of(store, types) if types else {}


def _score_properties(store, vocab: str, cands: list, properties: list[tuple[str, list]]) -> None:
    """Each property value given that the candidate has (as a literal, an IRI, or the label of one) adds 10;
    a property the candidate has with none of the values given takes 10 off."""
    iris = " ".join(f"<{c[0].iri}>" for c in cands if ">" not in c[0].iri)
    for pid, values in properties:
        prop = pid if ":" in pid and "/" in pid else vocab + pid.split(":")[-1]
        if any(ch in prop for ch in '<> "{}\\'):
            continue
        rows = store.query(f"""SELECT ?x ?v ?l WHERE {{ VALUES ?x {{ {iris} }} ?x <{prop}> ?v
  OPTIONAL {{ ?v <http://www.w3.org/2004/02/skos/core#prefLabel>|<http://www.w3.org/2004/02/skos/core#altLabel> ?l }} }}""").rows
        have: dict[str, set[str]] = {}
        for r in rows:
            bag = have.setdefault(r["x"].value, set())
            bag.add(normalize(r["v"].value) if not r["v"].value.startswith("http") else r["v"].value)
            if "l" in r:
                bag.add(normalize(r["l"].value))
        wanted = {v["id"] if isinstance(v, dict) else (normalize(str(v)) if not str(v).startswith("http") else str(v))
                  for v in values}
        for c in cands:
            bag = have.get(c[0].iri)
            if bag is None:
                c[2].append({"id": f"property:{pid}", "value": False})
                continue
            hit = bool(bag & wanted)
            c[1] += 10 if hit else -10
            c[2].append({"id": f"property:{pid}", "value": hit})
