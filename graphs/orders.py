"""Customer service inside the chat: the retail policy, enforced in code around the order tools.

How a conversation reaches it. There is one chat graph (``graphs.chat``) and one model, bound
to the shopping tools and to the customer-service tools (``tools.orders``). When the model calls
a customer-service tool, the graph sends that message to the ``service`` node built here
instead of the plain tool node, so a customer-service tool never runs outside this policy, for
any model (the offline planner or an LLM):

- **Authentication first.** Until ``find_user_id_by_email`` or ``find_user_id_by_name_zip``
  has found the customer, every other customer-service tool is refused (only ``calculate``,
  ``think`` and ``transfer_to_human_agents`` run). The input guard masks e-mail addresses as
  ``[EMAIL]`` before the model sees them; a lookup of ``[EMAIL]`` runs with the address the
  customer wrote in their latest message (held for that turn only, never checkpointed), so the
  address reaches neither the model nor the disk.
- **One customer per conversation.** The user id found is kept in the graph state
  (``customer_id``, saved by the checkpointer); a lookup that finds someone else, a user id that
  is not theirs and an order that is not theirs (unknown ids included, so that no one can probe
  for orders) are refused, and nothing runs.
- **Confirmation before every write** (cancel, change items / address / payment, return,
  exchange, default address). The write is first worked out without writing
  (``tools.orders.changes.plan``, the tool's own checks), so a refusal comes back at once; else
  the change is described and the graph stops with a LangGraph ``interrupt``. The question is
  saved with the conversation, so it survives a reconnect; the customer's next message resumes
  the graph (``graphs.turns``). An explicit yes runs the tool; anything else leaves the records
  as they were, and the message is then handled as a new request.
- **One write at a time.** When a model asks for several writes in one message, the first is
  put to the customer and the rest are refused.

Gift-card balances and payment rules are checked by the tools themselves (``changes``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages.tool import ToolCall
from langchain_core.tools import BaseTool
from langgraph.types import interrupt
from pydantic import ValidationError

from agents.prompts import NOT_CONFIRMED, customer_note
from infra.errors import ToolInputError
from tools.analyze.pii import find_pii
from tools.catalog.store import Store
from tools.orders.changes import plan
from tools.orders.tools import IDENTIFY, WRITE_TOOLS, order_tools

# What runs before the customer is known.
OPEN_TOOLS = frozenset({"calculate", "think", "transfer_to_human_agents"})
EMAIL_MASK = "[EMAIL]"
# The state keys this policy keeps beside the chat's own.
CUSTOMER = "customer_id"
EMAILS = "emails"

_YES_WORDS = frozenset({"yes", "y", "yeah", "yep", "yup", "confirm", "confirmed", "proceed"})
_YES_PHRASES = ("go ahead", "do it", "please do")
_YES_FILLER = frozenset(
    {"please", "i", "do", "it", "go", "ahead", "that's", "thats", "right", "correct", "sure"}
    | {"ok", "okay", "thanks", "thank", "you", "absolutely", "definitely", "sounds", "good"}
    | {"great", "is", "fine"}
)
_NO_WORDS = frozenset({"no", "not", "don't", "dont", "nope", "wait", "stop", "cancel", "but"})
ASK = "Shall I go ahead? Please answer yes or no."
ONE_AT_A_TIME = "one change at a time; ask about this one after the customer has answered"

# A node function over the chat graph's state (``graphs.chat.ChatState``).
Node = Callable[..., Awaitable[dict[str, Any]]]


def is_yes(text: str) -> bool:
    """An explicit yes: a yes word or phrase, only courtesy around it, and no no-word."""
    words = re.findall(r"[a-z']+", text.lower())
    said, joined = set(words), " ".join(words)
    affirmed = bool(said & _YES_WORDS) or any(phrase in joined for phrase in _YES_PHRASES)
    return affirmed and not said & _NO_WORDS and said <= _YES_WORDS | _YES_FILLER


def emails_in(text: str) -> list[str]:
    """The e-mail addresses a message holds (what the input guard will mask)."""
    return [text[e.begin : e.end] for e in find_pii(text) if e.type == "EMAIL"]


def _reply(call: ToolCall, content: str) -> ToolMessage:
    status = "error" if content.startswith("Error") else "success"
    return ToolMessage(content, tool_call_id=call["id"] or "", name=call["name"], status=status)


def _invalid(err: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors(include_url=False)
    )
    return f"Error: invalid arguments: {problems}"


async def _run(tool: BaseTool, args: dict[str, Any]) -> str:
    try:
        return str(await tool.ainvoke(args))
    except ValidationError as err:
        return _invalid(err)


class CustomerService:
    """The customer-service tools of one store and the policy node that runs them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.tools: dict[str, BaseTool] = {
            spec.name: spec.as_langchain_tool() for spec in order_tools(store)
        }

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.tools)

    def handles(self, message: BaseMessage) -> bool:
        """Whether a model message calls a customer-service tool."""
        return isinstance(message, AIMessage) and any(
            call["name"] in self.tools for call in message.tool_calls
        )

    @staticmethod
    def context(state: Mapping[str, Any]) -> list[SystemMessage]:
        """What the model is told of the service state (it may have forgotten older turns)."""
        customer = state.get(CUSTOMER)
        return [SystemMessage(customer_note(customer))] if customer else []

    # ---- policy ---------------------------------------------------------------------------

    def refusal(self, name: str, args: Mapping[str, Any], customer: str | None) -> str | None:
        """Why the policy refuses this call, or ``None`` when it may run."""
        if name in OPEN_TOOLS or name in IDENTIFY:
            return None
        if customer is None:
            return (
                "the customer is not authenticated yet: find their user id with "
                "find_user_id_by_email or find_user_id_by_name_zip first"
            )
        user_id = args.get("user_id")
        if user_id is not None and user_id != customer:
            return f"user {user_id} is not the authenticated customer; serve only {customer}"
        order_id = args.get("order_id")
        if order_id is not None:
            order = self.store.get_order(str(order_id))
            if order is None or order.user_id != customer:
                return f"{order_id} is not one of the authenticated customer's orders"
        return None

    @staticmethod
    def with_email(args: dict[str, Any], written: list[str]) -> dict[str, Any] | str:
        """The lookup's arguments with a masked address replaced by the one the customer wrote,
        or why that cannot be done."""
        if EMAIL_MASK not in str(args.get("email", "")):
            return args
        if len(written) != 1:
            return (
                "the customer's latest message holds no e-mail address; ask for it"
                if not written
                else "the customer wrote several e-mail addresses; ask which one is theirs"
            )
        return {**args, "email": written[0]}

    def node(self, others: Mapping[str, BaseTool]) -> Node:
        """The graph node: runs the last model message's tool calls under the policy."""

        async def service(state: Mapping[str, Any]) -> dict[str, Any]:
            message = state["messages"][-1]
            customer: str | None = state.get(CUSTOMER)
            replies: list[BaseMessage] = []
            # A reply that was not a yes is a new request: it follows every tool answer.
            new_request: list[BaseMessage] = []
            update: dict[str, Any] = {}
            asked = False
            for call in message.tool_calls:
                name, args = call["name"], dict(call["args"])
                if name not in self.tools:
                    other = others.get(name)
                    content = f"Error: unknown tool {name!r}"
                    replies.append(await other.ainvoke(call) if other else _reply(call, content))
                    continue
                problem = self.refusal(name, args, customer)
                if problem is None and name == "find_user_id_by_email":
                    found = self.with_email(args, list(state.get(EMAILS) or []))
                    problem, args = (found, args) if isinstance(found, str) else (None, found)
                if problem is not None:
                    replies.append(_reply(call, f"Error: {problem}"))
                    continue
                if name in WRITE_TOOLS:
                    if asked:
                        replies.append(_reply(call, f"Error: {ONE_AT_A_TIME}"))
                        continue
                    asked = True
                    try:
                        change = plan(self.store, name, args)
                    except ValidationError as err:
                        replies.append(_reply(call, _invalid(err)))
                        continue
                    except ToolInputError as err:
                        replies.append(_reply(call, f"Error: {err}"))
                        continue
                    pending = {"id": call["id"], "name": name, "args": call["args"]}
                    question = f"{change.summary}\n\n{ASK}"
                    answer = str(interrupt({"call": pending, "question": question}))
                    update |= {"flags": [], "shown": []}
                    if not is_yes(answer):
                        replies.append(_reply(call, f"Error: {NOT_CONFIRMED}"))
                        new_request.append(HumanMessage(answer))
                        continue
                content = await _run(self.tools[name], args)
                if name in IDENTIFY and not content.startswith("Error"):
                    if customer is not None and content != customer:
                        content = (
                            "Error: this conversation already serves another authenticated "
                            "customer; one customer per conversation"
                        )
                    else:
                        customer = content
                replies.append(_reply(call, content))
            return {**update, "messages": [*replies, *new_request], CUSTOMER: customer}

        return service
