"""The trained forecaster: every product's forecast for one season of trading days, saved as
a model folder (``model.npz`` + ``meta.json``) and served in-process or by the model server.

Every forecast repeats week after week (a rate spread over the weekdays by the product's
profile, or seasonal naive's last season), so one season of point forecasts and bounds answers
any horizon by repetition.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from infra.errors import ConfigError
from tools.forecast.base import DayForecast, ForecastRequest, ForecastResponse, ProductForecast
from tools.forecast.demand import DemandData
from tools.forecast.methods import Matrix, Vector
from tools.forecast.model import FittedForecasts
from tools.forecast.weekly import trading_days_after

MODEL_FILE = "model.npz"
META_FILE = "meta.json"


@dataclass(frozen=True)
class ForecastModel:
    """Per product: the method, a season of point forecasts and bounds, and the daily spread."""

    skus: list[str]
    methods: list[str]
    point: Matrix  # products × season
    lower: Matrix
    upper: Matrix
    sd: Vector
    season: int
    weekdays: frozenset[int]  # the weekdays the shop trades on
    trained_through: date
    level: float
    trained_at: datetime

    @classmethod
    def from_fit(cls, demand: DemandData, fitted: FittedForecasts) -> ForecastModel:
        season = fitted.season
        return cls(
            skus=list(fitted.skus),
            methods=list(fitted.chosen),
            point=_season(fitted.point, season),
            lower=_season(fitted.lower, season),
            upper=_season(fitted.upper, season),
            sd=fitted.daily_sd,
            season=season,
            weekdays=demand.weekdays,
            trained_through=demand.days[-1],
            level=fitted.level,
            trained_at=datetime.now(UTC),
        )

    def save(self, folder: Path) -> None:
        """Write the model folder (what a SageMaker model archive holds)."""
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            folder / MODEL_FILE,
            skus=np.array(self.skus),
            methods=np.array(self.methods),
            point=self.point,
            lower=self.lower,
            upper=self.upper,
            sd=self.sd,
        )
        meta = {
            "season": self.season,
            "weekdays": sorted(self.weekdays),
            "trained_through": self.trained_through.isoformat(),
            "level": self.level,
            "trained_at": self.trained_at.isoformat(),
            "products": len(self.skus),
        }
        (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path) -> ForecastModel:
        """Read a model folder written by ``save``."""
        if not (folder / MODEL_FILE).is_file() or not (folder / META_FILE).is_file():
            raise ConfigError(
                f"no forecaster model in {folder}: run `shopagent train forecaster` first"
            )
        meta = json.loads((folder / META_FILE).read_text())
        with np.load(folder / MODEL_FILE, allow_pickle=False) as arrays:
            return cls(
                skus=[str(s) for s in arrays["skus"]],
                methods=[str(m) for m in arrays["methods"]],
                point=arrays["point"],
                lower=arrays["lower"],
                upper=arrays["upper"],
                sd=arrays["sd"],
                season=int(meta["season"]),
                weekdays=frozenset(int(d) for d in meta["weekdays"]),
                trained_through=date.fromisoformat(meta["trained_through"]),
                level=float(meta["level"]),
                trained_at=datetime.fromisoformat(meta["trained_at"]),
            )

    def forecast(self, product_ids: Sequence[str], horizon: int) -> list[ProductForecast | None]:
        """Each product's forecast over ``horizon`` trading days (``None``: no sales history)."""
        at = {sku: i for i, sku in enumerate(self.skus)}
        dates = trading_days_after(self.trained_through, self.weekdays, horizon)
        out: list[ProductForecast | None] = []
        for pid in product_ids:
            i = at.get(pid)
            if i is None:
                out.append(None)
                continue
            cycle = [k % self.season for k in range(horizon)]
            days = [
                DayForecast(
                    date=d,
                    units=round(float(self.point[i, k]), 3),
                    low=round(float(self.lower[i, k]), 3),
                    high=round(float(self.upper[i, k]), 3),
                )
                for d, k in zip(dates, cycle, strict=True)
            ]
            total = float(sum(self.point[i, k] for k in cycle))
            out.append(
                ProductForecast(
                    product_id=pid,
                    method=self.methods[i],
                    level=self.level,
                    daily_mean=round(float(self.point[i].mean()), 4),
                    daily_sd=round(float(self.sd[i]), 4),
                    days=days,
                    total=round(total, 3),
                    trained_through=self.trained_through,
                )
            )
        return out

    def invoke(self, body: bytes) -> bytes:
        """The model server's ``/invocations``: a ``ForecastRequest`` in, a response out."""
        request = ForecastRequest.model_validate_json(body)
        response = ForecastResponse(forecasts=self.forecast(request.product_ids, request.horizon))
        return response.model_dump_json().encode()


def _season(matrix: Matrix, season: int) -> Matrix:
    """The first season of a forecast (it repeats from there), padded if the horizon is short."""
    width = matrix.shape[1]
    reps = -(-season // max(width, 1))
    return np.tile(matrix, reps)[:, :season]


class LocalForecaster:
    """The ``Forecaster`` on a model folder, reloaded when a new model is saved there."""

    name = "local"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._model: ForecastModel | None = None
        self._stamp: float | None = None
        self._lock = threading.Lock()

    def trained(self) -> bool:
        """Whether a model was saved in the folder."""
        return (self.folder / MODEL_FILE).is_file() and (self.folder / META_FILE).is_file()

    def model(self) -> ForecastModel:
        """The saved model (``ConfigError`` when none was trained yet)."""
        meta = self.folder / META_FILE
        stamp = meta.stat().st_mtime if meta.is_file() else None
        with self._lock:
            if self._model is None or stamp != self._stamp:
                self._model = ForecastModel.load(self.folder)
                self._stamp = stamp
            return self._model

    def forecast(self, product_ids: Sequence[str], horizon: int) -> list[ProductForecast | None]:
        return self.model().forecast(product_ids, horizon)

    def ping(self) -> bool:
        return True
