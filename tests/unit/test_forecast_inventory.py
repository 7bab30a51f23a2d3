"""Training from the store, the saved model, stock positions, the ledger, the tools and the job,
all on a real SQLite store with dated orders."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from infra.errors import ConfigError
from infra.events.schema import BehaviourEvent
from tests.unit.forecast_store import LOADED, NOTE, make_store
from tools.catalog.sqlite import SqliteStore
from tools.forecast.alerts import LocalAlertLog
from tools.forecast.history import store_demand
from tools.forecast.inventory import Inventory, position
from tools.forecast.job import run_forecast_job
from tools.forecast.ledger import Receipt, SqliteLedger, StoredForecast
from tools.forecast.tools import forecast_tools
from tools.forecast.train import train_forecaster
from tools.forecast.trained import ForecastModel, LocalForecaster
from tools.forecast.weekly import trading_days_after
from tools.models import Product

NOW = datetime(2024, 6, 3, 12, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with make_store(tmp_path) as s:
        yield s


@pytest.fixture
def inventory(store: SqliteStore) -> Iterator[Inventory]:
    ledger = SqliteLedger(store.path)
    yield Inventory(store, ledger, lead_time_days=7, service_level=0.95)
    ledger.close()


def test_store_demand_is_on_the_trading_calendar(store: SqliteStore) -> None:
    demand = store_demand(store)
    assert demand.skus == ["FAST1", "GONE3", "SLOW2"]  # the never-sold product has no series
    assert all(d.weekday() != 5 for d in demand.days)
    assert demand.season == 6
    assert demand.units[demand.index()["FAST1"]].sum() == 10 * len(demand.days)


def test_a_trained_model_is_saved_loaded_and_forecasts_trading_days(
    store: SqliteStore, tmp_path: Path
) -> None:
    model, _ = train_forecaster(store, tmp_path / "model")
    loaded = ForecastModel.load(tmp_path / "model")
    assert loaded.skus == model.skus and loaded.weekdays == frozenset({0, 1, 2, 3, 4, 6})
    fast, unknown = loaded.forecast(["FAST1", "NEW44"], 8)
    assert unknown is None
    assert fast is not None and fast.daily_mean == pytest.approx(10, rel=0.05)
    assert [d.date for d in fast.days] == trading_days_after(
        loaded.trained_through, loaded.weekdays, 8
    )
    assert all(d.date.weekday() != 5 for d in fast.days)
    assert all(d.low <= d.units <= d.high for d in fast.days)
    assert fast.total == pytest.approx(sum(d.units for d in fast.days), rel=1e-3)


def test_a_missing_model_names_the_command_that_makes_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="shopagent train forecaster"):
        LocalForecaster(tmp_path / "none").forecast(["A"], 3)


def _forecast(mean: float, sd: float) -> StoredForecast:
    return StoredForecast(
        product_id="P", method="tsb", daily_mean=mean, daily_sd=sd, level=0.9,
        trained_through=date(2024, 1, 1), weekdays=[0, 1, 2, 3, 4, 6], run_id="r",
    )  # fmt: skip


def test_reorder_point_and_days_of_cover_follow_the_formulas() -> None:
    product = Product(id="P", title="Mug", price=1.0, stock=50)
    p = position(product, 10, 0, 0, None, 7, 0.95, _forecast(4.0, 3.0), date(2024, 6, 3))
    lead = 7 * 6 / 7  # six trading days a week
    assert p.stock == 40
    assert p.demand_over_lead_time == pytest.approx(4 * lead, abs=0.05)
    assert p.safety_stock == pytest.approx(1.6449 * 3 * math.sqrt(lead), abs=0.05)
    assert p.reorder_point == pytest.approx(4 * lead + 1.6449 * 3 * math.sqrt(lead), abs=0.1)
    assert p.days_of_cover == 10.0
    assert p.reorder_now is False
    assert p.runs_out_on == date(2024, 6, 14)  # ten trading days on, Saturday 8th skipped


def test_under_the_reorder_point_a_reorder_is_suggested() -> None:
    product = Product(id="P", title="Mug", price=1.0, stock=20)
    p = position(product, 0, 0, 5, None, 7, 0.95, _forecast(4.0, 3.0), date(2024, 6, 3))
    assert p.reorder_now is True
    # Up to the reorder point plus a week (six trading days) of demand.
    assert p.suggested_order == math.ceil(p.reorder_point + 4 * 6 - 25)  # type: ignore[operator]


def test_out_of_stock_without_a_forecast_says_when_it_could_be_back() -> None:
    product = Product(id="P", title="Mug", price=1.0, stock=0, stock_note=NOTE)
    p = position(product, 0, 0, 0, None, 10, 0.95, None, date(2024, 6, 3))
    assert p.in_stock is False and p.daily_demand is None
    assert p.back_in_stock_by == date(2024, 6, 13)
    assert "No demand forecast" in p.note and NOTE in p.note


def test_purchases_since_the_load_and_receipts_move_stock(
    store: SqliteStore, inventory: Inventory
) -> None:
    events = [
        BehaviourEvent(event_id="e1", type="purchase", ts=LOADED + timedelta(days=1),
                       product_id="SLOW2", quantity=15, price=2.0),
        BehaviourEvent(event_id="e2", type="purchase", ts=LOADED + timedelta(days=2),
                       product_id="SLOW2", quantity=1, price=2.0),
        BehaviourEvent(event_id="e3", type="purchase", ts=LOADED - timedelta(days=30),
                       product_id="SLOW2", quantity=99, price=2.0),  # replayed: already counted
        BehaviourEvent(event_id="e4", type="view", ts=LOADED + timedelta(days=1),
                       product_id="SLOW2", quantity=7),
    ]  # fmt: skip
    store.append_events(events)
    ledger = inventory.ledger
    ledger.add_receipt(Receipt(product_id="SLOW2", quantity=100, arrives=NOW - timedelta(hours=1)))
    ledger.add_receipt(Receipt(product_id="SLOW2", quantity=40, arrives=NOW + timedelta(days=3)))
    ledger.set_lead_time("SLOW2", 12)
    product = store.get_product("SLOW2")
    assert product is not None
    (p,) = inventory.positions([product], NOW)
    assert (p.sold_since_load, p.received, p.on_order) == (16, 100, 40)
    assert p.stock == 400 - 16 + 100
    assert p.next_delivery == (NOW + timedelta(days=3)).date()
    assert p.lead_time_days == 12


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_tools_answer_from_forecasts_and_stock(
    store: SqliteStore, inventory: Inventory, tmp_path: Path
) -> None:
    log = LocalAlertLog(tmp_path / "alerts.jsonl")
    summary = run_forecast_job(store, inventory, log, tmp_path / "model")
    specs = {
        s.name: s for s in forecast_tools(store, LocalForecaster(tmp_path / "model"), inventory)
    }

    forecast = _run(specs["forecast_demand"].run({"product_id": "FAST1", "horizon_days": 5}))
    assert forecast.available and len(forecast.days) == 5 and forecast.stock == 30
    never = _run(specs["forecast_demand"].run({"product_id": "NEW44"}))
    assert not never.available and "no sales history" in never.note

    fast = _run(specs["check_inventory"].run({"product_id": "FAST1"}))
    assert fast.daily_demand == pytest.approx(10, rel=0.05)
    assert fast.days_of_cover == pytest.approx(30 / fast.daily_demand, abs=0.1)
    assert fast.reorder_now is True  # 30 units, ~60 over a week's lead time
    gone = _run(specs["check_inventory"].run({"product_id": "GONE3"}))
    assert gone.in_stock is False and gone.back_in_stock_by is not None

    listed = _run(specs["reorder_suggestions"].run({"within_days": 6}))
    ids = [p.id for p in listed.products]
    assert ids[:2] == ["GONE3", "FAST1"]  # no cover first, then the least cover
    assert "SLOW2" not in ids and "NEW44" not in ids
    assert "reorder point" in listed.products[0].reason

    alerts = log.read()
    assert summary.alerts == len(alerts) == 2
    assert {a["detail"]["product_id"] for a in alerts} == {"GONE3", "FAST1"}
    assert all(a["source"] == "shopagent.inventory" for a in alerts)
    run_id, _ = inventory.ledger.last_run() or ("", "")
    assert run_id == summary.run_id and len(inventory.ledger.alerts(run_id)) == 2


def test_reorder_suggestions_on_a_fresh_store_train_the_forecaster_first(
    store: SqliteStore, inventory: Inventory, tmp_path: Path
) -> None:
    assert not inventory.ledger.has_forecasts()
    tool = forecast_tools(store, LocalForecaster(tmp_path / "none"), inventory)[2]
    answer = _run(tool.as_langchain_tool().ainvoke({}))
    assert '"id":"GONE3"' in answer and "shopagent" not in answer
    assert inventory.ledger.has_forecasts() and LocalForecaster(tmp_path / "none").trained()
