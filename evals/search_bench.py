"""Embedded search benchmark: indexing time, query latency and memory on a product CSV.

    python -m evals.search_bench --products products.csv --judgments judgments.csv \
        [--queries 1000] [--out JSON]

In one process, on the catalog of ``--products`` and the queries of ``--judgments``:

- indexing: BM25 (``EmbeddedSearch``), then hybrid with the vectors from the cache under
  ``SHOPAGENT_DATA_DIR/vectors`` (vectors missing there are computed first, and that first
  computation is reported on its own); the baseline is reading the CSV into products;
- query latency of the first page of 10 for each query (a seeded sample of ``--queries``),
  BM25 and hybrid, wall-clock and CPU
  time; the baseline is the naive search a first version would do, a case-folded substring
  scan of every title for the query's words, over the same queries;
- memory: resident set size after reading the products (the baseline) and the process peak
  once both indexes have served every query.
- the parts of a hybrid query: encoding it with no cache, and its dense step, the nearest
  100 products by the probe of the vectors' cells (``tools.search.cells``) against an exact
  scan of every vector as the baseline, with the share of the exact neighbours it finds.

Figures are reported beside their baseline and as a ratio to it: on a shared machine the
ratio of two figures measured in the same run says more than either alone.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from rich.console import Console
from rich.table import Table

from evals.search import read_judgments, read_products
from evals.stats import percentile
from infra.settings import get_settings
from tools.models import Product
from tools.search.base import SearchQuery
from tools.search.cells import Cells, top
from tools.search.embedded import EmbeddedSearch
from tools.search.vectors import Embedder, Vectors, product_text

MB = 1024 * 1024
NEIGHBOURS = 100


def _timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _latencies(fn: Callable[[str], Any], queries: Sequence[str]) -> dict[str, float]:
    walls: list[float] = []
    cpus: list[float] = []
    for text in queries:
        wall, cpu = time.perf_counter(), time.process_time()
        fn(text)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "p50_ms": round(percentile(walls, 50) * 1000, 3),
        "p95_ms": round(percentile(walls, 95) * 1000, 3),
        "cpu_p50_ms": round(percentile(cpus, 50) * 1000, 3),
        "cpu_p95_ms": round(percentile(cpus, 95) * 1000, 3),
    }


def _substring_scan(products: list[Product]) -> Callable[[str], list[str]]:
    """The baseline search: titles holding every query word, first ten."""
    titles = [(p.id, p.title.lower()) for p in products]

    def scan(text: str) -> list[str]:
        words = text.lower().split()
        return [pid for pid, title in titles if all(w in title for w in words)][:10]

    return scan


def _search(engine: EmbeddedSearch) -> Callable[[str], Any]:
    return lambda text: engine.search_sync(SearchQuery(query=text, limit=10))


def _dense_step(embedder: Embedder, vectors: Vectors, queries: Sequence[str]) -> dict[str, Any]:
    """The nearest 100 products by the cells' probe against the exact scan of every vector:
    the latency of each and the share of the exact neighbours that the probe finds."""
    cells = Cells.build(vectors)
    allowed = np.ones(len(vectors), dtype=np.bool_)
    query_vectors = {text: embedder.embed_query(text) for text in queries}
    found: dict[str, set[int]] = {}

    def exact(text: str) -> None:
        found[text] = set(top(vectors @ query_vectors[text], NEIGHBOURS).tolist())

    def probe(text: str) -> set[int]:
        return set(cells.nearest(vectors, query_vectors[text], allowed, NEIGHBOURS).tolist())

    latency = {
        "dense_exact_scan": _latencies(exact, queries),
        "dense_cells": _latencies(probe, queries),
    }
    recall = [len(probe(text) & found[text]) / NEIGHBOURS for text in queries]
    return {"latency": latency, "recall_at_100": round(sum(recall) / len(recall), 4)}


def run(products_csv: Path, judgments_csv: Path, sample: int) -> dict[str, Any]:
    process = psutil.Process()
    read_s, read_cpu = _timed(lambda: read_products(products_csv))
    products, id_column = read_products(products_csv)
    every = sorted(read_judgments(judgments_csv, id_column).gains)
    queries = random.Random(0).sample(every, min(sample, len(every)))
    rss_products = process.memory_info().rss

    bm25 = EmbeddedSearch()
    bm25_s, bm25_cpu = _timed(lambda: bm25.index(products))

    embedder = Embedder(get_settings().data_dir / "vectors")
    texts = [product_text(p) for p in products]
    first_s, _ = _timed(lambda: embedder.embed(texts))  # computes only what the cache lacks
    computed = embedder.computed
    hybrid = EmbeddedSearch(embedder=embedder)
    hybrid_s, hybrid_cpu = _timed(lambda: hybrid.index(products))

    warm = [q for q in every if q not in set(queries)][:50]
    for engine in (bm25, hybrid):
        for text in warm:
            _search(engine)(text)
    latency = {
        "baseline_substring_scan": _latencies(_substring_scan(products), queries),
        "bm25": _latencies(_search(bm25), queries),
        "hybrid": _latencies(_search(hybrid), queries),
        # the parts of a hybrid query: encoding it (no cache), then finding its neighbours
        "query_encoding": _latencies(lambda text: Embedder().embed([text]), queries),
    }
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    # after the peak: the step holds a second copy of the vectors
    dense = _dense_step(embedder, embedder.embed(texts), queries)
    latency.update(dense.pop("latency"))
    embedder.close()
    return {
        "products": len(products),
        "queries": len(queries),
        "indexing_s": {
            "baseline_read_csv": {"wall": round(read_s, 2), "cpu": round(read_cpu, 2)},
            "bm25": {"wall": round(bm25_s, 2), "cpu": round(bm25_cpu, 2)},
            "hybrid_cached_vectors": {"wall": round(hybrid_s, 2), "cpu": round(hybrid_cpu, 2)},
            "vectors_first_computation": {"wall": round(first_s, 2), "computed": computed},
        },
        "latency": latency,
        "dense_recall_at_100": dense["recall_at_100"],
        "memory_mb": {
            "baseline_after_reading_products": round(rss_products / MB, 1),
            "peak_serving_both_indexes": round(peak / MB, 1),
        },
        "cpu_count": psutil.cpu_count(),
        "load_average_1m": round(psutil.getloadavg()[0], 2),
    }


def render(figures: dict[str, Any]) -> Table:
    table = Table(title=f"embedded search: {figures['products']:,} products")
    for column in ("figure", "value", "baseline", "ratio"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    index = figures["indexing_s"]
    base = index["baseline_read_csv"]["wall"]
    for name in ("bm25", "hybrid_cached_vectors"):
        wall = index[name]["wall"]
        table.add_row(f"index {name} (s)", f"{wall:.1f}", f"{base:.1f}", f"{wall / base:.1f}x")
    first = index["vectors_first_computation"]
    table.add_row(f"vectors computed ({first['computed']:,}) (s)", f"{first['wall']:.1f}", "", "")
    lat = figures["latency"]
    scan = lat["baseline_substring_scan"]
    for name in ("bm25", "hybrid", "query_encoding"):
        for key in ("p50_ms", "p95_ms", "cpu_p95_ms"):
            value = lat[name][key]
            table.add_row(
                f"{name} query {key}",
                f"{value:.2f}",
                f"{scan[key]:.2f}",
                f"{value / scan[key]:.2f}x",
            )
    exact = lat["dense_exact_scan"]
    for key in ("p50_ms", "p95_ms"):
        value = lat["dense_cells"][key]
        table.add_row(
            f"dense step, cells {key}",
            f"{value:.2f}",
            f"{exact[key]:.2f} (exact scan)",
            f"{value / exact[key]:.2f}x",
        )
    table.add_row(
        "dense recall@100 of the cells vs the exact scan",
        f"{figures['dense_recall_at_100']:.3f}",
        "",
        "",
    )
    mem = figures["memory_mb"]
    table.add_row(
        "peak RSS (MB)",
        f"{mem['peak_serving_both_indexes']:.0f}",
        f"{mem['baseline_after_reading_products']:.0f}",
        f"{mem['peak_serving_both_indexes'] / mem['baseline_after_reading_products']:.1f}x",
    )
    return table


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=Path, required=True)
    parser.add_argument("--judgments", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=1000, help="queries timed (a sample)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    figures = run(args.products, args.judgments, args.queries)
    console.print(render(figures))
    console.print(f"load average (1 min) at the end: {figures['load_average_1m']}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
