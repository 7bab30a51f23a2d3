"""The embedded store: products, users, orders and behaviour events in one SQLite file.

Each record is kept as its model's JSON (``model_dump_json(exclude_none=True)``) beside the few
columns that lookups need, so a read is one indexed row fetch plus one pydantic parse.

A change of several records (``apply_change``) runs in one ``BEGIN IMMEDIATE`` transaction: the
write lock is taken before the change is re-checked, so no other connection, thread or process
can write in between, and the records and the change's key land together or not at all.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from infra.events.schema import BehaviourEvent
from tools.catalog.rows import order_row, product_row, user_row
from tools.catalog.store import Applied, C
from tools.models import Order, Product, StoreInfo, User

_SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY,
    email TEXT,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    zip TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS users_email ON users (email);
CREATE INDEX IF NOT EXISTS users_name_zip ON users (last_name, first_name, zip);
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_user ON orders (user_id);
CREATE TABLE IF NOT EXISTS applied_changes (
    key TEXT PRIMARY KEY,
    summary TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    ts TEXT NOT NULL,
    user_id TEXT,
    product_id TEXT,
    doc TEXT NOT NULL
);
"""

# Upserts rather than INSERT OR REPLACE: REPLACE deletes the row first, which would give it a
# new rowid and move it to the end of every "in insertion order" listing.
_PUT_PRODUCT = (
    "INSERT INTO products (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc"
)
_PUT_USER = (
    "INSERT INTO users (user_id, email, first_name, last_name, zip, doc) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name, "
    "last_name = excluded.last_name, zip = excluded.zip, doc = excluded.doc"
)
_PUT_ORDER = (
    "INSERT INTO orders (order_id, user_id, doc) VALUES (?, ?, ?) "
    "ON CONFLICT (order_id) DO UPDATE SET user_id = excluded.user_id, doc = excluded.doc"
)
_PUT_EVENT = (
    "INSERT OR IGNORE INTO events (event_id, type, ts, user_id, product_id, doc) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)

# SQLite accepts at most 32,766 bound parameters per statement; stay far below it.
_IN_CHUNK = 500


def _event_row(event: BehaviourEvent) -> tuple[str, str, str, str | None, str | None, str]:
    return (
        event.event_id,
        event.type,
        event.ts.isoformat(),
        event.user_id,
        event.product_id,
        event.model_dump_json(exclude_none=True),
    )


class SqliteStore:
    """The ``Store`` Protocol on one SQLite file, safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Re-entrant so that an iterable handed to replace_all may itself read the store
        # (it sees the half-written transaction) instead of deadlocking.
        self._lock = threading.RLock()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a multi-statement write
        # (replace_all) is exactly one transaction and single puts commit at once.
        self._db: sqlite3.Connection | None = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, cached_statements=64
        )
        self._db.execute("PRAGMA journal_mode = WAL")
        # NORMAL is durable against application crashes in WAL mode and much faster than FULL.
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.execute("PRAGMA busy_timeout = 5000")
        # A full load writes tens of MB through the WAL; truncate it afterwards, not keep it.
        self._db.execute("PRAGMA journal_size_limit = 16777216")
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError(f"the store at {self.path} is closed")
        return self._db

    def _one(self, sql: str, params: tuple[Any, ...]) -> str | None:
        """The first column of the first row of ``sql``, read under the lock."""
        with self._lock:
            row = self._conn.execute(sql, params).fetchone()
        return None if row is None else str(row[0])

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._conn.execute(sql, params)

    # -- dataset ---------------------------------------------------------------------------

    def info(self) -> StoreInfo | None:
        """What the store holds, or ``None`` when nothing was loaded yet."""
        doc = self._one("SELECT value FROM meta WHERE key = 'info'", ())
        return None if doc is None else StoreInfo.model_validate_json(doc)

    def replace_all(
        self,
        info: StoreInfo,
        products: Iterable[Product],
        users: Iterable[User],
        orders: Iterable[Order],
    ) -> None:
        """Atomically replace products, users, orders and the info; events are kept."""
        with self._lock:
            db = self._conn
            db.execute("BEGIN IMMEDIATE")
            try:
                for table in ("meta", "products", "users", "orders"):
                    db.execute(f"DELETE FROM {table}")
                # Iterables are consumed inside the transaction: if one raises, nothing changes.
                # executemany pulls one row at a time, so a generator of records is streamed
                # into the file and never held whole (a full online-retail load relies on it).
                db.executemany(_PUT_PRODUCT, map(product_row, products))
                db.executemany(_PUT_USER, map(user_row, users))
                db.executemany(_PUT_ORDER, map(order_row, orders))
                db.execute(
                    "INSERT INTO meta (key, value) VALUES ('info', ?)",
                    (info.model_dump_json(exclude_none=True),),
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- products --------------------------------------------------------------------------

    def get_product(self, product_id: str) -> Product | None:
        """One product by id, or ``None``."""
        doc = self._one("SELECT doc FROM products WHERE id = ?", (product_id,))
        return None if doc is None else Product.model_validate_json(doc)

    def get_products(self, product_ids: Iterable[str]) -> list[Product]:
        """The products that exist among ``product_ids``, in the order asked."""
        wanted = list(product_ids)
        docs: dict[str, str] = {}
        unique = list(dict.fromkeys(wanted))
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._all(f"SELECT id, doc FROM products WHERE id IN ({marks})", tuple(chunk))
            docs.update((str(pid), str(doc)) for pid, doc in rows)
        parsed = {pid: Product.model_validate_json(doc) for pid, doc in docs.items()}
        return [parsed[pid] for pid in wanted if pid in parsed]

    def iter_products(self) -> Iterator[Product]:
        """Every product, in the order they were stored."""
        # Fetch under the lock, parse outside it: other threads are not held up by the parse.
        rows = self._all("SELECT doc FROM products ORDER BY rowid")
        for (doc,) in rows:
            yield Product.model_validate_json(doc)

    def put_product(self, product: Product) -> None:
        """Insert or update one product."""
        self._write(_PUT_PRODUCT, product_row(product))

    # -- users -----------------------------------------------------------------------------

    def get_user(self, user_id: str) -> User | None:
        """One user by id, or ``None``."""
        doc = self._one("SELECT doc FROM users WHERE user_id = ?", (user_id,))
        return None if doc is None else User.model_validate_json(doc)

    def find_user_by_email(self, email: str) -> User | None:
        """The user with this e-mail address (case-insensitive), or ``None``."""
        key = email.strip().lower()
        if not key:
            return None
        doc = self._one("SELECT doc FROM users WHERE email = ? ORDER BY rowid LIMIT 1", (key,))
        return None if doc is None else User.model_validate_json(doc)

    def find_user_by_name_zip(self, first_name: str, last_name: str, zip_code: str) -> User | None:
        """The user with this first and last name (case-insensitive) and zip code, or ``None``."""
        doc = self._one(
            "SELECT doc FROM users WHERE last_name = ? AND first_name = ? AND zip = ? "
            "ORDER BY rowid LIMIT 1",
            (last_name.strip().lower(), first_name.strip().lower(), zip_code.strip()),
        )
        return None if doc is None else User.model_validate_json(doc)

    def put_user(self, user: User) -> None:
        """Insert or update one user."""
        self._write(_PUT_USER, user_row(user))

    # -- orders ----------------------------------------------------------------------------

    def get_order(self, order_id: str) -> Order | None:
        """One order by id, or ``None``."""
        doc = self._one("SELECT doc FROM orders WHERE order_id = ?", (order_id,))
        return None if doc is None else Order.model_validate_json(doc)

    def orders_for_user(self, user_id: str) -> list[Order]:
        """The user's orders, in the order they were stored."""
        rows = self._all("SELECT doc FROM orders WHERE user_id = ? ORDER BY rowid", (user_id,))
        return [Order.model_validate_json(doc) for (doc,) in rows]

    def iter_orders(self) -> Iterator[Order]:
        """Every order, in the order they were stored."""
        rows = self._all("SELECT doc FROM orders ORDER BY rowid")
        for (doc,) in rows:
            yield Order.model_validate_json(doc)

    def put_order(self, order: Order) -> None:
        """Insert or update one order."""
        self._write(_PUT_ORDER, order_row(order))

    # -- changes of several records ----------------------------------------------------------

    def apply_change(self, key: str, plan: Callable[[SqliteStore], C]) -> tuple[C | None, Applied]:
        """Apply what ``plan`` works out, once per ``key``, in one transaction (see ``Store``).

        ``plan`` reads this store: under the re-entrant lock and inside the open transaction,
        its reads see the records as they are now, and nobody can write until the commit.
        The records are written with ``put_user`` then ``put_order`` (a subclass that notes
        its writes sees these too).
        """
        with self._lock:
            db = self._conn
            db.execute("BEGIN IMMEDIATE")
            try:
                before = db.execute(
                    "SELECT summary FROM applied_changes WHERE key = ?", (key,)
                ).fetchone()
                if before is not None:
                    db.execute("ROLLBACK")
                    return None, Applied(now=False, summary=str(before[0]))
                change = plan(self)
                if change.user is not None:
                    self.put_user(change.user)
                if change.order is not None:
                    self.put_order(change.order)
                db.execute(
                    "INSERT INTO applied_changes (key, summary, applied_at) VALUES (?, ?, ?)",
                    (key, change.summary, datetime.now(UTC).isoformat()),
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return change, Applied(now=True, summary=change.summary)

    def applied_change(self, key: str) -> str | None:
        """The summary of the change applied under ``key``, or ``None`` if none was."""
        return self._one("SELECT summary FROM applied_changes WHERE key = ?", (key,))

    # -- events ----------------------------------------------------------------------------

    def append_events(self, events: Iterable[BehaviourEvent]) -> int:
        """Append events, ignoring ids already stored; returns how many were new."""
        rows = [_event_row(event) for event in events]
        if not rows:
            return 0
        with self._lock:
            db = self._conn
            before = db.total_changes
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(_PUT_EVENT, rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return db.total_changes - before

    def iter_events(self, types: Collection[str] = ()) -> Iterator[BehaviourEvent]:
        """Stored events of the given ``types`` (all when empty), oldest first."""
        wanted = list(types)
        where = f" WHERE type IN ({','.join('?' * len(wanted))})" if wanted else ""
        rows = self._all(f"SELECT doc FROM events{where} ORDER BY ts, rowid", tuple(wanted))
        for (doc,) in rows:
            yield BehaviourEvent.model_validate_json(doc)

    def count_events(self) -> int:
        """How many behaviour events are stored."""
        return int(self._one("SELECT count(*) FROM events", ()) or 0)

    def close(self) -> None:
        """Close the connection; later calls fail, a second close does nothing."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
