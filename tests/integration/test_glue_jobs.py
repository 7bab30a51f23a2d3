"""The Glue PySpark jobs on a local Spark over a small lake, checked against the source data,
the Glue catalog's column definitions, and DuckDB queries of their outputs."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pyarrow.dataset as ds
import pytest

from infra.events.processor import Batch
from infra.events.schema import BehaviourEvent
from infra.glue import catalog
from infra.glue.local import local_spark, run_jobs
from infra.lake import Lake
from tools.behaviour.replay import online_retail_history
from tools.catalog.load import DATA_DIR

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.integration
FIRST = 4000  # the first days of the shop's history
# A few thousand rows: two shuffle partitions are plenty, and a JVM that stops at its quick JIT
# tier, with the serial collector, spends far less CPU compiling code it runs only briefly.
# That halves the module's time (see the README); the jobs and what they write are unchanged.
TEST_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    session = local_spark(TEST_CONF)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def lake(
    tmp_path_factory: pytest.TempPathFactory, spark: SparkSession
) -> tuple[Lake, list[BehaviourEvent]]:
    """A lake holding the first events of the replay plus a hand-made shopper, jobs run."""
    lake = Lake(str(tmp_path_factory.mktemp("lake")))
    history = list(
        itertools.islice(online_retail_history(DATA_DIR / "online-retail").events, FIRST)
    )
    t0 = datetime(2011, 1, 5, 10, tzinfo=UTC)
    walk = [
        ("view", 0),
        ("add_to_cart", 5),
        ("view", 20),  # one session …
        ("view", 20 + 31),
        ("view", 60),  # … a 31-minute pause starts a second
    ]
    shopper = [
        BehaviourEvent(
            event_id=f"walk{i}",
            type=kind,  # type: ignore[arg-type]
            ts=t0 + timedelta(minutes=m),
            user_id="walker",
            product_id="22138",
            **({"quantity": 1} if kind == "add_to_cart" else {}),
        )
        for i, (kind, m) in enumerate(walk)
    ]
    lake.write(Batch("log", "1", history[:2500]))
    lake.write(Batch("log", "2", history[2000:] + shopper))  # overlaps: duplicates in the files
    rows = run_jobs(lake.root, spark=spark)
    assert set(rows) == {"sessionize", "interactions", "daily_demand"}
    return lake, history


def test_daily_demand_sums_the_purchases_per_product_and_day(
    lake: tuple[Lake, list[BehaviourEvent]],
) -> None:
    lake_, history = lake
    expected: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0])
    invoices: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in history:
        if e.type == "purchase":
            key = (e.ts.date().isoformat(), e.product_id or "")
            expected[key][0] += e.quantity or 0
            expected[key][1] += (e.quantity or 0) * (e.price or 0)
            invoices[key].add(e.order_id or "")
    got = lake_.query(
        "SELECT CAST(date AS VARCHAR) AS d, sku, quantity, revenue, n_invoices FROM daily_demand"
    ).to_pylist()
    assert len(got) == len(expected)
    for row in got:
        units, revenue, _ = expected[(row["d"], row["sku"])]
        assert row["quantity"] == units
        assert row["revenue"] == pytest.approx(revenue)
        assert row["n_invoices"] == len(invoices[(row["d"], row["sku"])])


def test_sessions_split_on_a_half_hour_pause(lake: tuple[Lake, list[BehaviourEvent]]) -> None:
    lake_, history = lake
    walker = lake_.query(
        "SELECT events, views, carts, duration_s FROM sessions WHERE user_id = 'walker' "
        "ORDER BY start_ts"
    ).to_pylist()
    assert walker == [
        {"events": 3, "views": 2, "carts": 1, "duration_s": 20 * 60},
        {"events": 2, "views": 2, "carts": 0, "duration_s": 9 * 60},
    ]
    totals = lake_.query("SELECT sum(events) AS n FROM sessions").to_pylist()[0]["n"]
    assert totals == len(history) + 5, "every distinct event is in exactly one session"


def test_interactions_net_out_cancellations(lake: tuple[Lake, list[BehaviourEvent]]) -> None:
    lake_, history = lake
    net: dict[tuple[str, str], int] = defaultdict(int)
    for e in history:
        if e.user_id and e.product_id:
            sign = {"purchase": 1, "cancel": -1}.get(e.type, 0)
            net[(e.user_id, e.product_id)] += sign * (e.quantity or 0)
    rows = lake_.query(
        "SELECT user_id, product_id, units, purchases FROM interactions WHERE user_id <> 'walker'"
    ).to_pylist()
    assert {(r["user_id"], r["product_id"]): r["units"] for r in rows} == dict(net)


def test_job_outputs_match_the_glue_catalog(lake: tuple[Lake, list[BehaviourEvent]]) -> None:
    lake_, _ = lake
    for table in catalog.TABLES:
        dataset = lake_.dataset(table.folder)
        assert dataset is not None, table.name
        columns = {f.name: catalog.hive_type(f.type) for f in dataset.schema}
        declared = dict(table.columns) | dict(table.partitions)
        assert columns == declared, table.name
    assert isinstance(lake_.dataset("events"), ds.Dataset)
