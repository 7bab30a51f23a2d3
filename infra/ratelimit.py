"""Token-bucket rate limits per key (a signed-in principal, else a client address).

A bucket holds up to ``burst`` tokens and refills at ``rate_per_s``; a request takes one token
or is refused with the seconds until one is back. On Redis the bucket is one hash updated by a
Lua script (atomic, Redis's own clock, so every app instance shares the limit); without Redis
it lives in the process. When Redis fails or times out, the same arithmetic runs on an
in-process bucket, so requests are still limited (per process) and never wait on a dead Redis.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

from redis.exceptions import RedisError

from infra.cache import Cache
from infra.metrics import rate_limited

# KEYS[1] the bucket; ARGV: rate per second, burst. Returns {allowed, retry_after_ms}.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
local wait_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait_ms = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, wait_ms}
"""


@dataclass(frozen=True)
class Limit:
    rate_per_s: float
    burst: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: float = 0.0


class _Bucket:
    __slots__ = ("at", "tokens")

    def __init__(self, tokens: float, at: float) -> None:
        self.tokens = tokens
        self.at = at


class RateLimiter:
    """``await limiter.take("rest:user:12347", limit)`` → a ``Decision``."""

    def __init__(self, cache: Cache, *, max_local_buckets: int = 100_000) -> None:
        # The cache owns the Redis client and its health: both fall back together.
        self.cache = cache
        self.max_local_buckets = max_local_buckets
        self._local: dict[str, _Bucket] = {}
        self._script = cache.redis.register_script(_TAKE) if cache.redis is not None else None

    async def take(self, key: str, limit: Limit) -> Decision:
        """Take one token from ``key``'s bucket (a refusal is counted in ``infra.metrics``)."""
        decision = await self._take(key, limit)
        if not decision.allowed:
            rate_limited(key)
        return decision

    async def _take(self, key: str, limit: Limit) -> Decision:
        if limit.rate_per_s <= 0:
            return Decision(True)
        if self._script is not None and not self.cache.degraded:
            decision = await self._take_redis(key, limit)
            if decision is not None:
                return decision
        return self._take_local(key, limit)

    async def _take_redis(self, key: str, limit: Limit) -> Decision | None:
        assert self._script is not None
        full = f"{self.cache.prefix}rate:{key}"
        try:
            async with asyncio.timeout(self.cache.timeout_s):
                allowed, wait_ms = await self._script(
                    keys=[full], args=[limit.rate_per_s, limit.burst]
                )
        except (RedisError, OSError, TimeoutError) as err:
            self.cache.mark_down(err)
            return None
        return Decision(bool(allowed), int(wait_ms) / 1000)

    def _take_local(self, key: str, limit: Limit) -> Decision:
        now = time.monotonic()
        bucket = self._local.get(key)
        if bucket is None:
            if len(self._local) >= self.max_local_buckets:
                self._local.clear()  # a flood of new keys: forget every bucket, start afresh
            bucket = self._local[key] = _Bucket(float(limit.burst), now)
        bucket.tokens = min(limit.burst, bucket.tokens + (now - bucket.at) * limit.rate_per_s)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Decision(True)
        wait = math.ceil((1 - bucket.tokens) / limit.rate_per_s * 1000) / 1000
        return Decision(False, wait)
