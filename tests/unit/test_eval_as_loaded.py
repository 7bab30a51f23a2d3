"""The agent harness puts back what a conversation's order-changing calls changed
(``evals.agent.AsLoaded``), so the next conversation meets the store as loaded."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

from evals.agent import AsLoaded, written_records
from infra.settings import Settings
from tools.catalog.sqlite import SqliteStore


def record(*calls: dict[str, Any]) -> dict[str, Any]:
    return {"turns": [{"tool_calls": list(calls)}, {"tool_calls": []}]}


def test_the_records_a_write_names_are_put_back_and_nothing_else(
    tau_settings: Settings, tmp_path: Path
) -> None:
    with (
        closing(SqliteStore(tau_settings.store_path)) as store,
        closing(AsLoaded("tau-retail", tmp_path / "as-loaded")) as as_loaded,
    ):
        pending = next(o for o in store.iter_orders() if o.status == "pending")
        other = next(o for o in store.iter_orders() if o.user_id != pending.user_id)
        owner = store.get_user(pending.user_id)
        assert owner is not None
        # What a conversation's cancel (and a refund to the owner's account) leaves behind.
        store.put_order(pending.model_copy(update={"status": "cancelled"}))
        store.put_user(owner.model_copy(update={"email": "changed@example.com"}))
        store.put_order(other.model_copy(update={"status": "cancelled"}))

        as_loaded.restore(store, record({"name": "search_products", "args": {"query": "x"}}))
        assert store.get_order(pending.order_id).status == "cancelled"  # type: ignore[union-attr]

        cancel = {"name": "cancel_pending_order", "args": {"order_id": pending.order_id}}
        as_loaded.restore(store, record({"name": "get_order_details", "args": {}}, cancel))
        assert store.get_order(pending.order_id) == pending
        assert store.get_user(pending.user_id) == owner
        # An order no write named keeps what happened to it.
        assert store.get_order(other.order_id).status == "cancelled"  # type: ignore[union-attr]


def test_write_calls_name_orders_and_users() -> None:
    calls = (
        {"name": "modify_user_address", "args": {"user_id": "ana_1"}},
        {"name": "return_delivered_order_items", "args": {"order_id": "#W1", "item_ids": []}},
        {"name": "get_order_details", "args": {"order_id": "#W2"}},
        {"name": "cancel_pending_order", "args": None},
    )
    assert written_records(record(*calls)) == ({"#W1"}, {"ana_1"})
