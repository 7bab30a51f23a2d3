"""Stock positions: what is on hand, how long it lasts, and when to reorder.

Stock on hand is the loader's starting level, less purchases since the store was loaded, plus
receipts that have arrived; receipts still due are on order. With ``d`` the forecast mean units
per trading day, ``s`` their daily spread and ``L`` the lead time in trading days:

    reorder point = d·L + z·s·√L      (z from the service level, e.g. 1.645 for 95 %)
    days of cover = stock on hand / d  (trading days)

A product is due for reorder when stock on hand plus stock on order is at or under its reorder
point (and it is expected to sell at least one unit over the lead time); the suggested order
brings that position up to the reorder point plus a week of demand.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist

from pydantic import BaseModel, Field

from tools.catalog.store import Store
from tools.forecast.ledger import Ledger, StoredForecast
from tools.models import Product

ALL_WEEKDAYS = list(range(7))
MIN_LEAD_DEMAND = 1.0  # units over the lead time below which nothing is reordered
MAX_COVER_DATED = 1000  # trading days; beyond that no run-out date is given


class StockPosition(BaseModel):
    """A product's stock, demand and reorder figures, each traceable to its inputs."""

    product_id: str
    title: str
    in_stock: bool
    stock: int = Field(description="units on hand now")
    variants_available: int | None = None
    starting_stock: int = Field(description="the loader's starting level")
    sold_since_load: int
    received: int
    on_order: int
    next_delivery: date | None = None
    lead_time_days: int = Field(description="calendar days from order to delivery")
    service_level: float
    daily_demand: float | None = Field(None, description="forecast units per trading day")
    daily_sd: float | None = None
    forecast_method: str | None = None
    demand_over_lead_time: float | None = None
    safety_stock: float | None = None
    reorder_point: float | None = None
    days_of_cover: float | None = Field(None, description="trading days the stock lasts")
    runs_out_on: date | None = None
    reorder_now: bool = False
    suggested_order: int = 0
    back_in_stock_by: date | None = Field(
        None, description="when an out-of-stock product is expected back"
    )
    note: str


def trading_days(weekdays: list[int], start: date, count: float) -> date:
    """The date ``count`` trading days after ``start`` (rounded up)."""
    days = max(0, math.ceil(count))
    day = start
    allowed = set(weekdays) or set(ALL_WEEKDAYS)
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() in allowed:
            days -= 1
    return day


def position(
    product: Product,
    sold: int,
    received: int,
    on_order: int,
    next_delivery: date | None,
    lead_time_days: int,
    service_level: float,
    forecast: StoredForecast | None,
    today: date,
) -> StockPosition:
    """The stock position of one product (pure: every input given)."""
    stock = max(0, product.stock - sold + received)
    base = StockPosition(
        product_id=product.id,
        title=product.title,
        in_stock=stock > 0,
        stock=stock,
        starting_stock=product.stock,
        sold_since_load=sold,
        received=received,
        on_order=on_order,
        next_delivery=next_delivery,
        lead_time_days=lead_time_days,
        service_level=service_level,
        variants_available=sum(v.available for v in product.variants) if product.variants else None,
        note=product.stock_note,
    )
    if forecast is None:
        if stock == 0:
            base.back_in_stock_by = next_delivery or today + timedelta(days=lead_time_days)
        base.note = " ".join(
            filter(None, [product.stock_note, "No demand forecast for this product yet."])
        )
        return base
    d, s = forecast.daily_mean, forecast.daily_sd
    week = len(forecast.weekdays) or 7
    lead = lead_time_days * week / 7  # in trading days
    z = NormalDist().inv_cdf(service_level)
    safety = z * s * math.sqrt(lead)
    reorder_point = d * lead + safety
    cover = stock / d if d > 0 else math.inf
    position_units = stock + on_order
    # A product expected to sell under one unit over the lead time is not worth an order.
    due = d * lead >= MIN_LEAD_DEMAND and position_units <= reorder_point
    order = math.ceil(reorder_point + d * week - position_units) if due else 0
    back = None
    if stock == 0:
        back = next_delivery or today + timedelta(days=lead_time_days)
    return base.model_copy(
        update={
            "daily_demand": round(d, 3),
            "daily_sd": round(s, 3),
            "forecast_method": forecast.method,
            "demand_over_lead_time": round(d * lead, 1),
            "safety_stock": round(safety, 1),
            "reorder_point": round(reorder_point, 1),
            "days_of_cover": round(cover, 1) if math.isfinite(cover) else None,
            "runs_out_on": trading_days(forecast.weekdays, today, cover)
            if cover <= MAX_COVER_DATED and stock > 0
            else None,
            "reorder_now": due,
            "suggested_order": max(order, 0),
            "back_in_stock_by": back,
        }
    )


class Inventory:
    """Stock positions of the store's products from the ledger and the stored forecasts."""

    def __init__(
        self,
        store: Store,
        ledger: Ledger,
        lead_time_days: int = 7,
        service_level: float = 0.95,
    ) -> None:
        self.store = store
        self.ledger = ledger
        self.lead_time_days = lead_time_days
        self.service_level = service_level

    def positions(
        self, products: list[Product], now: datetime | None = None
    ) -> list[StockPosition]:
        """Each product's position now (receipts due later count as on order)."""
        now = now or datetime.now(UTC)
        info = self.store.info()
        ids = [p.id for p in products]
        # Up to a few hundred products are asked for by id; a whole catalog is read at once.
        wanted = ids if len(ids) <= 500 else None
        sold = self.ledger.sold_since(info.loaded_at if info else now, wanted)
        receipts = self.ledger.receipts(wanted)
        lead_times = self.ledger.lead_times(wanted)
        forecasts = self.ledger.forecasts(wanted)
        out = []
        for product in products:
            mine = receipts.get(product.id, [])
            due = [r for r in mine if r.arrives > now]
            out.append(
                position(
                    product,
                    sold=sold.get(product.id, 0),
                    received=sum(r.quantity for r in mine if r.arrives <= now),
                    on_order=sum(r.quantity for r in due),
                    next_delivery=due[0].arrives.date() if due else None,
                    lead_time_days=lead_times.get(product.id, self.lead_time_days),
                    service_level=self.service_level,
                    forecast=forecasts.get(product.id),
                    today=now.date(),
                )
            )
        return out
