"""The inventory ledger on PostgreSQL: receipts, lead times, stored forecasts, job runs and
reorder alerts in the store's database, so every worker and every machine sees one ledger.

It is the ledger of the PostgreSQL store (``store_backend = "postgres"``): sales since the store
was loaded are summed from that store's ``events`` table (purchase events) in the same
database. The tables and methods mirror ``SqliteLedger``; a forecast job's swap of forecasts and
a run with its alerts are each one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from infra.postgres_pool import open_pool
from tools.forecast.ledger import Receipt, StoredForecast, as_utc

_SCHEMA_LOCK = 0x1ED6E900
_SCHEMA = """
CREATE TABLE IF NOT EXISTS inventory_receipts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    arrives TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS inventory_receipts_product ON inventory_receipts (product_id);
CREATE TABLE IF NOT EXISTS inventory_lead_times (product_id TEXT PRIMARY KEY, days INTEGER);
CREATE TABLE IF NOT EXISTS inventory_forecasts (product_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inventory_runs (
    run_id TEXT PRIMARY KEY,
    finished_at TIMESTAMPTZ NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inventory_alerts (
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    run_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (run_id, product_id)
);
"""


class PostgresLedger:
    """``SqliteLedger``'s methods on the store's PostgreSQL database; safe across threads."""

    def __init__(self, url: str, *, max_size: int = 4, timeout_s: float = 10.0) -> None:
        self._pool = open_pool(
            url,
            name="shopagent-ledger",
            schema=_SCHEMA,
            schema_lock=_SCHEMA_LOCK,
            max_size=max_size,
            timeout_s=timeout_s,
        )

    def _all(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._pool.connection() as conn:
            rows: list[tuple[Any, ...]] = conn.execute(query, tuple(params)).fetchall()
        return rows

    def _write_many(self, statements: Iterable[tuple[str, Sequence[Any]]]) -> None:
        with self._pool.connection() as conn, conn.transaction():
            for query, params in statements:
                conn.execute(query, tuple(params))

    @staticmethod
    def _where(product_ids: Sequence[str] | None) -> tuple[str, tuple[Any, ...]]:
        if product_ids is None:
            return "", ()
        return " AND product_id = ANY(%s)", (list(product_ids),)

    # -- stock movements ------------------------------------------------------------------

    def add_receipt(self, receipt: Receipt) -> None:
        """Record goods received (or due: ``arrives`` in the future is stock on order)."""
        query = "INSERT INTO inventory_receipts (product_id, quantity, arrives) VALUES (%s, %s, %s)"
        self._write_many([(query, (receipt.product_id, receipt.quantity, as_utc(receipt.arrives)))])

    def receipts(self, product_ids: Sequence[str] | None = None) -> dict[str, list[Receipt]]:
        """Receipts per product (all products when ``product_ids`` is None), by arrival."""
        where, ids = self._where(product_ids)
        rows = self._all(
            "SELECT product_id, quantity, arrives FROM inventory_receipts WHERE true"
            f"{where} ORDER BY arrives, id",
            ids,
        )
        out: dict[str, list[Receipt]] = {}
        for pid, quantity, arrives in rows:
            receipt = Receipt(product_id=pid, quantity=int(quantity), arrives=as_utc(arrives))
            out.setdefault(pid, []).append(receipt)
        return out

    def sold_since(
        self, since: datetime, product_ids: Sequence[str] | None = None
    ) -> dict[str, int]:
        """Units of the store's purchase events per product dated at or after ``since``."""
        where, ids = self._where(product_ids)
        rows = self._all(
            "SELECT product_id, doc FROM events "
            f"WHERE type = 'purchase' AND product_id IS NOT NULL AND ts >= %s{where}",
            (as_utc(since), *ids),
        )
        sold: dict[str, int] = {}
        for pid, doc in rows:
            quantity = json.loads(doc).get("quantity")
            sold[pid] = sold.get(pid, 0) + (1 if quantity is None else int(quantity))
        return sold

    def set_lead_time(self, product_id: str, days: int) -> None:
        query = (
            "INSERT INTO inventory_lead_times (product_id, days) VALUES (%s, %s) "
            "ON CONFLICT (product_id) DO UPDATE SET days = excluded.days"
        )
        self._write_many([(query, (product_id, days))])

    def lead_times(self, product_ids: Sequence[str] | None = None) -> dict[str, int]:
        """Lead times set per product (the others use the default)."""
        where, ids = self._where(product_ids)
        rows = self._all(
            f"SELECT product_id, days FROM inventory_lead_times WHERE true{where}", ids
        )
        return {str(pid): int(days) for pid, days in rows}

    # -- forecasts, runs and alerts -------------------------------------------------------

    def replace_forecasts(self, forecasts: Iterable[StoredForecast]) -> None:
        """Swap in a job run's forecasts (products it no longer forecasts are dropped)."""
        statements: list[tuple[str, Sequence[Any]]] = [("DELETE FROM inventory_forecasts", ())]
        query = "INSERT INTO inventory_forecasts (product_id, doc) VALUES (%s, %s)"
        statements += [(query, (f.product_id, f.model_dump_json())) for f in forecasts]
        self._write_many(statements)

    def has_forecasts(self) -> bool:
        """Whether any forecast is stored (a forecast job or a first use has run)."""
        return bool(self._all("SELECT 1 FROM inventory_forecasts LIMIT 1"))

    def forecasts(self, product_ids: Sequence[str] | None = None) -> dict[str, StoredForecast]:
        """The stored forecasts per product."""
        where, ids = self._where(product_ids)
        rows = self._all(f"SELECT product_id, doc FROM inventory_forecasts WHERE true{where}", ids)
        return {str(pid): StoredForecast.model_validate_json(doc) for pid, doc in rows}

    def record_run(self, run_id: str, summary: BaseModel, alerts: Sequence[BaseModel]) -> None:
        """Store a finished job run with the alerts it emitted."""
        statements: list[tuple[str, Sequence[Any]]] = [
            (
                "INSERT INTO inventory_runs (run_id, finished_at, doc) VALUES (%s, %s, %s)",
                (run_id, datetime.now(UTC), summary.model_dump_json()),
            )
        ]
        query = "INSERT INTO inventory_alerts (run_id, product_id, doc) VALUES (%s, %s, %s)"
        statements += [
            (query, (run_id, str(getattr(a, "product_id", "")), a.model_dump_json()))
            for a in alerts
        ]
        self._write_many(statements)

    def last_run(self) -> tuple[str, str] | None:
        """The latest run's id and summary JSON."""
        rows = self._all("SELECT run_id, doc FROM inventory_runs ORDER BY finished_at DESC LIMIT 1")
        return (str(rows[0][0]), str(rows[0][1])) if rows else None

    def alerts(self, run_id: str) -> list[str]:
        """The alerts (JSON) a run emitted."""
        rows = self._all(
            "SELECT doc FROM inventory_alerts WHERE run_id = %s ORDER BY seq", (run_id,)
        )
        return [str(doc) for (doc,) in rows]

    def close(self) -> None:
        self._pool.close()
