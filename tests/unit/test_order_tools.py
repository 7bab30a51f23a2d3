"""The customer-service tools on the shipped tau-retail store: the contract's schemas, outputs in
the reference's shapes, the writes' effects, and refusals that leave the store byte-identical."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import BaseTool

from tests.orders_helpers import copy_tau_store, store_digest
from tools.catalog.load import DATA_DIR
from tools.catalog.sqlite import SqliteStore
from tools.orders.tools import order_tools

TAU = DATA_DIR / "tau-retail"
RAW_USERS: dict[str, Any] = json.loads((TAU / "users.json").read_text())
RAW_ORDERS: dict[str, Any] = json.loads((TAU / "orders.json").read_text())
RAW_PRODUCTS: dict[str, Any] = json.loads((TAU / "products.json").read_text())


class Desk:
    """The tools as a model calls them, over a private store copy."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.tools: dict[str, BaseTool] = {
            s.name: s.as_langchain_tool() for s in order_tools(store)
        }

    async def call(self, name: str, **args: Any) -> str:
        return str(await self.tools[name].ainvoke(args))

    async def record(self, name: str, **args: Any) -> Any:
        return json.loads(await self.call(name, **args))


@pytest.fixture
def desk(tau_retail_dir: Path, tmp_path: Path) -> Iterator[Desk]:
    store = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    yield Desk(store)
    store.close()


def test_names_and_argument_schemas_are_the_contracts() -> None:
    contract = {
        t["function"]["name"]: t["function"]["parameters"]
        for t in json.loads((TAU / "retail_tools.json").read_text())
    }
    specs = {spec.name: spec for spec in order_tools(SqliteStore.__new__(SqliteStore))}
    assert set(specs) == set(contract) and len(specs) == 16
    for name, params in contract.items():
        schema = specs[name].input_model.model_json_schema()
        assert sorted(schema.get("required", [])) == sorted(params["required"]), name
        ours = schema.get("properties", {})
        assert set(ours) == set(params["properties"]), name
        for arg, spec in params["properties"].items():
            assert ours[arg]["type"] == spec["type"], (name, arg)
            assert ours[arg].get("items") == spec.get("items"), (name, arg)


async def test_lookups_answer_the_reference_records(desk: Desk) -> None:
    assert await desk.call("find_user_id_by_email", email="Noah.Brown7922@example.com") == (
        "noah_brown_6181"
    )
    found = await desk.call(
        "find_user_id_by_name_zip", first_name="noah", last_name="BROWN", zip="80279"
    )
    assert found == "noah_brown_6181"
    assert (
        await desk.record("get_user_details", user_id="noah_brown_6181")
        == RAW_USERS["noah_brown_6181"]
    )
    assert await desk.record("get_order_details", order_id="#W7678072") == RAW_ORDERS["#W7678072"]
    product = await desk.record("get_product_details", product_id="1075968781")
    assert product == RAW_PRODUCTS["1075968781"]
    types = await desk.record("list_all_product_types")
    assert types == dict(sorted((p["name"], p["product_id"]) for p in RAW_PRODUCTS.values()))
    assert list(types) == sorted(types) and len(types) == 50


@pytest.mark.parametrize(
    ("name", "args", "error"),
    [
        ("find_user_id_by_email", {"email": "nobody@example.com"}, "Error: user not found"),
        (
            "find_user_id_by_name_zip",
            {"first_name": "Noah", "last_name": "Brown", "zip": "00000"},
            "Error: user not found",
        ),
        ("get_user_details", {"user_id": "nobody_1"}, "Error: user not found"),
        ("get_order_details", {"order_id": "#W0000000"}, "Error: order not found"),
        ("get_product_details", {"product_id": "2323972008"}, "Error: product not found"),
    ],
)
async def test_unknown_ids_are_refused_by_name(
    desk: Desk, name: str, args: dict[str, Any], error: str
) -> None:
    assert await desk.call(name, **args) == error


@pytest.mark.parametrize(
    ("expression", "answer"),
    [
        ("2 + 2", "4.0"),
        ("(1 + 2) * 3 / 4", "2.25"),
        ("10 / 3", "3.33"),
        ("-2 ** 2", "-4.0"),
        ("7 // 2", "3.0"),
        ("1 / 0", "Error: division by zero"),
        ("__import__('os')", "Error: invalid characters in expression"),
        ("2 ** 2 ** 20", "Error: a number in the calculation is too large (limit: 50 digits)"),
        ("(1 + ", "Error: '(' was never closed (<string>, line 1)"),
    ],
)
async def test_calculate(desk: Desk, expression: str, answer: str) -> None:
    assert await desk.call("calculate", expression=expression) == answer


async def test_transfer_and_think_answer_text(desk: Desk) -> None:
    assert await desk.call("transfer_to_human_agents", summary="wants a human") == (
        "Transfer successful"
    )
    assert await desk.call("think", thought="first the order") == ""


# ---- writes ---------------------------------------------------------------------------------


async def test_cancel_refunds_a_gift_card_at_once(desk: Desk) -> None:
    # lucas_johnson_2067 paid order #W7016806 (delivered) with a gift card; find a pending one.
    user_id, order_id = _pending_gift_card_order()
    balance = RAW_USERS[user_id]["payment_methods"][_paid_with(order_id)]["balance"]
    order = await desk.record("cancel_pending_order", order_id=order_id, reason="no longer needed")
    paid = RAW_ORDERS[order_id]["payment_history"]
    assert order["status"] == "cancelled" and order["cancel_reason"] == "no longer needed"
    assert order["payment_history"] == paid + [{**p, "transaction_type": "refund"} for p in paid]
    method = desk.store.get_user(user_id).payment_methods[_paid_with(order_id)]  # type: ignore[union-attr]
    assert method.model_extra["balance"] == round(balance + paid[0]["amount"], 2)  # type: ignore[index]
    assert desk.store.get_order(order_id).status == "cancelled"  # type: ignore[union-attr]


async def test_return_marks_the_items_and_the_refund_method(desk: Desk) -> None:
    order = await desk.record(
        "return_delivered_order_items",
        order_id="#W6015009",
        item_ids=["9672174103", "3877188862"],
        payment_method_id="credit_card_5884162",
    )
    assert order == {
        **RAW_ORDERS["#W6015009"],
        "status": "return requested",
        "return_items": ["3877188862", "9672174103"],
        "return_payment_method_id": "credit_card_5884162",
    }
    assert desk.store.get_order("#W6015009").model_dump(exclude_none=True) == order  # type: ignore[union-attr]


async def test_exchange_records_the_new_items_and_the_difference(desk: Desk) -> None:
    order = await desk.record(
        "exchange_delivered_order_items",
        order_id="#W7008160",
        item_ids=["3613716226"],
        new_item_ids=["4582956489"],
        payment_method_id="gift_card_9293123",
    )
    assert order["status"] == "exchange requested"
    assert order["exchange_new_items"] == ["4582956489"]
    assert order["exchange_price_difference"] == round(241.96 - 253.54, 2)


async def test_modifying_items_swaps_them_and_settles_the_difference(desk: Desk) -> None:
    order = await desk.record(
        "modify_pending_order_items",
        order_id="#W1090976",
        item_ids=["9083642334"],
        new_item_ids=["6805564527"],
        payment_method_id="gift_card_9111522",
    )
    lamp = next(i for i in order["items"] if i["name"] == "Desk Lamp")
    assert lamp["item_id"] == "6805564527" and lamp["price"] == 158.41
    assert lamp["options"] == {"color": "black", "brightness": "medium", "power source": "USB"}
    assert order["status"] == "pending (item modified)"
    assert order["payment_history"][-1] == {
        "transaction_type": "refund",
        "amount": abs(158.41 - 164.28),
        "payment_method_id": "gift_card_9111522",
    }
    user = desk.store.get_user("sofia_hernandez_8513")
    assert user is not None
    balance = user.payment_methods["gift_card_9111522"].model_extra["balance"]  # type: ignore[index]
    assert balance == round(32 - (158.41 - 164.28), 2)


async def test_address_changes(desk: Desk) -> None:
    address = {
        "address1": "55 Elm Street",
        "address2": "",
        "city": "Springfield",
        "state": "IL",
        "country": "USA",
        "zip": "62704",
    }
    order = await desk.record("modify_pending_order_address", order_id="#W4923227", **address)
    assert order["address"] == address and order["status"] == "pending"
    user = await desk.record("modify_user_address", user_id="james_lee_9638", **address)
    assert user == {**RAW_USERS["james_lee_9638"], "address": address}


async def test_a_payment_change_moves_the_money(desk: Desk) -> None:
    order = await desk.record(
        "modify_pending_order_payment", order_id="#W4923227", payment_method_id="paypal_1621947"
    )
    assert order["payment_history"][1:] == [
        {"transaction_type": "payment", "amount": 321.18, "payment_method_id": "paypal_1621947"},
        {
            "transaction_type": "refund",
            "amount": 321.18,
            "payment_method_id": "credit_card_8554680",
        },
    ]


# ---- refusals leave the store as it was ------------------------------------------------------

REFUSALS = [
    (
        "unknown order",
        "cancel_pending_order",
        {"order_id": "#W0000000", "reason": "no longer needed"},
        "Error: order not found",
    ),
    (
        "delivered order cancelled",
        "cancel_pending_order",
        {"order_id": "#W7008160", "reason": "no longer needed"},
        "Error: non-pending order cannot be cancelled",
    ),
    (
        "bad reason",
        "cancel_pending_order",
        {"order_id": "#W4923227", "reason": "too expensive"},
        "Error: invalid reason",
    ),
    (
        "item not in the order",
        "return_delivered_order_items",
        {
            "order_id": "#W6015009",
            "item_ids": ["1111111111"],
            "payment_method_id": "credit_card_5884162",
        },
        "Error: 1111111111 not found",
    ),
    (
        "item returned twice",
        "return_delivered_order_items",
        {
            "order_id": "#W6015009",
            "item_ids": ["9672174103", "9672174103"],
            "payment_method_id": "credit_card_5884162",
        },
        "Error: 9672174103 not found",
    ),
    (
        "refund to a card that did not pay",
        "return_delivered_order_items",
        {
            "order_id": "#W7016806",
            "item_ids": ["5758737025"],
            "payment_method_id": "credit_card_3956549",
        },
        "Error: payment method should be either the original payment method or a gift card",
    ),
    (
        "another customer's payment method",
        "return_delivered_order_items",
        {
            "order_id": "#W6015009",
            "item_ids": ["9672174103"],
            "payment_method_id": "paypal_5727330",
        },
        "Error: payment method not found",
    ),
    (
        "unavailable variant",
        "exchange_delivered_order_items",
        {
            "order_id": "#W7008160",
            "item_ids": ["3613716226"],
            "new_item_ids": ["2658930189"],
            "payment_method_id": "gift_card_9293123",
        },
        "Error: new item 2658930189 not found or available",
    ),
    (
        "variant of another product",
        "exchange_delivered_order_items",
        {
            "order_id": "#W7008160",
            "item_ids": ["3613716226"],
            "new_item_ids": ["5268233322"],
            "payment_method_id": "gift_card_9293123",
        },
        "Error: new item 5268233322 not found or available",
    ),
    (
        "gift card too small for the difference",
        "exchange_delivered_order_items",
        {
            "order_id": "#W4817420",
            "item_ids": ["4900661478"],
            "new_item_ids": ["4894369688"],
            "payment_method_id": "gift_card_8168843",
        },
        "Error: insufficient gift card balance to pay for the price difference",
    ),
    (
        "uneven item lists",
        "modify_pending_order_items",
        {
            "order_id": "#W1090976",
            "item_ids": ["9083642334"],
            "new_item_ids": [],
            "payment_method_id": "gift_card_9111522",
        },
        "Error: the number of items to be exchanged should match",
    ),
    (
        "same payment method",
        "modify_pending_order_payment",
        {"order_id": "#W4923227", "payment_method_id": "credit_card_8554680"},
        "Error: the new payment method should be different from the current one",
    ),
    (
        "gift card too small for the order",
        "modify_pending_order_payment",
        {"order_id": "#W4923227", "payment_method_id": "gift_card_8245350"},
        "Error: insufficient gift card balance to pay for the order",
    ),
    (
        "address of a delivered order",
        "modify_pending_order_address",
        {
            "order_id": "#W7008160",
            "address1": "1 A St",
            "address2": "",
            "city": "B",
            "state": "CA",
            "country": "USA",
            "zip": "90001",
        },
        "Error: non-pending order cannot be modified",
    ),
    (
        "unknown user",
        "modify_user_address",
        {
            "user_id": "nobody_1",
            "address1": "1 A St",
            "address2": "",
            "city": "B",
            "state": "CA",
            "country": "USA",
            "zip": "90001",
        },
        "Error: user not found",
    ),
]


@pytest.mark.parametrize(("case", "name", "args", "error"), REFUSALS, ids=[r[0] for r in REFUSALS])
async def test_a_refusal_changes_nothing(
    desk: Desk, case: str, name: str, args: dict[str, Any], error: str
) -> None:
    before = store_digest(desk.store.path)
    assert await desk.call(name, **args) == error, case
    assert store_digest(desk.store.path) == before


async def test_a_second_exchange_on_the_same_order_is_refused(desk: Desk) -> None:
    args = {
        "order_id": "#W7008160",
        "item_ids": ["3613716226"],
        "new_item_ids": ["4582956489"],
        "payment_method_id": "gift_card_9293123",
    }
    first = await desk.record("exchange_delivered_order_items", **args)
    assert first["status"] == "exchange requested"
    before = store_digest(desk.store.path)
    again = {**args, "new_item_ids": ["1615379700"]}
    assert await desk.call("exchange_delivered_order_items", **again) == (
        "Error: non-delivered order cannot be exchanged"
    )
    assert (
        await desk.call(
            "return_delivered_order_items",
            order_id="#W7008160",
            item_ids=["3613716226"],
            payment_method_id="gift_card_9293123",
        )
        == "Error: non-delivered order cannot be returned"
    )
    assert store_digest(desk.store.path) == before


def _paid_with(order_id: str) -> str:
    return str(RAW_ORDERS[order_id]["payment_history"][0]["payment_method_id"])


def _pending_gift_card_order() -> tuple[str, str]:
    """The first pending order paid by gift card, with its customer."""
    for order_id, order in RAW_ORDERS.items():
        if order["status"] == "pending" and _paid_with(order_id).startswith("gift_card"):
            return str(order["user_id"]), order_id
    raise AssertionError("the data holds no pending order paid by gift card")
