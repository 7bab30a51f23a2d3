"""Reading demand files: the columns it needs, bad rows reported and skipped, the evaluation
protocol's scales and weights on a hand-checked example."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from evals.forecast import evaluate, rmsse, run_forecast_eval_cli, scoring
from infra.errors import ConfigError, ToolInputError
from tools.forecast.demand import DemandData, read_demand


def test_a_csv_with_bad_rows_is_read_and_the_bad_rows_counted(tmp_path: Path) -> None:
    path = tmp_path / "demand.csv"
    path.write_text(
        "date,sku,quantity\n"
        "2024-01-01,A,3\n"
        "2024-01-01,A,2\n"  # same day: summed
        "2024-01-02,007,1\n"  # a code with leading zeros stays text
        "2024-01-02,B,-4\n"
        "2024-01-03,B,\n"
        ",B,5\n"
        "2024-01-04,B,0\n"
    )
    demand = read_demand(path)
    # B never sold a usable unit, so it has no series; the zero-quantity day is no sale.
    assert demand.skus == ["007", "A"]
    assert demand.days == [date(2024, 1, 1), date(2024, 1, 2)]
    assert demand.units.tolist() == [[0.0, 1.0], [5.0, 0.0]]
    assert demand.skipped == {
        "negative quantity": 1,
        "missing quantity": 1,
        "missing date or sku": 1,
    }


def test_parquet_with_revenue_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "demand.parquet"
    table = pa.table(
        {
            "date": pa.array([date(2024, 1, 1), date(2024, 1, 3)], pa.date32()),
            "sku": ["X", "X"],
            "quantity": [2.0, 1.0],
            "revenue": [5.0, 2.5],
        }
    )
    pq.write_table(table, path)
    demand = read_demand(path)
    assert demand.revenue is not None
    assert demand.revenue.tolist() == [[5.0, 2.5]]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("demand.csv", "day,sku,quantity\n2024-01-01,A,1\n", "lacks column"),
        ("demand.txt", "", "must be .csv or .parquet"),
        ("missing.csv", None, "not found"),
    ],
)
def test_unreadable_files_are_refused_with_the_reason(
    tmp_path: Path, name: str, text: str | None, message: str
) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_demand(path)


def test_a_file_with_no_usable_sale_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "demand.csv"
    path.write_text("date,sku,quantity\n2024-01-01,A,-1\n2024-01-02,B,0\n")
    with pytest.raises(ToolInputError, match="no usable sale"):
        read_demand(path)


def test_scales_and_weights_follow_the_protocol() -> None:
    days = [date(2024, 1, d) for d in range(1, 31)]
    units = np.zeros((3, 30))
    units[0, 4:] = [0, 2] * 13  # starts at day 4: its scale uses diffs from there on
    units[1, :] = 1.0  # constant: scale 0, not scored
    units[2, 29] = 3.0  # one sale: no diff after the first sale, not scored
    revenue = units * 2.0
    s = scoring(DemandData(days, ["a", "b", "c"], units, revenue))
    assert s.scale.tolist() == [4.0, 0.0, 0.0]
    assert s.scored.tolist() == [True, False, False]
    assert s.weight.tolist() == [1.0, 0.0, 0.0]
    actual = np.array([[2.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    assert rmsse(np.ones((3, 2)), actual, s).tolist() == [0.5, 0.0, 0.0]


def test_evaluate_reports_every_method_against_seasonal_naive() -> None:
    rng = np.random.default_rng(5)
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(140)]
    units = rng.poisson(3, size=(20, 140)).astype(float)
    report = evaluate(DemandData(days, [f"s{i}" for i in range(20)], units), 14, cutoffs=2)
    assert report["protocol"]["weights"] == "units"
    first, second = report["cutoffs"]
    assert first["train_days"] == 126 and second["train_days"] == 112
    assert first["methods"]["seasonal_naive"]["wrmsse_vs_seasonal_naive"] == 1.0
    # On stationary Poisson demand a mean beats repeating last week's noise.
    assert first["methods"]["selected"]["wrmsse_vs_seasonal_naive"] < 0.9
    # Knowing each product's mean over the held-out days beats estimating it.
    hindsight = first["hindsight_vs_seasonal_naive"]
    assert hindsight["flat"] < first["methods"]["selected"]["wrmsse_vs_seasonal_naive"]
    assert hindsight["weekly"] < first["methods"]["selected"]["wrmsse_vs_seasonal_naive"]
    assert 0.0 < first["interval"]["coverage"] <= 1.0


def test_the_cli_report_holds_the_table_and_a_plot(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    rows = ["date,sku,quantity,revenue"]
    for day in range(120):
        when = date(2024, 1, 1) + timedelta(days=day)
        for sku in ("A", "B", "C"):
            units = int(rng.poisson(4 if sku == "A" else 1))
            rows.append(f"{when.isoformat()},{sku},{units},{units * 2.5}")
    path = tmp_path / "demand.csv"
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "report.json"
    report = run_forecast_eval_cli(path, 14, out, Console(file=io.StringIO()), cutoffs=2)
    saved = json.loads(out.read_text())
    assert saved["protocol"]["weights"] == "revenue" and len(saved["cutoffs"]) == 2
    assert saved == json.loads(json.dumps(report))
    assert Path(saved["plot"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
