"""Profiles, recent behaviour, interactions and daily demand, kept from behaviour events.

``SqliteProfiles.apply`` is a stream-processor handler: in one transaction it records each
event id it has not seen before and folds only those events in, so a batch delivered twice
(a processor restart, a client retry) changes nothing the second time. The recommender reads
``interactions`` and the forecaster ``daily_demand``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from infra.errors import ConfigError
from infra.events.processor import Batch
from infra.events.schema import BehaviourEvent
from infra.settings import Settings

RECENT_PER_USER = 50
PROFILES_FILE = "profiles.sqlite"  # the embedded store, in the data directory's events folder

_SCHEMA = """
CREATE TABLE IF NOT EXISTS applied (event_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS totals (
    type TEXT PRIMARY KEY, events INTEGER NOT NULL, units INTEGER NOT NULL, revenue REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS profiles (
    user_id TEXT PRIMARY KEY,
    searches INTEGER NOT NULL, views INTEGER NOT NULL, carts INTEGER NOT NULL,
    purchases INTEGER NOT NULL, cancels INTEGER NOT NULL, units INTEGER NOT NULL,
    spend REAL NOT NULL, first_ts TEXT NOT NULL, last_ts TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS recent (
    user_id TEXT NOT NULL, ts TEXT NOT NULL, type TEXT NOT NULL,
    product_id TEXT, query TEXT
);
CREATE INDEX IF NOT EXISTS recent_user ON recent (user_id, ts);
CREATE TABLE IF NOT EXISTS interactions (
    user_id TEXT NOT NULL, product_id TEXT NOT NULL,
    views INTEGER NOT NULL, carts INTEGER NOT NULL, units INTEGER NOT NULL, last_ts TEXT NOT NULL,
    PRIMARY KEY (user_id, product_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS demand (
    day TEXT NOT NULL, product_id TEXT NOT NULL,
    quantity INTEGER NOT NULL, revenue REAL NOT NULL, cancelled INTEGER NOT NULL,
    PRIMARY KEY (day, product_id)
) WITHOUT ROWID;
"""

_ADD_TOTALS = (
    "INSERT INTO totals VALUES (?, ?, ?, ?) ON CONFLICT (type) DO UPDATE SET "
    "events = events + excluded.events, units = units + excluded.units, "
    "revenue = revenue + excluded.revenue"
)
_ADD_PROFILE = (
    "INSERT INTO profiles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) "
    "DO UPDATE SET "
    "searches = searches + excluded.searches, views = views + excluded.views, "
    "carts = carts + excluded.carts, purchases = purchases + excluded.purchases, "
    "cancels = cancels + excluded.cancels, units = units + excluded.units, "
    "spend = spend + excluded.spend, first_ts = min(first_ts, excluded.first_ts), "
    "last_ts = max(last_ts, excluded.last_ts)"
)
_ADD_INTERACTION = (
    "INSERT INTO interactions VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, product_id) "
    "DO UPDATE SET views = views + excluded.views, carts = carts + excluded.carts, "
    "units = units + excluded.units, last_ts = max(last_ts, excluded.last_ts)"
)
_ADD_DEMAND = (
    "INSERT INTO demand VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, product_id) DO UPDATE SET "
    "quantity = quantity + excluded.quantity, revenue = revenue + excluded.revenue, "
    "cancelled = cancelled + excluded.cancelled"
)
# Drops a user's rows older than their RECENT_PER_USER-th latest (an index range scan).
_TRIM_RECENT = (
    "DELETE FROM recent WHERE user_id = ? AND ts < "
    "(SELECT ts FROM recent WHERE user_id = ? ORDER BY ts DESC LIMIT 1 OFFSET ?)"
)
# Column of each counted type in ``profiles`` (searches, views, carts, purchases, cancels).
_PROFILE_COUNTER = {"search": 0, "view": 1, "add_to_cart": 2, "purchase": 3, "cancel": 4}
_IN_CHUNK = 500


class UserProfile(BaseModel):
    """What a user has done, summed over every event applied."""

    user_id: str
    searches: int
    views: int
    carts: int
    purchases: int
    cancels: int
    units: int  # bought minus cancelled
    spend: float  # bought minus cancelled, in the store's currency
    first_seen: datetime
    last_seen: datetime


class RecentEvent(BaseModel):
    ts: datetime
    type: str
    product_id: str | None = None
    query: str | None = None


class Totals(BaseModel):
    """Per event type: how many were applied, their units and their value."""

    events: int
    units: int
    revenue: float


@dataclass
class Folded:
    """A batch's events summed into the rows each table adds (key columns first)."""

    totals: list[tuple[Any, ...]]
    profiles: list[tuple[Any, ...]]
    interactions: list[tuple[Any, ...]]
    demand: list[tuple[Any, ...]]
    recent: list[tuple[Any, ...]]


def fold(events: list[BehaviourEvent]) -> Folded:
    """Sum ``events`` per event type, user, (user, product) and (day, product), and list the
    users' recent events: what every profile store adds to its tables."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    profiles: dict[str, list[float | str]] = {}
    interactions: dict[tuple[str, str], list[float | str]] = {}
    demand: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0])
    recent: list[tuple[str, str, str, str | None, str | None]] = []
    for e in events:
        ts = e.ts.isoformat()
        sign = -1 if e.type == "cancel" else 1
        units = sign * (e.quantity or 0) if e.type in ("purchase", "cancel") else 0
        value = units * (e.price or 0.0)
        total = totals[e.type]
        total[0] += 1
        total[1] += abs(units)
        total[2] += abs(value)
        if e.product_id and e.type in ("purchase", "cancel"):
            day = demand[(ts[:10], e.product_id)]
            if units > 0:
                day[0] += units
                day[1] += value
            else:
                day[2] -= units
        if not e.user_id:
            continue
        profile = profiles.setdefault(e.user_id, [0, 0, 0, 0, 0, 0, 0.0, ts, ts])
        counter = _PROFILE_COUNTER.get(e.type)
        if counter is not None:
            profile[counter] = int(profile[counter]) + 1
        profile[5] = int(profile[5]) + units
        profile[6] = float(profile[6]) + value
        profile[7] = min(str(profile[7]), ts)
        profile[8] = max(str(profile[8]), ts)
        recent.append((e.user_id, ts, e.type, e.product_id, e.query))
        if e.product_id and e.type in ("view", "add_to_cart", "purchase", "cancel"):
            pair = interactions.setdefault((e.user_id, e.product_id), [0, 0, 0, ts])
            pair[0] = int(pair[0]) + (e.type == "view")
            pair[1] = int(pair[1]) + (e.type == "add_to_cart")
            pair[2] = int(pair[2]) + units
            pair[3] = max(str(pair[3]), ts)
    return Folded(
        totals=[(k, *v) for k, v in totals.items()],
        profiles=[(k, *v) for k, v in profiles.items()],
        interactions=[(*k, *v) for k, v in interactions.items()],
        demand=[(*k, *v) for k, v in demand.items()],
        recent=list(recent),
    )


class SqliteProfiles:
    """The embedded profile store, one SQLite file shared safely between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(_SCHEMA)

    # -- writing ---------------------------------------------------------------------------

    def apply(self, batch: Batch) -> None:
        """Fold in the batch's events whose ids were never applied before (one transaction)."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                fresh = self._fresh(batch.events)
                db.executemany("INSERT INTO applied VALUES (?)", [(e.event_id,) for e in fresh])
                self._fold(fresh)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _fresh(self, events: list[BehaviourEvent]) -> list[BehaviourEvent]:
        ids = [e.event_id for e in events]
        known: set[str] = set()
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT event_id FROM applied WHERE event_id IN ({marks})"
            known.update(row[0] for row in self._db.execute(sql, chunk))
        return [e for e in events if e.event_id not in known]

    def _fold(self, events: list[BehaviourEvent]) -> None:
        rows = fold(events)
        db = self._db
        db.executemany(_ADD_TOTALS, rows.totals)
        db.executemany(_ADD_PROFILE, rows.profiles)
        db.executemany(_ADD_INTERACTION, rows.interactions)
        db.executemany(_ADD_DEMAND, rows.demand)
        db.executemany("INSERT INTO recent VALUES (?, ?, ?, ?, ?)", rows.recent)
        users = [row[0] for row in rows.profiles]
        db.executemany(_TRIM_RECENT, [(u, u, RECENT_PER_USER - 1) for u in users])

    # -- reading ---------------------------------------------------------------------------

    def profile(self, user_id: str) -> UserProfile | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM profiles WHERE user_id = ?", (user_id,)
            ).fetchone()
        if row is None:
            return None
        names = UserProfile.model_fields
        values = dict(zip(names, row, strict=True))
        return UserProfile.model_validate(values)

    def recent(self, user_id: str, limit: int = 20) -> list[RecentEvent]:
        """The user's latest events, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT ts, type, product_id, query FROM recent WHERE user_id = ? "
                "ORDER BY ts DESC, rowid DESC LIMIT ?",
                (user_id, limit),
            ).fetchall()
        return [RecentEvent(ts=r[0], type=r[1], product_id=r[2], query=r[3]) for r in rows]

    def totals(self) -> dict[str, Totals]:
        """Per event type, everything applied so far."""
        with self._lock:
            rows = self._db.execute("SELECT type, events, units, revenue FROM totals").fetchall()
        return {r[0]: Totals(events=r[1], units=r[2], revenue=r[3]) for r in rows}

    def applied(self) -> int:
        """How many distinct events were applied."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM applied").fetchone()[0])

    def interactions(self) -> Iterator[tuple[str, str, int, int, int, str]]:
        """The recommender's input: (user, product, views, carts, units bought, last time)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT user_id, product_id, views, carts, units, last_ts FROM interactions "
                "ORDER BY user_id, last_ts"
            ).fetchall()
        yield from rows

    def daily_demand(self) -> Iterator[tuple[str, str, int, float, int]]:
        """The forecaster's input: (day, product, units sold, revenue, units cancelled)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT day, product_id, quantity, revenue, cancelled FROM demand "
                "ORDER BY day, product_id"
            ).fetchall()
        yield from rows

    def close(self) -> None:
        self._db.close()


class Profiles(Protocol):
    """A profile store: ``SqliteProfiles`` (a file in the data directory) or
    ``PostgresProfiles`` (the store's database, shared by every worker and machine)."""

    def apply(self, batch: Batch) -> None: ...
    def profile(self, user_id: str) -> UserProfile | None: ...
    def recent(self, user_id: str, limit: int = 20) -> list[RecentEvent]: ...
    def totals(self) -> dict[str, Totals]: ...
    def applied(self) -> int: ...
    def interactions(self) -> Iterator[tuple[str, str, int, int, int, str]]: ...
    def daily_demand(self) -> Iterator[tuple[str, str, int, float, int]]: ...
    def close(self) -> None: ...


def existing_profiles(settings: Settings) -> Profiles | None:
    """The profile store to train from: ``open_profiles``, or None on the embedded backend
    while no event has made its file."""
    if settings.store_backend != "postgres" and not (settings.events_dir / PROFILES_FILE).is_file():
        return None
    return open_profiles(settings)


def open_profiles(settings: Settings) -> Profiles:
    """Beside the store: its PostgreSQL database when ``store_backend`` is ``postgres``, else
    ``profiles.sqlite`` in the events folder of the data directory."""
    if settings.store_backend == "postgres":
        if settings.database_url is None:
            raise ConfigError("SHOPAGENT_STORE_BACKEND=postgres needs SHOPAGENT_DATABASE_URL")
        from tools.behaviour.postgres_profiles import PostgresProfiles

        return PostgresProfiles(settings.database_url.get_secret_value())
    return SqliteProfiles(settings.events_dir / PROFILES_FILE)
