"""The daily forecast job: retrain on the store's sales, store the forecasts, alert reorders.

``shopagent jobs forecast`` runs it once; the API can run it on a schedule (off by default).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from tools.catalog.store import Store
from tools.forecast.alerts import AlertSink, ReorderAlert
from tools.forecast.inventory import Inventory, StockPosition
from tools.forecast.ledger import StoredForecast
from tools.forecast.train import train_forecaster
from tools.forecast.trained import ForecastModel

Progress = Callable[[str, int, int], None]


class JobSummary(BaseModel):
    """What one run of the job did."""

    run_id: str
    started_at: datetime
    finished_at: datetime
    products_forecast: int
    products_checked: int
    alerts: int
    alert_sink: str
    trained_through: str
    skipped_rows: dict[str, int]


def stored_forecasts(model: ForecastModel, run_id: str) -> list[StoredForecast]:
    """The summary of each product's forecast that inventory decisions read."""
    weekdays = sorted(model.weekdays)
    return [
        StoredForecast(
            product_id=sku,
            method=model.methods[i],
            daily_mean=float(model.point[i].mean()),
            daily_sd=float(model.sd[i]),
            level=model.level,
            trained_through=model.trained_through,
            weekdays=weekdays,
            run_id=run_id,
        )
        for i, sku in enumerate(model.skus)
    ]


def alert_for(p: StockPosition, run_id: str, now: datetime) -> ReorderAlert:
    return ReorderAlert(
        run_id=run_id,
        product_id=p.product_id,
        title=p.title,
        stock=p.stock,
        on_order=p.on_order,
        daily_demand=p.daily_demand or 0.0,
        reorder_point=p.reorder_point or 0.0,
        days_of_cover=p.days_of_cover,
        runs_out_on=p.runs_out_on,
        lead_time_days=p.lead_time_days,
        suggested_order=p.suggested_order,
        forecast_method=p.forecast_method or "",
        created_at=now,
    )


def run_forecast_job(
    store: Store,
    inventory: Inventory,
    sink: AlertSink,
    model_dir: Path,
    progress: Progress | None = None,
) -> JobSummary:
    """Retrain, write the forecasts to the store, emit an alert per product to reorder."""
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    model, demand = train_forecaster(store, model_dir, progress=progress)
    inventory.ledger.replace_forecasts(stored_forecasts(model, run_id))
    products = list(store.iter_products())
    if progress is not None:
        progress("stock positions", 0, len(products))
    positions = inventory.positions(products, started)
    if progress is not None:
        progress("stock positions", len(products), len(products))
    alerts = [alert_for(p, run_id, started) for p in positions if p.reorder_now]
    alerts.sort(key=lambda a: (a.days_of_cover is None, a.days_of_cover or 0.0))
    sink.emit(alerts)
    summary = JobSummary(
        run_id=run_id,
        started_at=started,
        finished_at=datetime.now(UTC),
        products_forecast=len(model.skus),
        products_checked=len(positions),
        alerts=len(alerts),
        alert_sink=sink.name,
        trained_through=model.trained_through.isoformat(),
        skipped_rows=demand.skipped,
    )
    inventory.ledger.record_run(run_id, summary, alerts)
    return summary
