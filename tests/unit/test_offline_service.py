"""The offline planner's customer service: reading requests, and the flows it runs in the chat
graph over the real tau-retail store, asking for what is missing and writing only after a yes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agents.offline import CatalogVocabulary, OfflinePlanner
from agents.offline.service import answers as service_answers
from agents.offline.service.nlu import PaymentRef, understand_request
from graphs.chat import build_graph
from graphs.orders import CustomerService
from graphs.turns import TurnResult, run_turn
from tests.orders_helpers import copy_tau_store, store_digest
from tools.catalog.sqlite import SqliteStore
from tools.catalog.tools import catalog_tools
from tools.orders.tools import WRITE_TOOLS
from tools.search.embedded import EmbeddedSearch
from tools.search.tools import search_tools

# ---- reading a message ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I want to return the kettle", "return"),
        ("I'd like a refund for my order", "return"),
        ("can I exchange the boots for size 12?", "exchange"),
        ("please cancel order #W1234567", "cancel"),
        ("where is my order?", "status"),
        ("what's happening with the order that had the kettle in it?", "status"),
        ("any news on my order?", "status"),
        ("change my address to 1 Main St, Austin, TX 78701", "address"),
        ("let me talk to a human", "transfer"),
        ("refund the difference to my gift card", None),
        ("no, cancel that", None),
    ],
)
def test_requests(text: str, intent: str | None) -> None:
    assert understand_request(text).intent == intent


def test_details_of_a_request() -> None:
    request = understand_request("Return the headphones from W9324386 to my visa ending in 8055")
    assert request.order_ids == ["#W9324386"]
    assert request.payment == PaymentRef("credit_card", brand="visa", last_four="8055")
    assert "headphones" in request.words
    assert understand_request("to the original card").payment == PaymentRef("original")
    assert understand_request("gift_card_1870765").payment == PaymentRef(
        "id", method_id="gift_card_1870765"
    )
    assert understand_request("I ordered it by mistake").reason == "ordered by mistake"
    assert understand_request("I don't need it anymore").reason == "no longer needed"
    assert understand_request("all of them").all_items
    assert understand_request("the second one").ordinal == 2


def test_addresses() -> None:
    ship = understand_request("ship order #W1234567 to 55 Elm Street, Apt 2, Springfield, IL 62704")
    assert ship.address == {
        "address1": "55 Elm Street",
        "address2": "Apt 2",
        "city": "Springfield",
        "state": "IL",
        "country": "USA",
        "zip": "62704",
    }
    assert ship.about_order
    moved = understand_request("my new address is 9 Oak Ave, Portland, OR 97201, USA")
    assert moved.address is not None and moved.address["address2"] == ""
    assert not moved.about_order


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("I'm Omar Anderson, zip code 19031", ("Omar", "Anderson", "19031")),
        ("Omar Anderson, 19031", ("Omar", "Anderson", "19031")),
        ("my name is lucas johnson and my zip is 98147", ("lucas", "johnson", "98147")),
        ("tell me about product 22423", None),  # a product id, not a zip code
        ("what can you tell me about 84029E?", None),
    ],
)
def test_names_and_zip_codes(text: str, who: tuple[str, str, str] | None) -> None:
    assert understand_request(text).name_zip == who


def test_yes_and_no() -> None:
    assert understand_request("yes please").yes
    assert not understand_request("yes, the kettle").yes
    assert understand_request("no").no
    assert not understand_request("no, the wall clock").no  # a correction, not a no


# ---- flows in the chat graph ----------------------------------------------------------------


class Chat:
    def __init__(self, store: SqliteStore) -> None:
        products = list(store.iter_products())
        search = EmbeddedSearch()
        search.index(products)
        tools = [s.as_langchain_tool() for s in [*search_tools(search), *catalog_tools(store)]]
        planner = OfflinePlanner(vocabulary=CatalogVocabulary.from_products(products))
        self.graph = build_graph(
            planner, tools, InMemorySaver(), service=CustomerService(store), max_tool_rounds=8
        )

    async def say(self, text: str) -> TurnResult:
        return await run_turn(self.graph, "t", text)


def names(result: TurnResult) -> list[str]:
    return [c["name"] for c in result.tool_calls]


def write(result: TurnResult) -> dict[str, Any]:
    (found,) = [c for c in result.tool_calls if c["name"] in WRITE_TOOLS]
    return found


@pytest.fixture
def store(tau_retail_dir: Path, tmp_path: Path) -> Iterator[SqliteStore]:
    opened = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    yield opened
    opened.close()


async def test_a_return_asks_for_what_is_missing_then_for_a_yes(store: SqliteStore) -> None:
    chat = Chat(store)
    before = store_digest(store.path)
    first = await chat.say("I'd like to return something")
    assert names(first) == [] and "e-mail" in first.answer
    found = await chat.say("it's yara.sanchez4385@example.com")
    assert names(found)[:2] == ["find_user_id_by_email", "get_user_details"]
    assert "Which items would you like to return?" in found.answer
    items = await chat.say("the sunglasses and the skateboard")
    assert names(items) == [] and "Where should the refund go" in items.answer
    asked = await chat.say("to the original card please")
    assert write(asked)["args"] == {
        "order_id": "#W6015009",
        "item_ids": ["3877188862", "9672174103"],  # in the order's own order
        "payment_method_id": "credit_card_5884162",
    }
    assert "Shall I go ahead?" in asked.answer
    assert store_digest(store.path) == before  # nothing written before the yes
    done = await chat.say("yes")
    assert write(done)["output"]["status"] == "return requested"
    assert done.answer.startswith("Done: order #W6015009 is set up for a return")
    assert store.get_order("#W6015009").status == "return requested"  # type: ignore[union-attr]


async def test_a_cancellation_needs_a_reason(store: SqliteStore) -> None:
    chat = Chat(store)
    asked = await chat.say("Please cancel my order #W6207110, I'm evelyn.ito2168@example.com")
    assert "no longer needed" in asked.answer and not set(names(asked)) & WRITE_TOOLS
    confirm = await chat.say("I ordered it by mistake")
    assert write(confirm)["args"] == {"order_id": "#W6207110", "reason": "ordered by mistake"}
    done = await chat.say("yes")
    assert "cancelled" in done.answer


async def test_an_exchange_picks_the_variant_asked_for(store: SqliteStore) -> None:
    chat = Chat(store)
    asked = await chat.say(
        "I want to exchange my hiking boots for size 12, I'm Ivan Rossi, zip 10056"
    )
    assert "payment method" in asked.answer
    confirm = await chat.say("put any difference on my gift card")
    assert write(confirm)["args"]["new_item_ids"] == ["4582956489"]
    await chat.say("yes")
    before = store_digest(store.path)
    again = await chat.say("exchange #W7008160 again for size 10")
    assert not set(names(again)) & WRITE_TOOLS
    assert "exchange requested, so it can't be exchanged" in again.answer
    assert store_digest(store.path) == before


async def test_refusals_and_nothing_pending_change_nothing(store: SqliteStore) -> None:
    chat = Chat(store)
    before = store_digest(store.path)
    nothing = await chat.say("yes")
    assert "nothing waiting for your confirmation" in nothing.answer
    await chat.say("I'm Chen Smith, zip 32278")
    other = await chat.say("What's in order #W7678072?")
    assert other.tool_calls[-1]["output"].startswith("Error: #W7678072 is not one of")
    assert "Electric Kettle" not in other.answer
    human = await chat.say("this is too much, get me a human agent")
    assert names(human) == ["transfer_to_human_agents"]
    assert store_digest(store.path) == before


async def test_shopping_still_shops(store: SqliteStore) -> None:
    chat = Chat(store)
    result = await chat.say("I'd like a red t-shirt")
    assert names(result) == ["search_products"]
    mailed = await chat.say("I'm jane, jane@example.com: blue running shoes please")
    assert set(names(mailed)) == {"search_products"}  # an address in passing is not a login
    details = await chat.say("tell me about product 9523456873")
    assert names(details) == ["get_product"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [("no longer needed", "no longer needed"), ("I don't need it anymore", "no longer needed"),
     ("ordered it by mistake", "ordered by mistake")],  # fmt: skip
)
def test_cancel_reasons_are_read(text: str, reason: str) -> None:
    assert understand_request(text).reason == reason


def test_a_customer_who_needs_a_moment_is_waited_for() -> None:
    assert understand_request("hmm, hold on, not yet").wait
    assert not understand_request("wait, it's order #W2818151").wait  # that gives the order


def test_an_identified_request_about_items_is_customer_service() -> None:
    request = understand_request("[EMAIL]. has my vacuum cleaner arrived?")
    assert request.intent == "status" and request.has_cue


@pytest.mark.parametrize(
    "text",
    [
        "Hi, Emma Smith here, zip code 10192, I need to cancel an order",
        "I need to cancel, zip code 10192, Emma Smith",
    ],
)
def test_a_name_written_as_one_is_read_beside_the_zip_code(text: str) -> None:
    assert understand_request(text).name_zip == ("Emma", "Smith", "10192")


def test_the_reason_and_refund_questions_name_the_order_found() -> None:
    order = {
        "order_id": "#W7822344",
        "status": "pending",
        "items": [{"name": "Electric Kettle"}, {"name": "Pet Bed"}],
        "payment_history": [{"payment_method_id": "paypal_1"}],
    }
    asked = service_answers.ask_reason(order)
    assert "#W7822344" in asked and "Pet Bed" in asked and "no longer needed" in asked
    refund = service_answers.ask_refund(order, {"payment_methods": {}}, [], order["items"][1:])
    assert "Pet Bed from order #W7822344" in refund and "Electric Kettle" not in refund


def test_the_newest_order_is_named_by_recency() -> None:
    asked = understand_request("can you check on my last order?")
    assert asked.intent == "status" and asked.latest_order
    assert understand_request("what's going on with my most recent order").latest_order
    assert not understand_request("what's going on with my order").latest_order


def test_a_zip_code_said_alone_is_a_correction_of_the_identity() -> None:
    corrected = understand_request("sorry, the zip is 76165")
    assert corrected.zip_code == "76165" and corrected.name_zip is None
    assert corrected.identifies
    assert not understand_request("where is my order?").zip_code


def test_when_is_my_item_coming_asks_for_the_status() -> None:
    assert understand_request("[EMAIL], when is my e-reader coming?").intent == "status"
    assert understand_request("is my kettle on its way?").intent == "status"
    assert understand_request("when is the shop open").intent is None


@pytest.mark.parametrize(
    ("text", "intent", "words", "order_words", "refers_back"),
    [
        # a name said before "here" and a zip code: who the customer is, no item words left
        ("Maria Lopez here, zip code 60601", None, [], [], False),
        ("can you tell me what's in my latest order?", "status", [], [], False),
        # the words that say which order are not the item to return
        ("I want to return the kettle from my coffee grinder order", "return", ["kettle"],
         ["coffee", "grinder"], False),
        # a question about what happened is a status question, not a new request
        ("was my lamp order cancelled?", "status", ["lamp"], [], False),
        ("alright, go ahead and return it", "return", [], [], True),
    ],
)  # fmt: skip
def test_service_messages_read_by_their_parts(
    text: str, intent: str | None, words: list[str], order_words: list[str], refers_back: bool
) -> None:
    request = understand_request(text)
    assert request.intent == intent
    assert request.words == words
    assert request.order_words == order_words
    assert request.refers_back is refers_back
