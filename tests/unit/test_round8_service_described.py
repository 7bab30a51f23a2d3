"""Planner round 8 (late service helper): an order named by what it holds, when another order
holds the same product in other options ("the one with the gold smart watch") or the product is
named by the tail of its name ("my phone" for a Smartphone); an order id given without '#' in a
payment switch. Wordings made up for the test; the flows run over the real tau-retail store."""

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


async def test_an_order_told_apart_by_the_options_of_an_item_it_shares(
    store: SqliteStore,
) -> None:
    # Two pending orders of this customer hold a Smart Watch: a black one and a gold one.
    chat = Chat(store)
    asked = await chat.say(
        "yusuf.ahmed5476@example.com here. please cancel the one with the gold smart watch,"
        " i bought it by mistake"
    )
    assert write(asked)["args"] == {"order_id": "#W1302858", "reason": "ordered by mistake"}
    assert "Shall I go ahead?" in asked.answer


async def test_a_product_named_by_the_tail_of_its_name_finds_its_order(
    store: SqliteStore,
) -> None:
    # "phone" is the end of "Smartphone", held by one of the customer's three orders.
    chat = Chat(store)
    result = await chat.say("harper.brown3965@example.com - what did my phone cost me?")
    assert not set(names(result)) & WRITE_TOOLS
    assert "1,199.77" in result.answer or "1199.77" in result.answer


@pytest.mark.parametrize(
    "text",
    ["could I pay order W1234567 using paypal instead?",
     "pay my order W7654321 with the visa please, not the gift card"],
)  # fmt: skip
def test_paying_an_order_named_by_its_bare_id_is_a_payment_switch(text: str) -> None:
    request = understand_request(text)
    assert request.intent == "payment" and request.order_ids


@pytest.mark.parametrize(
    "text",
    ["the grill i got is dented on one side", "my kettle stopped working after a day",
     "the earbuds came faulty, what now?"],
)  # fmt: skip
def test_an_item_at_fault_asks_what_can_be_done(text: str) -> None:
    assert understand_request(text).intent == "damaged"


def test_an_item_at_fault_with_a_refund_asked_is_a_return() -> None:
    assert understand_request("the lamp is broken, I want a refund").intent == "return"


async def test_a_delivered_item_at_fault_gets_the_options_then_the_refund_chosen(
    store: SqliteStore,
) -> None:
    chat = Chat(store)
    options = await chat.say(
        "hi, raj.sanchez2046@example.com. the wireless earbuds showed up with a broken case,"
        " what are my options?"
    )
    assert not set(names(options)) & WRITE_TOOLS
    assert "#W1067251" in options.answer
    assert "return" in options.answer and "exchange" in options.answer
    asked = await chat.say("a refund to my gift card then")
    assert write(asked)["args"] == {
        "order_id": "#W1067251",
        "item_ids": ["6452271382"],
        "payment_method_id": "gift_card_2259499",
    }
    done = await chat.say("yep")
    assert write(done)["output"]["status"] == "return requested"


def test_a_wrong_item_sent_is_at_fault_but_one_ordered_is_a_mistake() -> None:
    assert understand_request("you guys delivered the wrong product").intent == "damaged"
    assert understand_request("I picked the wrong one, my bad").intent != "damaged"


async def test_wishing_for_another_product_after_an_order_question_shops(
    store: SqliteStore,
) -> None:
    chat = Chat(store)
    status = await chat.say("chen.silva2698@example.com: has my tea kettle order arrived?")
    assert "#W8171054" in status.answer
    shop = await chat.say("great, thanks. next I'd like to buy a new backpack for hiking")
    assert "search_products" in names(shop) and "get_order_details" not in names(shop)
    assert shop.products


@pytest.mark.parametrize(
    "text",
    ["my card shows a duplicate payment for the same purchase",
     "looks like you double-billed me last week", "i need somebody to look into my account"],
)  # fmt: skip
def test_a_fault_no_tool_can_fix_asks_for_a_person(text: str) -> None:
    request = understand_request(text)
    assert request.intent == "transfer" and request.has_cue


@pytest.mark.parametrize(
    "text",
    ["what do you get someone who has everything?", "i want someone to love this gift",
     "need something for someone who gardens"],
)  # fmt: skip
def test_a_gift_for_someone_is_no_request_for_a_person(text: str) -> None:
    assert understand_request(text).intent != "transfer"


async def test_a_double_charge_is_handed_to_a_person_not_searched(store: SqliteStore) -> None:
    chat = Chat(store)
    result = await chat.say(
        "chen.silva2698@example.com - my bank says I was billed two times for one order,"
        " please get this fixed"
    )
    assert "transfer_to_human_agents" in names(result)
    assert "search_products" not in names(result)
