"""Training the forecaster: demand from the store (or a file), fit, save the model folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tools.catalog.store import Store
from tools.forecast.demand import DemandData, read_demand
from tools.forecast.history import store_demand
from tools.forecast.model import fit
from tools.forecast.trained import ForecastModel

Progress = Callable[[str, int, int], None]
# Holdout and selection horizon: four trading weeks.
TRAINING_HORIZON = 28


def train_forecaster(
    store: Store,
    model_dir: Path,
    demand_file: Path | None = None,
    progress: Progress | None = None,
) -> tuple[ForecastModel, DemandData]:
    """Fit on the store's sales (or ``demand_file``) and save the model into ``model_dir``."""
    demand = read_demand(demand_file) if demand_file else store_demand(store, progress)
    fitted = fit(demand, TRAINING_HORIZON, progress=progress)
    model = ForecastModel.from_fit(demand, fitted)
    model.save(model_dir)
    return model, demand
