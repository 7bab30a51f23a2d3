"""The shared store: products, users, orders and behaviour events in PostgreSQL (psycopg 3).

The layout follows the SQLite store: each record is its model's JSON (``doc``) beside the columns
lookups need, and a ``seq`` identity column keeps "the order they were stored" (an upsert keeps
a row's ``seq``, as SQLite keeps its rowid). The tables are created on first use, under an
advisory lock so that workers starting together do not race.

Connections come from a ``psycopg_pool.ConnectionPool`` and run in autocommit: a single read or
put is its own transaction. Work of several statements takes one pooled connection for the
whole transaction and marks it as this thread's, so that reads made from inside it (the
``plan`` of ``apply_change``) see the transaction's own writes:

* ``apply_change`` holds a transaction-scoped advisory lock on the change's key, checks the
  applied-keys table, and runs ``plan`` with user and order reads made ``SELECT ... FOR
  UPDATE``: the rows it checked stay locked until the records and the key commit together, so
  another worker's change of the same order waits and then sees the new state.
* ``replace_all`` deletes and bulk-loads with ``COPY`` (one row streamed at a time, each
  iterable consumed once, in turn) in one transaction: readers see the old data set until the
  commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import psycopg

from infra.events.schema import BehaviourEvent
from infra.postgres_pool import open_pool
from tools.catalog.rows import order_row, product_row, user_row
from tools.catalog.store import Applied, C
from tools.models import Order, Product, StoreInfo, User

# Any fixed number: it names the schema-creation lock among the database's advisory locks.
_SCHEMA_LOCK = 0x5E0A9E47

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS products_seq ON products (seq);
CREATE TABLE IF NOT EXISTS users (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
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
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    order_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_user ON orders (user_id, seq);
CREATE INDEX IF NOT EXISTS orders_seq ON orders (seq);
CREATE TABLE IF NOT EXISTS applied_changes (
    key TEXT PRIMARY KEY,
    summary TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    event_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    ts TIMESTAMPTZ NOT NULL,
    user_id TEXT,
    product_id TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_type_ts ON events (type, ts, seq);
"""

_PUT_PRODUCT = (
    "INSERT INTO products (id, doc) VALUES (%s, %s) "
    "ON CONFLICT (id) DO UPDATE SET doc = excluded.doc"
)
_PUT_USER = (
    "INSERT INTO users (user_id, email, first_name, last_name, zip, doc) "
    "VALUES (%s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, "
    "first_name = excluded.first_name, last_name = excluded.last_name, zip = excluded.zip, "
    "doc = excluded.doc"
)
_PUT_ORDER = (
    "INSERT INTO orders (order_id, user_id, doc) VALUES (%s, %s, %s) "
    "ON CONFLICT (order_id) DO UPDATE SET user_id = excluded.user_id, doc = excluded.doc"
)
_PUT_EVENT = (
    "INSERT INTO events (event_id, type, ts, user_id, product_id, doc) "
    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (event_id) DO NOTHING"
)


def _event_row(
    event: BehaviourEvent,
) -> tuple[str, str, datetime, str | None, str | None, str]:
    return (
        event.event_id,
        event.type,
        event.ts,
        event.user_id,
        event.product_id,
        event.model_dump_json(exclude_none=True),
    )


class PostgresStore:
    """The ``Store`` Protocol on a PostgreSQL database, safe to share between threads."""

    def __init__(
        self, url: str, *, min_size: int = 1, max_size: int = 8, timeout_s: float = 10.0
    ) -> None:
        self._local = threading.local()
        self._closed = False
        self._pool = open_pool(
            url,
            name="shopagent-store",
            schema=_SCHEMA,
            schema_lock=_SCHEMA_LOCK,
            min_size=min_size,
            max_size=max_size,
            timeout_s=timeout_s,
        )

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- connections -----------------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """This thread's transaction connection if one is open, else one from the pool."""
        current: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        if self._closed:
            raise RuntimeError("the PostgreSQL store is closed")
        with self._pool.connection() as conn:
            yield conn

    @contextmanager
    def _transaction(self, *, lock_rows: bool) -> Iterator[psycopg.Connection[Any]]:
        """One transaction on one connection, which this thread's reads use until it ends."""
        with self._connection() as conn, conn.transaction():
            outer = getattr(self._local, "conn", None), getattr(self._local, "lock_rows", False)
            self._local.conn, self._local.lock_rows = conn, lock_rows
            try:
                yield conn
            finally:
                self._local.conn, self._local.lock_rows = outer

    def _for_update(self) -> str:
        """`` FOR UPDATE`` inside ``apply_change`` (its reads hold the rows), else nothing."""
        return " FOR UPDATE" if getattr(self._local, "lock_rows", False) else ""

    def _one(self, query: str, params: tuple[Any, ...]) -> str | None:
        with self._connection() as conn:
            row = conn.execute(query, params).fetchone()
        return None if row is None else str(row[0])

    def _all(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            return conn.execute(query, params).fetchall()

    def _write(self, query: str, params: tuple[Any, ...]) -> None:
        with self._connection() as conn:
            conn.execute(query, params)

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
        """Atomically replace products, users, orders and the info; events are kept.

        Each iterable is consumed once, in turn, and streamed into a ``COPY``: a record is sent
        before the next is built, and nothing is held whole. If one raises, nothing changes.
        """
        with self._transaction(lock_rows=False) as conn:
            # DELETE, not TRUNCATE: TRUNCATE would block every reader until the commit.
            for table in ("meta", "products", "users", "orders"):
                conn.execute(f"DELETE FROM {table}")
            with conn.cursor() as cur:
                with cur.copy("COPY products (id, doc) FROM STDIN") as copy:
                    for product in products:
                        copy.write_row(product_row(product))
                columns = "user_id, email, first_name, last_name, zip, doc"
                with cur.copy(f"COPY users ({columns}) FROM STDIN") as copy:
                    for user in users:
                        copy.write_row(user_row(user))
                with cur.copy("COPY orders (order_id, user_id, doc) FROM STDIN") as copy:
                    for order in orders:
                        copy.write_row(order_row(order))
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('info', %s)",
                (info.model_dump_json(exclude_none=True),),
            )
            conn.execute("ANALYZE products, users, orders")

    # -- products --------------------------------------------------------------------------

    def get_product(self, product_id: str) -> Product | None:
        """One product by id, or ``None``."""
        doc = self._one("SELECT doc FROM products WHERE id = %s", (product_id,))
        return None if doc is None else Product.model_validate_json(doc)

    def get_products(self, product_ids: Iterable[str]) -> list[Product]:
        """The products that exist among ``product_ids``, in the order asked."""
        wanted = list(product_ids)
        unique = list(dict.fromkeys(wanted))
        rows = self._all("SELECT id, doc FROM products WHERE id = ANY(%s)", (unique,))
        parsed = {str(pid): Product.model_validate_json(doc) for pid, doc in rows}
        return [parsed[pid] for pid in wanted if pid in parsed]

    def iter_products(self) -> Iterator[Product]:
        """Every product, in the order they were stored."""
        for (doc,) in self._all("SELECT doc FROM products ORDER BY seq"):
            yield Product.model_validate_json(doc)

    def put_product(self, product: Product) -> None:
        """Insert or update one product."""
        self._write(_PUT_PRODUCT, product_row(product))

    # -- users -----------------------------------------------------------------------------

    def get_user(self, user_id: str) -> User | None:
        """One user by id, or ``None`` (row-locked inside ``apply_change``)."""
        doc = self._one(f"SELECT doc FROM users WHERE user_id = %s{self._for_update()}", (user_id,))
        return None if doc is None else User.model_validate_json(doc)

    def find_user_by_email(self, email: str) -> User | None:
        """The user with this e-mail address (case-insensitive), or ``None``."""
        key = email.strip().lower()
        if not key:
            return None
        doc = self._one(
            f"SELECT doc FROM users WHERE email = %s ORDER BY seq LIMIT 1{self._for_update()}",
            (key,),
        )
        return None if doc is None else User.model_validate_json(doc)

    def find_user_by_name_zip(self, first_name: str, last_name: str, zip_code: str) -> User | None:
        """The user with this first and last name (case-insensitive) and zip code, or ``None``."""
        doc = self._one(
            "SELECT doc FROM users WHERE last_name = %s AND first_name = %s AND zip = %s "
            f"ORDER BY seq LIMIT 1{self._for_update()}",
            (last_name.strip().lower(), first_name.strip().lower(), zip_code.strip()),
        )
        return None if doc is None else User.model_validate_json(doc)

    def put_user(self, user: User) -> None:
        """Insert or update one user."""
        self._write(_PUT_USER, user_row(user))

    # -- orders ----------------------------------------------------------------------------

    def get_order(self, order_id: str) -> Order | None:
        """One order by id, or ``None`` (row-locked inside ``apply_change``)."""
        doc = self._one(
            f"SELECT doc FROM orders WHERE order_id = %s{self._for_update()}", (order_id,)
        )
        return None if doc is None else Order.model_validate_json(doc)

    def orders_for_user(self, user_id: str) -> list[Order]:
        """The user's orders, in the order they were stored."""
        rows = self._all(
            f"SELECT doc FROM orders WHERE user_id = %s ORDER BY seq{self._for_update()}",
            (user_id,),
        )
        return [Order.model_validate_json(doc) for (doc,) in rows]

    def iter_orders(self) -> Iterator[Order]:
        """Every order, in the order they were stored."""
        for (doc,) in self._all("SELECT doc FROM orders ORDER BY seq"):
            yield Order.model_validate_json(doc)

    def put_order(self, order: Order) -> None:
        """Insert or update one order."""
        self._write(_PUT_ORDER, order_row(order))

    # -- changes of several records ----------------------------------------------------------

    def apply_change(
        self, key: str, plan: Callable[[PostgresStore], C]
    ) -> tuple[C | None, Applied]:
        """Apply what ``plan`` works out, once per ``key``, in one transaction (see ``Store``).

        The key's advisory lock makes a second caller with the same key wait for the first to
        commit (and then find the key applied); ``plan``'s reads of users and orders lock
        their rows. The records are written with ``put_user`` then ``put_order``.
        """
        with self._transaction(lock_rows=True) as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))
            before = conn.execute(
                "SELECT summary FROM applied_changes WHERE key = %s", (key,)
            ).fetchone()
            if before is not None:
                return None, Applied(now=False, summary=str(before[0]))
            change = plan(self)
            if change.user is not None:
                self.put_user(change.user)
            if change.order is not None:
                self.put_order(change.order)
            conn.execute(
                "INSERT INTO applied_changes (key, summary, applied_at) VALUES (%s, %s, %s)",
                (key, change.summary, datetime.now(UTC)),
            )
        return change, Applied(now=True, summary=change.summary)

    def applied_change(self, key: str) -> str | None:
        """The summary of the change applied under ``key``, or ``None`` if none was."""
        return self._one("SELECT summary FROM applied_changes WHERE key = %s", (key,))

    # -- events ----------------------------------------------------------------------------

    def append_events(self, events: Iterable[BehaviourEvent]) -> int:
        """Append events, ignoring ids already stored; returns how many were new."""
        rows = [_event_row(event) for event in events]
        if not rows:
            return 0
        new = 0
        with self._transaction(lock_rows=False) as conn, conn.cursor() as cur:
            for row in rows:
                cur.execute(_PUT_EVENT, row)
                new += cur.rowcount
        return new

    def iter_events(self, types: Collection[str] = ()) -> Iterator[BehaviourEvent]:
        """Stored events of the given ``types`` (all when empty), oldest first."""
        wanted = list(types)
        where = " WHERE type = ANY(%s)" if wanted else ""
        params: tuple[Any, ...] = (wanted,) if wanted else ()
        for (doc,) in self._all(f"SELECT doc FROM events{where} ORDER BY ts, seq", params):
            yield BehaviourEvent.model_validate_json(doc)

    def count_events(self) -> int:
        """How many behaviour events are stored."""
        return int(self._one("SELECT count(*) FROM events", ()) or 0)

    def close(self) -> None:
        """Close the pool; later calls fail, a second close does nothing."""
        if not self._closed:
            self._closed = True
            self._pool.close()
