"""The order in focus: "its status", "that one" after a turn about one order (a change put to
the customer, done or declined, or an answer about that order alone) mean that order; after a
turn about several orders they mean none in particular."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.service.planner import ServicePlanner
from agents.prompts import NOT_CONFIRMED
from tests.unit.service_history import account_read, service_planner


def _order(order_id: str, status: str, name: str) -> dict[str, object]:
    item = {"name": name, "item_id": order_id[2:], "product_id": "9", "price": 10.0}
    return {"order_id": order_id, "status": status, "items": [item], "payment_history": []}


ORDERS = [_order("#W3000001", "delivered", "Desk Fan"), _order("#W3000002", "pending", "Tent")]
USER = {"name": {"first_name": "Kai"}, "payment_methods": {}, "orders": ["#W3000001", "#W3000002"]}


def _planner(messages: list[BaseMessage]) -> ServicePlanner:
    return service_planner(messages, "kai_5")


def _reads(first: str) -> list[BaseMessage]:
    return account_read(first, "kai_5", USER, ORDERS)


@pytest.mark.parametrize(
    "question", ["so what's its status at the moment?", "has that order shipped yet?"]
)
def test_after_a_declined_cancellation_its_status_is_that_orders(question: str) -> None:
    cancel = {"order_id": "#W3000002", "reason": "no longer needed"}
    messages = [
        *_reads("cancel the tent order, don't need it"),
        AIMessage("", tool_calls=[{"name": "cancel_pending_order", "args": cancel, "id": "w"}]),
        ToolMessage(f"Error: {NOT_CONFIRMED}", tool_call_id="w"),
        AIMessage("All right, I have left everything as it was."),
        HumanMessage(question),
    ]
    (call,) = _planner(messages).step().calls
    assert call.name == "get_order_details" and call.args == {"order_id": "#W3000002"}


def test_an_answer_about_one_order_puts_it_in_focus() -> None:
    messages = [
        *_reads("what did I get in the desk fan order?"),
        AIMessage("Order #W3000001 is delivered.\n1. Desk Fan, 10.00"),
        HumanMessage("and when did that one ship"),
    ]
    (call,) = _planner(messages).step().calls
    assert call.args == {"order_id": "#W3000001"}


def test_after_a_list_of_orders_its_status_asks_nothing_of_the_focus() -> None:
    listing = "Your orders:\nOrder #W3000001 is delivered.\nOrder #W3000002 is pending."
    messages = [*_reads("show my orders"), AIMessage(listing), HumanMessage("what's its status?")]
    step = _planner(messages).step()
    assert not step.calls and "#W3000001" in step.text and "#W3000002" in step.text
