"""A customer-service conversation for the planner's unit tests: the customer's first message,
then their account and orders as the tools read them, and the service planner over it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.service.nlu import understand_request
from agents.offline.service.planner import ServicePlanner
from agents.offline.service.reading import read_service


def account_read(
    first: str, user_id: str, account: Mapping[str, Any], orders: Iterable[Mapping[str, Any]] = ()
) -> list[BaseMessage]:
    """``first``, then ``get_user_details`` of ``user_id`` answering ``account`` and
    ``get_order_details`` answering each of ``orders``."""
    reads: list[tuple[str, dict[str, Any], Mapping[str, Any]]] = [
        ("get_user_details", {"user_id": user_id}, account)
    ]
    reads += [("get_order_details", {"order_id": o["order_id"]}, o) for o in orders]
    messages: list[BaseMessage] = [HumanMessage(first)]
    for n, (name, args, record) in enumerate(reads):
        messages.append(AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"r{n}"}]))
        messages.append(ToolMessage(json.dumps(record), tool_call_id=f"r{n}"))
    return messages


def service_planner(messages: list[BaseMessage], customer: str | None) -> ServicePlanner:
    """The service planner over ``messages``, ``customer`` the one identified (or nobody)."""
    conv = read_service(messages)
    conv.note_customer = customer
    return ServicePlanner(conv, [understand_request(turn.text) for turn in conv.turns])


def proposal(planner: ServicePlanner) -> tuple[str, dict[str, Any]]:
    """The one call the planner's next step makes: its tool and arguments."""
    step = planner.step()
    (call,) = step.calls
    return call.name, call.args
