"""The forecaster Protocol and its wire models (the same JSON in-process and over SageMaker)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from pydantic import BaseModel, Field

MAX_HORIZON = 365


class DayForecast(BaseModel):
    """Expected units on one trading day, with its prediction interval."""

    date: date
    units: float
    low: float
    high: float


class ProductForecast(BaseModel):
    """One product's forecast over the next trading days."""

    product_id: str
    method: str  # the forecasting method picked for this product
    level: float  # nominal coverage of [low, high]
    daily_mean: float  # mean expected units per trading day
    daily_sd: float  # spread of daily sales around that mean
    days: list[DayForecast]
    total: float  # expected units over the horizon
    trained_through: date  # the last day of sales the model saw


class ForecastRequest(BaseModel):
    """The body of ``/invocations``."""

    product_ids: list[str] = Field(min_length=1, max_length=5000)
    horizon: int = Field(ge=1, le=MAX_HORIZON)


class ForecastResponse(BaseModel):
    """Forecasts in request order; ``None`` for a product the model has no sales history of."""

    forecasts: list[ProductForecast | None]


class Forecaster(Protocol):
    """Forecasts daily demand per product (a local model, or a SageMaker endpoint)."""

    name: str

    def forecast(self, product_ids: Sequence[str], horizon: int) -> list[ProductForecast | None]:
        """Forecasts in ``product_ids`` order, ``None`` where a product has no sales history."""
        ...

    def ping(self) -> bool:
        """Whether the backend answers (a local one without a trained model still does)."""
        ...
