"""Rate limits kept in PostgreSQL: one bucket per key whichever process takes from it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from infra.cache import Cache
from infra.ratelimit import Limit, PostgresBuckets, RateLimiter, open_limiter
from infra.settings import Settings

pytestmark = pytest.mark.integration


async def test_two_processes_share_one_bucket(new_database: Callable[[str | None], str]) -> None:
    url = new_database(None)
    one = RateLimiter(Cache(), database=PostgresBuckets(url))
    other = RateLimiter(Cache(), database=PostgresBuckets(url))
    try:
        limit = Limit(rate_per_s=0.01, burst=5)
        takers = [one, other] * 6
        decisions = await asyncio.gather(*(t.take("rest:user:a", limit) for t in takers))
        assert sum(d.allowed for d in decisions) == 5
        refused = [d for d in decisions if not d.allowed]
        assert len(refused) == 7 and all(90 < d.retry_after_s <= 100 for d in refused)
        # Another key has its own bucket.
        assert (await other.take("rest:user:b", limit)).allowed
    finally:
        one.close()
        other.close()


async def test_a_bucket_refills_at_its_rate(new_database: Callable[[str | None], str]) -> None:
    limiter = RateLimiter(Cache(), database=PostgresBuckets(new_database(None)))
    try:
        # One token a second: three takes in a row (each a database round trip, slow on a
        # busy machine) fit well inside the second that would bring a token back.
        limit = Limit(rate_per_s=1.0, burst=2)
        assert [(await limiter.take("k", limit)).allowed for _ in range(3)] == [True, True, False]
        await asyncio.sleep(2.5)  # 2.5 tokens' worth, capped at the burst of 2
        assert [(await limiter.take("k", limit)).allowed for _ in range(3)] == [True, True, False]
    finally:
        limiter.close()


async def test_a_failed_database_still_limits_in_the_process(
    new_database: Callable[[str | None], str],
) -> None:
    buckets = PostgresBuckets(new_database(None))
    limiter = RateLimiter(Cache(), database=buckets)
    buckets.close()  # every take on it now fails
    limit = Limit(rate_per_s=0.01, burst=2)
    assert [(await limiter.take("k", limit)).allowed for _ in range(3)] == [True, True, False]


def test_the_limits_follow_the_shared_state(tmp_path: Path, postgres_url: str) -> None:
    url = SecretStr(postgres_url)
    chosen = {}
    for name, fields in {
        "embedded": {},
        "postgres": {"store_backend": "postgres", "database_url": url},
        "sessions only": {"sessions_backend": "postgres", "database_url": url},
    }.items():
        limiter = open_limiter(Settings(data_dir=tmp_path, **fields), Cache())  # type: ignore[arg-type]
        chosen[name] = limiter.shared_by
        limiter.close()
    assert chosen == {"embedded": "process", "postgres": "postgres", "sessions only": "postgres"}
