"""Planner round 9, customer-service side, item changes: "change the X in my order to the Y
one" is an item change; the swap is worked out (order, item, new variant, difference) before
the payment question; "I need an S rather than the XS, same colour" keeps the item and its
colour, and a later "the red half-zip one then" is read with the size asked before. Wordings
made up for the test; the flows run over the real tau-retail store."""

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
    ("text", "intent"),
    [
        ("could you change the helmet in my pending order to the red one", "exchange"),
        ("pls change the kettle on my latest order for a glass one", "exchange"),
        ("change the address on my order to the one I moved to", "address"),
    ],
)
def test_an_item_changed_within_an_order(text: str, intent: str) -> None:
    assert understand_request(text).intent == intent


async def test_a_pending_item_change_shows_the_swap_before_asking_the_method(
    store: SqliteStore,
) -> None:
    # The pending order's helmet is S, blue; the M in red costs 196.73, 5.17 more.
    chat = Chat(store)
    asked = await chat.say(
        "evelyn.lopez6910@example.com. could you change the helmet in my pending order to the"
        " red one in M?"
    )
    assert not set(names(asked)) & WRITE_TOOLS
    assert "#W1890669" in asked.answer and "Cycling Helmet" in asked.answer
    assert "196.73" in asked.answer and "5.17 more" in asked.answer
    assert "Which payment method" in asked.answer
    proposed = await chat.say("take it from my credit card")
    assert write(proposed)["name"] == "modify_pending_order_items"
    assert write(proposed)["args"] == {
        "order_id": "#W1890669",
        "item_ids": ["1676105083"],
        "new_item_ids": ["8573379326"],
        "payment_method_id": "credit_card_3566337",
    }


async def test_a_size_asked_with_the_same_colour_is_never_swapped_for_another_colour(
    store: SqliteStore,
) -> None:
    # The navy fleece jacket is XS; no navy one comes in S, only a red half-zip one.
    chat = Chat(store)
    asked = await chat.say(
        "anya.silva9408@example.com here, the navy fleece jacket i got is too tight, i'd need"
        " an S rather than the XS, same colour please"
    )
    assert not set(names(asked)) & WRITE_TOOLS
    assert "no Fleece Jacket with color navy, size S" in asked.answer
    listed = asked.answer.split("These can be ordered:\n", 1)[1].splitlines()
    assert listed[0].startswith("- size S, color red, zipper half")
    proposed = await chat.say("ok the red half zip one then, any difference back to my card")
    assert write(proposed)["name"] == "exchange_delivered_order_items"
    assert write(proposed)["args"] == {
        "order_id": "#W2570197",
        "item_ids": ["8161321868"],
        "new_item_ids": ["5992316252"],
        "payment_method_id": "credit_card_8341551",
    }


async def test_keeping_what_one_has_named_by_its_option_calls_the_change_off(
    store: SqliteStore,
) -> None:
    # The delivered coffee maker is the black 4-cup espresso one.
    chat = Chat(store)
    asked = await chat.say(
        "sofia.kovacs4505@example.com - i'd like to swap the coffee maker i received for the"
        " 2 cups one, same otherwise"
    )
    assert "Which payment method" in asked.answer
    kept = await chat.say("ah never mind, i'll just keep the 4 cups one")
    assert not set(names(kept)) & WRITE_TOOLS
    assert "left everything as it was" in kept.answer
    after = await chat.say("paypal")
    assert not set(names(after)) & WRITE_TOOLS


async def test_keeping_one_option_while_asking_for_another_is_still_a_change(
    store: SqliteStore,
) -> None:
    chat = Chat(store)
    await chat.say(
        "sofia.kovacs4505@example.com - i'd like to swap the coffee maker i received for the"
        " 2 cups one, same otherwise"
    )
    changed = await chat.say("hmm, i'd rather keep the black but make it the 8 cups one")
    assert "capacity 8 cups" in changed.answer and "Which payment method" in changed.answer


async def test_an_exchange_for_another_kind_of_product_is_explained(store: SqliteStore) -> None:
    chat = Chat(store)
    asked = await chat.say(
        "sofia.kovacs4505@example.com - could i exchange the coffee maker i got for an electric"
        " kettle instead?"
    )
    assert not set(names(asked)) & WRITE_TOOLS
    assert "same product" in asked.answer and "(electric kettle)" in asked.answer
    assert "return the Coffee Maker" in asked.answer
    listed = await chat.say("fine, which coffee makers could it be then")
    assert "Which Coffee Maker would you like instead?" in listed.answer
    assert "electric kettle" not in listed.answer


async def test_an_option_named_like_a_product_kind_is_still_an_option(store: SqliteStore) -> None:
    # "espresso" is a type of this coffee maker, though "espresso machine" is a kind too.
    chat = Chat(store)
    asked = await chat.say(
        "sofia.kovacs4505@example.com - i'd like to exchange the coffee maker i received, i"
        " want the 8 cups espresso machine style one"
    )
    assert "same product" not in asked.answer and "capacity 8 cups" in asked.answer
