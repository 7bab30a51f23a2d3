"""``shopagent train forecaster`` and ``shopagent jobs forecast``."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer

from api.terminal import console, fail
from infra.errors import ShopagentError
from infra.settings import get_settings

jobs_app = typer.Typer(help="Scheduled jobs, run once by hand.", no_args_is_help=True)


def train_forecaster(
    demand: Annotated[
        Path | None,
        typer.Option(help="Train on this CSV/Parquet (date, sku, quantity) instead of the store"),
    ] = None,
) -> None:
    """Fit the demand forecaster on the store's sales and save it in the data directory."""
    from api.progress import progress_bar
    from assembly.demo_store import ensure_store
    from tools.catalog.backend import store as open_store
    from tools.forecast.train import train_forecaster as train

    settings = get_settings()
    try:
        with progress_bar() as progress:
            ensure_store(settings, progress)
            with closing(open_store(settings)) as store:
                model, data = train(store, settings.forecaster_dir, demand, progress)
    except ShopagentError as err:
        raise fail(err) from err
    chosen: dict[str, int] = {}
    for method in model.methods:
        chosen[method] = chosen.get(method, 0) + 1
    picks = ", ".join(f"{m} {n:,}" for m, n in sorted(chosen.items(), key=lambda kv: -kv[1]))
    console.print(
        f"forecaster trained on {len(data.days):,} trading days through "
        f"{model.trained_through}: {len(model.skus):,} products ({picks}) → "
        f"{settings.forecaster_dir}"
    )
    if data.skipped:
        console.print(f"skipped rows: {data.skipped}")


@jobs_app.command("forecast")
def forecast_job() -> None:
    """Refresh forecasts, store them, and emit a reorder alert per product to reorder."""
    from api.progress import progress_bar
    from assembly.demo_store import ensure_store
    from tools.catalog.backend import store as open_store
    from tools.forecast.backend import alert_sink, inventory
    from tools.forecast.job import run_forecast_job

    settings = get_settings()
    try:
        with progress_bar() as progress:
            ensure_store(settings, progress)
            store = open_store(settings)
            stock = inventory(settings, store)
            try:
                summary = run_forecast_job(
                    store, stock, alert_sink(settings), settings.forecaster_dir, progress
                )
            finally:
                stock.ledger.close()
                store.close()
    except ShopagentError as err:
        raise fail(err) from err
    console.print(
        f"run {summary.run_id}: {summary.products_forecast:,} products forecast, "
        f"{summary.alerts:,} reorder alerts → {summary.alert_sink}"
    )
