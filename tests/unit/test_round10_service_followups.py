"""Planner round 10 (service helper): an option of yes or no asked for by its name ("the
waterproof version"), a yes that says the change asked about is the only one, a proposed return
narrowed by "hold on, only the ...", and questions about another order ("what's in #W…?", "and
the one with the ...?"). Wordings made up for the test; the flows run over the real tau-retail
store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.offline.service.nlu import understand_request
from graphs.confirm import read_answer
from tests.orders_helpers import copy_tau_store
from tests.unit.test_offline_service import Chat, names, write
from tools.catalog.sqlite import SqliteStore
from tools.orders.tools import WRITE_TOOLS


@pytest.fixture
def store(tau_retail_dir: Path, tmp_path: Path) -> Iterator[SqliteStore]:
    opened = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    yield opened
    opened.close()


async def test_an_option_of_yes_or_no_asked_for_by_its_name(store: SqliteStore) -> None:
    # Order #W8665881 (pending) holds an Action Camera, 4K, black, not waterproof.
    chat = Chat(store)
    asked = await chat.say(
        "fatima.johnson2300@example.com - in my pending order with the espresso machine could"
        " you switch the action camera to the waterproof version, everything else the same?"
        " any difference on paypal"
    )
    assert write(asked)["args"] == {
        "order_id": "#W8665881",
        "item_ids": ["8725040869"],
        "new_item_ids": ["6700049080"],
        "payment_method_id": "paypal_5364164",
    }
    done = await chat.say("yep that's the only change, go ahead")
    made = write(done)
    assert made["name"] == "modify_pending_order_items"
    assert not str(made["output"]).startswith("Error")


@pytest.mark.parametrize(
    ("text", "reading"),
    [("that's the only change - yes please go ahead", "yes"),
     ("ok, no other changes, do it", "yes"),
     ("the only change? what else is in that order", "request")],
)  # fmt: skip
def test_saying_the_change_is_the_only_one(text: str, reading: str) -> None:
    assert read_answer(text) == reading


async def test_a_proposed_return_narrowed_to_one_item(store: SqliteStore) -> None:
    # Order #W1764038 (delivered): a digital camera, a wristwatch and a tea kettle.
    chat = Chat(store)
    both = await chat.say(
        "omar.lopez1868@example.com. please return the wristwatch and the tea kettle from"
        " #W1764038, money back to my paypal"
    )
    assert write(both)["args"]["item_ids"] == ["2226219750", "4238115171"]
    one = await chat.say("hold on, just the kettle")
    *_, proposed = [c for c in one.tool_calls if c["name"] == "return_delivered_order_items"]
    assert proposed["args"]["item_ids"] == ["4238115171"]
    assert "Shall I go ahead?" in one.answer


@pytest.mark.parametrize(
    "text", ["ok and what's in #W1234567?", "what was inside the other order", "what is on it"]
)
def test_what_an_order_holds_is_its_status(text: str) -> None:
    assert understand_request(text).intent == "status"


def test_a_pause_alone_still_waits() -> None:
    assert understand_request("hmm hold on a sec").wait
    assert not understand_request("wait, only the lamp").wait


async def test_another_order_named_by_its_items_then_a_change_declined_with_a_question(
    store: SqliteStore,
) -> None:
    # Three pending orders: #W8770097 (office chair), #W5183325 (bulb, keyboard) and #W3913498
    # (smart watch, camera, skateboard: 3,413.87 in all).
    chat = Chat(store)
    await chat.say("ivan.santos3158@example.com - what's the status of the office chair order?")
    moved = await chat.say(
        "and the order with the skateboard? please send it to 55 Pine Road, Austin, TX 78701"
    )
    assert write(moved)["args"]["order_id"] == "#W3913498"
    asked = await chat.say("hmm no, leave it. what did the skateboard order cost in total?")
    assert all(not str(c["output"] or "").startswith("Done") for c in asked.tool_calls)
    assert "3,413.87" in asked.answer or "3413.87" in asked.answer


def test_a_question_after_a_refusal_keeps_its_request() -> None:
    request = understand_request("no, leave it. what was the total of the lamp order?")
    assert request.intent == "paid" and not request.no
    assert understand_request("no, leave it").no


async def test_asking_which_options_come_in_a_colour_lists_them(store: SqliteStore) -> None:
    # The bookshelf of #W9710999 (wood, brown, 5 ft) comes in white in four available ways.
    chat = Chat(store)
    await chat.say(
        "liam.lee9297@example.com - the bookshelf from my order with the jigsaw puzzle, I'd like"
        " to swap it for a green one"
    )
    listed = await chat.say("hmm, what heights and materials do you have in white then?")
    assert not set(names(listed)) & WRITE_TOOLS
    assert "4 ft" in listed.answer and "6 ft" in listed.answer
    assert "color brown" not in listed.answer and "pay" not in listed.answer


def test_a_statement_about_delivery_with_an_item_and_a_refund_is_a_return() -> None:
    request = understand_request(
        "ah it never arrived then. ok, only the lamp, refund it to my paypal"
    )
    assert request.intent == "return" and request.only_some and request.payment
    # asked as a question it is still about the order's status
    assert understand_request("has my lamp arrived yet?").intent == "status"
