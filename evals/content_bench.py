"""Benchmark of the content graph on the demo catalog, against a baseline in the same run.

    python -m evals.content_bench --out reports/content-bench.json

- ``per_product``: one product through the whole graph (draft → analyze → refine, checks,
  a stored version), offline writer, p50 / p95 over the sample after one warm-up call;
- ``batch_200``: 200 products written one after another, as a batch job does (the demo's
  largest category has 111 products, so the batch spans its two largest categories);
- ``baseline``: the offline writer's draft alone (templates, no checks, no storage) on the
  same products; ``ratio`` is graph time over baseline time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from assembly.demo_store import ensure_store
from evals.stats import percentile
from graphs.content import ContentGraph
from infra.settings import Settings
from tools.analyze.local import LocalAnalyzer
from tools.catalog.backend import store as open_store
from tools.content.base import Brief
from tools.content.facts import source_facts
from tools.content.local_store import LocalContentStore
from tools.content.models import ContentInput
from tools.content.offline_writer import OfflineWriter
from tools.models import Product

BATCH = 200


async def _timed_writes(graph: ContentGraph, products: list[Product]) -> list[float]:
    times = []
    for product in products:
        started = time.perf_counter()
        await graph.write(ContentInput(product_id=product.id))
        times.append((time.perf_counter() - started) * 1000)
    return times


async def _timed_drafts(writer: OfflineWriter, products: list[Product]) -> list[float]:
    times = []
    for product in products:
        started = time.perf_counter()
        await writer.draft(Brief(source_facts(product), "neutral", "en", []))
        times.append((time.perf_counter() - started) * 1000)
    return times


async def run_bench(data_dir: Path) -> dict[str, Any]:
    settings = Settings(data_dir=data_dir, dataset="online-retail")
    await asyncio.to_thread(ensure_store, settings)
    store = open_store(settings)
    try:
        products = list(store.iter_products())
        kinds = [kind for kind, _ in Counter(p.category for p in products).most_common(2)]
        batch = [p for kind in kinds for p in products if p.category == kind][:BATCH]
        writer = OfflineWriter()
        graph = ContentGraph(
            store, LocalContentStore(settings.content_dir), writer, LocalAnalyzer()
        )
        cold_started = time.perf_counter()
        await graph.write(ContentInput(product_id=batch[0].id))
        cold_ms = (time.perf_counter() - cold_started) * 1000
        baseline = await _timed_drafts(writer, batch)
        batch_started = time.perf_counter()
        per_product = await _timed_writes(graph, batch)
        batch_s = time.perf_counter() - batch_started
        p50, p95 = percentile(per_product, 50), percentile(per_product, 95)
        b50, b95 = percentile(baseline, 50), percentile(baseline, 95)
        return {
            "products": len(batch),
            "categories": kinds,
            "cold_first_product_ms": round(cold_ms, 1),
            "per_product_ms": {"p50": p50, "p95": p95},
            "baseline_draft_ms": {"p50": b50, "p95": b95},
            "ratio_p95": round(p95 / b95, 1) if b95 else None,
            "batch_200_s": round(batch_s, 2),
            "baseline_batch_s": round(sum(baseline) / 1000, 3),
            "targets": {"per_product_p95_ms": 2000, "batch_200_s": 60},
        }
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shopagent-bench-content-") as scratch:
        report = asyncio.run(run_bench(Path(scratch)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
