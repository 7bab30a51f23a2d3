"""Planner round 9, customer-service side, returns: an item "given back" (or sent, brought
back) is a return, not a search; a delivered order that cannot be cancelled is offered a
return at once. Wordings made up for the test; the flows run over the real tau-retail store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.offline.service.nlu import understand_request
from tests.orders_helpers import copy_tau_store
from tests.unit.test_offline_service import Chat, names, write
from tools.catalog.sqlite import SqliteStore
from tools.orders.tools import WRITE_TOOLS


@pytest.fixture
def store(tau_retail_dir: Path, tmp_path: Path) -> Iterator[SqliteStore]:
    opened = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    yield opened
    opened.close()


@pytest.mark.parametrize(
    "text",
    ["i would like to give the camera back, it's not for me",
     "can we send the desk lamp back",
     "how do i bring these sneakers back"],
)  # fmt: skip
def test_an_item_given_back_is_a_service_return(text: str) -> None:
    request = understand_request(text)
    assert request.intent == "return" and request.has_cue


@pytest.mark.parametrize(
    "text",
    ["an office chair that is good for back pain",
     "show me backpacks with a padded back panel"],
)  # fmt: skip
def test_a_back_in_a_product_wish_is_no_return(text: str) -> None:
    assert not understand_request(text).has_cue


async def test_a_camera_given_back_asks_where_the_refund_goes_then_proposes(
    store: SqliteStore,
) -> None:
    chat = Chat(store)
    first = await chat.say(
        "emma.smith3991@example.com - hi, i'd like to give the digital camera back, not for me"
    )
    assert "search_products" not in names(first)
    assert "Where should the refund go" in first.answer and "#W5605613" in first.answer
    proposed = await chat.say("put the money back on the gift card")
    assert write(proposed)["name"] == "return_delivered_order_items"
    assert write(proposed)["args"] == {
        "order_id": "#W5605613",
        "item_ids": ["7195021808"],
        "payment_method_id": "gift_card_8541487",
    }
    assert "Shall I go ahead?" in proposed.answer


async def test_a_delivered_order_that_cannot_be_cancelled_is_offered_a_return(
    store: SqliteStore,
) -> None:
    chat = Chat(store)
    first = await chat.say("emma.smith3991@example.com, please cancel order #W5605613")
    assert not set(names(first)) & WRITE_TOOLS
    assert "can't be cancelled" in first.answer and "returned instead" in first.answer
    again = await chat.say("how come? I really don't need it any more")
    assert not set(names(again)) & WRITE_TOOLS
    assert "returned instead" in again.answer


@pytest.mark.parametrize(
    "text",
    ["just put it back where it came from", "refund whatever i used to pay",
     "to the card it was paid with please", "the card i used"],
)  # fmt: skip
def test_the_original_method_said_in_other_words(text: str) -> None:
    payment = understand_request(text).payment
    assert payment is not None and payment.kind == "original"


async def test_a_refund_method_given_as_an_answer_proposes_the_return(
    store: SqliteStore,
) -> None:
    # The camera's order was paid with the account's gift card: the original method.
    chat = Chat(store)
    await chat.say("emma.smith3991@example.com - hi, i'd like to return the digital camera")
    proposed = await chat.say("just put it back where it came from")
    assert "search_products" not in names(proposed)
    assert write(proposed)["args"]["payment_method_id"] == "gift_card_8541487"
    assert "Shall I go ahead?" in proposed.answer


@pytest.mark.parametrize(
    "text",
    ["oh it hasnt shipped? then what can i do", "what are my options then",
     "ok so what else can we do with it"],
)  # fmt: skip
def test_what_can_be_done_is_asked(text: str) -> None:
    assert understand_request(text).asks_options


def test_what_to_do_for_someone_is_no_order_question() -> None:
    assert not understand_request("what should i do for my mum's birthday").asks_options


async def test_a_pending_order_asked_to_be_returned_says_what_can_be_done(
    store: SqliteStore,
) -> None:
    chat = Chat(store)
    first = await chat.say("emma.smith3991@example.com i want to send back the laptop i ordered")
    assert not set(names(first)) & WRITE_TOOLS
    assert "can't be returned" in first.answer and "cancel it" in first.answer
    options = await chat.say("oh so it's not even sent? what are my options then")
    assert not set(names(options)) & WRITE_TOOLS
    assert "#W2417020 (Laptop) is pending" in options.answer
    assert "cancel it" in options.answer and "shipping address" in options.answer
