"""Fitting the forecasts: every method on every product (the rate methods' rates spread over the
week by each product's weekday profile, ``weekly``), one method picked per product by a holdout,
and prediction intervals calibrated on that holdout.

The pick is between the intermittent methods, the smooth ones and their combination. A single
28-day holdout is a noisy judge of one product, so a product keeps the combination unless a
method beat it there by a clear margin (``SELECTION_MARGIN``); that margin was set on older
cut-offs of the online-retail data, never on the last 28 days that the evaluation reports.
Seasonal naive is scored but not a candidate (``NEVER_PICKED``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from infra.errors import ToolInputError
from tools.forecast.base import MAX_HORIZON
from tools.forecast.demand import DemandData
from tools.forecast.methods import METHODS, Index, Matrix, Vector, cap_outliers, combination
from tools.forecast.weekly import trading_days_after, weekday_profile

# progress(stage, done, total)
Progress = Callable[[str, int, int], None]

COMBINATION: Final = "combination"
SELECTION_MARGIN: Final = 0.25  # a method must cut the holdout error by 25 % to be picked
# Seasonal naive stays the benchmark but is never picked: winning one 28-day holdout by
# repeating last week's noise did not carry over (it raised WRMSSE on the older cut-offs).
NEVER_PICKED: Final = frozenset({"seasonal_naive"})
INTERVAL_WINDOW: Final = 56  # recent trading days whose spread shapes a product's interval
# Tail probabilities tried when calibrating the interval on the holdout.
_TAILS: Final = (0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15)


@dataclass(frozen=True)
class FittedForecasts:
    """Forecasts for every product of a demand history, from its last trading day on."""

    skus: list[str]
    horizon: int
    season: int
    methods: dict[str, Matrix]  # every method's forecast, and the combination
    chosen: list[str]  # per product: the method its forecast comes from
    point: Matrix
    lower: Matrix
    upper: Matrix
    level: float  # the nominal coverage of [lower, upper]
    tail: float  # the calibrated tail probability each side
    daily_sd: Vector  # spread of daily sales at the forecast's level (for safety stock)
    weekly: Matrix  # per product and forecast day, the weekday factor its rate was spread by


def _report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


def _all_methods(
    x: Matrix,
    first: Index,
    days: Sequence[date],
    ahead: Sequence[date],
    weekdays: frozenset[int],
    season: int,
    progress: Progress | None,
    stage: str,
) -> tuple[dict[str, Matrix], Matrix]:
    """Every method's forecast for the trading days ``ahead`` of the sales ``x`` on ``days`` (the
    rates spread over the trading ``weekdays`` by each product's profile), and the profile."""
    capped = cap_outliers(x, first)
    factors = weekday_profile(capped, first, days, ahead, weekdays)
    out: dict[str, Matrix] = {}
    for done, (name, method) in enumerate(METHODS.items()):
        _report(progress, stage, done, len(METHODS) + 1)
        if name == "seasonal_naive":  # the benchmark: it repeats the sales as they were
            out[name] = method(x, first, len(ahead), season)
        else:
            out[name] = method(capped, first, len(ahead), season) * factors
    out[COMBINATION] = combination(out)
    _report(progress, stage, len(METHODS) + 1, len(METHODS) + 1)
    return out, factors


def _choose(
    holdout: dict[str, Matrix], actual: Matrix, eligible: npt.NDArray[np.bool_]
) -> list[str]:
    """Per product, the combination unless one method beat it on the holdout by the margin."""
    names = [n for n in holdout if n not in NEVER_PICKED]
    errors = np.stack([((holdout[n] - actual) ** 2).mean(axis=1) for n in names], axis=1)
    base = errors[:, names.index(COMBINATION)]
    best = errors.argmin(axis=1)
    clear = errors[np.arange(len(errors)), best] < (1 - SELECTION_MARGIN) * base
    pick = np.where(eligible & clear, best, names.index(COMBINATION))
    return [names[i] for i in pick.tolist()]


def _recent(x: Matrix, first: Index) -> tuple[Matrix, Index]:
    """Each product's sales over the last ``INTERVAL_WINDOW`` days since its first sale, sorted
    ascending (days before the first sale sorted last as NaN), and how many days that is."""
    t = x.shape[1]
    width = min(INTERVAL_WINDOW, t)
    start = np.maximum(first, t - width)
    days = np.arange(t - width, t)[None, :]
    recent = np.sort(np.where(days >= start[:, None], x[:, t - width :], np.nan), axis=1)
    return recent, (t - start).astype(np.int64)


def _quantile(ordered: Matrix, count: Index, q: float) -> Vector:
    """Linear-interpolated quantile of each row's first ``count`` (sorted) values; 0 if none."""
    position = q * np.maximum(count - 1, 0)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, np.maximum(count - 1, 0))
    rows = np.arange(len(ordered))
    below = np.nan_to_num(ordered[rows, low])
    above = np.nan_to_num(ordered[rows, high])
    out: Vector = np.where(count > 0, below + (position - low) * (above - below), 0.0)
    return out


def _rescale(recent: tuple[Matrix, Index], point: Matrix) -> tuple[Vector, Vector]:
    """The mean of recent daily sales, and the factor that brings it to the forecast's level
    (recent sales are rescaled by it, so that bounds and spread follow the forecast)."""
    ordered, count = recent
    mean: Vector = np.nansum(ordered, axis=1) / np.maximum(count, 1)
    ratio: Vector = np.where(mean > 0, point.mean(axis=1) / np.where(mean > 0, mean, 1.0), 0.0)
    return mean, ratio


def daily_spread(recent: tuple[Matrix, Index], point: Matrix) -> Vector:
    """The standard deviation of recent daily sales, rescaled to the forecast's level."""
    ordered, count = recent
    mean, ratio = _rescale(recent, point)
    squares = np.nansum((ordered - mean[:, None]) ** 2, axis=1) / np.maximum(count, 1)
    sd: Vector = np.sqrt(squares) * ratio
    return sd


def interval(recent: tuple[Matrix, Index], point: Matrix, tail: float) -> tuple[Matrix, Matrix]:
    """Bounds from the spread of recent daily sales, rescaled to the forecast's level."""
    ordered, count = recent
    _, ratio = _rescale(recent, point)
    low = _quantile(ordered, count, tail) * ratio
    high = _quantile(ordered, count, 1 - tail) * ratio
    lower = np.minimum(np.repeat(low[:, None], point.shape[1], axis=1), point)
    upper = np.maximum(np.repeat(high[:, None], point.shape[1], axis=1), point)
    return lower, upper


def coverage(lower: Matrix, upper: Matrix, actual: Matrix) -> float:
    """The share of product-days whose sales fell inside their interval."""
    inside = (actual >= lower - 1e-9) & (actual <= upper + 1e-9)
    return float(inside.mean()) if inside.size else float("nan")


def _calibrate(recent: tuple[Matrix, Index], point: Matrix, actual: Matrix, level: float) -> float:
    """The largest tail probability whose interval still covers ``level`` of the holdout."""
    best = _TAILS[0]
    for tail in _TAILS:
        lower, upper = interval(recent, point, tail)
        if coverage(lower, upper, actual) >= level:
            best = tail
    return best


def fit(
    demand: DemandData, horizon: int, level: float = 0.9, progress: Progress | None = None
) -> FittedForecasts:
    """Fit every method, pick one per product on a holdout of ``horizon`` days, and forecast."""
    if not 1 <= horizon <= MAX_HORIZON:
        raise ToolInputError(f"horizon must be 1…{MAX_HORIZON} trading days, not {horizon}")
    x = demand.units
    first = demand.first_sale
    season = demand.season
    days, weekdays = demand.days, demand.weekdays
    t = x.shape[1]
    holdout = min(horizon, 28)
    chosen = [COMBINATION] * len(x)
    tail = 0.05
    if t > 2 * holdout:
        past, actual = x[:, : t - holdout], x[:, t - holdout :]
        past_first = np.minimum(first, t - holdout)
        trial, _ = _all_methods(
            past,
            past_first,
            days[: t - holdout],
            days[t - holdout :],
            weekdays,
            season,
            progress,
            "holdout",
        )
        eligible = first < t - holdout - holdout  # at least a holdout's worth of history
        chosen = _choose(trial, actual, eligible)
        picked = np.stack([trial[c][i] for i, c in enumerate(chosen)])
        seen = first < t - holdout
        recent = _recent(past[seen], past_first[seen])
        tail = _calibrate(recent, picked[seen], actual[seen], level)
    ahead = trading_days_after(days[-1], weekdays, horizon)
    forecasts, weekly = _all_methods(x, first, days, ahead, weekdays, season, progress, "forecast")
    point = np.stack([forecasts[c][i] for i, c in enumerate(chosen)]) if len(x) else x[:, :0]
    recent = _recent(x, first)
    lower, upper = interval(recent, point, tail)
    return FittedForecasts(
        skus=list(demand.skus),
        horizon=horizon,
        season=season,
        methods=forecasts,
        chosen=chosen,
        point=point,
        lower=lower,
        upper=upper,
        level=level,
        tail=tail,
        daily_sd=daily_spread(recent, point),
        weekly=weekly,
    )
