"""Planner round 10 (service helper): a swap in an order named by the other items it holds
("in my order with the jigsaw and the kettle, the toothbrush ..."), a proposal changed by the
option alone ("make it the white one instead", though another item is white now), a yes to the
question of the price difference when the account has one method, and a second swap added with
"while you're at it". Wordings made up for the test; the flows run over the real tau-retail
store."""

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


def test_the_items_listed_after_order_with_say_which_order() -> None:
    request = understand_request(
        "in my order with the jigsaw puzzle and the tea kettle, the toothbrush is blue but"
        " I'd like it black"
    )
    assert request.order_words == ["jigsaw", "puzzle", "tea", "kettle"]
    assert "toothbrush" in request.words and "kettle" not in request.words


def test_the_items_listed_are_meant_when_nothing_else_is_named() -> None:
    request = understand_request("please cancel the order with the desk lamp and the kettle")
    assert not request.order_words
    assert {"lamp", "kettle"} <= set(request.words)


def test_changing_an_item_to_a_variant_keeps_the_item_words() -> None:
    request = understand_request("can you change the garden hose to a green 50ft one")
    assert request.intent == "exchange"
    assert {"garden", "hose", "green"} <= set(request.words)


async def test_a_swap_named_after_the_order_then_changed_by_its_option_then_made(
    store: SqliteStore,
) -> None:
    # Order #W9710999 holds a jigsaw, a blue toothbrush, a kettle, a white coffee maker and a
    # bookshelf; the account has one card.
    chat = Chat(store)
    first = await chat.say(
        "liam.lee9297@example.com. in my order with the jigsaw puzzle and the tea kettle, the"
        " toothbrush is blue but I'd like it black, nothing else different"
    )
    assert not set(names(first)) & WRITE_TOOLS
    assert "Electric Toothbrush" in first.answer and "color black" in first.answer
    changed = await chat.say("hmm, make it the white one instead")
    assert not set(names(changed)) & WRITE_TOOLS
    assert "Electric Toothbrush" in changed.answer and "color white" in changed.answer
    assert "Coffee Maker" not in changed.answer
    done = await chat.say("sure, go ahead")
    assert write(done)["args"] == {
        "order_id": "#W9710999",
        "item_ids": ["3320557165"],
        "new_item_ids": ["2645006275"],
        "payment_method_id": "credit_card_5809636",
    }


async def test_a_second_swap_added_while_at_it_goes_with_the_first(store: SqliteStore) -> None:
    chat = Chat(store)
    await chat.say(
        "liam.lee9297@example.com here - the toothbrush from my order with the jigsaw puzzle"
        " is blue, could I swap it for a black one? same otherwise"
    )
    await chat.say(
        "and while you're at it, swap the bookshelf in that order for the white one, same"
        " height and material"
    )
    done = await chat.say("yes to both please")
    args = write(done)["args"]
    assert args["item_ids"] == ["3320557165", "2244749153"]
    assert args["new_item_ids"] == ["8798690242", "8479046075"]


@pytest.mark.parametrize(
    "text",
    ["and how much is left on my gift card?", "what's on the giftcard now",
     "how much do i have on my gift card"],
)  # fmt: skip
def test_what_is_on_a_gift_card_asks_its_balance(text: str) -> None:
    assert understand_request(text).intent == "balance"


@pytest.mark.parametrize(
    "text",
    ["great - could you set that as my default address as well?",
     "please use the same one for my account too", "make it my home address on file too"],
)  # fmt: skip
def test_the_address_said_before_made_the_default(text: str) -> None:
    request = understand_request(text)
    assert request.intent == "address" and request.same_to_profile and not request.about_order


def test_asking_the_default_address_changes_nothing() -> None:
    request = understand_request("what's my default address at the moment?")
    assert request.intent == "profile" and not request.same_to_profile
