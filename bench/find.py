"""Time the search index, searches, 404 suggestions, the directory and a resource page's description on a release.

    .venv/bin/python bench/find.py RELEASE_DIR [--repeat N]

Prints one line per measurement (median and worst of N runs, in milliseconds). Results: bench/RESULTS-find.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from htkg.dataset.describe import describe
from htkg.dataset.directory import directory
from htkg.dataset.release import open_release
from htkg.dataset.search import SearchIndex

QUERIES = ["TIP office", "NHTRC", "hotline", "T visa", "office", "trafficking", "agency 17", "awar", "zzzz"]


def timed(fn, repeat: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("release", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rel = open_release(args.release)
    store = rel.open_store()
    base = rel.base_iri
    print(f"release {rel.version}: {rel.statistics['triples']:,} triples")
    med, worst, index = timed(lambda: SearchIndex.from_store(store, base), args.repeat)
    print(f"index build        {med:8.1f} ms (worst {worst:.1f}) — {len(index):,} resources")
    for q in QUERIES:
        med, worst, hits = timed(lambda: index.search(q, limit=10), args.repeat)
        top = hits[0].label if hits else "-"
        print(f"search {q!r:14} {med:8.1f} ms (worst {worst:.1f}) — {len(hits)} hits, first: {top}")
    med, worst, near = timed(lambda: index.nearest("id/org/OVCC"), args.repeat)
    print(f"nearest id/org/OVCC {med:7.1f} ms (worst {worst:.1f}) — {len(near)} suggestions")
    med, worst, d = timed(lambda: directory(store, base), args.repeat)
    print(f"directory          {med:8.1f} ms (worst {worst:.1f}) — {len(d.departments)} departments, "
          f"{d.units_total} units")
    hub = max(rel.statistics.get("classes", {}), key=lambda c: 0) if False else None
    sample = index.entries[len(index.entries) // 2].iri if len(index) else base + "id/org/ovc"
    med, worst, d = timed(lambda: describe(store, sample), args.repeat)
    print(f"describe (one)     {med:8.1f} ms (worst {worst:.1f}) — {len(d.facts)} rows for {sample[len(base):]}")


if __name__ == "__main__":
    main()
