from __future__ import annotations

import json

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from graphs.chat import build_graph
from graphs.turns import run_turn
from tests.fakes import ScriptedChatModel

MUG = {"id": "111", "title": "Red Mug", "price": 3.0, "in_stock": True, "attributes": {}}


@tool
def search_products(query: str, max_price: float | None = None) -> str:
    """Search the catalog."""
    return json.dumps({"total": 1, "products": [MUG], "facets": {}})


def _call(query: str, max_price: float) -> AIMessage:
    args = {"query": query, "max_price": max_price}
    return AIMessage("", tool_calls=[{"id": "c1", "name": "search_products", "args": args}])


async def test_a_turn_runs_guard_in_agent_tools_agent_guard_out() -> None:
    model = ScriptedChatModel(
        replies=[_call("mug", 5), AIMessage("Found:\n1. Red Mug (111) £3.00\n2. Ghost Vase (999)")]
    )
    graph = build_graph(
        model,
        [search_products],
        InMemorySaver(),
        system_prompt="be helpful",
        known_product_ids=frozenset({"111", "999"}),
    )
    result = await run_turn(graph, "t1", "red mug under £5, mail me at a@b.com")
    # guard in: the model saw the system prompt and the masked text, never the address
    first = model.seen[0]
    assert isinstance(first[0], SystemMessage)
    assert first[-1].content == "red mug under £5, mail me at [EMAIL]"
    assert "pii_masked" in result.flags
    # agent ⇄ tools: the tool ran and its output reached the model's second call
    assert [c["name"] for c in result.tool_calls] == ["search_products"]
    assert isinstance(model.seen[1][-1], ToolMessage)
    # guard out: the ungrounded product line is removed, the grounded one shown
    assert [p["id"] for p in result.products] == ["111"]
    assert "Ghost Vase" not in result.answer
    assert "ungrounded_removed" in result.flags


async def test_old_turns_are_forgotten_beyond_the_kept_number() -> None:
    replies = [AIMessage(f"answer {i}") for i in range(5)]
    model = ScriptedChatModel(replies=replies)
    graph = build_graph(model, [search_products], InMemorySaver(), keep_turns=2)
    for i in range(5):
        await run_turn(graph, "t2", f"question {i}")
    state = await graph.aget_state({"configurable": {"thread_id": "t2"}})
    texts = [m.content for m in state.values["messages"]]
    assert texts == ["question 3", "answer 3", "question 4", "answer 4"]
    assert [m.content for m in model.seen[-1] if isinstance(m, HumanMessage)] == [
        "question 3",
        "question 4",
    ]


async def test_tool_rounds_are_bounded() -> None:
    model = ScriptedChatModel(replies=[_call("mug", 5) for _ in range(3)])
    graph = build_graph(model, [search_products], InMemorySaver(), max_tool_rounds=2)
    result = await run_turn(graph, "t3", "mugs")
    assert len(result.tool_calls) == 2
    assert "could not finish" in result.answer
