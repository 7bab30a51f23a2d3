"""A small real SQLite store with dated orders, for the forecast and inventory tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tools.catalog.sqlite import SqliteStore
from tools.models import Order, OrderItem, Product, StoreInfo

NOTE = "Estimated stock, derived from sales."
START = datetime(2024, 1, 1, 10, tzinfo=UTC)  # a Monday
LOADED = datetime(2024, 6, 1, tzinfo=UTC)
# id, title, stock, units sold per order, sells every n days (Saturdays closed)
CATALOG = [
    ("FAST1", "Fast Seller Mug", 30, 10, 1),
    ("SLOW2", "Slow Seller Lantern", 400, 2, 5),
    ("GONE3", "Sold Out Teapot", 0, 4, 2),
    ("NEW44", "Never Sold Doormat", 5, 0, 0),
]


def make_store(folder: Path, days: int = 120) -> SqliteStore:
    """Products of ``CATALOG`` and one order per sale day, Monday to Friday and Sunday."""
    products = [
        Product(id=pid, title=title, price=2.5, stock=stock, stock_note=NOTE)
        for pid, title, stock, _, _ in CATALOG
    ]
    orders: list[Order] = []
    for day in range(days):
        when = START + timedelta(days=day)
        if when.weekday() == 5:
            continue
        items = [
            OrderItem(name=title, product_id=pid, item_id=pid, price=2.5, quantity=units)
            for pid, title, _, units, every in CATALOG
            if every and day % every == 0
        ]
        if items:
            orders.append(
                Order(
                    order_id=f"O{day}",
                    user_id="U1",
                    items=items,
                    status="delivered",
                    created_at=when,
                )  # fmt: skip
            )
    store = SqliteStore(folder / "store.sqlite")
    info = StoreInfo(
        dataset="test", currency="GBP", loaded_at=LOADED, products=len(products), users=0,
        orders=len(orders),
    )  # fmt: skip
    store.replace_all(info, products, [], orders)
    return store
