"""The trading week: which days come next, and how a product's sales spread over the weekdays.

The flat-rate methods say how much a product sells per trading day on average; the weekday
profile spreads that over the week (the online-retail shop sells about half as much on Sundays
as on a weekday). A product's own profile is noisy, so it is shrunk toward the store-wide one:
``PROFILE_SHRINK`` trading days' worth of the store's profile are added to its own counts. The
window and the shrinkage were chosen on the older cut-offs of the online-retail data, never on
the last 28 days that the evaluation reports first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]
Index = npt.NDArray[np.int64]

PROFILE_WINDOW: Final = 84  # trading days (14 weeks) the profile is estimated from
PROFILE_SHRINK: Final = 50.0  # pseudo-days of the store-wide profile added to each product's


def trading_days_after(last: date, weekdays: frozenset[int], count: int) -> list[date]:
    """The next ``count`` days after ``last`` that fall on a trading weekday."""
    days: list[date] = []
    day = last
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() in weekdays:
            days.append(day)
    return days


def weekday_profile(
    x: Matrix, first: Index, days: Sequence[date], ahead: Sequence[date], weekdays: frozenset[int]
) -> Matrix:
    """Per product, the factor of each day in ``ahead`` (products × len(ahead)), averaging 1
    over the trading ``weekdays``, from the sales ``x`` on ``days`` since each first sale."""
    n, t = x.shape
    start = max(0, t - PROFILE_WINDOW)
    weekday = np.array([d.weekday() for d in days[start:]], dtype=np.int64)
    usual = np.isin(np.arange(7), sorted(weekdays))
    sales = x[:, start:]
    active = np.arange(start, t)[None, :] >= first[:, None]
    sales = np.where(active, sales, 0.0)
    # Per product and weekday: units sold and days it could have sold on.
    units = np.stack([sales[:, weekday == k].sum(axis=1) for k in range(7)], axis=1)
    chances = np.stack([active[:, weekday == k].sum(axis=1) for k in range(7)], axis=1)
    seen = np.bincount(weekday, minlength=7)
    store = units.sum(axis=0) / np.maximum(seen, 1)
    # A trading weekday absent from the window (the shop stopped trading on it) stays neutral.
    known = usual & (seen > 0)
    scale = store[known].mean() if known.any() else 1.0
    store = np.where(known, store / max(scale, 1e-12), 1.0)
    rate = units.sum(axis=1) / np.maximum(chances.sum(axis=1), 1)
    expected = rate[:, None] * (chances + PROFILE_SHRINK)
    own = (units + PROFILE_SHRINK * store[None, :] * rate[:, None]) / np.maximum(expected, 1e-12)
    profile = np.where(rate[:, None] > 0, own, store[None, :])
    profile = profile / np.maximum(profile[:, usual].mean(axis=1, keepdims=True), 1e-12)
    columns = np.array([d.weekday() for d in ahead], dtype=np.int64)
    factors: Matrix = profile[:, columns]
    return factors
