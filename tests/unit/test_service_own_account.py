"""Questions about the customer's own account, answered from their records: what they paid
for an item or an order, what is left on a gift card, the default address, the saved cards
(by brand and last four digits), and orders named by their state ("my pending order")."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.service import answers
from agents.offline.service.nlu import understand_request
from agents.offline.service.planner import ServicePlanner
from agents.offline.service.reading import read_service

USER = {
    "name": {"first_name": "Rosa"},
    "address": {"address1": "9 Quay Road", "address2": "", "city": "Tacoma", "state": "WA",
                "zip": "98402", "country": "USA"},
    "payment_methods": {
        "credit_card_5": {"source": "credit_card", "id": "credit_card_5", "brand": "amex",
                          "last_four": "3005"},
        "gift_card_6": {"source": "gift_card", "id": "gift_card_6", "balance": 23.5},
    },
    "orders": ["#W4000001", "#W4000002"],
}  # fmt: skip
ORDERS = [
    {"order_id": "#W4000001", "status": "delivered",
     "items": [{"name": "Trail Shoes", "item_id": "41", "price": 88.1, "options": {"size": "9"}},
               {"name": "Head Torch", "item_id": "42", "price": 19.9, "options": {}}],
     "payment_history": [{"transaction_type": "payment", "amount": 108.0,
                          "payment_method_id": "credit_card_5"}]},
    {"order_id": "#W4000002", "status": "pending",
     "items": [{"name": "Camping Stove", "item_id": "43", "price": 54.25, "options": {}}],
     "payment_history": [{"transaction_type": "payment", "amount": 54.25,
                          "payment_method_id": "gift_card_6"}]},
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("what did I pay for those trail shoes", "paid"),
        ("how much did we spend on the head torch?", "paid"),
        ("what was the total on my last order", "paid"),
        ("any money left on the gift card?", "balance"),
        ("what's the balance of my gift card", "balance"),
        ("how much credit remains on my gift cards", "balance"),
        ("which address do you have on file for me", "profile"),
        ("where will you send things by default?", "profile"),
        ("tell me my saved home address", "profile"),
        # a new address given is a change, a gift card to pay with is no balance question
        ("set my default address to 4 Pier St, Tacoma, WA 98402", "address"),
        ("refund it onto my gift card", None),
        ("the card I paid with", None),
    ],
)
def test_own_account_questions_are_read(text: str, intent: str | None) -> None:
    assert understand_request(text).intent == intent


def test_a_status_word_names_the_orders_meant() -> None:
    assert understand_request("anything new on my pending order?").order_state == "pending"
    assert understand_request("the canceled ones").order_state == "cancelled"
    assert understand_request("is it pending?").order_state == ""


def _planner(*texts: str) -> ServicePlanner:
    reads = [("get_user_details", {"user_id": "rosa_2"}, USER)] + [
        ("get_order_details", {"order_id": o["order_id"]}, o) for o in ORDERS
    ]
    messages: list[BaseMessage] = [HumanMessage(texts[0])]
    for n, (name, args, record) in enumerate(reads):
        messages.append(AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"r{n}"}]))
        messages.append(ToolMessage(json.dumps(record), tool_call_id=f"r{n}"))
    for text in texts[1:]:
        messages += [AIMessage("Order #W4000001 is delivered."), HumanMessage(text)]
    conv = read_service(messages)
    conv.note_customer = "rosa_2"
    return ServicePlanner(conv, [understand_request(turn.text) for turn in conv.turns])


def test_the_price_paid_for_a_named_item() -> None:
    text = _planner("remind me what I paid for the head torch?").step().text
    assert text == "You paid 19.90 for the Head Torch in order #W4000001."


def test_the_total_of_the_order_in_focus() -> None:
    text = (
        _planner("where's my trail shoes order", "and how much did that order cost me").step().text
    )
    assert (
        "Order #W4000001 came to 108.00 in total" in text and "Amex credit card ending 3005" in text
    )


def test_gift_card_balance_and_default_address_come_from_the_profile() -> None:
    assert "gift_card_6 has 23.50 left" in _planner("is there credit on my gift card").step().text
    address = _planner("what's my default delivery address?").step().text
    assert address == "Your default shipping address is 9 Quay Road, Tacoma, WA, 98402, USA."


def test_saved_cards_show_brand_and_last_four_only() -> None:
    listed = answers.payment_methods(USER)
    assert (
        listed == "Saved on your account: Amex credit card ending 3005; gift card (balance 23.50)."
    )


def test_my_pending_order_is_that_order() -> None:
    text = _planner("what's in my pending order?").step().text
    assert text.startswith("Order #W4000002 is pending.") and "Trail Shoes" not in text
