"""Planner round 8, customer-service side, confirmation: a refusal with a reason of its own is
not met by the same change again; taking time to decide is a pause; a question about the
waiting change is answered and the change kept waiting. Wordings made up for the test; the
flows run over the real tau-retail store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graphs.confirm import answer_about, is_question, read_answer, refuses
from tests.orders_helpers import copy_tau_store
from tests.unit.test_offline_service import Chat
from tools.catalog.sqlite import SqliteStore
from tools.orders.tools import WRITE_TOOLS

EMAIL = "omar.silva4147@example.com"
CHANGE = "Cancel order #W7000001 (Desk Lamp (color brass) at 12.00; Rug at 80.00), reason: x."


@pytest.fixture
def store(tau_retail_dir: Path, tmp_path: Path) -> Iterator[SqliteStore]:
    opened = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    yield opened
    opened.close()


def _status(store: SqliteStore, order_id: str) -> str:
    order = store.get_order(order_id)
    assert order is not None
    return order.status


@pytest.mark.parametrize(
    "text", ["let me sleep on it", "I'll think about it first", "give me some time"]
)
def test_taking_time_to_decide_is_a_pause(text: str) -> None:
    assert read_answer(text, CHANGE) == "no"
    assert not refuses(text)  # a pause: a later "go ahead" may still make the change


@pytest.mark.parametrize(
    "text", ["one sec, what did the rug cost again?", "before I decide - the lamp, how much?"]
)
def test_a_question_naming_an_item_of_the_change_keeps_it_waiting(text: str) -> None:
    assert read_answer(text, CHANGE) == "unclear"


def test_a_question_about_an_item_is_answered_with_its_price() -> None:
    items = [("Desk Lamp", "color brass", 12.0), ("Rug", "", 1080.0)]
    assert answer_about("hmm how much was the rug?", items) == (
        "The Rug is 1,080.00. Nothing has been changed yet."
    )
    assert answer_about("what about the sofa?", items) is None
    assert answer_about("the rug, yes", items) is None  # no question


async def test_a_refusal_with_a_reason_is_not_met_by_the_same_change(store: SqliteStore) -> None:
    chat = Chat(store)
    asked = await chat.say(f"{EMAIL} - please cancel #W9673784, I got it by accident")
    assert "Shall I go ahead?" in asked.answer
    kept = await chat.say("no actually, keep it, my brother wants it after all")
    assert "left everything as it was" in kept.answer
    assert "Shall I go ahead?" not in kept.answer
    closing = await chat.say("cheers, that's everything")
    assert not [c for c in closing.tool_calls if c["name"] in WRITE_TOOLS and "output" not in c]
    assert "Shall I go ahead?" not in closing.answer
    assert _status(store, "#W9673784") == "pending"


async def test_a_question_in_the_middle_is_answered_and_the_change_waits(
    store: SqliteStore,
) -> None:
    chat = Chat(store)
    await chat.say(f"{EMAIL} - please cancel #W9673784, I got it by accident")
    asked = await chat.say("hang on, what did the espresso machine cost in that one?")
    assert "The Espresso Machine" in asked.answer and "2,794.70" in asked.answer
    assert "Shall I go ahead?" in asked.answer
    assert _status(store, "#W9673784") == "pending"
    await chat.say("right, go for it")
    assert _status(store, "#W9673784") == "cancelled"


@pytest.mark.parametrize(
    "text",
    ["yep, why not", "happy with that, thanks", "yes, that's what i want", "ok let's do this",
     "yes please, I'd like to cancel it", "sure, you may cancel it", "yes, cancel #W7000001",
     "yes I confirm the cancellation", "go on mate"],
)  # fmt: skip
def test_a_yes_in_other_words_makes_the_change(text: str) -> None:
    assert read_answer(text, CHANGE) == "yes"


@pytest.mark.parametrize(
    "text", ["hmm actually no, keep it for now", "changed my mind, I'll keep them"]
)
def test_keeping_it_is_a_no(text: str) -> None:
    assert read_answer(text, CHANGE) == "no"
    assert refuses(text)


@pytest.mark.parametrize("text", ["yes, cancel #W7000002", "yes, 12.00 is right"])
def test_another_order_or_a_number_after_a_yes_is_not_an_echo(text: str) -> None:
    assert read_answer(text, CHANGE) == "request"


async def test_after_a_pause_alone_a_later_go_ahead_makes_the_change(store: SqliteStore) -> None:
    chat = Chat(store)
    await chat.say(f"{EMAIL} - cancel #W9728773 please, bought it by accident")
    paused = await chat.say("umm give me a second")
    assert "take your time" in paused.answer and "left everything" not in paused.answer
    assert _status(store, "#W9728773") == "pending"
    done = await chat.say("alright, go ahead")
    assert done.answer.startswith("Done: order #W9728773 is cancelled")
    assert _status(store, "#W9728773") == "cancelled"


@pytest.mark.parametrize("text", ["nah, I'll hold onto it", "hang on to it, thanks"])
def test_holding_onto_it_is_a_no_not_a_pause(text: str) -> None:
    assert read_answer(text, CHANGE) == "no"
    assert refuses(text)


def test_a_question_holding_a_yes_word_is_still_a_question() -> None:
    assert read_answer("where will the money go to?", CHANGE) == "unclear"
    assert is_question("does that include the rug?")
    assert not is_question("hmm, perhaps?") and not is_question("what?")


async def test_a_no_after_a_side_question_turns_the_change_down(store: SqliteStore) -> None:
    chat = Chat(store)
    await chat.say(f"{EMAIL} - cancel #W9728773 please, bought it by accident")
    await chat.say("hold on, are there any cheaper action cameras?")
    kept = await chat.say("nah, leave the order alone then")
    assert "left everything as it was" in kept.answer
    assert not [c for c in kept.tool_calls if c["name"] == "search_products"]
    assert _status(store, "#W9728773") == "pending"


def test_second_thoughts_frame_the_answer() -> None:
    assert read_answer("hmm, on second thoughts no. cheers", CHANGE) == "no"
    assert read_answer("on reflection, yes go ahead", CHANGE) == "yes"
