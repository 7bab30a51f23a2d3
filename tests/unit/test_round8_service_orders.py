"""Planner round 8, customer-service side, questions about orders: "can it be cancelled?" is
answered, not proposed; "did I get my money back?" is read from the payment history; several
orders summed; "no longer needed" read in plain and broken English. Wordings made up for the
test; the flows run over the real tau-retail store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.offline.service.nlu import understand_request
from tests.orders_helpers import copy_tau_store
from tests.unit.test_offline_service import Chat, names
from tools.catalog.sqlite import SqliteStore
from tools.orders.tools import WRITE_TOOLS

EMAIL = "omar.silva4147@example.com"


@pytest.fixture
def store(tau_retail_dir: Path, tmp_path: Path) -> Iterator[SqliteStore]:
    opened = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    yield opened
    opened.close()


@pytest.mark.parametrize(
    "text",
    ["i not want it anymore", "we no need for this now", "need it no more, sorry",
     "it is not necessary any more"],
)  # fmt: skip
def test_no_longer_needed_in_plain_and_broken_english(text: str) -> None:
    assert understand_request(text).reason == "no longer needed"


@pytest.mark.parametrize(
    "text",
    ["have you refunded me for that one?", "was I ever reimbursed for #W1216601",
     "where's my refund for it", "has the money gone back to my card yet?"],
)  # fmt: skip
def test_whether_a_refund_was_made_is_a_question_not_a_return(text: str) -> None:
    assert understand_request(text).intent == "refunded"


@pytest.mark.parametrize(
    "text", ["I'd like a refund for the blender", "I just want my money back for the rug"]
)
def test_asking_for_a_refund_stays_a_return(text: str) -> None:
    assert understand_request(text).intent == "return"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("could the second one still be cancelled?", "cancel"),
        ("is it too late to return the blender?", "return"),
        ("is that one still cancelable", "cancel"),
    ],
)
def test_whether_a_change_is_possible_is_a_question(text: str, intent: str) -> None:
    request = understand_request(text)
    assert request.asks_possible and request.intent == intent


def test_asking_to_cancel_is_not_asking_whether_one_can() -> None:
    assert not understand_request("can you cancel #W9673784 for me").asks_possible


async def test_whether_an_order_can_be_cancelled_is_answered_not_proposed(
    store: SqliteStore,
) -> None:
    chat = Chat(store)
    result = await chat.say(f"{EMAIL} - is #W9728773 still cancellable?")
    assert not set(names(result)) & WRITE_TOOLS
    assert "can still be cancelled" in result.answer and "Shall I go ahead?" not in result.answer
    asked = await chat.say("alright then cancel it, I don't need it anymore")
    assert "Shall I go ahead?" in asked.answer


async def test_a_refund_is_read_from_the_payment_history(store: SqliteStore) -> None:
    chat = Chat(store)
    result = await chat.say(f"{EMAIL}: was I ever reimbursed for #W1216601?")
    assert "643.69 has been refunded" in result.answer and "PayPal" in result.answer
    pending = await chat.say("and have I been refunded for #W9728773?")
    assert "No refund is recorded for order #W9728773" in pending.answer


async def test_several_orders_summed(store: SqliteStore) -> None:
    chat = Chat(store)
    result = await chat.say(f"{EMAIL} - #W9728773 plus #W9673784, how much is that combined?")
    assert "4,627.45 (1,412.70 + 3,214.75)" in result.answer
    assert not set(names(result)) & WRITE_TOOLS


@pytest.mark.parametrize(
    "text",
    ["how much are all my orders worth together?", "add up both of my pending orders for me"],
)
def test_several_of_ones_orders_summed_is_a_question_about_what_was_paid(text: str) -> None:
    request = understand_request(text)
    assert request.intent == "paid" and request.several_orders


async def test_all_orders_summed_leave_out_a_cancelled_one(store: SqliteStore) -> None:
    chat = Chat(store)
    result = await chat.say(f"{EMAIL}: what have I spent over all my orders, roughly?")
    assert "Together they come to 4,627.45 (1,412.70 + 3,214.75)" in result.answer
    assert "#W1216601 (cancelled" in result.answer and "not counted" in result.answer


async def test_when_a_refund_comes_is_read_from_the_payment_history(store: SqliteStore) -> None:
    chat = Chat(store)
    result = await chat.say(f"{EMAIL} when do I see my money back for #W1216601?")
    assert "643.69 has been refunded" in result.answer and "5-7 business days" in result.answer


@pytest.mark.parametrize(
    "text", ["cancel it, I got one cheaper somewhere else", "found them cheaper online, cancel"]
)
def test_found_cheaper_elsewhere_is_no_longer_needed(text: str) -> None:
    assert understand_request(text).reason == "no longer needed"


@pytest.mark.parametrize(
    "text",
    ["has my box with the bookshelf left the warehouse?", "what did the sunglasses cost me"],
)
def test_questions_about_ones_own_purchase_are_service(text: str) -> None:
    assert understand_request(text).has_cue


def test_the_item_named_in_when_it_will_come_stays_an_item() -> None:
    request = understand_request("when is the sofa arriving, do you know?")
    assert request.intent == "status" and "sofa" in request.words


async def test_whether_items_can_be_sent_back_is_answered(store: SqliteStore) -> None:
    chat = Chat(store)
    result = await chat.say(f"{EMAIL}: could the perfume from #W1216601 be sent back?")
    assert not set(names(result)) & WRITE_TOOLS
    assert "#W1216601 is cancelled" in result.answer


@pytest.mark.parametrize(
    "text",
    ["{e} - cancel only the sunglasses in #W9728773 please, the rest can stay",
     "{e}: take the bookshelf out of order #W9728773"],
)  # fmt: skip
async def test_part_of_an_order_is_never_cancelled_alone(store: SqliteStore, text: str) -> None:
    chat = Chat(store)
    result = await chat.say(text.format(e=EMAIL))
    assert not set(names(result)) & WRITE_TOOLS
    assert "can only be cancelled as a whole" in result.answer
    assert "Jigsaw Puzzle" in result.answer  # what the order holds is shown


def test_only_in_the_order_chosen_is_not_part_of_it() -> None:
    assert not understand_request("cancel only the order with the lamp").only_some


@pytest.mark.parametrize(
    "text", ["where's my bookshelf, has it shipped?", "which address is the puzzle order going to?"]
)
def test_where_ones_own_order_is_or_goes_is_its_status(text: str) -> None:
    request = understand_request(text)
    assert request.intent == "status" and request.has_cue


def test_changing_where_an_order_goes_stays_a_change() -> None:
    assert understand_request("what address is it going to? change it to my work one").intent != (
        "status"
    )


async def test_an_order_refused_before_is_not_meant_later(store: SqliteStore) -> None:
    chat = Chat(store)
    refused = await chat.say(f"{EMAIL} - what's in #W1654931? my brother's order")
    assert "not one of the authenticated customer's orders" in refused.answer
    own = await chat.say("fine, how's my own espresso machine order doing")
    assert "#W9673784" in own.answer and "#W1654931" not in own.answer
