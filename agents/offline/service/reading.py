"""What a customer-service conversation holds, read back from its messages.

The planner keeps no state of its own: on every call it reads who authenticated (the policy's
system note, or a lookup of this conversation), the customer, order and product records the
tools returned (the latest record of each wins: a write answers the order as it now is), and
the turns, each with the customer's text, the tool calls it led to and the answer given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agents.prompts import CUSTOMER_NOTE, NOT_CONFIRMED
from tools.orders.tools import IDENTIFY, WRITE_TOOLS

ORDER_RECORDS = frozenset({"get_order_details", *WRITE_TOOLS})


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else str(message.text)


@dataclass
class Call:
    """One tool call and its answer (``content`` is ``None`` until it came back)."""

    name: str
    args: dict[str, Any]
    content: str | None = None
    # How a declined change was set aside rather than refused ("pause": "hmm, hold on";
    # "request": a message of another kind), as the confirmation policy noted it.
    aside: str | None = None

    @property
    def ok(self) -> bool:
        return self.content is not None and not self.content.startswith("Error")

    @property
    def error(self) -> str:
        """The refusal, without its ``Error:`` prefix ("" when the call succeeded)."""
        if self.content is None or self.ok:
            return ""
        return self.content.removeprefix("Error:").strip()

    @property
    def declined(self) -> bool:
        """A write the customer did not confirm."""
        return self.error == NOT_CONFIRMED

    @property
    def data(self) -> dict[str, Any] | None:
        if not self.ok or self.content is None:
            return None
        try:
            value = json.loads(self.content)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None


@dataclass
class Turn:
    """A customer message, the tool calls that followed and the answer (if given yet)."""

    text: str
    calls: list[Call] = field(default_factory=list)
    answer: str = ""


@dataclass
class ServiceConversation:
    turns: list[Turn] = field(default_factory=list)
    note_customer: str | None = None

    @property
    def current(self) -> Turn:
        return self.turns[-1]

    @property
    def calls(self) -> list[Call]:
        return [c for t in self.turns for c in t.calls]

    @property
    def customer(self) -> str | None:
        """The authenticated user id: the policy's note, else this conversation's lookup."""
        if self.note_customer:
            return self.note_customer
        found = [c.content for c in self.calls if c.name in IDENTIFY and c.ok]
        return found[0] if found else None

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The latest profile of ``user_id`` a tool returned."""
        for call in reversed(self.calls):
            profile = call.name in ("get_user_details", "modify_user_address")
            if profile and call.data and call.args.get("user_id") == user_id:
                return call.data
        return None

    def order(self, order_id: str) -> dict[str, Any] | None:
        """The latest record of an order a tool returned."""
        for call in reversed(self.calls):
            data = call.data
            if call.name in ORDER_RECORDS and data and data.get("order_id") == order_id:
                return data
        return None

    def product(self, product_id: str) -> dict[str, Any] | None:
        for call in reversed(self.calls):
            data = call.data
            if call.name == "get_product_details" and data and data.get("product_id") == product_id:
                return data
        return None

    def this_turn(self, name: str, **args: Any) -> Call | None:
        """The latest call of ``name`` (with these arguments) in the current turn."""
        for call in reversed(self.current.calls):
            if call.name == name and all(call.args.get(k) == v for k, v in args.items()):
                return call
        return None


def read_service(messages: Sequence[BaseMessage]) -> ServiceConversation:
    """The conversation as turns; the last turn is the one being answered."""
    conv = ServiceConversation()
    pending: dict[str, Call] = {}
    for message in messages:
        if isinstance(message, SystemMessage):
            if match := CUSTOMER_NOTE.match(_text(message)):
                conv.note_customer = match.group(1)
        elif isinstance(message, HumanMessage):
            conv.turns.append(Turn(_text(message)))
        elif not conv.turns:
            continue
        elif isinstance(message, AIMessage) and message.tool_calls:
            for tool_call in message.tool_calls:
                call = Call(tool_call["name"], dict(tool_call["args"]))
                pending[str(tool_call.get("id") or "")] = call
                conv.current.calls.append(call)
        elif isinstance(message, AIMessage):
            conv.current.answer = _text(message)
        elif isinstance(message, ToolMessage) and message.tool_call_id in pending:
            pending[message.tool_call_id].content = _text(message)
            extra = message.artifact if isinstance(message.artifact, dict) else {}
            if isinstance(aside := extra.get("aside"), str):
                pending[message.tool_call_id].aside = aside
    return conv
