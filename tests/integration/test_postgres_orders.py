"""The customer-service tools on both backends, and the tau-bench replay on PostgreSQL.

The order-tool tests of ``tests/unit/test_order_tools.py`` run here again with a ``desk`` that is
each backend in turn (PostgreSQL: a copy of a database the tau-retail store was loaded into).
The replay runs every tau-bench task (20 dev + 500 train) through the tools on one PostgreSQL
store, putting back the records each task wrote before the next, and finds the reference's
outcome for every task, and for the dev tasks the very results the SQLite replay finds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from evals.orders import _act, _current, conformance, read_tasks, replay
from tests.orders_helpers import TAU_DATA, copy_tau_store
from tests.unit.test_order_tools import (  # noqa: F401 - collected here on both backends
    REFUSALS,
    Desk,
    test_a_payment_change_moves_the_money,
    test_address_changes,
    test_calculate,
    test_cancel_refunds_a_gift_card_at_once,
    test_exchange_records_the_new_items_and_the_difference,
    test_lookups_answer_the_reference_records,
    test_modifying_items_swaps_them_and_settles_the_difference,
    test_return_marks_the_items_and_the_refund_method,
    test_transfer_and_think_answer_text,
    test_unknown_ids_are_refused_by_name,
)
from tools.catalog.loaders.tau_retail import load_tau_retail
from tools.catalog.postgres import PostgresStore
from tools.models import Order, Product, User

pytestmark = pytest.mark.integration

@pytest.fixture(params=["sqlite", "postgres"])
def desk(
    request: pytest.FixtureRequest,
    tau_retail_dir: Path,
    tmp_path: Path,
    new_database: Callable[[str | None], str],
    tau_database: str,
) -> Iterator[Desk]:
    if request.param == "sqlite":
        store: Any = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    else:
        store = PostgresStore(new_database(tau_database))
    yield Desk(store)
    store.close()


@pytest.mark.parametrize(("case", "name", "args", "error"), REFUSALS, ids=[r[0] for r in REFUSALS])
async def test_a_refusal_changes_nothing_on_either_backend(
    desk: Desk, case: str, name: str, args: dict[str, Any], error: str
) -> None:
    before = _snapshot(desk.store)
    assert await desk.call(name, **args) == error, case
    assert _snapshot(desk.store) == before


def _snapshot(store: Any) -> str:
    """Every order and every user who has one, as JSON (what a refused tool could touch)."""
    orders = [o.model_dump_json() for o in store.iter_orders()]
    users = sorted({o.user_id for o in store.iter_orders()})
    return json.dumps([orders, [store.get_user(u).model_dump_json() for u in users]])


# -- the tau-bench replay ----------------------------------------------------------------------


class WriteLogPostgresStore(PostgresStore):
    """The PostgreSQL store, noting the id of every record written."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.written: dict[str, set[str]] = {"products": set(), "users": set(), "orders": set()}

    def put_product(self, product: Product) -> None:
        super().put_product(product)
        self.written["products"].add(product.id)

    def put_user(self, user: User) -> None:
        super().put_user(user)
        self.written["users"].add(user.user_id)

    def put_order(self, order: Order) -> None:
        super().put_order(order)
        self.written["orders"].add(order.order_id)


class PostgresReplayer:
    """Runs tasks on one loaded PostgreSQL store, putting it back as loaded after each."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.initial = {
            table: json.loads((TAU_DATA / f"{table}.json").read_text())
            for table in ("products", "users", "orders")
        }
        dataset = load_tau_retail(TAU_DATA)
        products, users, orders = list(dataset.products), list(dataset.users), list(dataset.orders)
        self.records: dict[str, dict[str, Any]] = {
            "products": {p.id: p for p in products},
            "users": {u.user_id: u for u in users},
            "orders": {o.order_id: o for o in orders},
        }
        self.store = WriteLogPostgresStore(url)
        self.store.replace_all(dataset.info, products, users, orders)

    async def run(self, index: int, task: dict[str, Any]) -> dict[str, Any]:
        try:
            outputs = await _act(self.store, task["actions"])  # type: ignore[arg-type]
            changed: dict[str, dict[str, Any]] = {}
            for table, keys in self.store.written.items():
                for key in sorted(keys):
                    record = _current(self.store, table, key)  # type: ignore[arg-type]
                    if record != self.initial[table].get(key):
                        changed.setdefault(table, {})[key] = record
        finally:
            self._put_back()
        return {
            "index": index,
            "user_id": task.get("user_id"),
            "actions": task["actions"],
            "tool_outputs": outputs,
            "changed_records": changed,
        }

    def _put_back(self) -> None:
        """Every record the task wrote as loaded, and no change key kept."""
        put = {
            "products": self.store.put_product,
            "users": self.store.put_user,
            "orders": self.store.put_order,
        }
        for table, keys in self.store.written.items():
            for key in keys:
                put[table](self.records[table][key])  # a record no loader made fails here
            keys.clear()
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("TRUNCATE applied_changes")


@pytest.mark.skipif(
    not (TAU_DATA / "expected_train.json").is_file(),
    reason=f"the tau-bench tasks and reference outputs are not at {TAU_DATA}",
)
async def test_the_tau_bench_replay_conforms_on_postgres(
    new_database: Callable[[str | None], str],
) -> None:
    replayer = PostgresReplayer(new_database(None))
    try:
        totals = {}
        for split in ("dev", "train"):
            tasks = read_tasks(TAU_DATA / f"retail_tasks_{split}.json")
            expected = json.loads((TAU_DATA / f"expected_{split}.json").read_text())
            results = [await replayer.run(i, task) for i, task in enumerate(tasks)]
            summary = conformance(results, expected, split)
            assert summary["mismatches"] == []
            totals[split] = summary["conforming"]
            if split == "dev":  # the same results, record for record, as on SQLite
                assert results == await replay(TAU_DATA, tasks)
    finally:
        replayer.store.close()
    assert totals == {"dev": 20, "train": 500}
