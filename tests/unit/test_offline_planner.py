"""The offline planner as a chat model: its tool calls, relaxation, answers, streaming, graph."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, cast

import pytest
from langchain.agents import create_agent
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.checkpoint.memory import InMemorySaver

from agents.offline import CatalogVocabulary, OfflinePlanner
from tests.fakes import planner_turn
from tests.unit.offline_catalog import GIFTWARE, TYPED, FakeSearch, shop_tools
from tools.models import Product

ID_IN_PARENS = re.compile(r"\(([A-Za-z0-9][A-Za-z0-9_-]{2,40})\)")


class Shop:
    """A planner with tools bound, and the conversation it has had, turn by turn."""

    def __init__(self, products: list[Product], *, max_tool_rounds: int = 4) -> None:
        self.tools, self.search = shop_tools(products)
        self.by_name: dict[str, BaseTool] = {t.name: t for t in self.tools}
        self.planner = OfflinePlanner(
            vocabulary=CatalogVocabulary.from_products(products), max_tool_rounds=max_tool_rounds
        ).bind_tools(self.tools)
        self.messages: list[BaseMessage] = [SystemMessage("ignored by the planner")]
        self.catalog_ids = {p.id for p in products}

    async def say(self, text: str) -> list[BaseMessage]:
        """Run one turn; the messages it added (tool calls, tool results, answer)."""
        return await planner_turn(self.planner, self.by_name, self.messages, text, max_rounds=10)

    @staticmethod
    def calls(turn: Sequence[BaseMessage]) -> list[tuple[str, dict[str, Any]]]:
        return [
            (c["name"], c["args"]) for m in turn if isinstance(m, AIMessage) for c in m.tool_calls
        ]

    @staticmethod
    def answer(turn: Sequence[BaseMessage]) -> str:
        last = turn[-1]
        assert isinstance(last, AIMessage) and not last.tool_calls
        return str(last.content)


def returned_ids(turn: Sequence[BaseMessage]) -> set[str]:
    """Ids of every product a tool returned in ``turn``."""
    ids: set[str] = set()
    for m in turn:
        if not isinstance(m, ToolMessage) or str(m.content).startswith("Error"):
            continue
        data = json.loads(str(m.content))
        ids.update(p["id"] for p in data.get("products", []))
        if "id" in data or "product_id" in data:
            ids.add(data.get("id", data.get("product_id")))
    return ids


@pytest.fixture
def gift() -> Shop:
    return Shop(GIFTWARE)


@pytest.fixture
def typed() -> Shop:
    return Shop(TYPED)


# ----------------------------------------------------------------------------- first calls


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("red mugs", {"query": "mug", "category": "mug", "attributes": {"colour": "red"}}),
        ("mugs under £3", {"query": "mug", "category": "mug", "max_price": 3.0}),
        (
            "glass t-light holders between £2 and £5",
            {
                "query": "t-light holder",
                "category": "t-light holder",
                "attributes": {"material": "glass"},
                "min_price": 2.0,
                "max_price": 5.0,
            },
        ),
        (
            "cheapest lanterns in stock",
            {"query": "lantern", "category": "lantern", "in_stock_only": True, "sort": "price_asc"},
        ),
        ("best sellers", {"query": "", "sort": "popularity"}),
        ("heart lanterns around £2", {
            "query": "heart lantern", "category": "lantern", "min_price": 1.6, "max_price": 2.4,
        }),
    ],
)  # fmt: skip
async def test_a_search_request_becomes_one_search_call(
    gift: Shop, text: str, args: dict[str, Any]
) -> None:
    turn = await gift.say(text)
    assert gift.calls(turn)[0] == ("search_products", args)


async def test_typed_store_uses_its_own_option_names(typed: Shop) -> None:
    turn = await typed.say("blue t-shirts in size M under $60")
    assert typed.calls(turn)[0] == (
        "search_products",
        {
            "query": "t-shirt",
            "category": "t-shirt",
            "attributes": {"color": "blue", "size": "M"},
            "max_price": 60.0,
        },
    )
    # The product is sold in variants: the blue M one is answered with its own price.
    answer = typed.answer(turn)
    assert "T-Shirt (9523456873) — 1 variant with color blue and size M" in answer
    assert "blue, M, cotton, crew neck: $46.66, available" in answer


@pytest.mark.parametrize(
    ("text", "answer_has"),
    [
        ("hi", "Hello!"),
        ("what can you do?", "search the catalog"),
        ("tell me a joke", "Sorry, I can't help with jokes"),
        ("what's the weather like today?", "can't help with the weather"),
        ("", "empty"),
        ("asdfgh qwrtzp", "couldn't make sense"),
        ("thanks!", "You're welcome"),
        ("bye", "Goodbye"),
        ("tell me about the second one", "haven't shown you any products"),
    ],
)
async def test_small_talk_needs_no_tool(gift: Shop, text: str, answer_has: str) -> None:
    turn = await gift.say(text)
    assert gift.calls(turn) == []
    assert answer_has in gift.answer(turn)


async def test_a_greeting_with_a_request_is_a_search_with_a_hello(gift: Shop) -> None:
    turn = await gift.say("hi, do you have red mugs")
    assert gift.calls(turn)[0][0] == "search_products"
    answer = gift.answer(turn)
    assert answer.startswith("Hello! 2 matches for 'mug', with colour red:")
    assert "1. Red Retrospot Mug (21844) — £2.95, in stock" in answer
    assert "2. Vintage Red Mug (21066) — £1.25, out of stock" in answer


async def test_the_help_text_speaks_the_catalog_words(gift: Shop) -> None:
    answer = gift.answer(await gift.say("what can you do?"))
    assert "mugs" in answer and "£" in answer


# ----------------------------------------------------------------------------- refinements


async def test_refinements_change_only_what_was_asked(gift: Shop) -> None:
    await gift.say("mugs")  # Red Retrospot £2.95, Vintage Red £1.25, Blue £1.45, Enamel £1.65
    turn = await gift.say("in blue")
    assert gift.calls(turn) == [
        ("search_products", {"query": "mug", "category": "mug", "attributes": {"colour": "blue"}})
    ]
    turn = await gift.say("any colour")
    assert gift.calls(turn) == [("search_products", {"query": "mug", "category": "mug"})]
    turn = await gift.say("under 2 instead")
    assert gift.calls(turn) == [
        ("search_products", {"query": "mug", "category": "mug", "max_price": 2.0})
    ]
    turn = await gift.say("only in stock")
    assert gift.calls(turn)[0][1]["in_stock_only"] is True
    turn = await gift.say("sort by price")
    assert gift.calls(turn)[0][1] == {
        "query": "mug",
        "category": "mug",
        "max_price": 2.0,
        "in_stock_only": True,
        "sort": "price_asc",
    }


async def test_cheaper_means_under_the_typical_price_shown(gift: Shop) -> None:
    await gift.say("mugs over £1.40")  # the median price shown is £1.65
    turn = await gift.say("cheaper ones")
    args = gift.calls(turn)[0][1]
    assert args["max_price"] == 1.64
    assert "min_price" not in args  # the old floor no longer holds
    assert "Vintage Red Mug (21066)" in gift.answer(turn)


async def test_nothing_cheaper_is_said_plainly(gift: Shop) -> None:
    await gift.say("trinket boxes")  # one at £1.25
    turn = await gift.say("anything cheaper?")
    assert len(gift.calls(turn)) == 1
    assert gift.answer(turn).startswith("Nothing matched")
    assert "(" not in gift.answer(turn)


async def test_more_expensive_means_over_the_typical_price_shown(gift: Shop) -> None:
    await gift.say("lanterns under £2")  # £1.65
    turn = await gift.say("more expensive")
    assert gift.calls(turn)[0][1] == {"query": "lantern", "category": "lantern", "min_price": 1.66}


async def test_show_more_pages_on_and_stops_at_the_end(gift: Shop) -> None:
    await gift.say("anything under £3")  # 11 products
    turn = await gift.say("show more")
    assert gift.calls(turn) == [("search_products", {"query": "", "max_price": 3.0, "offset": 5})]
    assert "(results 6 to 10 of 11)" in gift.answer(turn)
    assert "\n6. " in gift.answer(turn)  # numbering goes on from the first page
    turn = await gift.say("next")
    assert gift.calls(turn)[0][1]["offset"] == 10
    turn = await gift.say("show more")
    assert gift.calls(turn) == []
    assert "all 11 matches have been shown" in gift.answer(turn)


async def test_new_words_narrow_or_replace_the_last_search(gift: Shop) -> None:
    await gift.say("red bags")
    turn = await gift.say("only the jumbo ones")
    assert gift.calls(turn)[0][1]["attributes"] == {"colour": "red", "size": "jumbo"}
    turn = await gift.say("anything with polkadots instead?")
    assert gift.calls(turn)[0][1]["query"] == "polkadots bag"


# ------------------------------------------------------------------------------ references


async def test_references_resolve_to_the_listed_products(gift: Shop) -> None:
    await gift.say("mugs")
    listed = ["21844", "21066", "37370", "23251"]
    for text, pid in [
        ("tell me about the second one", listed[1]),
        ("number 3", listed[2]),
        ("#1", listed[0]),
        ("the last one", listed[3]),
        ("what about the vintage red mug?", listed[1]),
    ]:
        turn = await gift.say(text)
        assert gift.calls(turn) == [("get_product", {"product_id": pid})], text
    turn = await gift.say("is it in stock?")  # "it": the product looked at last
    assert gift.calls(turn) == [("check_inventory", {"product_id": listed[1]})]


async def test_details_answer_quotes_the_product(typed: Shop) -> None:
    await typed.say("t-shirts")
    answer = typed.answer(await typed.say("what sizes does it come in?"))
    assert answer.startswith("T-Shirt (9523456873) — $46.66, in stock")
    assert "Size options: M, XL, S, L." in answer
    assert "T-Shirt in 4 variants." in answer  # the description
    assert "- blue, M, cotton, crew neck: $46.66, available, item 950" in answer
    assert "Stock note: Demo stock figures." in answer


async def test_asking_for_an_option_it_lacks(gift: Shop) -> None:
    await gift.say("teapots")
    answer = gift.answer(await gift.say("what is it made of?"))
    assert "The catalog lists no material for it." in answer


async def test_stock_answers(gift: Shop) -> None:
    answer = gift.answer(await gift.say("is 85123A in stock?"))
    assert answer.startswith("White Hanging Heart T-Light Holder (85123A) is in stock")
    assert "stock level 120" in answer and "Estimated stock" in answer
    answer = gift.answer(await gift.say("is item 21527 still available?"))
    assert "(21527) is out of stock" in answer


async def test_they_checks_every_listed_product(gift: Shop) -> None:
    await gift.say("lanterns")
    turn = await gift.say("are they in stock?")
    assert [c[0] for c in gift.calls(turn)] == ["check_inventory"] * 3
    assert len(gift.answer(turn).splitlines()) == 4  # three products and the note


async def test_ambiguous_it_asks_which_one(gift: Shop) -> None:
    await gift.say("mugs")
    turn = await gift.say("is it in stock?")
    assert gift.calls(turn) == []
    assert gift.answer(turn).startswith("Which one do you mean?")


async def test_compare_looks_up_each(gift: Shop) -> None:
    await gift.say("lanterns")
    turn = await gift.say("compare 1 and 3")
    assert [c[1]["product_id"] for c in gift.calls(turn)] == ["22464", "71053"]


async def test_similar_searches_the_same_kind(gift: Shop) -> None:
    await gift.say("tell me about 22464")
    turn = await gift.say("anything similar?")
    assert gift.calls(turn) == [
        ("search_products", {"query": "lantern", "category": "lantern", "limit": 6})
    ]
    assert gift.answer(turn).startswith("Products like Hanging Metal Heart Lantern: 3 matches")


async def test_an_unknown_id_is_explained(gift: Shop) -> None:
    turn = await gift.say("tell me about 99999")
    assert gift.calls(turn) == [("get_product", {"product_id": "99999"})]
    assert "couldn't find a product with id 99999" in gift.answer(turn)


# ------------------------------------------------------------------------------ relaxation


async def test_nothing_found_relaxes_one_constraint_at_a_time(gift: Shop) -> None:
    turn = await gift.say("blue lanterns under £1")
    assert gift.calls(turn) == [
        (
            "search_products",
            {
                "query": "lantern",
                "category": "lantern",
                "attributes": {"colour": "blue"},
                "max_price": 1.0,
            },
        ),
        # the colour becomes a preference in the text instead of a filter
        ("search_products", {"query": "blue lantern", "category": "lantern", "max_price": 1.0}),
        ("search_products", {"query": "blue lantern", "max_price": 1.0}),
        ("search_products", {"query": "blue lantern", "sort": "price_asc"}),
    ]
    answer = gift.answer(turn)
    assert answer.startswith(
        "Nothing matched 'lantern', with colour blue, under £1.00 exactly; without the colour "
        "filter, outside the 'lantern' category and without the price limit I found"
    )


async def test_relaxation_stops_at_the_round_limit() -> None:
    shop = Shop(GIFTWARE, max_tool_rounds=2)
    turn = await shop.say("purple glass lanterns under £1")
    assert len(shop.calls(turn)) == 2
    assert shop.answer(turn).startswith("Nothing matched")


async def test_when_nothing_at_all_matches_it_says_so(gift: Shop) -> None:
    turn = await gift.say("sofas")
    assert gift.calls(turn) == [("search_products", {"query": "sofas"})]
    assert gift.answer(turn).startswith("Nothing matched 'sofas'. You could try")


async def test_an_empty_refinement_keeps_what_was_shown(gift: Shop) -> None:
    await gift.say("teapots")
    turn = await gift.say("in blue")
    assert gift.answer(turn).startswith(
        "Nothing matched 'teapot', with colour blue. The earlier results still stand."
    )


# ------------------------------------------------------------------------------ grounding

CONVERSATIONS = [
    ["hi, do you have red mugs", "cheaper", "the second one", "is it in stock?"],
    ["lanterns", "are they in stock?", "compare 1 and 2", "more like the first one"],
    ["blue lanterns under £1", "show more", "tell me about 85123A"],
    ["bags", "only the jumbo ones", "in pink", "details of the first one", "thanks"],
    ["what's the cheapest thing you sell?", "show more", "number 7", "best sellers"],
]


@pytest.mark.parametrize("turns", CONVERSATIONS)
async def test_answers_name_only_products_tools_returned_this_turn(turns: list[str]) -> None:
    shop = Shop(GIFTWARE)
    for text in turns:
        turn = await shop.say(text)
        named = {pid for pid in ID_IN_PARENS.findall(shop.answer(turn))}
        assert named <= returned_ids(turn), (text, shop.answer(turn))
        assert named <= shop.catalog_ids


# ------------------------------------------------------------------------------ the model


def test_without_bound_tools_it_says_it_cannot_search() -> None:
    planner = OfflinePlanner(vocabulary=CatalogVocabulary.from_products(GIFTWARE))
    reply = planner.invoke([HumanMessage("red mugs")])
    assert not reply.tool_calls
    assert "can't search the catalog" in str(reply.content)


def test_only_bound_tools_are_called() -> None:
    tools, _ = shop_tools(GIFTWARE)
    search_only = [t for t in tools if t.name == "search_products"]
    planner = OfflinePlanner(vocabulary=CatalogVocabulary.from_products(GIFTWARE))
    bound = planner.bind_tools(search_only)
    assert bound.tool_names == frozenset({"search_products"})
    assert planner.tool_names == frozenset()  # bind_tools returns a copy
    reply = bound.invoke([HumanMessage("tell me about 85123A")])
    assert not reply.tool_calls
    assert "can't look up products" in str(reply.content)


def test_tool_call_ids_are_unique() -> None:
    planner = Shop(GIFTWARE).planner
    ids = {planner.invoke([HumanMessage("mugs")]).tool_calls[0]["id"] for _ in range(20)}
    assert len(ids) == 20


def _same_message(streamed: AIMessageChunk, invoked: AIMessage) -> None:
    assert streamed.content == invoked.content
    assert [(c["name"], c["args"]) for c in streamed.tool_calls] == [
        (c["name"], c["args"]) for c in invoked.tool_calls
    ]
    assert all(c["id"] for c in streamed.tool_calls)


@pytest.mark.parametrize("text", ["red mugs under £3", "what can you do?"])
def test_streaming_adds_up_to_the_invoked_message(text: str) -> None:
    planner = Shop(GIFTWARE).planner
    messages = [HumanMessage(text)]
    chunks = list(planner.stream(messages))
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert isinstance(total, AIMessageChunk)
    _same_message(total, planner.invoke(messages))
    if "?" in text:
        assert len(chunks) > 5  # text streams word by word
    else:
        assert len([c for c in chunks if c.tool_call_chunks]) == 1  # the call comes whole


async def test_async_streaming_adds_up_too() -> None:
    planner = Shop(GIFTWARE).planner
    messages = [HumanMessage("glass t-light holders")]
    chunks = [c async for c in planner.astream(messages)]
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert isinstance(total, AIMessageChunk)
    _same_message(total, await planner.ainvoke(messages))


def test_llm_type() -> None:
    assert OfflinePlanner()._llm_type == "offline-planner"


# ------------------------------------------------------------------------ in a real graph


async def test_a_multi_turn_conversation_in_create_agent() -> None:
    tools, search = shop_tools(GIFTWARE)
    planner = OfflinePlanner(vocabulary=CatalogVocabulary.from_products(GIFTWARE))
    agent = create_agent(model=planner, tools=tools, checkpointer=InMemorySaver())
    config: RunnableConfig = {"configurable": {"thread_id": "shopper-1"}}

    async def turn(text: str) -> list[BaseMessage]:
        before = len((await agent.aget_state(config)).values.get("messages", []))
        state = await agent.ainvoke({"messages": [HumanMessage(text)]}, config)
        return list(state["messages"][before:])

    first = await turn("do you have red mugs?")
    assert Shop.calls(first) == [
        ("search_products", {"query": "mug", "category": "mug", "attributes": {"colour": "red"}})
    ]
    second = await turn("tell me about the second one")
    assert Shop.calls(second) == [("get_product", {"product_id": "21066"})]
    third = await turn("is it in stock?")
    assert Shop.calls(third) == [("check_inventory", {"product_id": "21066"})]
    assert "out of stock" in Shop.answer(third)
    fourth = await turn("blue lanterns under £1")
    assert len(Shop.calls(fourth)) == 4
    assert isinstance(search, FakeSearch) and len(search.queries) == 5

    # "messages" stream mode: the call arrives as one chunk, the answer line by line.
    chunks: list[Any] = []
    async for part in agent.astream(
        {"messages": [HumanMessage("lanterns")]}, config, stream_mode="messages"
    ):
        chunk, meta = cast(tuple[Any, dict[str, Any]], part)
        if meta.get("langgraph_node") == "model":
            chunks.append(chunk)
    assert sum(1 for c in chunks if isinstance(c, AIMessageChunk) and c.tool_call_chunks) == 1
    lines = [str(c.content) for c in chunks if isinstance(c, AIMessageChunk) and c.content]
    assert lines[0] == "3 matches for 'lantern':\n"
    assert len(lines) == 5 and all(line.endswith("\n") for line in lines[:-1])
