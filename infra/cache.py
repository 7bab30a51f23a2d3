"""A TTL cache for computed answers (recommendations, search results): Redis or in-process.

``Cache`` keeps strings under keys with a time to live. Callers invalidate by naming what an
answer depends on in its key (a shopper's activity version, a catalog digest): a changed input
is a new key, and the old entry simply expires.

With Redis (``redis.asyncio``, the client injected) every call has a short timeout. When Redis
fails or times out, the cache answers from an in-process store instead, reports itself
degraded, and tries Redis again after ``retry_after_s`` (or as soon as a health check finds it
back), so a dead Redis costs one timeout, not one per request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from infra.clients import redis_client
from infra.metrics import cache_lookup
from infra.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


class MemoryStore:
    """Keys with expiry times in one process, least recently used dropped past ``max_entries``."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._values: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def get(self, key: str) -> str | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires <= time.monotonic():
            del self._values[key]
            return None
        self._values.move_to_end(key)
        return value

    def set(self, key: str, value: str, ttl_s: float) -> None:
        self._values[key] = (time.monotonic() + ttl_s, value)
        self._values.move_to_end(key)
        while len(self._values) > self.max_entries:
            self._values.popitem(last=False)


class Cache:
    """Answers by key with a TTL, on Redis with an in-process fallback, or in-process only."""

    def __init__(
        self,
        redis: Redis | None = None,
        *,
        prefix: str = "shopagent:",
        timeout_s: float = 0.05,
        retry_after_s: float = 5.0,
        memory: MemoryStore | None = None,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self.memory = memory or MemoryStore()
        self._down_until = 0.0
        self._last_error: str | None = None
        self._writes: set[asyncio.Task[None]] = set()  # ``set_soon`` writes still in flight

    @property
    def backend(self) -> str:
        return "redis" if self.redis is not None else "memory"

    @property
    def degraded(self) -> bool:
        """True while Redis is configured but answers are coming from the process instead."""
        return self.redis is not None and time.monotonic() < self._down_until

    async def _redis(self, call: Callable[[Redis], Awaitable[T]]) -> T | None:
        """``call`` on Redis within the timeout; ``None`` (and degraded) when it fails."""
        if self.redis is None or self.degraded:
            return None
        try:
            # A deadline on the running task, not ``wait_for``'s extra task per call.
            async with asyncio.timeout(self.timeout_s):
                result = await call(self.redis)
        except (RedisError, OSError, TimeoutError) as err:
            self.mark_down(err)
            return None
        return result

    def mark_down(self, err: BaseException) -> None:
        if not self.degraded:
            log.warning("redis cache unavailable, serving from the process: %r", err)
        self._down_until = time.monotonic() + self.retry_after_s
        self._last_error = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__

    # -- values ----------------------------------------------------------------------------

    async def get(self, key: str) -> str | None:
        """The value under ``key``, or ``None`` when absent or expired (a hit or a miss in
        ``infra.metrics``)."""
        value = await self._lookup(key)
        cache_lookup(key, value is not None)
        return value

    async def _lookup(self, key: str) -> str | None:
        full = self.prefix + key
        if self.redis is not None and not self.degraded:
            raw = await self._redis(lambda r: r.get(full))
            if not self.degraded:
                return raw.decode() if isinstance(raw, bytes) else raw
        return self.memory.get(full)

    async def set(self, key: str, value: str, ttl_s: float) -> None:
        """Keep ``value`` under ``key`` for ``ttl_s`` seconds."""
        full = self.prefix + key
        if self.redis is not None and not self.degraded:
            await self._redis(lambda r: r.set(full, value, px=max(1, int(ttl_s * 1000))))
            if not self.degraded:
                return
        self.memory.set(full, value, ttl_s)

    def set_soon(self, key: str, value: str, ttl_s: float) -> None:
        """``set`` without waiting for Redis's reply: a fresh answer goes out one round trip
        sooner. Without Redis (or while it is down) the process store is written at once."""
        if self.redis is None or self.degraded:
            self.memory.set(self.prefix + key, value, ttl_s)
            return
        write = asyncio.get_running_loop().create_task(self.set(key, value, ttl_s))
        self._writes.add(write)  # held until done: the loop keeps only a weak reference
        write.add_done_callback(self._writes.discard)

    async def cached(
        self, key: str, ttl_s: float, compute: Callable[[], Awaitable[str]]
    ) -> tuple[str, bool]:
        """The value cached under ``key``, or ``compute()``'s, stored for ``ttl_s`` seconds.

        Returns the value and whether it came from the cache.
        """
        hit = await self.get(key)
        if hit is not None:
            return hit, True
        value = await compute()
        self.set_soon(key, value, ttl_s)
        return value, False

    # -- health ----------------------------------------------------------------------------

    async def health(self) -> dict[str, Any]:
        """``backend``, ``ok`` (Redis answers, or no Redis is configured) and ``degraded``."""
        if self.redis is None:
            return {"backend": "memory", "ok": True, "degraded": False}
        try:
            async with asyncio.timeout(self.timeout_s * 4):
                await self.redis.ping()
        except (RedisError, OSError, TimeoutError) as err:
            self.mark_down(err)
        else:
            self._down_until = 0.0
        status: dict[str, Any] = {"backend": "redis", "ok": not self.degraded}
        status["degraded"] = self.degraded
        if self.degraded:
            status["fallback"] = "in-process cache"
            status["error"] = self._last_error
        return status

    async def close(self) -> None:
        """Finish the writes in flight, then close the Redis connections."""
        await asyncio.gather(*self._writes)
        if self.redis is not None:
            await self.redis.aclose()


def cache_from_settings(settings: Settings) -> Cache:
    """The ``memory`` cache, or ``redis`` (``SHOPAGENT_REDIS_URL``) with the in-process fallback."""
    client = redis_client(settings) if settings.cache_backend == "redis" else None
    return Cache(client, timeout_s=settings.redis_timeout_s)
