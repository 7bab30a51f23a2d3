"""Token buckets in the process (the path taken without Redis, or while Redis is down)."""

from __future__ import annotations

import asyncio

from infra.cache import Cache
from infra.ratelimit import Limit, RateLimiter


async def test_a_bucket_allows_its_burst_then_refuses_with_the_wait() -> None:
    limiter = RateLimiter(Cache())
    limit = Limit(rate_per_s=2.0, burst=3)
    decisions = [await limiter.take("session:a", limit) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert 0.3 < decisions[-1].retry_after_s <= 0.5
    assert (await limiter.take("session:b", limit)).allowed  # another key, another bucket


async def test_a_bucket_refills_at_its_rate() -> None:
    limiter = RateLimiter(Cache())
    limit = Limit(rate_per_s=20.0, burst=1)
    assert (await limiter.take("k", limit)).allowed
    assert not (await limiter.take("k", limit)).allowed
    await asyncio.sleep(0.06)
    assert (await limiter.take("k", limit)).allowed


async def test_a_zero_rate_means_no_limit() -> None:
    limiter = RateLimiter(Cache())
    limit = Limit(rate_per_s=0.0, burst=1)
    assert all([(await limiter.take("k", limit)).allowed for _ in range(100)])


async def test_a_flood_of_keys_does_not_grow_without_bound() -> None:
    limiter = RateLimiter(Cache(), max_local_buckets=10)
    limit = Limit(rate_per_s=1.0, burst=1)
    for n in range(25):
        await limiter.take(f"key:{n}", limit)
    assert len(limiter._local) <= 10
