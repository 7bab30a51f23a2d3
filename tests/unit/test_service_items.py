"""Several items named in one breath: each part of "the X and the Y" names items on its own,
while parts that describe one item together ("the kettle, the electric one") stay one."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.service.nlu import understand_request
from agents.offline.service.planner import ServicePlanner
from agents.offline.service.reading import read_service
from agents.offline.service.resolve import match_items, match_named_items

ORDER = {
    "order_id": "#W1000001",
    "status": "delivered",
    "items": [
        {"name": "Garden Hose", "item_id": "11", "product_id": "1", "price": 30.0,
         "options": {"length": "50ft", "color": "green"}},
        {"name": "Electric Kettle", "item_id": "12", "product_id": "2", "price": 80.0,
         "options": {"color": "black"}},
        {"name": "Tea Kettle", "item_id": "13", "product_id": "3", "price": 40.0,
         "options": {"color": "white"}},
        {"name": "Wireless Earbuds", "item_id": "14", "product_id": "4", "price": 99.0,
         "options": {"color": "white"}},
        {"name": "Yoga Block", "item_id": "15", "product_id": "5", "price": 12.0,
         "options": {"material": "cork"}},
    ],
    "payment_history": [{"payment_method_id": "paypal_7"}],
}  # fmt: skip


def _ids(text: str) -> list[str]:
    request = understand_request(text)
    unmeant = [i for g in request.not_groups for i in match_items(ORDER, g)]
    named = match_named_items(ORDER, request.item_groups)
    return [str(item["item_id"]) for item in named if item not in unmeant]


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("send back the garden hose and the yoga block", ["11", "15"]),
        ("I'd return the wireless earbuds plus the hose", ["11", "14"]),
        ("the yoga block, the earbuds & the garden hose", ["11", "14", "15"]),
        ("return the hose as well as the electric kettle please", ["11", "12"]),
        # parts that overlap describe one item together
        ("the kettle, the electric one", ["12"]),
        # one part naming two items alike names both
        ("both kettles", ["12", "13"]),
        ("just the yoga block", ["15"]),
        # a part after "not", "rather than", "instead of" names what is not meant
        ("the hose, not the yoga block", ["11"]),
        ("the earbuds rather than the electric kettle", ["14"]),
    ],
)
def test_each_part_names_its_own_items(text: str, ids: list[str]) -> None:
    assert _ids(text) == ids


def _planner(*messages: BaseMessage) -> ServicePlanner:
    conv = read_service(messages)
    return ServicePlanner(conv, [understand_request(turn.text) for turn in conv.turns])


USER = {
    "name": {"first_name": "Ana", "last_name": "Cruz"},
    "payment_methods": {"paypal_7": {"source": "paypal", "id": "paypal_7"}},
    "orders": ["#W1000001"],
}


def _read(*, first: str, then: list[str]) -> list[BaseMessage]:
    calls = [
        ("get_user_details", {"user_id": "ana_1"}, USER),
        ("get_order_details", {"order_id": "#W1000001"}, ORDER),
    ]
    messages: list[BaseMessage] = [HumanMessage(first)]
    for n, (name, args, record) in enumerate(calls):
        messages.append(AIMessage("", tool_calls=[{"name": name, "args": args, "id": str(n)}]))
        messages.append(ToolMessage(json.dumps(record), tool_call_id=str(n)))
    for text in then:
        messages += [AIMessage("Which items would you like to return?"), HumanMessage(text)]
    return messages


def test_a_return_of_two_named_items_proposes_both() -> None:
    planner = _planner(
        *_read(first="hi, returning the tea kettle and the earbuds, money back via paypal", then=[])
    )
    planner.conv.note_customer = "ana_1"
    (call,) = planner.step().calls
    assert call.name == "return_delivered_order_items"
    assert call.args["item_ids"] == ["13", "14"]


def test_an_item_corrected_replaces_the_one_named_before() -> None:
    messages = _read(
        first="I need to return the yoga block", then=["oops, I meant the hose, not the block"]
    )
    planner = _planner(*messages)
    planner.conv.note_customer = "ana_1"
    step = planner.step()
    assert "Where should the refund go for Garden Hose from" in step.text


def test_an_item_added_with_too_keeps_the_one_named_before() -> None:
    messages = _read(first="I need to return the yoga block", then=["oh and the garden hose too"])
    planner = _planner(*messages)
    planner.conv.note_customer = "ana_1"
    step = planner.step()
    assert "Where should the refund go for Garden Hose, Yoga Block" in step.text
