"""Latency of the OpenSearch backend against the floor of the same node, in one run.

    python -m evals.bench_opensearch --products CSV --judgments CSV [--queries N] [--hybrid]

Indexes the products (as ``shopagent eval search`` reads them) into the node that
``SHOPAGENT_OPENSEARCH_URL`` names, then for each judged query, in turn: the backend's search
(first page of 50, as the evaluation times it), a bare ``match_all`` of size 0 (one round trip
to this node at that moment: the baseline), and a plain ``match`` on the title (a minimal
BM25 query). Prints p50/p95 of each and the backend's ratios to both, so a busy machine,
which slows all three alike, shows in the baseline rather than in the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from evals.search import read_judgments, read_products
from evals.stats import percentile
from infra.clients import async_opensearch_client, opensearch_client
from infra.settings import get_settings
from tools.search.base import SearchQuery
from tools.search.opensearch import OpenSearchSearch
from tools.search.vectors import Embedder

ALIAS = "shopagent-bench"
WARMUP = 50


async def bench(
    products_csv: Path, judgments_csv: Path, queries: int, hybrid: bool
) -> dict[str, Any]:
    settings = get_settings()
    products, id_column = read_products(products_csv)
    texts = sorted(read_judgments(judgments_csv, id_column).gains)[:queries]
    embedder = Embedder(settings.data_dir / "vectors") if hybrid else None
    search = OpenSearchSearch(
        async_opensearch_client(settings),
        opensearch_client(settings),
        alias=ALIAS,
        vectors=embedder,
    )
    try:
        start = time.perf_counter()
        await asyncio.to_thread(search.index, products)
        index_s = time.perf_counter() - start
        timings: dict[str, list[float]] = {"backend": [], "match_all": [], "match_title": []}
        for i, text in enumerate(texts[-WARMUP:] + texts):
            measured = i >= WARMUP or len(texts) <= WARMUP
            start = time.perf_counter()
            await search.search(SearchQuery(query=text, limit=50))
            elapsed = {"backend": time.perf_counter() - start}
            for name, body in _baselines(text).items():
                start = time.perf_counter()
                await search.client.search(index=ALIAS, body=body)
                elapsed[name] = time.perf_counter() - start
            if measured:
                for name, seconds in elapsed.items():
                    timings[name].append(seconds * 1000)
    finally:
        await search.aclose()
        if embedder is not None:
            embedder.close()
    figures = {
        name: {"p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2)}
        for name, ms in timings.items()
    }
    ratios = {
        f"backend/{base}": {
            q: round(figures["backend"][q] / figures[base][q], 2) for q in ("p50_ms", "p95_ms")
        }
        for base in ("match_all", "match_title")
    }
    return {
        "method": "hybrid" if hybrid else "bm25",
        "products": len(products),
        "queries": len(texts),
        "index_s": round(index_s, 1),
        "latency": figures,
        "ratios": ratios,
    }


def _baselines(text: str) -> dict[str, dict[str, Any]]:
    return {
        "match_all": {"size": 0, "query": {"match_all": {}}},
        "match_title": {"size": 50, "query": {"match": {"title": text}}},
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.bench_opensearch", description=__doc__)
    parser.add_argument("--products", type=Path, required=True)
    parser.add_argument("--judgments", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--hybrid", action="store_true")
    args = parser.parse_args()
    report = asyncio.run(bench(args.products, args.judgments, args.queries, args.hybrid))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
