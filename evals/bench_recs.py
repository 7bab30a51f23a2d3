"""Recommendation latency: uncached and from the Redis cache, beside a raw Redis GET.

``python -m evals.bench_recs [--requests N] [--redis-url URL] [--out JSON]`` runs on the
configured demo store (loaded and the model trained when missing) and a Redis (a private
``redis-server`` unless ``--redis-url`` names one). It calls ``recommend_products`` as the REST
route and the chat do (validation, store reads, the model, reasons, the cache), for a mix of
shoppers and products: personalized for N shoppers, bought together and similar for N products,
trending. As in the server, each call reads the shopper's activity version from a profile store
(an empty scratch one: the read is timed, the versions are all "0").

- **uncached**: each distinct question asked the first time (a cache miss: Redis GET, the store
  reads, the model, and a Redis SET whose reply the answer does not wait for);
- **cached**: the same questions again (a Redis GET and the answer parsed);
- **raw GET**: a plain ``GET`` of a value of the same size on the same connection pool.

Figures are p50 / p95 / p99 in milliseconds of wall-clock time (and of this process's CPU time,
which waits for other processes do not inflate), and each phase as a ratio to the raw GET of
the same run: on a shared machine the ratio says more than the figure alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from infra.clients import redis_client
from infra.errors import ConfigError
from infra.redis_server import redis_server
from infra.settings import Settings, get_settings

TARGETS_MS = {"uncached": 10.0, "cached": 2.0}


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "n": len(ordered)}


async def timed(calls: Sequence[Callable[[], Awaitable[Any]]]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each call (CPU time ignores waits for other processes)."""
    wall: list[float] = []
    cpu: list[float] = []
    for call in calls:
        started, used = time.perf_counter(), time.process_time()
        await call()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return wall, cpu


def questions(model_users: list[str], products: list[str], n: int) -> list[dict[str, Any]]:
    """A mix of the four strategies over ``n`` shoppers and ``n`` products."""
    asks: list[dict[str, Any]] = []
    for k in range(n):
        asks.append({"user_id": model_users[k % len(model_users)], "limit": 5})
        strategy = "bought_together" if k % 2 else "similar"
        asks.append({"product_id": products[k % len(products)], "strategy": strategy})
        if k % 25 == 0:
            asks.append({"strategy": "trending", "limit": 1 + k // 25 % 50})
    # Shoppers and products repeat when ``n`` exceeds them: each question is asked once.
    distinct = {json.dumps(ask, sort_keys=True): ask for ask in asks}
    return list(distinct.values())


async def bench(settings: Settings, redis_url: str, n: int, scratch: Path) -> dict[str, Any]:
    from assembly.services import Services
    from tools.behaviour.profiles import SqliteProfiles
    from tools.recommend.activity import ProfileActivity
    from tools.recommend.local import LocalRecommender
    from tools.recommend.tools import recommend_tools

    update = {"cache_backend": "redis", "redis_url": SecretStr(redis_url)}
    settings = settings.model_copy(update=update)
    profiles = SqliteProfiles(scratch / "profiles.sqlite")
    services = Services.from_settings(settings, ProfileActivity(profiles))
    raw = redis_client(settings)
    try:
        recommender = services.recommendations.recommender
        if not isinstance(recommender, LocalRecommender):
            raise ConfigError("the bench measures the local recommender")
        model = recommender.model
        [tool] = recommend_tools(services.recommendations)
        users = [u for u in model.user_ids if model.history(u)]
        asks = questions(users[::7], model.item_ids[::3], n)
        calls = [partial(tool.run, ask) for ask in asks]
        # Warm up code paths and connections, then forget every answer.
        for ask in questions(users[1::7], model.item_ids[1::3], 20):
            await tool.run(ask)
        await raw.flushdb()
        uncached = await timed(calls)
        cached = await timed(calls)
        payload = (await tool.run(asks[0])).model_dump_json()
        await raw.set("bench:raw", payload)
        raw_get = await timed([partial(raw.get, "bench:raw")] * len(calls))
        if services.cache.degraded:
            raise ConfigError("Redis failed during the run: the figures would not be Redis's")
    finally:
        profiles.close()
        await raw.aclose()
        await services.aclose()
    phases = {"uncached": uncached, "cached": cached, "raw_get": raw_get}
    figures = {name: percentiles(wall) for name, (wall, _) in phases.items()}
    cpu = {name: percentiles(used) for name, (_, used) in phases.items()}
    base = figures["raw_get"]
    ratios = {
        phase: {q: round(figures[phase][q] / base[q], 2) for q in ("p50", "p95", "p99")}
        for phase in ("uncached", "cached")
    }
    return {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "requests_per_phase": len(calls),
        "payload_bytes": len(payload),
        "latency_ms": figures,
        "cpu_ms": cpu,
        "ratio_to_raw_get": ratios,
        "targets_p95_ms": TARGETS_MS,
        "meets_targets": {
            phase: figures[phase]["p95"] < target for phase, target in TARGETS_MS.items()
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark recommend_products latency.")
    parser.add_argument("--requests", type=int, default=400, help="shoppers and products each")
    parser.add_argument("--redis-url", help="an existing Redis (default: start a private one)")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    from assembly.demo_store import ensure_store

    settings = get_settings()
    ensure_store(settings)
    with ExitStack() as stack:
        url = args.redis_url or stack.enter_context(redis_server()).url
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-recs-")))
        report = asyncio.run(bench(settings, url, args.requests, scratch))
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
