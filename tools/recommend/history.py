"""Interactions from a store: its orders (one basket each) and its behaviour events."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from infra.events.schema import BehaviourEvent
from tools.catalog.loaders import Progress, report
from tools.catalog.store import Store
from tools.models import Order
from tools.recommend.train import Interactions

# Events that say a shopper wanted a product; only purchases count as units sold.
SIGNAL_EVENTS = ("purchase", "add_to_cart", "view")
_REPORT_EVERY = 2000


def day_number(moment: datetime) -> float:
    """Days since 1970-01-01 UTC, fractional (a naive time is taken as UTC)."""
    utc = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    return (utc - datetime(1970, 1, 1)).total_seconds() / 86400


@dataclass
class Basket:
    """Items one shopper bought (or looked at) at once, and when (``nan``: no date)."""

    user: str
    day: float
    items: list[str] = field(default_factory=list)
    units: list[float] = field(default_factory=list)


def _order_basket(order: Order) -> Basket | None:
    if order.status == "cancelled" or not order.items:
        return None
    # Orders without a date (tau-bench's) keep the store's order, before any dated event.
    day = day_number(order.created_at) if order.created_at else math.nan
    basket = Basket(order.user_id, day)
    for item in order.items:
        basket.items.append(item.product_id)
        basket.units.append(float(item.quantity or 1))
    return basket


def _event_basket(event: BehaviourEvent) -> Basket | None:
    if not event.user_id or not event.product_id or event.type not in SIGNAL_EVENTS:
        return None
    units = float(event.quantity or 1) if event.type == "purchase" else 0.0
    return Basket(event.user_id, day_number(event.ts), [event.product_id], [units])


def interactions_from_baskets(baskets: Iterable[Basket]) -> Interactions:
    """Number shoppers, items and baskets (each shopper's in time order) into columns."""
    # A stable sort: baskets of one shopper on one day (or undated) keep the store's order.
    ordered = sorted(baskets, key=lambda b: (b.user, -math.inf if math.isnan(b.day) else b.day))
    days = np.array([b.day for b in ordered], dtype=np.float64)
    user_ids = sorted({b.user for b in ordered})
    item_ids = sorted({i for b in ordered for i in b.items})
    users = {u: k for k, u in enumerate(user_ids)}
    items = {i: k for k, i in enumerate(item_ids)}
    sizes = np.array([len(b.items) for b in ordered], dtype=np.int64)
    return Interactions(
        item_ids=item_ids,
        user_ids=user_ids,
        user=np.repeat(np.array([users[b.user] for b in ordered], dtype=np.int64), sizes),
        item=np.array([items[i] for b in ordered for i in b.items], dtype=np.int64),
        basket=np.repeat(np.arange(len(ordered), dtype=np.int64), sizes),
        quantity=np.array([q for b in ordered for q in b.units], dtype=np.float64),
        day=np.repeat(days, sizes) if np.isfinite(days).any() else None,
    )


def store_baskets(store: Store, progress: Progress | None = None) -> list[Basket]:
    """Every order and signal event of ``store`` as a basket."""
    baskets: list[Basket] = []
    stage = "read purchases"
    info = store.info()
    total = info.orders if info else 0
    for n, order in enumerate(store.iter_orders(), start=1):
        basket = _order_basket(order)
        if basket is not None:
            baskets.append(basket)
        if n % _REPORT_EVERY == 0:
            report(progress, stage, n, total)
    report(progress, stage, total, total)
    for event in store.iter_events(SIGNAL_EVENTS):
        basket = _event_basket(event)
        if basket is not None:
            baskets.append(basket)
    return baskets


def interaction_baskets(rows: Iterable[tuple[str, str, int, int, int, str]]) -> list[Basket]:
    """The event pipeline's interactions (user, product, views, carts, units, last time)."""
    baskets = []
    for user, product, _views, _carts, units, last in rows:
        day = day_number(datetime.fromisoformat(last))
        baskets.append(Basket(user, day, [product], [float(units)]))
    return baskets
