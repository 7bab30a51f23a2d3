"""The answer to "Shall I go ahead?" (``graphs.confirm``), and what each reading does in chat.

Before: "of course" read as a refusal; "sure" and "ok" dropped the change while the assistant
said "You're welcome!"; "hmm, hold on, not yet" asked the same question again and again. Now a
clear yes makes the change, a clear no leaves everything as it was, an unclear answer is asked
again with the change kept waiting (never written, never silently dropped), and a new request
is told that nothing was changed and then handled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver

from agents.offline import CatalogVocabulary, OfflinePlanner
from graphs.chat import build_graph
from graphs.confirm import read_answer
from graphs.orders import (
    ASK,
    ASK_AGAIN,
    MAX_ASKS,
    NOT_CHANGED,
    NOT_CHANGED_UNCLEAR,
    CustomerService,
)
from graphs.turns import TurnResult, run_turn
from tests.orders_helpers import copy_tau_store, store_digest
from tools.catalog.sqlite import SqliteStore
from tools.search.embedded import EmbeddedSearch
from tools.search.tools import search_tools

YES = [
    "yes", "Yes!", "y", "yeah", "yep", "sure", "Sure.", "ok", "OK", "okay", "of course",
    "Of course!", "yes please", "Yes please, go ahead", "go for it", "go ahead", "that's fine",
    "that\u2019s fine", "please proceed", "proceed", "confirm", "I confirm", "absolutely",
    "definitely", "sounds good", "do it", "please do", "alright", "sure, thanks",
    "ok thank you", "yes, that's correct", "let's do it",
]  # fmt: skip
NO = [
    "no", "No.", "nope", "nah", "no thanks", "no thank you", "don't", "please don't",
    "don't do it", "never mind", "nevermind", "hold on", "not yet", "not now", "wait",
    "hmm, hold on, not yet", "stop", "cancel that", "of course not", "absolutely not",
    "forget it", "I changed my mind", "I'd rather not", "leave it", "hang on",
]  # fmt: skip
UNCLEAR = [
    "", "   ", "hmm", "what?", "huh?", "maybe", "perhaps", "I don't know", "not sure",
    "I'm not sure", "yes no", "yes, wait", "sure... hold on", "what do you mean?", "which one?",
    "ok maybe", "great", "thanks", "yes I guess", "?!",
]  # fmt: skip
REQUESTS = [
    "actually, show me backpacks",
    "yes but to my gift card",
    "no, the wall clock",
    "cancel #W1080318 instead",
    "what is the status of my other order?",
    "yes, #W1080318",
    "ok, 2 of them",
]


@pytest.mark.parametrize("text", YES)
def test_yes(text: str) -> None:
    assert read_answer(text) == "yes"


@pytest.mark.parametrize("text", NO)
def test_no(text: str) -> None:
    assert read_answer(text) == "no"


@pytest.mark.parametrize("text", UNCLEAR)
def test_unclear(text: str) -> None:
    assert read_answer(text) == "unclear"


@pytest.mark.parametrize("text", REQUESTS)
def test_a_new_request(text: str) -> None:
    assert read_answer(text) == "request"


# ---- what each reading does, in the chat graph (the offline planner, the tau-retail store) ---

OMAR, CARD = "omar_kim_3528", "gift_card_3749819"
THREAD: RunnableConfig = {"configurable": {"thread_id": "t"}}
UP_TO_THE_QUESTION = (
    "Please cancel my order #W8557584, I'm omar.kim8981@example.com",
    "I no longer need it",
)


class Desk:
    """A conversation over a private store copy, stopped at the cancellation's question."""

    def __init__(self, store: SqliteStore, planner: OfflinePlanner, search: EmbeddedSearch):
        tools = [s.as_langchain_tool() for s in search_tools(search)]
        service = CustomerService(store)
        self.store = store
        self.graph = build_graph(planner, tools, InMemorySaver(), service=service)

    async def say(self, text: str) -> TurnResult:
        return await run_turn(self.graph, "t", text)

    async def waiting(self) -> bool:
        return bool((await self.graph.aget_state(THREAD)).interrupts)

    def balance(self) -> float:
        user = self.store.get_user(OMAR)
        assert user is not None
        return float((user.payment_methods[CARD].model_extra or {})["balance"])

    def status(self) -> str:
        order = self.store.get_order("#W8557584")
        assert order is not None
        return order.status


@pytest.fixture(scope="module")
def planner_and_search(tau_retail_dir: Path) -> tuple[OfflinePlanner, EmbeddedSearch]:
    with SqliteStore(tau_retail_dir / "store.sqlite") as store:
        products = list(store.iter_products())
    search = EmbeddedSearch()
    search.index(products)
    return OfflinePlanner(vocabulary=CatalogVocabulary.from_products(products)), search


@pytest.fixture
async def desk(
    tau_retail_dir: Path, tmp_path: Path, planner_and_search: tuple[OfflinePlanner, EmbeddedSearch]
) -> AsyncIterator[Desk]:
    store = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    opened = Desk(store, *planner_and_search)
    for text in UP_TO_THE_QUESTION:
        asked = await opened.say(text)
    assert asked.answer.endswith(ASK) and await opened.waiting()
    yield opened
    store.close()


@pytest.mark.parametrize("text", ["of course", "sure", "ok", "go for it", "that's fine"])
async def test_a_yes_makes_the_change_once(desk: Desk, text: str) -> None:
    done = await desk.say(text)
    assert done.tool_calls[0]["output"]["status"] == "cancelled"
    assert done.answer.startswith("Done: order #W8557584 is cancelled")
    assert "welcome" not in done.answer.lower()
    assert desk.balance() == 713.73 and desk.status() == "cancelled"
    assert not await desk.waiting()


PAUSES = ("hmm, hold on, not yet", "wait")


@pytest.mark.parametrize("text", [*PAUSES, "no thanks", "never mind"])
async def test_a_no_changes_nothing_and_asks_nothing_again(desk: Desk, text: str) -> None:
    before = store_digest(desk.store.path)
    declined = await desk.say(text)
    assert declined.tool_calls[0]["output"].startswith("Error: not done")
    # a refusal closes the request; a pause ("hold on", "wait") says nothing changed and that
    # the change can be put again when the customer is ready
    closed = "All right, I have left everything as it was"
    paused = "Of course, take your time: nothing has been changed"
    assert declined.answer.startswith(paused if text in PAUSES else closed)
    assert ASK not in declined.answer  # the question is not put again: no loop
    assert not await desk.waiting()
    assert store_digest(desk.store.path) == before


@pytest.mark.parametrize("text", ["what?", "hmm", "maybe", "yes no", ""])
async def test_an_unclear_answer_is_asked_again_and_the_change_kept(desk: Desk, text: str) -> None:
    before = store_digest(desk.store.path)
    again = await desk.say(text)
    assert again.answer.startswith("Cancel order #W8557584")
    assert again.answer.endswith(ASK_AGAIN)
    assert [c["output"] for c in again.tool_calls] == [None]  # asked about, not run
    assert await desk.waiting() and store_digest(desk.store.path) == before
    done = await desk.say("yes")
    assert done.tool_calls[0]["output"]["status"] == "cancelled"
    assert desk.balance() == 713.73


async def test_too_many_unclear_answers_drop_the_change_and_say_so(desk: Desk) -> None:
    before = store_digest(desk.store.path)
    for _ in range(MAX_ASKS - 1):
        assert (await desk.say("hmm")).answer.endswith(ASK_AGAIN)
    dropped = await desk.say("hmm")
    assert dropped.answer.startswith(NOT_CHANGED_UNCLEAR)
    assert not await desk.waiting() and store_digest(desk.store.path) == before


async def test_a_new_request_is_told_nothing_changed_then_handled(desk: Desk) -> None:
    before = store_digest(desk.store.path)
    result = await desk.say("actually, show me backpacks")
    assert result.tool_calls[0]["output"].startswith("Error: not done")
    assert result.answer.startswith(NOT_CHANGED)
    assert "search_products" in [c["name"] for c in result.tool_calls]
    assert "Backpack" in result.answer
    assert not await desk.waiting() and store_digest(desk.store.path) == before


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("yes cancel it", "yes"),
        ("ok yes, go ahead and cancel", "yes"),
        ("sure, make the exchange", "yes"),
        ("yes thats right", "yes"),
        ("yes, cancel that", "unclear"),  # the change named, or the question refused?
        ("cancel it", "no"),  # no yes before it: not an echo
        ("yes, wait", "unclear"),
    ],
)
def test_the_change_named_again_after_a_yes_is_part_of_the_yes(text: str, reading: str) -> None:
    assert read_answer(text) == reading
