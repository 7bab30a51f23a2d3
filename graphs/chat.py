"""The shopping conversation: guard in → agent ⇄ tools → guard out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode

from agents.guards import Shown, check_input, check_output, products_from_tool_output


class ChatState(MessagesState):
    """Messages plus what the guards found in the current turn."""

    flags: list[str]
    shown: list[dict[str, Any]]


def current_turn(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """The messages after the last shopper message."""
    for i in range(len(messages) - 1, -1, -1):
        if isinstance(messages[i], HumanMessage):
            return list(messages[i + 1 :])
    return list(messages)


def tool_products(turn: Sequence[AnyMessage]) -> list[Shown]:
    """Every product the tools returned in ``turn``, with the arguments of the call."""
    calls = {c["id"]: c for m in turn if isinstance(m, AIMessage) for c in m.tool_calls}
    found: list[Shown] = []
    for m in turn:
        if isinstance(m, ToolMessage) and m.tool_call_id in calls:
            call = calls[m.tool_call_id]
            found += products_from_tool_output(call["name"], call["args"], str(m.content))
    return found


def forget_old_turns(messages: Sequence[AnyMessage], keep: int) -> list[RemoveMessage]:
    """Removals for every message before the last ``keep`` shopper turns.

    A conversation's cost (the state saved each turn, the context a model reads) would
    otherwise grow without bound; refinements only ever refer to the last few turns.
    """
    starts = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    if len(starts) <= keep:
        return []
    cut = starts[-keep]
    return [RemoveMessage(id=m.id) for m in messages[:cut] if m.id is not None]


def build_graph(
    model: BaseChatModel,
    tools: Sequence[BaseTool],
    checkpointer: BaseCheckpointSaver[Any] | None,
    *,
    system_prompt: str = "",
    known_product_ids: frozenset[str] = frozenset(),
    max_tool_rounds: int = 6,
    keep_turns: int = 10,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile the chat graph around ``model`` with ``tools`` bound."""
    bound = model.bind_tools(list(tools))
    system = [SystemMessage(system_prompt)] if system_prompt else []

    def guard_in(state: ChatState) -> dict[str, Any]:
        last = state["messages"][-1]
        checked = check_input(str(last.content))
        # Same id: add_messages replaces the shopper's message by its masked copy.
        masked = HumanMessage(checked.text, id=last.id)
        return {
            "messages": [*forget_old_turns(state["messages"], keep_turns), masked],
            "flags": checked.flags,
            "shown": [],
        }

    async def agent(state: ChatState) -> dict[str, Any]:
        rounds = sum(
            1 for m in current_turn(state["messages"]) if isinstance(m, AIMessage) and m.tool_calls
        )
        if rounds >= max_tool_rounds:
            return {
                "messages": [
                    AIMessage(
                        "Sorry, I could not finish that request. Could you ask it in a simpler way?"
                    )
                ]
            }
        reply = await bound.ainvoke([*system, *state["messages"]])
        return {"messages": [reply]}

    def route(state: ChatState) -> Literal["tools", "guard_out"]:
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else "guard_out"

    def guard_out(state: ChatState) -> dict[str, Any]:
        last = state["messages"][-1]
        checked = check_output(
            str(last.text), tool_products(current_turn(state["messages"])), known_product_ids
        )
        update: dict[str, Any] = {"shown": checked.shown}
        if checked.removed:
            update["messages"] = [AIMessage(checked.text, id=last.id)]
            update["flags"] = [*state.get("flags", []), "ungrounded_removed"]
        return update

    graph = StateGraph(ChatState)
    graph.add_node("guard_in", guard_in)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(list(tools)))
    graph.add_node("guard_out", guard_out)
    graph.add_edge(START, "guard_in")
    graph.add_edge("guard_in", "agent")
    graph.add_conditional_edges("agent", route)
    graph.add_edge("tools", "agent")
    graph.add_edge("guard_out", END)
    return graph.compile(checkpointer=checkpointer)
