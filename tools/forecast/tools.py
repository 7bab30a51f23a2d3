"""Tools: ``forecast_demand``, ``check_inventory`` and ``reorder_suggestions``."""

from __future__ import annotations

import logging
import math
from datetime import date
from typing import Any

from anyio import to_thread
from pydantic import BaseModel, Field

from infra.errors import ConfigError, ToolInputError
from tools.catalog.store import Store
from tools.catalog.tools import ProductIdInput, require_product
from tools.forecast.base import MAX_HORIZON, DayForecast, Forecaster
from tools.forecast.inventory import MIN_LEAD_DEMAND, Inventory, StockPosition
from tools.forecast.on_demand import TrainOnFirstUse
from tools.spec import ToolSpec

log = logging.getLogger(__name__)


class ForecastInput(ProductIdInput):
    horizon_days: int = Field(
        default=28, ge=1, le=MAX_HORIZON, description="How many trading days ahead (1-365)."
    )


class DemandForecast(BaseModel):
    product_id: str
    title: str
    horizon_days: int
    available: bool = Field(description="False when there is no forecast; `note` says why")
    method: str | None = None
    daily_mean: float | None = None
    total: float | None = Field(None, description="expected units over the horizon")
    level: float | None = Field(None, description="coverage of each day's [low, high]")
    days: list[DayForecast] = Field(default_factory=list)
    trained_through: date | None = None
    stock: int
    note: str = ""


class ReorderInput(BaseModel):
    within_days: int = Field(
        default=6, ge=1, le=90, description="Look-ahead in trading days (6 is one week)."
    )
    limit: int = Field(default=10, ge=1, le=50)


class ReorderItem(BaseModel):
    id: str
    title: str
    stock: int
    on_order: int
    daily_demand: float
    days_of_cover: float | None
    runs_out_on: date | None
    lead_time_days: int
    demand_over_lead_time: float
    safety_stock: float
    reorder_point: float
    suggested_order: int
    forecast_method: str
    reason: str


class ReorderList(BaseModel):
    products: list[ReorderItem]
    total: int = Field(description="products due for reorder within the look-ahead")
    within_days: int
    service_level: float
    note: str = ""


def _reason(p: StockPosition) -> str:
    """Why a product is on the list, in the numbers that decide it."""
    cover = f"{p.days_of_cover:g} trading days" if p.days_of_cover is not None else "no time"
    return (
        f"{p.stock} on hand (+{p.on_order} on order) covers {cover} at "
        f"{p.daily_demand:g} a day; reorder point {p.reorder_point:g} = "
        f"{p.demand_over_lead_time:g} over the {p.lead_time_days}-day lead time + "
        f"{p.safety_stock:g} safety stock"
    )


def _due_within(p: StockPosition, within: int) -> bool:
    """At or under the reorder point now, or within ``within`` trading days of demand."""
    if p.daily_demand is None or p.reorder_point is None or p.demand_over_lead_time is None:
        return False
    if p.demand_over_lead_time < MIN_LEAD_DEMAND:
        return False
    return p.stock + p.on_order - p.daily_demand * within <= p.reorder_point


def _order_quantity(p: StockPosition, within: int) -> int:
    """Units that lift stock plus orders to the reorder point plus the look-ahead's demand (at
    least what the position itself suggests, a week's demand above the reorder point)."""
    target = (p.reorder_point or 0.0) + (p.daily_demand or 0.0) * within
    return max(p.suggested_order, math.ceil(target - p.stock - p.on_order))


def forecast_tools(
    store: Store, forecaster: Forecaster, inventory: Inventory
) -> list[ToolSpec[Any, Any]]:
    """The demand and inventory tools bound to their backends (a local forecaster with no model
    yet trains on the first call, so a freshly loaded store answers)."""
    first_use = TrainOnFirstUse(store, forecaster, inventory)

    def no_forecast_note() -> str:
        reason = first_use.problem or "the forecaster could not be reached"
        return f"No forecast is available: {reason.rstrip('.')}."

    async def forecast_demand(args: ForecastInput) -> DemandForecast:
        """Forecast a product's demand: expected units per trading day for the next
        ``horizon_days`` trading days (default 28), each with a 90 % prediction interval, and
        the total; also the stock on hand.

        Use it for "how many will sell", "how fast is it selling" or to plan stock.
        """
        product = require_product(store, args.product_id)
        await to_thread.run_sync(first_use.ensure)
        position = (await to_thread.run_sync(inventory.positions, [product]))[0]
        base = DemandForecast(
            product_id=product.id,
            title=product.title,
            horizon_days=args.horizon_days,
            available=False,
            stock=position.stock,
        )
        try:
            found = await to_thread.run_sync(forecaster.forecast, [product.id], args.horizon_days)
        except ConfigError as err:  # its text may name internal paths: logged, not shown
            log.warning("forecast of %s failed: %s", product.id, err)
            return base.model_copy(update={"note": no_forecast_note()})
        forecast = found[0]
        if forecast is None:
            return base.model_copy(
                update={"note": "This product has no sales history, so there is no forecast."}
            )
        return base.model_copy(
            update={
                "available": True,
                "method": forecast.method,
                "daily_mean": forecast.daily_mean,
                "total": forecast.total,
                "level": forecast.level,
                "days": forecast.days,
                "trained_through": forecast.trained_through,
                "note": "Days are trading days; the shop does not trade on every weekday.",
            }
        )

    async def check_inventory(args: ProductIdInput) -> StockPosition:
        """Check a product's stock: whether it is in stock and how many units are on hand, how
        many trading days that lasts at forecast demand, when it runs out, the reorder point,
        and for a product that is out of stock when it is expected back.

        Use it when the shopper asks "is it in stock", "how many are left" or "when is it back".
        """
        product = require_product(store, args.product_id)
        await to_thread.run_sync(first_use.ensure)
        return (await to_thread.run_sync(inventory.positions, [product]))[0]

    async def reorder_suggestions(args: ReorderInput) -> ReorderList:
        """List the products to reorder now or within ``within_days`` trading days (default: a
        week), most urgent first, each with the stock, forecast demand, reorder point and
        suggested order quantity that put it on the list.

        Use it for merchandiser questions like "what should I reorder this week and why?".
        """
        await to_thread.run_sync(first_use.ensure)
        products = await to_thread.run_sync(lambda: list(store.iter_products()))
        positions = await to_thread.run_sync(inventory.positions, products)
        due = [p for p in positions if _due_within(p, args.within_days)]
        if not any(p.daily_demand is not None for p in positions):
            raise ToolInputError(
                f"there are no demand forecasts: {first_use.problem or 'no product has any'}"
            )
        due.sort(key=lambda p: (p.days_of_cover or 0.0, -(p.daily_demand or 0.0)))
        items = [
            ReorderItem(
                id=p.product_id,
                title=p.title,
                stock=p.stock,
                on_order=p.on_order,
                daily_demand=p.daily_demand or 0.0,
                days_of_cover=p.days_of_cover,
                runs_out_on=p.runs_out_on,
                lead_time_days=p.lead_time_days,
                demand_over_lead_time=p.demand_over_lead_time or 0.0,
                safety_stock=p.safety_stock or 0.0,
                reorder_point=p.reorder_point or 0.0,
                suggested_order=_order_quantity(p, args.within_days),
                forecast_method=p.forecast_method or "",
                reason=_reason(p),
            )
            for p in due[: args.limit]
        ]
        return ReorderList(
            products=items,
            total=len(due),
            within_days=args.within_days,
            service_level=inventory.service_level,
            note=" ".join(sorted({p.stock_note for p in products if p.stock_note})),
        )

    return [
        ToolSpec("forecast_demand", ForecastInput, DemandForecast, forecast_demand),
        ToolSpec("check_inventory", ProductIdInput, StockPosition, check_inventory),
        ToolSpec("reorder_suggestions", ReorderInput, ReorderList, reorder_suggestions),
    ]
