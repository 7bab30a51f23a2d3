"""A freshly loaded store answers demand and stock questions: the local forecaster trains on
its first use, and a store without dated sales says why in plain words (no path, no command)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.unit.forecast_store import make_store
from tools.catalog.sqlite import SqliteStore
from tools.forecast.inventory import Inventory
from tools.forecast.ledger import SqliteLedger
from tools.forecast.tools import forecast_tools
from tools.forecast.trained import LocalForecaster


async def _call(tool: Any, args: dict[str, Any]) -> dict[str, Any]:
    out = await tool.ainvoke(args)
    return dict(json.loads(out) if isinstance(out, str) else out)


def _tools(store: SqliteStore, folder: Path) -> tuple[dict[str, Any], SqliteLedger]:
    ledger = SqliteLedger(store.path)
    specs = forecast_tools(store, LocalForecaster(folder), Inventory(store, ledger))
    return {s.name: s.as_langchain_tool() for s in specs}, ledger


async def test_the_first_forecast_on_a_fresh_store_trains_the_model(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    models = tmp_path / "models" / "forecaster"
    tools, ledger = _tools(store, models)
    try:
        assert not LocalForecaster(models).trained() and not ledger.has_forecasts()
        out = await _call(tools["forecast_demand"], {"product_id": "FAST1", "horizon_days": 7})
        assert out["available"] is True and len(out["days"]) == 7 and out["total"] > 0
        assert LocalForecaster(models).trained() and ledger.has_forecasts()
        stock = await _call(tools["check_inventory"], {"product_id": "FAST1"})
        assert stock["daily_demand"] and stock["daily_demand"] > 0
    finally:
        ledger.close()
        store.close()


async def test_a_store_without_dated_sales_says_why_without_internal_paths(
    tmp_path: Path,
) -> None:
    store = make_store(tmp_path, days=0)
    models = tmp_path / "models" / "forecaster"
    tools, ledger = _tools(store, models)
    try:
        out = await _call(tools["forecast_demand"], {"product_id": "FAST1"})
        assert out["available"] is False
        assert out["note"].startswith("No forecast is available:")
        assert str(tmp_path) not in out["note"] and "shopagent" not in out["note"]
        assert not LocalForecaster(models).trained()
    finally:
        ledger.close()
        store.close()
