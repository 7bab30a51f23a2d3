"""The shopping conversation: guard in → agent ⇄ tools → guard out.

A conversation may belong to a signed-in shopper (``shopper_id``, set by the server, never by
the model): recommendation calls that leave ``user_id`` out are made for that shopper, so
"something for me" is personal whichever model plans the call.

With a ``CustomerService`` (``graphs.orders``), calls of the customer-service tools go to its
policy node instead of the tool node: only for a signed-in shopper or staff (``caller_role``,
set by the server each turn), authentication first, one customer, a confirmation before every
write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

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
from langgraph.channels.untracked_value import UntrackedValue
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode

from agents.guards import Shown, check_input, check_output, products_from_tool_output
from graphs.orders import EMAILS, CustomerService, emails_in
from graphs.spans import ModelSpans, traced_nodes
from infra.identity import Role
from infra.metrics import guard_intervened


class ChatState(MessagesState):
    """Messages plus what the guards found in the current turn."""

    flags: list[str]
    shown: list[dict[str, Any]]
    # Customer service (graphs.orders): who authenticated, and the e-mail addresses the
    # latest message held before the guard masked them.
    customer_id: str | None
    # Untracked: kept for the turn only, never written to the checkpoint (no PII at rest).
    emails: Annotated[list[str], UntrackedValue(list)]
    # The signed-in shopper the server named for this conversation, if any, and who the
    # caller of the turn is (``anonymous``, ``shopper``, ``staff``; see ``graphs.orders``).
    shopper_id: str | None
    caller_role: Role | None


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


def for_shopper(reply: AIMessage, shopper_id: str | None) -> AIMessage:
    """``reply`` with ``shopper_id`` as the ``user_id`` of its personal recommendation calls."""
    if shopper_id is None or not reply.tool_calls:
        return reply
    calls = [
        {**call, "args": {**call["args"], "user_id": shopper_id}}
        if call["name"] == "recommend_products"
        and not call["args"].get("user_id")
        and call["args"].get("strategy", "personalized") == "personalized"
        else call
        for call in reply.tool_calls
    ]
    return reply if calls == reply.tool_calls else reply.model_copy(update={"tool_calls": calls})


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
    service: CustomerService | None = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile the chat graph around ``model`` with ``tools`` (and ``service``'s tools) bound."""
    # The customer-service tools run only in the service node, never in the plain tool node.
    plain = [t for t in tools if service is None or t.name not in service.names]
    if service is not None:
        tools = [*plain, *service.tools.values()]
    bound = ModelSpans(model.bind_tools(list(tools)), model)  # a span per call (graphs.spans)
    system = [SystemMessage(system_prompt)] if system_prompt else []

    def guard_in(state: ChatState) -> dict[str, Any]:
        last = state["messages"][-1]
        checked = check_input(str(last.content))
        guard_intervened(*checked.flags)
        # Same id: add_messages replaces the shopper's message by its masked copy.
        masked = HumanMessage(checked.text, id=last.id)
        update: dict[str, Any] = {
            "messages": [*forget_old_turns(state["messages"], keep_turns), masked],
            "flags": checked.flags,
            "shown": [],
        }
        if service is not None:
            update[EMAILS] = emails_in(str(last.content))
        return update

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
        context = service.context(state) if service is not None else []
        reply = await bound.ainvoke([*system, *context, *state["messages"]])
        if isinstance(reply, AIMessage):
            reply = for_shopper(reply, state.get("shopper_id"))
        return {"messages": [reply]}

    def route(state: ChatState) -> Literal["tools", "service", "guard_out"]:
        last = state["messages"][-1]
        if service is not None and service.handles(last):
            return "service"
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else "guard_out"

    def after_service(state: ChatState) -> Literal["guard_in", "agent", "guard_out"]:
        # A declined confirmation leaves the customer's reply last: a new request. A caller
        # the policy does not serve has been answered by it.
        last = state["messages"][-1]
        if isinstance(last, HumanMessage):
            return "guard_in"
        return "guard_out" if isinstance(last, AIMessage) else "agent"

    def guard_out(state: ChatState) -> dict[str, Any]:
        last = state["messages"][-1]
        checked = check_output(
            str(last.text), tool_products(current_turn(state["messages"])), known_product_ids
        )
        update: dict[str, Any] = {"shown": checked.shown}
        if checked.removed:
            guard_intervened("ungrounded_removed")
            update["messages"] = [AIMessage(checked.text, id=last.id)]
            update["flags"] = [*state.get("flags", []), "ungrounded_removed"]
        return update

    graph = StateGraph(ChatState)
    graph.add_node("guard_in", guard_in)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(plain))
    if service is not None:
        graph.add_node("service", service.node({t.name: t for t in plain}))
        graph.add_conditional_edges("service", after_service)
    graph.add_node("guard_out", guard_out)
    graph.add_edge(START, "guard_in")
    graph.add_edge("guard_in", "agent")
    targets = ["tools", "guard_out", *(["service"] if service is not None else [])]
    graph.add_conditional_edges("agent", route, targets)
    graph.add_edge("tools", "agent")
    graph.add_edge("guard_out", END)
    return traced_nodes(graph).compile(checkpointer=checkpointer)  # a span per node run
