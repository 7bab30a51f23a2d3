"""The forecasting methods, the per-product pick and the intervals, on series whose answers are
known by hand."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from infra.errors import ToolInputError
from tools.forecast.demand import DemandData
from tools.forecast.methods import (
    METHODS,
    Index,
    Matrix,
    adida,
    cap_outliers,
    croston,
    ets,
    imapa,
    sba,
    seasonal_naive,
    tsb,
    window_mean,
)
from tools.forecast.model import COMBINATION, coverage, fit
from tools.forecast.weekly import trading_days_after, weekday_profile


def _first(x: Matrix) -> Index:
    """Each row's first-sale index, as ``DemandData`` computes it."""
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(x.shape[1])]
    return DemandData(days, [str(i) for i in range(len(x))], x).first_sale


def test_seasonal_naive_repeats_the_last_season() -> None:
    x = np.array([[1.0, 2, 3, 4, 5, 6, 7, 8]])
    assert seasonal_naive(x, _first(x), 5, 3).tolist() == [[6, 7, 8, 6, 7]]


def test_window_mean_counts_only_days_since_the_first_sale() -> None:
    x = np.array([[0.0] * 26 + [4, 2], [1.0] * 28])
    f = window_mean(x, _first(x), 2, 6)
    assert f[:, 0].tolist() == [3.0, 1.0]


def test_croston_on_a_regular_intermittent_series() -> None:
    # 6 units every third day: every method of the rate should say 2 a day.
    x = np.tile([0.0, 0.0, 6.0], 40)[None, :]
    first = _first(x)
    # The first interval is unknown (the series starts at its first sale): a small bias.
    assert croston(x, first, 1, 6)[0, 0] == pytest.approx(2.0, rel=0.02)
    assert sba(x, first, 1, 6)[0, 0] == pytest.approx(2.0 * 0.95, rel=0.02)
    assert tsb(x, first, 1, 6)[0, 0] == pytest.approx(2.0, rel=0.15)  # ends just after a sale
    assert adida(x, first, 1, 6)[0, 0] == pytest.approx(2.0, rel=1e-6)
    assert imapa(x, first, 1, 6)[0, 0] == pytest.approx(2.0, rel=0.2)


def test_tsb_decays_when_a_product_stops_selling_and_croston_does_not() -> None:
    x = np.concatenate([np.full(60, 5.0), np.zeros(40)])[None, :]
    first = _first(x)
    assert tsb(x, first, 1, 6)[0, 0] < 0.2
    assert croston(x, first, 1, 6)[0, 0] == pytest.approx(5.0)


def test_ets_follows_a_level_shift() -> None:
    x = np.concatenate([np.full(50, 2.0), np.full(50, 10.0)])[None, :]
    assert ets(x, _first(x), 3, 6)[0].tolist() == pytest.approx([10.0] * 3, rel=0.01)


def test_every_method_forecasts_every_product_without_negative_values() -> None:
    rng = np.random.default_rng(7)
    x = rng.poisson(0.4, size=(50, 120)).astype(float)
    x[:5, :100] = 0.0  # late starters
    for name, method in METHODS.items():
        f = method(x, _first(x), 28, 6)
        assert f.shape == (50, 28), name
        assert (f >= 0).all() and np.isfinite(f).all(), name


def test_an_outlier_is_capped_for_fitting() -> None:
    x = np.array([[2.0, 3, 2, 4, 2, 3] * 5 + [80_000.0, 3]])
    capped = cap_outliers(x, _first(x))
    assert capped.max() <= 12 and (capped[0, :30] == x[0, :30]).all()


def _demand(x: Matrix) -> DemandData:
    # Monday to Friday and Sunday: six trading days a week.
    days: list[date] = []
    day = date(2024, 1, 1)
    while len(days) < x.shape[1]:
        if day.weekday() != 5:
            days.append(day)
        day += timedelta(days=1)
    return DemandData(days, [f"P{i}" for i in range(len(x))], x)


def test_the_season_is_the_number_of_trading_weekdays() -> None:
    assert _demand(np.ones((1, 60))).season == 6


def test_fit_picks_per_product_and_intervals_cover_about_the_level() -> None:
    rng = np.random.default_rng(3)
    smooth = rng.poisson(20, size=(40, 200)).astype(float)
    sparse = (rng.random((40, 200)) < 0.1) * rng.integers(1, 12, size=(40, 200))
    x = np.vstack([smooth, sparse.astype(float)])
    fitted = fit(_demand(x[:, :172]), 28)
    assert len(fitted.chosen) == 80 and COMBINATION in fitted.chosen
    assert fitted.point.shape == fitted.lower.shape == (80, 28)
    assert (fitted.lower <= fitted.point).all() and (fitted.point <= fitted.upper).all()
    held_out = coverage(fitted.lower, fitted.upper, x[:, 172:])
    assert 0.8 <= held_out <= 0.99
    assert fitted.point[:40].mean() == pytest.approx(20, rel=0.1)


@pytest.mark.parametrize("horizon", [0, 366])
def test_horizons_outside_1_to_365_are_refused(horizon: int) -> None:
    with pytest.raises(ToolInputError, match="1…365"):
        fit(_demand(np.ones((1, 60))), horizon)


def test_the_weekday_profile_follows_a_shared_weekly_pattern() -> None:
    # Every product sells twice as much on Sundays: a week of 7 units over six trading days.
    demand = _demand(np.ones((3, 120)))
    sunday = np.array([d.weekday() == 6 for d in demand.days])
    x = np.where(sunday, 2.0, 1.0) * np.array([[1.0], [3.0], [10.0]])
    ahead = trading_days_after(demand.days[-1], demand.weekdays, 6)
    factors = weekday_profile(x, _first(x), demand.days, ahead, demand.weekdays)
    expected = [12 / 7 if d.weekday() == 6 else 6 / 7 for d in ahead]
    assert all(row == pytest.approx(expected) for row in factors.tolist())


def test_a_sparse_product_is_shrunk_toward_the_store_profile() -> None:
    demand = _demand(np.ones((2, 120)))
    x = np.ones((2, 120)) * np.array([[50.0], [0.0]])
    monday = next(j for j, d in enumerate(demand.days[-84:], start=120 - 84) if d.weekday() == 0)
    x[1, monday] = 4.0  # one sale, on a Monday: on its own, Mondays would carry the whole week
    ahead = trading_days_after(demand.days[-1], demand.weekdays, 6)
    factors = weekday_profile(x, _first(x), demand.days, ahead, demand.weekdays)
    on_monday = [d.weekday() == 0 for d in ahead].index(True)
    assert factors[0].tolist() == pytest.approx([1.0] * 6, rel=0.01)  # a nearly flat store
    # Its own profile would put 6 on Mondays; the store's puts 1.
    assert 1.5 < factors[1, on_monday] < 3.0 and factors[1].mean() == pytest.approx(1.0)


def test_fit_spreads_the_rate_over_the_week() -> None:
    demand = _demand(np.ones((1, 150)))
    sunday = np.array([d.weekday() == 6 for d in demand.days])
    fitted = fit(DemandData(demand.days, demand.skus, np.where(sunday, 1.0, 4.0)[None, :]), 12)
    ahead = trading_days_after(demand.days[-1], demand.weekdays, 12)
    on_sunday = np.array([d.weekday() == 6 for d in ahead])
    assert fitted.point[0, on_sunday] == pytest.approx([1.0, 1.0], rel=0.05)
    assert fitted.point[0, ~on_sunday] == pytest.approx([4.0] * 10, rel=0.05)
