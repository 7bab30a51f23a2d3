"""What the console's reorder and analytics pages show, read from the services underneath.

- **Reorders**: the alerts of the latest forecast job run (the inventory ledger), with the
  urgency and the sort orders of ``GET /v1/inventory/reorders`` (``api.reorder_pages``), cut
  into numbered pages; each row on a page gets its recent daily sales
  (the forecaster's own history of the store, ``tools.forecast.history``) and its forecast with
  the prediction interval (the configured ``Forecaster``).
- **Analytics**: one DuckDB query over the lake's ``events`` table (``infra.lake``): events and
  sales per day, the best-selling products and the searches that returned nothing.

Both are slow to build from scratch (a second or more on the demo store), so ``ConsoleCache``
keeps the reorder alerts and the sales history per job run, and the analytics for a minute.
Blocking: call these off the event loop.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, Protocol

import numpy as np

from api.console_charts import Band, Series
from api.reorder_pages import URGENCY_RANK, Sort, Urgency, ordered, urgency
from infra.errors import ConfigError, ToolInputError
from infra.lake import Lake
from tools.catalog.store import Store
from tools.forecast.alerts import ReorderAlert
from tools.forecast.base import Forecaster
from tools.forecast.history import store_demand
from tools.forecast.ledger import Ledger

URGENCY_TEXT: dict[str, str] = {
    "critical": "Critical: runs out before an order placed today arrives",
    "high": "High: runs out within twice the lead time",
    "normal": "Normal: at or under its reorder point",
}
SORT_TEXT: dict[str, str] = {
    "urgency": "most urgent first",
    "days_of_cover": "fewest days of cover",
    "runs_out_on": "runs out soonest",
    "suggested_order": "largest suggested order",
    "daily_demand": "fastest selling",
    "product_id": "product id",
}
PAGE_SIZE = 20
HISTORY_DAYS = 24  # four weeks of the shop's six trading days
FORECAST_DAYS = 12
ANALYTICS_TTL_S = 60.0
TOP_PRODUCTS = 10
TOP_SEARCHES = 15


class RunLedger(Protocol):
    """What the console reads of the inventory ledger: the latest run and its alerts."""

    def last_run(self) -> tuple[str, str] | None: ...
    def alerts(self, run_id: str) -> list[str]: ...


@dataclass(frozen=True)
class SalesHistory:
    """Units sold per product over the last trading days the forecaster knows."""

    days: list[date]
    rows: dict[str, np.ndarray[Any, np.dtype[np.float64]]]

    def of(self, product_id: str) -> list[tuple[date, float]]:
        row = self.rows.get(product_id)
        if row is None:
            return [(d, 0.0) for d in self.days]
        return list(zip(self.days, (float(u) for u in row), strict=True))


@dataclass(frozen=True)
class ReorderRow:
    alert: ReorderAlert
    urgency: Urgency
    history: list[tuple[date, float]]
    forecast: list[Band]
    level: float


@dataclass(frozen=True)
class ReorderPage:
    run_id: str | None
    run: dict[str, Any] | None
    rows: list[ReorderRow]
    total: int  # alerts that pass the filter
    counts: dict[str, int]  # alerts per urgency, unfiltered
    page: int
    pages: int
    note: str = ""


@dataclass(frozen=True)
class Analytics:
    """The lake's events and sales per period, best sellers and searches with no result."""

    bucket: Literal["day", "week"]
    labels: list[str]
    revenue: list[float]
    units: list[float]
    events: list[Series]
    top: list[tuple[str, float]]
    unanswered: list[tuple[str, float]]
    first: date
    last: date
    total_events: int


@dataclass
class ConsoleCache:
    """Slow figures kept between page loads (one per process)."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _alerts: tuple[str, list[ReorderAlert], dict[str, Any]] | None = None
    _history: tuple[str, SalesHistory] | None = None
    _analytics: dict[int | None, tuple[float, Analytics | None]] = field(default_factory=dict)

    def alerts(self, ledger: Ledger) -> tuple[str, list[ReorderAlert], dict[str, Any]] | None:
        """The latest run's id, alerts and summary."""
        last = ledger.last_run()
        if last is None:
            return None
        run_id, summary = last
        with self._lock:
            if self._alerts is None or self._alerts[0] != run_id:
                alerts = [ReorderAlert.model_validate_json(doc) for doc in ledger.alerts(run_id)]
                self._alerts = (run_id, alerts, json.loads(summary))
            return self._alerts

    def history(self, run_id: str, store: Store) -> SalesHistory:
        """The store's recent daily sales per product, read once per job run."""
        with self._lock:
            if self._history is not None and self._history[0] == run_id:
                return self._history[1]
        demand = store_demand(store)
        recent = demand.units[:, -HISTORY_DAYS:].copy()  # not a view: the rest is let go
        found = SalesHistory(
            days=demand.days[-HISTORY_DAYS:],
            rows={sku: recent[i] for i, sku in enumerate(demand.skus)},
        )
        with self._lock:
            self._history = (run_id, found)
        return found

    def analytics(self, lake: Lake, store: Store, days: int | None) -> Analytics | None:
        """The analytics over the last ``days`` of the lake (all of it: ``None``)."""
        now = time.monotonic()
        with self._lock:
            kept = self._analytics.get(days)
            if kept is not None and now - kept[0] < ANALYTICS_TTL_S:
                return kept[1]
        found = lake_analytics(lake, store, days)
        with self._lock:
            self._analytics[days] = (time.monotonic(), found)
        return found


def reorder_page(
    cache: ConsoleCache,
    ledger: Ledger,
    store: Store,
    forecaster: Forecaster,
    *,
    wanted: Urgency | None,
    sort: Sort,
    page: int,
) -> ReorderPage:
    """One page of the latest run's reorder alerts, each with its sales and forecast."""
    latest = cache.alerts(ledger)
    if latest is None:
        return ReorderPage(None, None, [], 0, {u: 0 for u in URGENCY_RANK}, 1, 1)
    run_id, alerts, run = latest
    counts: dict[str, int] = dict.fromkeys(URGENCY_RANK, 0)
    for alert in alerts:
        counts[urgency(alert)] += 1
    chosen = ordered(alerts, sort, wanted)
    pages = max(1, -(-len(chosen) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = chosen[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    note = ""
    try:
        history = cache.history(run_id, store)
    except ConfigError as err:
        history, note = SalesHistory([], {}), f"No sales history: {err}"
    try:
        forecasts = forecaster.forecast([a.product_id for a in shown], FORECAST_DAYS)
    except ConfigError as err:
        forecasts, note = [None] * len(shown), f"No forecast now: {err}"
    rows = []
    for alert, forecast in zip(shown, forecasts, strict=True):
        bands = [Band(d.date, d.units, d.low, d.high) for d in forecast.days] if forecast else []
        rows.append(
            ReorderRow(
                alert=alert,
                urgency=urgency(alert),
                history=history.of(alert.product_id),
                forecast=bands,
                level=forecast.level if forecast else 0.0,
            )
        )
    return ReorderPage(run_id, run, rows, len(chosen), counts, page, pages, note)


_ANALYTICS_SQL = """
WITH e AS MATERIALIZED (
    SELECT type, CAST(ts AS DATE) AS day, product_id, quantity, price, query, items
    FROM events
    {where}
)
SELECT 'day' AS kind, day, type AS label, count(*) AS n,
       CAST(sum(coalesce(quantity, 0)) AS DOUBLE) AS units,
       sum(coalesce(quantity, 0) * coalesce(price, 0)) AS revenue
FROM e GROUP BY day, type
UNION ALL
SELECT * FROM (
    SELECT 'top' AS kind, NULL AS day, product_id AS label, count(*) AS n,
           CAST(sum(quantity) AS DOUBLE) AS units, sum(quantity * price) AS revenue
    FROM e WHERE type = 'purchase' GROUP BY product_id ORDER BY units DESC, label LIMIT {top}
)
UNION ALL
SELECT * FROM (
    SELECT 'unanswered' AS kind, NULL AS day, lower(trim(query)) AS label, count(*) AS n,
           0.0 AS units, 0.0 AS revenue
    FROM e WHERE type = 'search' AND (items IS NULL OR len(items) = 0)
    GROUP BY label ORDER BY n DESC, label LIMIT {searches}
)
"""


def lake_analytics(lake: Lake, store: Store, days: int | None) -> Analytics | None:
    """Events and sales per period over the lake; ``None`` while the lake holds no events."""
    if lake.dataset("events") is None:
        return None
    where = ""
    if days is not None:
        # The window ends at the newest event, so a replayed year of history still shows.
        where = f"WHERE ts > (SELECT max(ts) FROM events) - INTERVAL {int(days)} DAY"
    sql = _ANALYTICS_SQL.format(where=where, top=TOP_PRODUCTS, searches=TOP_SEARCHES)
    try:
        rows = lake.query(sql).to_pylist()
    except ToolInputError as err:
        raise ConfigError(f"the lake could not be read: {err}") from err
    daily = [r for r in rows if r["kind"] == "day"]
    if not daily:
        return None
    first = min(r["day"] for r in daily)
    last = max(r["day"] for r in daily)
    bucket: Literal["day", "week"] = "day" if (last - first).days <= 92 else "week"
    starts = _periods(first, last, bucket)
    at = {start: i for i, start in enumerate(starts)}
    revenue = [0.0] * len(starts)
    units = [0.0] * len(starts)
    types = sorted({r["label"] for r in daily})
    per_type = {t: [0.0] * len(starts) for t in types}
    for r in daily:
        i = at[_period_start(r["day"], bucket)]
        per_type[r["label"]][i] += r["n"]
        if r["label"] == "purchase":
            revenue[i] += r["revenue"] or 0.0
            units[i] += r["units"] or 0.0
    top_rows = [r for r in rows if r["kind"] == "top"]
    titles = {p.id: p.title for p in store.get_products([r["label"] for r in top_rows])}
    return Analytics(
        bucket=bucket,
        labels=[s.strftime("%d %b %y") for s in starts],
        revenue=[round(v, 2) for v in revenue],
        units=units,
        events=[Series(t, per_type[t]) for t in types],
        top=[(titles.get(r["label"], r["label"]), r["units"]) for r in top_rows],
        unanswered=[(r["label"], float(r["n"])) for r in rows if r["kind"] == "unanswered"],
        first=first,
        last=last,
        total_events=int(sum(r["n"] for r in daily)),
    )


def _period_start(day: date, bucket: str) -> date:
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


def _periods(first: date, last: date, bucket: str) -> list[date]:
    step = timedelta(days=7 if bucket == "week" else 1)
    start, out = _period_start(first, bucket), []
    while start <= last:
        out.append(start)
        start += step
    return out


def categories(products: Sequence[Any]) -> list[tuple[str, int]]:
    """The store's categories and how many products each holds, by name."""
    counts: dict[str, int] = {}
    for product in products:
        counts[product.category] = counts.get(product.category, 0) + 1
    return sorted(counts.items(), key=lambda kv: kv[0].lower())
