"""The curated data cite the source page faithfully and use nothing unverified.

Every ``htkg:quote`` occurs character for character in the source text; every ``graph:page/…`` graph
has a quote; no triple sits in the default graph; no fact from a row that ``reference/facts.md`` marks
U (unverified) is used, and no Wikidata item other than the nine verified ones.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = sorted((ROOT / "data").rglob("*.trig"))
# The shared folder sits beside the repository; the repository keeps a copy of the text for a fresh clone.
SHARED_SOURCE = ROOT.parent / "shared" / "source" / "ojp-human-trafficking-related-resources.txt"
REPO_SOURCE = ROOT / "data" / "sources" / "ojp-related-resources.txt"
SOURCE_SHA256 = "37e21a50c6009f25fd2dda4d738f5367c89be50fdbaff05a6f8d173b79f3f748"

BASE = "https://w3id.org/htkg/"
HTKG = BASE + "def/"
PAGE_GRAPH = BASE + "graph/page/"
EXT_GRAPH = BASE + "graph/ext/"
PROVENANCE = URIRef(BASE + "graph/provenance")
QUOTE = URIRef(HTKG + "quote")
FACTS_ROW = URIRef(HTKG + "factsRow")

# A floor, so that the data cannot shrink silently.
MIN_PAGE_GRAPHS = 60
MIN_QUOTES = 60
MIN_EXT_GRAPHS = 50

# reference/facts.md §3: the only verified Wikidata items.
VERIFIED_QIDS = {"Q1553390", "Q8333", "Q11231", "Q789915", "Q942326", "Q4476399", "Q11054570",
                 "Q7079166", "Q7079431"}
# reference/facts.md §2: the rows marked U.
UNVERIFIED_ROWS = {15, 20, 44, 57, 62, 67, 72, 83}
# Text that only a U row (or a U sub-item of a V row) would put into the data.
UNVERIFIED_TEXT = [
    "1101(a)(15)",        # row 62: statutory cites of T/U status
    "7105(c)(3)",         # row 62
    "1100.35",            # row 62
    "7103(e)",            # row 67: the TIP Office's exact authorizing subsection
    "105(e)",             # row 67
    "Q1850587",           # §3: Polaris Inc., the vehicle maker, not the NGO
]


def _source_text() -> str:
    path = SHARED_SOURCE if SHARED_SOURCE.is_file() else REPO_SOURCE
    return path.read_text(encoding="utf-8")


def _load(path: Path) -> Dataset:
    ds = Dataset()
    # Parse the text, not the path (rdflib leaves a file it opened unclosed); rdflib 7.6's TriG
    # parser warns about its own internal use of ConjunctiveGraph and Dataset.default_context.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*(ConjunctiveGraph|default_context) is deprecated", DeprecationWarning)
        ds.parse(data=path.read_text(encoding="utf-8"), format="trig")
    return ds


@pytest.fixture(scope="module")
def source_text() -> str:
    return _source_text()


@pytest.fixture(scope="module")
def datasets() -> dict[Path, Dataset]:
    return {path: _load(path) for path in DATA_FILES}


def _quotes() -> list[tuple[str, str, str]]:
    out = []
    for path in DATA_FILES:
        for g, quote in _load(path).graph(PROVENANCE).subject_objects(QUOTE):
            out.append((path.relative_to(ROOT).as_posix(), str(g), str(quote)))
    return sorted(out)


QUOTES = _quotes()


def test_there_are_data_files():
    assert len(DATA_FILES) >= 8, DATA_FILES


def test_source_text_is_the_published_one():
    """The repository's copy of the page is byte for byte the shared one (same SHA-256)."""
    assert hashlib.sha256(REPO_SOURCE.read_bytes()).hexdigest() == SOURCE_SHA256
    if SHARED_SOURCE.is_file():
        assert hashlib.sha256(SHARED_SOURCE.read_bytes()).hexdigest() == SOURCE_SHA256


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_triple_in_the_default_graph(path):
    ds = _load(path)
    default = ds.graph(DATASET_DEFAULT_GRAPH_ID)
    assert len(default) == 0, f"{path.name}: {len(default)} triples outside a named graph, e.g. {next(iter(default))}"


@pytest.mark.parametrize("where,graph,quote", QUOTES, ids=[q[1].rsplit("/", 1)[-1] for q in QUOTES])
def test_quote_occurs_verbatim_in_the_source(source_text, where, graph, quote):
    assert quote in source_text, f"{where}: the quote of {graph} is not in the source text: {quote!r}"


def test_enough_quotes_and_page_graphs(datasets):
    assert len(QUOTES) >= MIN_QUOTES, len(QUOTES)
    page_graphs = {str(g.identifier) for ds in datasets.values() for g in ds.graphs()
                   if str(g.identifier).startswith(PAGE_GRAPH) and len(g)}
    assert len(page_graphs) >= MIN_PAGE_GRAPHS, len(page_graphs)
    ext_graphs = {str(g.identifier) for ds in datasets.values() for g in ds.graphs()
                  if str(g.identifier).startswith(EXT_GRAPH) and len(g)}
    assert len(ext_graphs) >= MIN_EXT_GRAPHS, len(ext_graphs)


def test_every_page_graph_has_exactly_one_quote_and_every_quote_a_graph(datasets):
    quotes: dict[str, list[str]] = {}
    filled: set[str] = set()
    for ds in datasets.values():
        for g, quote in ds.graph(PROVENANCE).subject_objects(QUOTE):
            quotes.setdefault(str(g), []).append(str(quote))
        filled |= {str(g.identifier) for g in ds.graphs() if str(g.identifier).startswith(PAGE_GRAPH) and len(g)}
    assert sorted(g for g in filled if g not in quotes) == [], "page graphs without a quote"
    assert sorted(g for g in quotes if g not in filled) == [], "quotes of empty or missing page graphs"
    assert sorted(g for g, qs in quotes.items() if len(qs) != 1) == [], "page graphs with more than one quote"
    assert all(g.startswith(PAGE_GRAPH) for g in quotes), "htkg:quote on a graph that is not a page graph"


def test_every_ext_graph_is_cited(datasets):
    cited = {}
    filled = set()
    for ds in datasets.values():
        prov = ds.graph(PROVENANCE)
        for g in set(prov.subjects()):
            if str(g).startswith(EXT_GRAPH):
                cited[str(g)] = prov
        filled |= {str(g.identifier) for g in ds.graphs() if str(g.identifier).startswith(EXT_GRAPH) and len(g)}
    missing = sorted(filled - set(cited))
    assert missing == [], f"ext graphs without a citation in graph:provenance: {missing}"
    for g, prov in cited.items():
        node = URIRef(g)
        assert any(isinstance(s, URIRef) for s in prov.objects(node, URIRef("http://purl.org/dc/terms/source"))), g
        assert len(set(prov.objects(node, URIRef(HTKG + "verification")))) == 1, g


def test_no_fact_from_an_unverified_row(datasets):
    rows = {int(r) for ds in datasets.values() for r in ds.graph(PROVENANCE).objects(None, FACTS_ROW)}
    assert rows, "no ext graph names its facts.md row"
    assert sorted(rows & UNVERIFIED_ROWS) == []


def test_only_verified_wikidata_items(datasets):
    used = set()
    for ds in datasets.values():
        for s, p, o, g in ds.quads():
            for term in (s, o):
                text = str(term)
                if "wikidata.org" in text:
                    assert isinstance(term, URIRef) and text.startswith("http://www.wikidata.org/entity/Q"), text
                    used.add(text.rsplit("/", 1)[-1])
    assert used <= VERIFIED_QIDS, sorted(used - VERIFIED_QIDS)
    assert used == VERIFIED_QIDS, f"verified items not linked: {sorted(VERIFIED_QIDS - used)}"


def test_no_unverified_text(datasets):
    for ds in datasets.values():
        for s, p, o, g in ds.quads():
            for term in (s, o):
                for bad in UNVERIFIED_TEXT:
                    assert bad not in str(term), f"{bad!r} (unverified) in {s} {p} {o}"


def test_unverified_sub_items_stay_out(datasets):
    """Known U items inside V rows: the Justice Assistance Act's Pub. L. number, NIJ's founding day,
    the year the hotline was renamed, and a successor of the ICE Human Trafficking Unit."""
    id_ = BASE + "id/"
    checks = [
        (id_ + "law/justice-assistance-act-1984", "https://schema.org/legislationIdentifier"),
        (id_ + "org/nij", "https://schema.org/foundingDate"),
        (id_ + "org/ice-human-trafficking-unit", "http://purl.org/dc/terms/isReplacedBy"),
        (id_ + "org/ice-human-trafficking-unit", "http://www.w3.org/ns/org#changedBy"),
    ]
    for ds in datasets.values():
        for subject, predicate in checks:
            assert list(ds.quads((URIRef(subject), URIRef(predicate), None, None))) == [], (subject, predicate)
        # The rename NHTRC → National Human Trafficking Hotline is verified, its year is not:
        # no dated rename event, and no label carrying a year.
        nhtrc = URIRef(id_ + "service/nhtrc")
        for predicate in ("http://www.w3.org/ns/org#resultedFrom", "http://www.w3.org/ns/org#changedBy",
                          "http://purl.org/dc/terms/replaces", "http://purl.org/dc/terms/isReplacedBy"):
            assert list(ds.quads((nhtrc, URIRef(predicate), None, None))) == [], predicate
        for _, _, label, _ in ds.quads((nhtrc, URIRef("http://www.w3.org/2004/02/skos/core#altLabel"), None, None)):
            assert not any(ch.isdigit() for ch in str(label)), label
