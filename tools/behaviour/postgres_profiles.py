"""Profiles, recent behaviour, interactions and daily demand in PostgreSQL, shared by every
worker and machine on the database.

The same tables and arithmetic as ``SqliteProfiles``; ``apply`` is one transaction that first
records the batch's event ids (``INSERT … ON CONFLICT DO NOTHING RETURNING``), so only events
no processor applied before are folded in: two processors handed the same batch (a restart, a
shard lease moving to another task) still count each event once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout

from infra.errors import UpstreamError
from infra.events.processor import Batch
from infra.postgres_pool import open_pool
from tools.behaviour.profiles import (
    RECENT_PER_USER,
    RecentEvent,
    Totals,
    UserProfile,
    fold,
)

_SCHEMA_LOCK = 0x9F0F11E5
_SCHEMA = """
CREATE TABLE IF NOT EXISTS profile_applied (event_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS profile_totals (
    type TEXT PRIMARY KEY, events BIGINT NOT NULL, units BIGINT NOT NULL,
    revenue DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS profiles (
    user_id TEXT PRIMARY KEY,
    searches BIGINT NOT NULL, views BIGINT NOT NULL, carts BIGINT NOT NULL,
    purchases BIGINT NOT NULL, cancels BIGINT NOT NULL, units BIGINT NOT NULL,
    spend DOUBLE PRECISION NOT NULL, first_ts TEXT NOT NULL, last_ts TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS profile_recent (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id TEXT NOT NULL, ts TEXT NOT NULL, type TEXT NOT NULL,
    product_id TEXT, query TEXT
);
CREATE INDEX IF NOT EXISTS profile_recent_user ON profile_recent (user_id, ts);
CREATE TABLE IF NOT EXISTS profile_interactions (
    user_id TEXT NOT NULL, product_id TEXT NOT NULL,
    views BIGINT NOT NULL, carts BIGINT NOT NULL, units BIGINT NOT NULL, last_ts TEXT NOT NULL,
    PRIMARY KEY (user_id, product_id)
);
CREATE TABLE IF NOT EXISTS profile_demand (
    day TEXT NOT NULL, product_id TEXT NOT NULL,
    quantity BIGINT NOT NULL, revenue DOUBLE PRECISION NOT NULL, cancelled BIGINT NOT NULL,
    PRIMARY KEY (day, product_id)
);
"""
_CLAIM = (
    "INSERT INTO profile_applied (event_id) SELECT unnest(%s::text[]) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)
_ADD_TOTALS = (
    "INSERT INTO profile_totals AS t VALUES (%s, %s, %s, %s) ON CONFLICT (type) DO UPDATE SET "
    "events = t.events + excluded.events, units = t.units + excluded.units, "
    "revenue = t.revenue + excluded.revenue"
)
_ADD_PROFILE = (
    "INSERT INTO profiles AS p VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (user_id) DO UPDATE SET "
    "searches = p.searches + excluded.searches, views = p.views + excluded.views, "
    "carts = p.carts + excluded.carts, purchases = p.purchases + excluded.purchases, "
    "cancels = p.cancels + excluded.cancels, units = p.units + excluded.units, "
    "spend = p.spend + excluded.spend, first_ts = LEAST(p.first_ts, excluded.first_ts), "
    "last_ts = GREATEST(p.last_ts, excluded.last_ts)"
)
_ADD_INTERACTION = (
    "INSERT INTO profile_interactions AS i VALUES (%s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (user_id, product_id) DO UPDATE SET views = i.views + excluded.views, "
    "carts = i.carts + excluded.carts, units = i.units + excluded.units, "
    "last_ts = GREATEST(i.last_ts, excluded.last_ts)"
)
_ADD_DEMAND = (
    "INSERT INTO profile_demand AS d VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (day, product_id) DO UPDATE SET quantity = d.quantity + excluded.quantity, "
    "revenue = d.revenue + excluded.revenue, cancelled = d.cancelled + excluded.cancelled"
)
_ADD_RECENT = (
    "INSERT INTO profile_recent (user_id, ts, type, product_id, query) VALUES (%s, %s, %s, %s, %s)"
)
_TRIM_RECENT = (
    "DELETE FROM profile_recent WHERE user_id = %s AND seq NOT IN "
    "(SELECT seq FROM profile_recent WHERE user_id = %s ORDER BY ts DESC, seq DESC LIMIT %s)"
)


class PostgresProfiles:
    """``SqliteProfiles``' methods on a PostgreSQL database; safe across threads."""

    def __init__(self, url: str, *, max_size: int = 4, timeout_s: float = 10.0) -> None:
        self._pool = open_pool(
            url,
            name="shopagent-profiles",
            schema=_SCHEMA,
            schema_lock=_SCHEMA_LOCK,
            max_size=max_size,
            timeout_s=timeout_s,
        )

    def _all(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._pool.connection() as conn:
            rows: list[tuple[Any, ...]] = conn.execute(query, params).fetchall()
        return rows

    # -- writing ---------------------------------------------------------------------------

    def apply(self, batch: Batch) -> None:
        """Fold in the batch's events whose ids were never applied before (one transaction).

        Rows are claimed and updated in key order, so two processors never wait on each other
        in a cycle; a database that fails or a deadlock it breaks is an ``UpstreamError`` (the
        batch is retried, not dead-lettered)."""
        try:
            with self._pool.connection() as conn, conn.transaction():
                ids = sorted(e.event_id for e in batch.events)
                claimed = {row[0] for row in conn.execute(_CLAIM, (ids,)).fetchall()}
                rows = fold([e for e in batch.events if e.event_id in claimed])
                with conn.cursor() as cur:
                    cur.executemany(_ADD_TOTALS, sorted(rows.totals))
                    cur.executemany(_ADD_PROFILE, sorted(rows.profiles))
                    cur.executemany(_ADD_INTERACTION, sorted(rows.interactions))
                    cur.executemany(_ADD_DEMAND, sorted(rows.demand))
                    cur.executemany(_ADD_RECENT, rows.recent)
                    users = sorted(row[0] for row in rows.profiles)
                    cur.executemany(_TRIM_RECENT, [(u, u, RECENT_PER_USER) for u in users])
        except (psycopg.OperationalError, PoolTimeout) as err:
            raise UpstreamError(f"the profile store did not apply a batch: {err}") from err

    # -- reading ---------------------------------------------------------------------------

    def profile(self, user_id: str) -> UserProfile | None:
        rows = self._all("SELECT * FROM profiles WHERE user_id = %s", (user_id,))
        if not rows:
            return None
        values = dict(zip(UserProfile.model_fields, rows[0], strict=True))
        return UserProfile.model_validate(values)

    def recent(self, user_id: str, limit: int = 20) -> list[RecentEvent]:
        """The user's latest events, newest first."""
        rows = self._all(
            "SELECT ts, type, product_id, query FROM profile_recent WHERE user_id = %s "
            "ORDER BY ts DESC, seq DESC LIMIT %s",
            (user_id, limit),
        )
        return [
            RecentEvent(ts=datetime.fromisoformat(r[0]), type=r[1], product_id=r[2], query=r[3])
            for r in rows
        ]

    def totals(self) -> dict[str, Totals]:
        """Per event type, everything applied so far."""
        rows = self._all("SELECT type, events, units, revenue FROM profile_totals")
        return {r[0]: Totals(events=r[1], units=r[2], revenue=r[3]) for r in rows}

    def applied(self) -> int:
        """How many distinct events were applied."""
        return int(self._all("SELECT count(*) FROM profile_applied")[0][0])

    def interactions(self) -> Iterator[tuple[str, str, int, int, int, str]]:
        """The recommender's input: (user, product, views, carts, units bought, last time)."""
        yield from self._all(
            "SELECT user_id, product_id, views, carts, units, last_ts FROM profile_interactions "
            "ORDER BY user_id, last_ts"
        )

    def daily_demand(self) -> Iterator[tuple[str, str, int, float, int]]:
        """The forecaster's input: (day, product, units sold, revenue, units cancelled)."""
        yield from self._all(
            "SELECT day, product_id, quantity, revenue, cancelled FROM profile_demand "
            "ORDER BY day, product_id"
        )

    def close(self) -> None:
        self._pool.close()
