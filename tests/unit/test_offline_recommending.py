"""The offline planner with the recommendation tools bound: which calls it makes, what it says."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool

from agents.offline import CatalogVocabulary, OfflinePlanner
from graphs.explain import ExplainGraph
from infra.cache import Cache
from tests.unit.recs_store import PRODUCTS, make_store
from tools.catalog.tools import catalog_tools
from tools.recommend.backend import train_recommender
from tools.recommend.local import LocalRecommender
from tools.recommend.service import RecommendationService
from tools.recommend.tools import explain_tools, recommend_tools
from tools.search.embedded import EmbeddedSearch
from tools.search.tools import search_tools


class Chat:
    """A planner with every shopping tool bound, run turn by turn."""

    def __init__(self, tools: list[BaseTool]) -> None:
        self.tools = {t.name: t for t in tools}
        vocabulary = CatalogVocabulary.from_products(PRODUCTS)
        self.planner = OfflinePlanner(vocabulary=vocabulary).bind_tools(tools)
        self.messages: list[BaseMessage] = []

    async def say(self, text: str) -> tuple[list[tuple[str, dict[str, Any]]], str]:
        """The tool calls of the turn and its answer."""
        self.messages.append(HumanMessage(text))
        calls: list[tuple[str, dict[str, Any]]] = []
        for _ in range(6):
            reply = await self.planner.ainvoke(self.messages)
            assert isinstance(reply, AIMessage)
            self.messages.append(reply)
            if not reply.tool_calls:
                return calls, str(reply.content)
            for call in reply.tool_calls:
                calls.append((call["name"], call["args"]))
                result = await self.tools[call["name"]].ainvoke(call)
                assert isinstance(result, ToolMessage)
                self.messages.append(result)
        raise AssertionError("the planner never stopped calling tools")


def shop_tools(tmp_path: Path) -> tuple[list[BaseTool], Any]:
    store = make_store(tmp_path)
    search = EmbeddedSearch()
    search.index(PRODUCTS)
    service = RecommendationService(
        store, LocalRecommender(train_recommender(store, tmp_path / "m")), Cache(), search
    )
    specs: Sequence[Any] = [
        *search_tools(search),
        *catalog_tools(store),
        *recommend_tools(service),
        *explain_tools(ExplainGraph(service, writer=None)),
    ]
    return [spec.as_langchain_tool() for spec in specs], store


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    tools, store = shop_tools(tmp_path)
    try:
        yield Chat(tools)
    finally:
        store.close()


async def test_recommend_something_then_ask_why(chat: Chat) -> None:
    calls, answer = await chat.say("can you recommend something for me?")
    assert calls == [("recommend_products", {"strategy": "personalized", "limit": 5})]
    lines = answer.splitlines()
    assert lines[0] == "Selling well lately:"
    assert lines[1].startswith("1. ") and "£" in lines[1] and "in the last 30 days" in lines[1]
    assert "No shopper: showing what is selling now." in answer
    first = lines[1].split("(")[1].split(")")[0]
    calls, answer = await chat.say("why the first one?")
    assert calls == [("explain_recommendation", {"product_id": first})]
    assert answer.startswith("Why ") and f"({first}):" in answer


async def test_what_goes_with_it_uses_the_product_in_view(chat: Chat) -> None:
    await chat.say("tell me about the red heart lantern")
    calls, answer = await chat.say("what goes with it?")
    assert calls == [
        (
            "recommend_products",
            {"product_id": "RED-LANTERN", "strategy": "bought_together", "limit": 5},
        )
    ]
    assert answer.startswith("Often bought together with Red Heart Lantern:")
    assert "Red Tea Mug (RED-MUG)" in answer and "in 3 orders" in answer
    assert "Left out 1 out-of-stock product." in answer
    calls, answer = await chat.say("why the first one?")
    assert calls == [
        (
            "explain_recommendation",
            {"product_id": "RED-MUG", "source_product_id": "RED-LANTERN"},
        )
    ]
    assert "Red Tea Mug was bought together with Red Heart Lantern in 3 orders." in answer


async def test_similar_items_come_from_the_recommender(chat: Chat) -> None:
    await chat.say("tell me about the red heart lantern")
    calls, answer = await chat.say("anything similar?")
    assert calls == [
        ("recommend_products", {"product_id": "RED-LANTERN", "strategy": "similar", "limit": 5})
    ]
    assert answer.startswith("Shoppers who bought Red Heart Lantern also bought:")


async def test_trending_and_searches_stay_apart(chat: Chat) -> None:
    calls, _ = await chat.say("what's trending?")
    assert calls == [("recommend_products", {"strategy": "trending", "limit": 5})]
    calls, _ = await chat.say("recommend a red lantern")
    assert [name for name, _ in calls] == ["search_products"]


async def test_why_needs_a_listing_and_a_clear_product(chat: Chat) -> None:
    calls, answer = await chat.say("what goes with it?")
    assert calls == [] and "haven't shown you any products" in answer
    await chat.say("what's trending?")
    calls, answer = await chat.say("why this one?")
    assert calls == [] and answer.startswith("Which one do you mean?")
