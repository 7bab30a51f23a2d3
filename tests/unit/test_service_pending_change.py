"""A change put to the customer is never dropped in silence: a reply that is more than a yes or
no (the policy declines the change and hands the reply on) corrects the proposal, pauses it,
turns it down, or, when it says nothing the planner can use, puts the same change again so
the customer is asked a plain yes or no."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.service import answers
from agents.offline.service.nlu import understand_request
from agents.offline.service.planner import ServicePlanner
from agents.offline.service.reading import read_service
from agents.prompts import NOT_CONFIRMED

USER = {
    "name": {"first_name": "Ines", "last_name": "Moreau"},
    "payment_methods": {
        "credit_card_1": {"source": "credit_card", "id": "credit_card_1", "brand": "visa",
                          "last_four": "4242"},
        "gift_card_2": {"source": "gift_card", "id": "gift_card_2", "balance": 40.0},
    },
    "orders": ["#W2000002"],
}  # fmt: skip
ORDER = {
    "order_id": "#W2000002",
    "status": "delivered",
    "items": [
        {"name": "Rain Jacket", "item_id": "21", "product_id": "7", "price": 60.0, "options": {}},
        {"name": "Picnic Blanket", "item_id": "22", "product_id": "8", "price": 25.0,
         "options": {}},
    ],
    "payment_history": [{"payment_method_id": "credit_card_1", "amount": 85.0}],
}  # fmt: skip
RETURN = {"order_id": "#W2000002", "item_ids": ["21"], "payment_method_id": "credit_card_1"}


def _proposed_then(*replies: str, answered: bool = False) -> ServicePlanner:
    """A return of the rain jacket to the visa put to the customer, then ``replies``; the
    policy declined the change (the reply was more than a yes or no) unless ``answered``."""
    messages: list[BaseMessage] = [HumanMessage("send back the rain jacket, refund to my visa")]
    reads = [
        ("get_user_details", {"user_id": "ines_3"}, json.dumps(USER)),
        ("get_order_details", {"order_id": "#W2000002"}, json.dumps(ORDER)),
        ("return_delivered_order_items", RETURN, f"Error: {NOT_CONFIRMED}"),
    ]
    for n, (name, args, content) in enumerate(reads):
        messages.append(AIMessage("", tool_calls=[{"name": name, "args": args, "id": str(n)}]))
        messages.append(ToolMessage(content, tool_call_id=str(n)))
    if answered:
        messages.append(AIMessage(answers.declined()))
    for n, reply in enumerate(replies):
        if n:
            messages.append(AIMessage("Anything else?"))
        messages.append(HumanMessage(reply))
    conv = read_service(messages)
    conv.note_customer = "ines_3"
    return ServicePlanner(conv, [understand_request(turn.text) for turn in conv.turns])


@pytest.mark.parametrize(
    "reply",
    [
        "hmm on second thoughts, the gift card please",
        "oh, make that my gift card rather than the visa",
        "put the money on the gift card after all",
    ],
)
def test_a_new_refund_method_updates_the_proposal(reply: str) -> None:
    (call,) = _proposed_then(reply).step().calls
    assert call.name == "return_delivered_order_items"
    assert call.args == {**RETURN, "payment_method_id": "gift_card_2"}


def test_a_new_item_updates_the_proposal() -> None:
    (call,) = _proposed_then("sorry I meant the picnic blanket").step().calls
    assert call.args["item_ids"] == ["22"]


@pytest.mark.parametrize("reply", ["hmm, how would that work exactly", "erm what now", "uhh"])
def test_a_reply_it_cannot_use_puts_the_same_change_again(reply: str) -> None:
    (call,) = _proposed_then(reply).step().calls
    assert call.name == "return_delivered_order_items" and call.args == RETURN


@pytest.mark.parametrize(
    "reply",
    [
        "no thanks, I think I'll keep it",
        "nah, just leave it as it is",
        "no, I want to keep them",
        "hang on, no, let's keep the order",
        "nope, I'll keep my current card",
    ],
)
def test_keeping_the_items_turns_the_change_down(reply: str) -> None:
    step = _proposed_then(reply).step()
    assert not step.calls and step.text == answers.declined()


@pytest.mark.parametrize("go", ["right, go ahead now", "I'm ready, carry on", "yep do it"])
def test_a_paused_change_is_put_again_on_a_go_ahead(go: str) -> None:
    (call,) = _proposed_then("give me a minute to think", go).step().calls
    assert call.name == "return_delivered_order_items" and call.args == RETURN


def test_a_plain_no_ends_the_change_for_good() -> None:
    step = _proposed_then("yes", answered=True).step()  # declined by a clear no before
    assert not step.calls and "nothing waiting for your confirmation" in step.text


def test_waiting_asks_a_yes_or_no_question() -> None:
    assert answers.waiting().endswith("?") and "yes or no" in answers.waiting()
