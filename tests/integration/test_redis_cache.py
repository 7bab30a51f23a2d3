"""The cache and the rate limits on a real redis-server, and when it freezes or dies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from redis.asyncio import Redis

from infra.cache import Cache, cache_from_settings
from infra.clients import redis_client
from infra.ratelimit import Limit, RateLimiter
from infra.redis_server import RedisServer, redis_server
from infra.settings import Settings

pytestmark = pytest.mark.integration

# The served default (redis_timeout_s, 50 ms) is for Redis next to an idle server. Here the test
# process and redis-server share two busy cores with the rest of the suite: a call to a working
# Redis gets a generous deadline, so only the frozen and dead servers below trip it.
TIMEOUT_S = 0.5


@pytest.fixture
def server() -> Iterator[RedisServer]:
    with redis_server() as running:
        yield running


@pytest.fixture
async def cache(server: RedisServer) -> AsyncIterator[Cache]:
    settings = Settings(cache_backend="redis", redis_url=server.url, redis_timeout_s=TIMEOUT_S)
    cache = cache_from_settings(settings)
    try:
        yield cache
    finally:
        await cache.close()


async def raw_get(server: RedisServer, key: str) -> bytes | None:
    client = Redis.from_url(server.url)
    try:
        value: bytes | None = await client.get(key)
        return value
    finally:
        await client.aclose()


async def test_values_live_in_redis_for_their_ttl(cache: Cache, server: RedisServer) -> None:
    await cache.set("recs:a", '{"x": 1}', ttl_s=1.5)
    assert await cache.get("recs:a") == '{"x": 1}'
    assert await raw_get(server, "shopagent:recs:a") == b'{"x": 1}'
    await asyncio.sleep(1.6)
    assert await cache.get("recs:a") is None
    assert (await cache.health()) == {"backend": "redis", "ok": True, "degraded": False}


async def test_a_background_write_lands_before_close_returns(server: RedisServer) -> None:
    settings = Settings(cache_backend="redis", redis_url=server.url, redis_timeout_s=TIMEOUT_S)
    cache = Cache(redis_client(settings), timeout_s=TIMEOUT_S)
    cache.set_soon("recs:b", "soon", ttl_s=60)
    await cache.close()
    assert await raw_get(server, "shopagent:recs:b") == b"soon"


async def test_a_frozen_redis_costs_one_timeout_then_the_process_answers(
    cache: Cache, server: RedisServer
) -> None:
    await cache.set("k", "from redis", ttl_s=60)
    server.pause()  # accepts connections, never answers
    try:
        started = time.perf_counter()
        assert await cache.get("k") is None  # the timeout, then the (empty) process store
        assert time.perf_counter() - started < 4 * TIMEOUT_S  # frozen: it would never answer
        assert cache.degraded
        started = time.perf_counter()
        await cache.set("k", "from the process", ttl_s=60)
        assert await cache.get("k") == "from the process"
        assert time.perf_counter() - started < TIMEOUT_S  # no more waiting on Redis
        health = await cache.health()
        assert health["ok"] is False and health["degraded"] is True
        assert health["fallback"] == "in-process cache" and "Timeout" in health["error"]
    finally:
        server.resume()
    assert (await cache.health())["ok"] is True  # back: the next call goes to Redis again
    assert await cache.get("k") == "from redis"


async def test_a_dead_redis_is_a_fallback_not_an_error(cache: Cache, server: RedisServer) -> None:
    server.stop()
    value, hit = await cache.cached("q", 60, _compute("fresh"))
    assert (value, hit) == ("fresh", False)
    assert await cache.cached("q", 60, _compute("again")) == ("fresh", True)
    assert (await cache.health())["degraded"] is True


def _compute(value: str) -> Callable[[], Awaitable[str]]:
    async def compute() -> str:
        return value

    return compute


async def test_rate_limits_are_shared_by_every_client_of_one_redis(server: RedisServer) -> None:
    settings = Settings(cache_backend="redis", redis_url=server.url, redis_timeout_s=TIMEOUT_S)
    first = Cache(redis_client(settings), timeout_s=TIMEOUT_S)
    second = Cache(redis_client(settings), timeout_s=TIMEOUT_S)
    try:
        limit = Limit(rate_per_s=1.0, burst=4)
        a, b = RateLimiter(first), RateLimiter(second)
        taken = [await (a if n % 2 else b).take("key:shared", limit) for n in range(6)]
        assert [d.allowed for d in taken] == [True, True, True, True, False, False]
        assert 0 < taken[-1].retry_after_s <= 1.0
        assert (await a.take("key:other", limit)).allowed
    finally:
        await first.close()
        await second.close()


async def test_rate_limits_hold_in_the_process_while_redis_is_down(
    cache: Cache, server: RedisServer
) -> None:
    limiter = RateLimiter(cache)
    limit = Limit(rate_per_s=0.5, burst=2)
    server.stop()
    taken = [await limiter.take("session:s1", limit) for _ in range(3)]
    assert [d.allowed for d in taken] == [True, True, False]
    assert cache.degraded
