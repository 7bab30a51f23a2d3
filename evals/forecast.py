"""``shopagent eval forecast``: RMSSE and WRMSSE of every method against seasonal naive.

Protocol (M5's, on the data's own trading-day calendar): at each cut-off the next ``horizon``
trading days are held out; a product is scored when it sold before the cut-off; its RMSSE is
scaled by its in-sample mean squared one-step naive error (from its first sale on); WRMSSE
weights products by revenue over the last 28 training days (units when the file has no revenue).
The last cut-off holds out the last ``horizon`` days; earlier ones step back ``horizon`` days each.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from infra.errors import ConfigError
from tools.forecast.demand import DemandData, read_demand
from tools.forecast.methods import Matrix, Vector
from tools.forecast.model import COMBINATION, coverage, fit

Progress = Callable[[str, int, int], None]
SELECTED = "selected"
BENCHMARK = "seasonal_naive"
WEIGHT_DAYS = 28
MIN_TRAINING_DAYS = 56


@dataclass(frozen=True)
class Scoring:
    """Which products count at one cut-off, with their scales and weights."""

    scale: Vector
    weight: Vector  # sums to 1 over the scored products, 0 elsewhere
    scored: np.ndarray[Any, np.dtype[np.bool_]]


def scoring(train: DemandData) -> Scoring:
    """Scales (in-sample one-step naive MSE) and revenue weights of the last 28 training days."""
    x = train.units
    n, t = x.shape
    first = train.first_sale
    after = np.arange(1, t)[None, :] > first[:, None]
    steps = np.diff(x, axis=1) ** 2
    count = after.sum(axis=1)
    scale = np.where(count > 0, (steps * after).sum(axis=1) / np.maximum(count, 1), 0.0)
    money = train.revenue if train.revenue is not None else x
    raw = money[:, -WEIGHT_DAYS:].sum(axis=1)
    scored = (scale > 0) & (raw > 0)
    weight = np.where(scored, raw, 0.0)
    total = weight.sum()
    if total <= 0:
        raise ConfigError("no product sold in the last 28 training days: nothing to score")
    return Scoring(scale, weight / total, scored)


def rmsse(forecast: Matrix, actual: Matrix, s: Scoring) -> Vector:
    """Per product; zero for products that are not scored."""
    mse = ((forecast - actual) ** 2).mean(axis=1)
    out: Vector = np.where(s.scored, np.sqrt(mse / np.where(s.scored, s.scale, 1.0)), 0.0)
    return out


def _cutoffs(days: int, horizon: int, count: int) -> list[int]:
    """Training lengths: the last ``horizon`` days held out, then earlier windows."""
    ends = [days - horizon * (k + 1) for k in range(count)]
    return [e for e in ends if e >= MIN_TRAINING_DAYS]


def evaluate_cutoff(
    demand: DemandData, end: int, horizon: int, level: float, progress: Progress | None = None
) -> dict[str, Any]:
    """Fit on the first ``end`` trading days, score the next ``horizon``."""
    train = demand.until(end)
    rows = [demand.index()[sku] for sku in train.skus]
    actual = demand.units[rows, end : end + horizon]
    started = time.perf_counter()
    fitted = fit(train, horizon, level, progress)
    seconds = time.perf_counter() - started
    s = scoring(train)
    forecasts = {**fitted.methods, SELECTED: fitted.point}
    scores = {name: rmsse(f, actual, s) for name, f in forecasts.items()}
    bench = float((s.weight * scores[BENCHMARK]).sum())
    methods = {}
    for name, per_product in scores.items():
        wrmsse = float((s.weight * per_product).sum())
        methods[name] = {
            "wrmsse": round(wrmsse, 4),
            "wrmsse_vs_seasonal_naive": round(wrmsse / bench, 4),
            "mean_rmsse": round(float(per_product[s.scored].mean()), 4),
        }
    # Not methods: forecasts that knew each product's mean over the held-out days, flat (it
    # bounds what any rate forecast can score on this window) and spread over the week by the
    # weekday profile the fit used.
    known = actual.mean(axis=1, keepdims=True)
    hindsight = {"flat": np.repeat(known, horizon, axis=1), "weekly": known * fitted.weekly}
    scored = s.scored
    picked: dict[str, int] = {}
    for name in fitted.chosen:
        picked[name] = picked.get(name, 0) + 1
    return {
        "train_days": end,
        "first_day": demand.days[end].isoformat(),
        "last_day": demand.days[end + horizon - 1].isoformat(),
        "products_fitted": len(train.skus),
        "products_scored": int(scored.sum()),
        "fit_seconds": round(seconds, 2),
        "methods": methods,
        "hindsight_vs_seasonal_naive": {
            name: round(float((s.weight * rmsse(f, actual, s)).sum()) / bench, 4)
            for name, f in hindsight.items()
        },
        "chosen": dict(sorted(picked.items(), key=lambda kv: -kv[1])),
        "interval": {
            "level": level,
            "coverage": round(coverage(fitted.lower, fitted.upper, actual), 4),
            "coverage_scored": round(
                coverage(fitted.lower[scored], fitted.upper[scored], actual[scored]), 4
            ),
        },
        "_plot": (train, fitted, actual, s.weight, demand.days[end : end + horizon]),
    }


def evaluate(
    demand: DemandData,
    horizon: int,
    cutoffs: int = 4,
    level: float = 0.9,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Score every method at ``cutoffs`` cut-offs; the first is the last ``horizon`` days."""
    ends = _cutoffs(len(demand.days), horizon, cutoffs)
    if not ends:
        raise ConfigError(
            f"{len(demand.days)} trading days are too few to hold out {horizon} "
            f"and train on at least {MIN_TRAINING_DAYS}"
        )
    results = []
    for k, end in enumerate(ends):
        if progress is not None:
            progress("cut-offs", k, len(ends))
        results.append(evaluate_cutoff(demand, end, horizon, level))
    if progress is not None:
        progress("cut-offs", len(ends), len(ends))
    return {
        "protocol": {
            "horizon": horizon,
            "season": demand.season,
            "trading_days": len(demand.days),
            "products": len(demand.skus),
            "weights": "revenue" if demand.revenue is not None else "units",
            "skipped_rows": demand.skipped,
            "benchmark": BENCHMARK,
            "selection": f"per product among the methods and the {COMBINATION}, on a holdout",
        },
        "cutoffs": results,
    }


def plot(result: dict[str, Any], path: Path, products: int = 4, history: int = 84) -> None:
    """History, forecast and interval of the most heavily weighted products at one cut-off."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train, fitted, actual, weight, ahead = result["_plot"]
    top = np.argsort(-weight)[:products]
    fig, axes = plt.subplots(len(top), 1, figsize=(9, 2.4 * len(top)), squeeze=False)
    t = train.units.shape[1]
    past = np.arange(max(0, t - history), t)
    before = [train.days[k] for k in past.tolist()]
    for ax, i in zip(axes[:, 0], top.tolist(), strict=True):
        ax.plot(before, train.units[i, past], color="0.4", lw=0.9, label="sales (training)")
        ax.plot(ahead, actual[i], color="0.1", lw=0.9, ls=":", label="sales (held out)")
        ax.plot(ahead, fitted.point[i], color="tab:blue", lw=1.6, label="forecast")
        ax.fill_between(
            ahead, fitted.lower[i], fitted.upper[i], color="tab:blue", alpha=0.2,
            label=f"{fitted.level:.0%} interval",
        )  # fmt: skip
        ax.set_title(f"{train.skus[i]} — {fitted.chosen[i]}", fontsize=9, loc="left")
        ax.set_ylabel("units / day", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, loc="upper left", ncols=4)
    axes[-1, 0].set_xlabel("trading days (the shop is closed on Saturdays)", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_forecast_eval_cli(
    demand_path: Path,
    horizon: int,
    out: Path,
    console: Console,
    cutoffs: int = 4,
    plot_path: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Read the demand file, evaluate, write the JSON report and the plot, print a table."""
    demand = read_demand(demand_path)
    report = evaluate(demand, horizon, cutoffs, progress=progress)
    report["protocol"]["demand"] = str(demand_path)
    image = plot_path or out.with_suffix(".png")
    plot(report["cutoffs"][0], image)
    report["plot"] = str(image)
    for result in report["cutoffs"]:
        result.pop("_plot")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    console.print(summary_table(report))
    console.print(f"report: {out}  plot: {image}")
    return report


def summary_table(report: dict[str, Any]) -> Table:
    """WRMSSE relative to seasonal naive, one column per cut-off."""
    table = Table(title="WRMSSE / seasonal naive (lower is better)")
    table.add_column("method")
    for result in report["cutoffs"]:
        table.add_column(f"{result['first_day']}…", justify="right")
    for name in report["cutoffs"][0]["methods"]:
        cells = [f"{r['methods'][name]['wrmsse_vs_seasonal_naive']:.3f}" for r in report["cutoffs"]]
        table.add_row(name, *cells)
    for name in report["cutoffs"][0]["hindsight_vs_seasonal_naive"]:
        known = [f"{r['hindsight_vs_seasonal_naive'][name]:.3f}" for r in report["cutoffs"]]
        table.add_row(f"(true mean, {name}, hindsight)", *known, style="dim")
    table.add_row("90 % coverage", *[f"{r['interval']['coverage']:.3f}" for r in report["cutoffs"]])
    return table
