"""``shopagent events replay`` and ``shopagent query`` on a slice of the demo store's history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from api.cli import app
from infra.settings import get_settings
from tools.catalog.load import DATA_DIR

pytestmark = pytest.mark.e2e
ROWS = 3000


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SHOPAGENT_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_replay_fills_profiles_and_the_lake_and_sql_reads_it(
    data_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    source.mkdir()
    table = pq.read_table(DATA_DIR / "online-retail" / "online_retail.parquet").slice(0, ROWS)
    pq.write_table(table, source / "online_retail.parquet")
    invoices = table["InvoiceNo"].to_pylist()
    quantities = table["Quantity"].to_pylist()
    prices = table["UnitPrice"].to_pylist()
    purchases = sum(
        1
        for i, q, p in zip(invoices, quantities, prices, strict=True)
        if not i.startswith("C") and q > 0 and p > 0
    )
    cancels = sum(1 for i in invoices if i.startswith("C"))
    runner = CliRunner()
    replayed = runner.invoke(app, ["events", "replay", "online-retail", "--source", str(source)])
    assert replayed.exit_code == 0, replayed.output
    assert f"replayed {purchases + cancels:,} events ({purchases:,} purchases" in replayed.output
    again = runner.invoke(app, ["events", "replay", "online-retail", "--source", str(source)])
    assert again.exit_code == 0, again.output
    sql = "SELECT type, count(*) AS n FROM events GROUP BY type ORDER BY type"
    queried = runner.invoke(app, ["query", sql])
    assert queried.exit_code == 0, queried.output
    rows = [line.split() for line in queried.output.splitlines()]
    assert any("cancel" in row and str(cancels) in row for row in rows), queried.output
    assert any("purchase" in row and str(purchases) in row for row in rows), queried.output
    missing = runner.invoke(app, ["query", "SELECT * FROM sessions"])
    assert missing.exit_code == 2
    assert "shopagent events glue" in missing.output
