"""Planner round 6: a product question in the middle of a pending confirmation. The change is
not made, the question is answered with a word that the change still waits, and a later yes
to the very same change makes it without asking a second time. Wordings made up for the test;
the flow runs over the real tau-retail store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.messages.tool import ToolCall

from agents.prompts import NOT_CONFIRMED
from graphs.confirm import read_answer, refuses
from graphs.orders import ASIDE, NOT_CHANGED, NOT_CHANGED_UNCLEAR, set_aside_reply
from tests.orders_helpers import copy_tau_store
from tests.unit.test_offline_service import Chat, names
from tools.catalog.sqlite import SqliteStore
from tools.orders.tools import WRITE_TOOLS

CHANGE = "Cancel order #W7000001 (Desk Lamp at 12.00), reason: no longer needed."


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("alright, never mind the scarves - yes cancel it", "yes"),
        ("ignore those mugs. go ahead", "yes"),
        ("forget about the rugs, sure", "yes"),
        ("forget the scarves", "unclear"),  # set aside, and no answer yet: asked again
        ("forget the desk lamp, yes", "request"),  # names the change's own item
        ("never mind the reason, yes", "request"),  # the change's own detail
    ],
)
def test_a_side_topic_set_aside_counts_for_nothing(text: str, reading: str) -> None:
    assert read_answer(text, CHANGE) == reading


def test_without_the_change_a_side_topic_is_still_a_request() -> None:
    assert read_answer("never mind the scarves, yes") == "request"


def _call(args: dict[str, str], call_id: str) -> ToolCall:
    return {"name": "cancel_pending_order", "args": args, "id": call_id, "type": "tool_call"}


ARGS = {"order_id": "#W7000001", "reason": "no longer needed"}


def _history(
    artifact: dict[str, str] | None, content: str = f"Error: {NOT_CONFIRMED}"
) -> list[BaseMessage]:
    return [
        HumanMessage("cancel #W7000001, no longer needed"),
        AIMessage("", tool_calls=[_call(ARGS, "w1")]),
        ToolMessage(content, tool_call_id="w1", artifact=artifact),
        HumanMessage("hmm first, any scarves?"),
        AIMessage("1 match for 'scarves'."),
        HumanMessage("forget the scarves, yes cancel it"),
    ]


SET_ASIDE = {"note": NOT_CHANGED, "aside": ASIDE["request"]}


def test_the_same_change_asked_for_again_reads_the_customers_message() -> None:
    messages = _history(SET_ASIDE)
    assert set_aside_reply(messages, _call(ARGS, "w2")) == "forget the scarves, yes cancel it"


@pytest.mark.parametrize(
    ("artifact", "content"),
    [
        (None, f"Error: {NOT_CONFIRMED}"),  # a plain no: the customer turned it down
        ({"note": NOT_CHANGED_UNCLEAR}, f"Error: {NOT_CONFIRMED}"),  # unclear: not an aside
        (SET_ASIDE, '{"order_id": "#W7000001"}'),  # it was made
        ({"aside": ASIDE["pause"]}, f"Error: {NOT_CONFIRMED}"),  # a pause two messages ago
    ],
)
def test_a_change_declined_or_made_is_asked_about_again(
    artifact: dict[str, str] | None, content: str
) -> None:
    assert set_aside_reply(_history(artifact, content), _call(ARGS, "w2")) is None


def test_the_message_right_after_a_pause_is_read() -> None:
    messages = _history({"aside": ASIDE["pause"]})
    del messages[3:5]
    assert set_aside_reply(messages, _call(ARGS, "w2")) == "forget the scarves, yes cancel it"


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("hmm first, any scarves?", False),
        ("hang on - what rugs do you sell", False),
        ("wait, not now, show me mugs", False),
        ("no wait, keep it", True),
        ("don't, what scarves are there", True),
    ],
)
def test_a_pause_is_no_refusal(text: str, refusal: bool) -> None:
    assert refuses(text) is refusal


def test_a_change_turned_down_with_more_words_is_asked_about_again() -> None:
    messages = _history(SET_ASIDE)
    messages[3] = HumanMessage("no wait, keep it for now")
    assert set_aside_reply(messages, _call(ARGS, "w2")) is None


def test_a_different_change_is_asked_about_again() -> None:
    other = {**ARGS, "reason": "ordered by mistake"}
    assert set_aside_reply(_history(SET_ASIDE), _call(other, "w2")) is None


def test_a_change_proposed_since_is_the_one_to_compare() -> None:
    messages = _history(SET_ASIDE)
    other = {**ARGS, "order_id": "#W7000002"}
    messages[4:4] = [
        AIMessage("", tool_calls=[_call(other, "w3")]),
        ToolMessage(f"Error: {NOT_CONFIRMED}", tool_call_id="w3"),
    ]
    assert set_aside_reply(messages, _call(ARGS, "w2")) is None


@pytest.fixture
def store(tau_retail_dir: Path, tmp_path: Path) -> Iterator[SqliteStore]:
    opened = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    yield opened
    opened.close()


async def test_a_product_question_keeps_the_change_waiting_for_a_later_yes(
    store: SqliteStore,
) -> None:
    chat = Chat(store)
    asked = await chat.say("evelyn.ito2168@example.com here - cancel #W6207110, by mistake")
    assert "Shall I go ahead?" in asked.answer
    aside = await chat.say("hang on, do you sell water bottles?")
    assert "search_products" in names(aside)
    assert "cancellation of order #W6207110" in aside.answer and "still waiting" in aside.answer
    assert store.get_order("#W6207110").status == "pending"  # type: ignore[union-attr]
    done = await chat.say("ok, never mind the bottles - yes cancel it")
    (write,) = [c for c in done.tool_calls if c["name"] in WRITE_TOOLS and "output" in c]
    assert write["output"]["status"] == "cancelled"
    assert "Shall I go ahead?" not in done.answer
    assert store.get_order("#W6207110").status == "cancelled"  # type: ignore[union-attr]


async def test_a_plain_yes_after_the_reminder_makes_the_change(store: SqliteStore) -> None:
    chat = Chat(store)
    await chat.say("evelyn.ito2168@example.com here - cancel #W6207110, by mistake")
    await chat.say("hang on, do you sell water bottles?")
    done = await chat.say("yes")
    assert store.get_order("#W6207110").status == "cancelled"  # type: ignore[union-attr]
    assert done.answer.startswith("Done: order #W6207110 is cancelled")


async def test_go_ahead_right_after_a_pause_makes_the_change(store: SqliteStore) -> None:
    chat = Chat(store)
    await chat.say("evelyn.ito2168@example.com here - cancel #W6207110, by mistake")
    paused = await chat.say("hmm, wait a moment")
    assert paused.answer.startswith("Of course, take your time: nothing has been changed")
    done = await chat.say("right, go ahead and cancel it")
    assert store.get_order("#W6207110").status == "cancelled"  # type: ignore[union-attr]
    assert done.answer.startswith("Done: order #W6207110 is cancelled")


async def test_a_no_then_a_yes_is_asked_again(store: SqliteStore) -> None:
    chat = Chat(store)
    await chat.say("evelyn.ito2168@example.com here - cancel #W6207110, by mistake")
    await chat.say("no thanks")
    again = await chat.say("actually yes, go on and cancel it")
    assert "Shall I go ahead?" in again.answer
    assert store.get_order("#W6207110").status == "pending"  # type: ignore[union-attr]


async def test_a_no_after_the_reminder_leaves_the_order(store: SqliteStore) -> None:
    chat = Chat(store)
    await chat.say("evelyn.ito2168@example.com here - cancel #W6207110, by mistake")
    await chat.say("hang on, do you sell water bottles?")
    await chat.say("no, leave it")
    assert store.get_order("#W6207110").status == "pending"  # type: ignore[union-attr]


RETURN = "Return from order #W7000003: Trail Lantern at 31.50. Refund 31.50 to the gift card."


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("yep, that is everything - please go ahead", "yes"),
        ("yes mail it back", "yes"),
        ("ya do it pls", "yes"),
        ("looks right, go ahead", "yes"),
        ("yes, and thank you for your help", "yes"),
        ("yes I'm sure", "yes"),
        ("sure, fine with me", "yes"),
        ("yes, the lantern", "yes"),  # the change's own item named again
        ("yes, the lantern and the tent", "request"),  # something more than the change
        ("yes, 31.50?", "request"),  # a number is never an echo
        ("yes but to paypal", "request"),
    ],
)
def test_a_yes_inside_a_longer_reply(text: str, reading: str) -> None:
    assert read_answer(text, RETURN) == reading
