"""The inventory ledger of the embedded store: receipts, lead times, stored forecasts, reorder
alerts and job runs, in tables of the store's own SQLite file.

Sales since the store was loaded are summed from the store's ``events`` table in the same file
(purchase events), so that a check costs one indexed query rather than reading every event.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

_SCHEMA = """
CREATE TABLE IF NOT EXISTS inventory_receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    arrives TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inventory_receipts_product ON inventory_receipts (product_id);
CREATE TABLE IF NOT EXISTS inventory_lead_times (product_id TEXT PRIMARY KEY, days INTEGER);
CREATE TABLE IF NOT EXISTS inventory_forecasts (product_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inventory_runs (
    run_id TEXT PRIMARY KEY,
    finished_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inventory_alerts (
    run_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (run_id, product_id)
);
"""


class StoredForecast(BaseModel):
    """The summary of a product's forecast that inventory decisions need."""

    product_id: str
    method: str
    daily_mean: float
    daily_sd: float
    level: float
    trained_through: date
    weekdays: list[int]  # the weekdays the shop trades on
    run_id: str


class Receipt(BaseModel):
    product_id: str
    quantity: int
    arrives: datetime


def as_utc(moment: datetime) -> datetime:
    """``moment`` with a time zone (a naive one is taken as UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Ledger(Protocol):
    """Where inventory decisions are recorded: ``SqliteLedger`` beside the embedded store,
    ``PostgresLedger`` in the PostgreSQL store's database."""

    def add_receipt(self, receipt: Receipt) -> None: ...
    def receipts(self, product_ids: Sequence[str] | None = None) -> dict[str, list[Receipt]]: ...
    def sold_since(
        self, since: datetime, product_ids: Sequence[str] | None = None
    ) -> dict[str, int]: ...
    def set_lead_time(self, product_id: str, days: int) -> None: ...
    def lead_times(self, product_ids: Sequence[str] | None = None) -> dict[str, int]: ...
    def replace_forecasts(self, forecasts: Iterable[StoredForecast]) -> None: ...
    def has_forecasts(self) -> bool: ...
    def forecasts(
        self, product_ids: Sequence[str] | None = None
    ) -> dict[str, StoredForecast]: ...
    def record_run(self, run_id: str, summary: BaseModel, alerts: Sequence[BaseModel]) -> None: ...
    def last_run(self) -> tuple[str, str] | None: ...
    def alerts(self, run_id: str) -> list[str]: ...
    def close(self) -> None: ...


class SqliteLedger:
    """Receipts, lead times, forecasts, alerts and runs beside the store's tables."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA busy_timeout = 5000")
        self._db.executescript(_SCHEMA)

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    def _write_many(self, statements: Iterable[tuple[str, Sequence[Any]]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    self._db.execute(sql, tuple(params))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- stock movements ------------------------------------------------------------------

    def add_receipt(self, receipt: Receipt) -> None:
        """Record goods received (or due: ``arrives`` in the future is stock on order)."""
        arrives = as_utc(receipt.arrives).isoformat()
        sql = "INSERT INTO inventory_receipts (product_id, quantity, arrives) VALUES (?, ?, ?)"
        self._write_many([(sql, (receipt.product_id, receipt.quantity, arrives))])

    def _where(self, product_ids: Sequence[str] | None) -> tuple[str, tuple[str, ...]]:
        if product_ids is None:
            return "", ()
        ids = tuple(product_ids)
        return f" AND product_id IN ({','.join('?' * len(ids))})", ids

    def receipts(self, product_ids: Sequence[str] | None = None) -> dict[str, list[Receipt]]:
        """Receipts per product (all products when ``product_ids`` is None), by arrival."""
        where, ids = self._where(product_ids)
        rows = self._all(
            "SELECT product_id, quantity, arrives FROM inventory_receipts WHERE 1 = 1"
            f"{where} ORDER BY arrives",
            ids,
        )
        out: dict[str, list[Receipt]] = {}
        for pid, quantity, arrives in rows:
            receipt = Receipt(
                product_id=pid, quantity=int(quantity), arrives=datetime.fromisoformat(arrives)
            )
            out.setdefault(pid, []).append(receipt)
        return out

    def sold_since(
        self, since: datetime, product_ids: Sequence[str] | None = None
    ) -> dict[str, int]:
        """Units of purchase events per product dated at or after ``since``."""
        where, ids = self._where(product_ids)
        rows = self._all(
            "SELECT product_id, ts, json_extract(doc, '$.quantity') FROM events "
            f"WHERE type = 'purchase' AND product_id IS NOT NULL{where}",
            ids,
        )
        cut = as_utc(since)
        sold: dict[str, int] = {}
        for pid, ts, quantity in rows:
            if as_utc(datetime.fromisoformat(ts)) >= cut:
                sold[pid] = sold.get(pid, 0) + (1 if quantity is None else int(quantity))
        return sold

    def set_lead_time(self, product_id: str, days: int) -> None:
        sql = (
            "INSERT INTO inventory_lead_times (product_id, days) VALUES (?, ?) "
            "ON CONFLICT (product_id) DO UPDATE SET days = excluded.days"
        )
        self._write_many([(sql, (product_id, days))])

    def lead_times(self, product_ids: Sequence[str] | None = None) -> dict[str, int]:
        """Lead times set per product (the others use the default)."""
        where, ids = self._where(product_ids)
        rows = self._all(
            f"SELECT product_id, days FROM inventory_lead_times WHERE 1 = 1{where}", ids
        )
        return {str(pid): int(days) for pid, days in rows}

    # -- forecasts, runs and alerts -------------------------------------------------------

    def replace_forecasts(self, forecasts: Iterable[StoredForecast]) -> None:
        """Swap in a job run's forecasts (products it no longer forecasts are dropped)."""
        statements: list[tuple[str, Sequence[Any]]] = [("DELETE FROM inventory_forecasts", ())]
        sql = "INSERT INTO inventory_forecasts (product_id, doc) VALUES (?, ?)"
        statements += [(sql, (f.product_id, f.model_dump_json())) for f in forecasts]
        self._write_many(statements)

    def has_forecasts(self) -> bool:
        """Whether any forecast is stored (a forecast job or a first use has run)."""
        return bool(self._all("SELECT 1 FROM inventory_forecasts LIMIT 1"))

    def forecasts(self, product_ids: Sequence[str] | None = None) -> dict[str, StoredForecast]:
        """The stored forecasts per product."""
        where, ids = self._where(product_ids)
        rows = self._all(f"SELECT product_id, doc FROM inventory_forecasts WHERE 1 = 1{where}", ids)
        return {str(pid): StoredForecast.model_validate_json(doc) for pid, doc in rows}

    def record_run(self, run_id: str, summary: BaseModel, alerts: Sequence[BaseModel]) -> None:
        """Store a finished job run with the alerts it emitted."""
        now = datetime.now(UTC).isoformat()
        statements: list[tuple[str, Sequence[Any]]] = [
            (
                "INSERT INTO inventory_runs (run_id, finished_at, doc) VALUES (?, ?, ?)",
                (run_id, now, summary.model_dump_json()),
            )
        ]
        sql = "INSERT INTO inventory_alerts (run_id, product_id, doc) VALUES (?, ?, ?)"
        statements += [
            (sql, (run_id, str(getattr(a, "product_id", "")), a.model_dump_json())) for a in alerts
        ]
        self._write_many(statements)

    def last_run(self) -> tuple[str, str] | None:
        """The latest run's id and summary JSON."""
        rows = self._all("SELECT run_id, doc FROM inventory_runs ORDER BY finished_at DESC LIMIT 1")
        return (str(rows[0][0]), str(rows[0][1])) if rows else None

    def alerts(self, run_id: str) -> list[str]:
        """The alerts (JSON) a run emitted."""
        rows = self._all(
            "SELECT doc FROM inventory_alerts WHERE run_id = ? ORDER BY rowid", (run_id,)
        )
        return [str(doc) for (doc,) in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
