"""Token-bucket rate limits per key (a signed-in principal, else a client address).

A bucket holds up to ``burst`` tokens and refills at ``rate_per_s``; a request takes one token
or is refused with the seconds until one is back. Where the buckets live decides who shares a
limit:

- Redis (``redis_url`` set): one hash per bucket updated by a Lua script (atomic, Redis's own
  clock), shared by every worker and machine on that Redis;
- else PostgreSQL, when the shop's shared state is there (``database_url`` with a store,
  checkpointer or sessions backend ``postgres``): one row per bucket in ``rate_buckets``, taken
  by one ``INSERT … ON CONFLICT DO UPDATE`` (the row lock serialises takers; the database's
  clock), shared by every worker on the database; full buckets are swept now and then;
- else the process: each worker limits on its own.

When the shared backend fails or times out, the same arithmetic runs on an in-process bucket,
so requests are still limited (per process) and never wait on a dead server.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from anyio import to_thread
from redis.exceptions import RedisError

from infra.cache import Cache
from infra.metrics import rate_limited
from infra.postgres_pool import open_pool
from infra.settings import Settings

log = logging.getLogger(__name__)

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


# The bucket's level once refilled (the old row's values, the statement's clock).
_REFILLED = (
    "LEAST(%(burst)s::float8, b.tokens + GREATEST(0, "
    "EXTRACT(EPOCH FROM statement_timestamp() - b.at)::float8) * %(rate)s::float8)"
)
_LEFT = f"(CASE WHEN {_REFILLED} >= 1 THEN {_REFILLED} - 1 ELSE {_REFILLED} END)"
_PG_TAKE = f"""
INSERT INTO rate_buckets AS b (key, tokens, at, allowed, full_at)
VALUES (%(key)s, %(burst)s::float8 - 1, statement_timestamp(), true,
        statement_timestamp() + make_interval(secs => 1 / %(rate)s::float8))
ON CONFLICT (key) DO UPDATE SET
    tokens = {_LEFT},
    allowed = {_REFILLED} >= 1,
    at = statement_timestamp(),
    full_at = statement_timestamp()
        + make_interval(secs => (%(burst)s::float8 - {_LEFT}) / %(rate)s::float8)
RETURNING allowed, tokens
"""
_PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS rate_buckets (
    key TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    allowed BOOLEAN NOT NULL,
    full_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_buckets_full ON rate_buckets (full_at);
"""
# A bucket that has refilled is the same as no bucket: rows past ``full_at`` are deleted.
_PG_SWEEP = "DELETE FROM rate_buckets WHERE full_at < statement_timestamp()"
_PG_SCHEMA_LOCK = 0x7A7E_B0C5
_PG_SWEEP_EVERY = 1000  # takes per process between sweeps
_PG_TIMEOUT_S = 1.0  # per take; past it this request is limited by the process
_PG_RETRY_AFTER_S = 5.0  # after a failure, the process limits alone this long


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


class PostgresBuckets:
    """The buckets as rows of ``rate_buckets`` in a PostgreSQL database (blocking calls)."""

    def __init__(self, url: str, *, max_size: int = 4, timeout_s: float = 10.0) -> None:
        self._pool = open_pool(
            url,
            name="shopagent-rate-limits",
            schema=_PG_SCHEMA,
            schema_lock=_PG_SCHEMA_LOCK,
            max_size=max_size,
            timeout_s=timeout_s,
        )
        self._takes = 0

    def take(self, key: str, limit: Limit) -> Decision:
        params: dict[str, Any] = {"key": key, "rate": limit.rate_per_s, "burst": limit.burst}
        with self._pool.connection(timeout=_PG_TIMEOUT_S) as conn:
            row = conn.execute(_PG_TAKE, params).fetchone()
            self._takes += 1
            if self._takes % _PG_SWEEP_EVERY == 0:
                conn.execute(_PG_SWEEP)
        assert row is not None  # INSERT … RETURNING always answers one row
        allowed, tokens = bool(row[0]), float(row[1])
        if allowed:
            return Decision(True)
        return Decision(False, math.ceil((1 - tokens) / limit.rate_per_s * 1000) / 1000)

    def close(self) -> None:
        self._pool.close()


class RateLimiter:
    """``await limiter.take("rest:user:12347", limit)`` → a ``Decision``."""

    def __init__(
        self,
        cache: Cache,
        *,
        max_local_buckets: int = 100_000,
        database: PostgresBuckets | None = None,
    ) -> None:
        # The cache owns the Redis client and its health: both fall back together.
        self.cache = cache
        self.max_local_buckets = max_local_buckets
        self._local: dict[str, _Bucket] = {}
        self._script = cache.redis.register_script(_TAKE) if cache.redis is not None else None
        self._database = database
        self._database_down_until = 0.0

    @property
    def shared_by(self) -> str:
        """Where the limits are kept: ``redis``, ``postgres`` or ``process``."""
        if self._script is not None:
            return "redis"
        return "postgres" if self._database is not None else "process"

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
        elif self._database is not None and time.monotonic() >= self._database_down_until:
            decision = await self._take_postgres(self._database, key, limit)
            if decision is not None:
                return decision
        return self._take_local(key, limit)

    async def _take_postgres(
        self, database: PostgresBuckets, key: str, limit: Limit
    ) -> Decision | None:
        try:
            async with asyncio.timeout(_PG_TIMEOUT_S):
                return await to_thread.run_sync(database.take, key, limit)
        except (psycopg.Error, OSError, TimeoutError) as err:
            self._database_down_until = time.monotonic() + _PG_RETRY_AFTER_S
            log.warning(
                "rate limits: PostgreSQL failed (%s); limiting in this process for %.0f s",
                type(err).__name__,
                _PG_RETRY_AFTER_S,
            )
            return None

    def close(self) -> None:
        if self._database is not None:
            self._database.close()

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


def open_limiter(settings: Settings, cache: Cache) -> RateLimiter:
    """The limiter the settings share: Redis when the cache has one, else PostgreSQL when any
    of the shop's state is there, else this process."""
    shared_state = "postgres" in (
        settings.store_backend,
        settings.checkpointer_backend,
        settings.sessions_backend,
    )
    database = None
    if cache.redis is None and shared_state and settings.database_url is not None:
        database = PostgresBuckets(settings.database_url.get_secret_value())
    return RateLimiter(cache, database=database)
