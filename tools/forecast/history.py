"""Daily demand from the store: the items of dated orders, and purchase events since the load.

Orders are the store's record of what sold before it was loaded; purchase events dated after the
load are the sales since (events replayed from the same history carry their old dates and are
not counted twice). The same cut decides which purchases reduce stock (``inventory``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pyarrow as pa

from infra.errors import ConfigError
from tools.catalog.store import Store
from tools.forecast.demand import DemandData, from_table
from tools.forecast.ledger import as_utc

Progress = Callable[[str, int, int], None]
_REPORT_EVERY = 2000


def store_demand(store: Store, progress: Progress | None = None) -> DemandData:
    """Units per product and trading day from the store's orders and live purchase events."""
    info = store.info()
    if info is None:
        raise ConfigError("the store is empty: run `shopagent load online-retail` first")
    dates: list[datetime] = []
    skus: list[str] = []
    quantities: list[float | None] = []
    revenues: list[float] = []
    for n, order in enumerate(store.iter_orders(), start=1):
        if order.created_at is not None and order.status != "cancelled":
            for item in order.items:
                quantity = 1 if item.quantity is None else item.quantity
                dates.append(order.created_at)
                skus.append(item.product_id)
                quantities.append(quantity)
                revenues.append(quantity * item.price)
        if progress is not None and n % _REPORT_EVERY == 0:
            progress("read orders", n, info.orders)
    if progress is not None:
        progress("read orders", info.orders, info.orders)
    for event in store.iter_events(["purchase"]):
        if event.product_id and as_utc(event.ts) >= as_utc(info.loaded_at):
            quantity = 1 if event.quantity is None else event.quantity
            dates.append(event.ts)
            skus.append(event.product_id)
            quantities.append(quantity)
            revenues.append(quantity * (event.price or 0.0))
    if not dates:
        raise ConfigError(
            f"the {info.dataset} store has no dated sales to learn demand from "
            "(its orders carry no dates and no purchase was recorded since it was loaded)"
        )
    table = pa.table(
        {
            "date": pa.array(dates, pa.timestamp("us", tz="UTC")),
            "sku": skus,
            "quantity": pa.array(quantities, pa.float64()),
            "revenue": revenues,
        }
    )
    return from_table(table)
