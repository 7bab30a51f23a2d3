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
  the graph (``graphs.turns``). The answer is read by ``graphs.confirm``: a clear yes makes the
  change; a clear no leaves the records as they were; an unclear answer asks again and keeps
  the change waiting; a new request ("actually, show me lanterns") is told that nothing was
  changed and is then handled.
- **A change set aside, then asked for.** When the customer answers the question with a
  request of another kind and no refusal in it ("wait, first what headphones do you have": a
  pause is no refusal, "no wait, keep it" is one), nothing is changed and the request is
  handled; the planner says the change still waits. A pause alone ("hmm, hold on, not yet")
  changes nothing either and is not asked again. When, in the customer's next message, the
  model asks for the very same change (same tool, same arguments, nothing proposed since) and
  that message reads as a clear yes to it ("ok forget the headphones, yes go ahead and cancel
  it", "ok fine, go ahead and cancel it"), it is the answer: the change is made without asking
  a second time. Any other message gets the question as usual.
- **Once per confirmation.** A confirmed change is made by ``tools.orders.changes.commit``: its
  rules checked again and both records written in one store transaction, under a key derived
  from the conversation and the tool call asked about. A replayed, retried (after a crash) or
  racing second yes finds the key applied, writes nothing and is told the change is already
  made.
- **Who may be served.** The server names the caller of each turn in the graph state
  (``caller_role``: ``anonymous``, ``shopper`` or ``staff``, from the verified principal;
  ``graphs.turns.ChatSession`` sets it). Customer service runs for two callers only: a
  signed-in shopper, on their own account, and staff (an agent serving a caller, as in
  tau-bench). For anyone else (an anonymous socket, or a state that names no caller) every
  customer-service tool but ``OPEN_TOOLS`` is refused before it runs, lookups included, and
  the turn ends with one plain answer asking them to sign in (``SIGN_IN``): the same answer
  whatever e-mail address or name they gave, so the chat reveals no account and changes none.
- **The signed-in shopper only.** When the server names a signed-in shopper for the
  conversation (``shopper_id``), a lookup that finds any other account (or none) is refused
  with the same message, so that an e-mail address typed in chat neither serves nor reveals
  another customer.
- **One write at a time.** When a model asks for several writes in one message, the first is
  put to the customer and the rest are refused.

Gift-card balances and payment rules are checked by the tools themselves (``changes``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages.tool import ToolCall
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.errors import GraphInterrupt
from langgraph.types import interrupt
from pydantic import ValidationError

from agents.prompts import NOT_CONFIRMED, customer_note
from graphs.confirm import Reading, answer_about, is_question, read_answer, refuses
from infra.errors import ToolInputError
from infra.metrics import confirmation_answered, confirmation_asked, tool_timer
from tools.analyze.pii import find_pii
from tools.catalog.store import Store
from tools.orders.changes import commit, plan
from tools.orders.tools import IDENTIFY, USER_NOT_FOUND, WRITE_TOOLS, order_tools

# What runs before the customer is known.
OPEN_TOOLS = frozenset({"calculate", "think", "transfer_to_human_agents"})
EMAIL_MASK = "[EMAIL]"
# The state keys this policy keeps beside the chat's own, and the one the server sets.
CUSTOMER = "customer_id"
EMAILS = "emails"
SHOPPER = "shopper_id"
CALLER = "caller_role"

ASK = "Shall I go ahead? Please answer yes or no."
ASK_AGAIN = f"I need a clear yes or no before I change anything. {ASK}"
# After this many unclear answers the change is dropped, and the shopper is told so.
MAX_ASKS = 6
ONE_AT_A_TIME = "one change at a time; ask about this one after the customer has answered"
NOT_SIGNED_IN = (
    "that is not the account signed in to this conversation; customer service here serves "
    "only the signed-in shopper's own account"
)
# The whole answer to a caller customer service does not serve (see the module docstring).
SIGN_IN = (
    "Please sign in to see or change your orders or your account: I can only help with "
    "orders when you are signed in. I can still help you find products."
)
SIGN_IN_FIRST = (
    "the caller is not signed in; customer service serves only a signed-in shopper or staff, "
    "so nothing was looked up"
)
# Told to the shopper beside the model's answer (``graphs.turns`` puts them first).
NOT_CHANGED = "I have not changed anything: the change I asked you about was not made."
NOT_CHANGED_UNCLEAR = (
    "I have not changed anything, as I could not tell whether you wanted the change I asked "
    "you about."
)
ALREADY_MADE = (
    "That change was already made when it was first confirmed; it has not been made twice."
)
ALREADY_DECLINED = "That change was already declined; I have not changed anything."
# How a change was set aside rather than refused: by a request of another kind ("wait, first
# what headphones do you have") or by a pause ("hmm, hold on, not yet").
ASIDE = {"request": "request", "pause": "pause"}

# A node function over the chat graph's state (``graphs.chat.ChatState``).
Node = Callable[..., Awaitable[dict[str, Any]]]


def confirmation_key(thread_id: str, call: ToolCall) -> str:
    """The idempotency key of one confirmation: the conversation, the tool call the question
    asked about, its name and its arguments, hashed (no conversation id lands in the store)."""
    asked = json.dumps([thread_id, call["id"], call["name"], call["args"]], sort_keys=True)
    return "confirm:" + hashlib.sha256(asked.encode()).hexdigest()


def confirm(
    pending: dict[str, Any],
    summary: str,
    items: Sequence[tuple[str, str, float]] = (),
) -> tuple[Reading, str]:
    """Ask the shopper about a change until the answer is not unclear (at most ``MAX_ASKS``
    times); how it reads, and the answer. Each question is a LangGraph ``interrupt``. A
    question about the change's ``items`` (name, options, price) is answered before the change
    is put again ("wait, how much was the laptop in it?")."""
    lead, question, answer = "", ASK, ""
    reading: Reading = "unclear"
    for _ in range(MAX_ASKS):
        try:
            asked = f"{lead}{summary}\n\n{question}"
            answer = str(interrupt({"call": pending, "question": asked}))
        except GraphInterrupt:  # asked now; the node runs again with the answer
            confirmation_asked()
            raise
        reading = read_answer(answer, summary)
        if reading != "unclear":
            break
        explained = answer_about(answer, items)
        # a question about the change is answered by the change put again, not told off
        asked_about = bool(explained) or is_question(answer)
        lead, question = (
            f"{explained}\n\n" if explained else "",
            ASK if asked_about else ASK_AGAIN,
        )
    return reading, answer


def order_items(store: Store, args: Mapping[str, Any]) -> list[tuple[str, str, float]]:
    """The items of the order a change is about, as ``(name, options, price)``."""
    order = store.get_order(str(args.get("order_id", ""))) if args.get("order_id") else None
    if order is None:
        return []
    return [
        (item.name, ", ".join(f"{k} {v}" for k, v in item.options.items()), item.price)
        for item in order.items
    ]


def outcome_note(messages: Sequence[BaseMessage], call_id: str) -> str | None:
    """What became of the change asked about in tool call ``call_id``, once its question was
    answered by another client of the conversation: made, declined, or ``None`` (its answer is
    not in ``messages``, or the rules refused it then: the model's answer said so)."""
    for message in reversed(messages):
        if isinstance(message, ToolMessage) and message.tool_call_id == call_id:
            if message.status == "success":
                return ALREADY_MADE
            if str(message.content) == f"Error: {NOT_CONFIRMED}":
                return ALREADY_DECLINED
            return None
    return None


def set_aside_reply(messages: Sequence[BaseMessage], call: ToolCall) -> str | None:
    """The customer's latest message, when ``call`` asks again for the very change last put to
    them, which they set aside with a request of another kind ("wait, first what headphones
    do you have") and nothing was proposed since: that message, read as an answer to the
    change, may be its yes ("ok forget the headphones, yes go ahead and cancel it")."""
    human = next(
        (i for i in range(len(messages) - 1, -1, -1) if isinstance(messages[i], HumanMessage)),
        None,
    )
    if human is None:
        return None
    earlier = next(
        (
            c
            for m in reversed(messages[:human])
            if isinstance(m, AIMessage)
            for c in reversed(m.tool_calls)
            if c["name"] in WRITE_TOOLS
        ),
        None,
    )
    if earlier is None or (earlier["name"], earlier["args"]) != (call["name"], call["args"]):
        return None
    for index, message in enumerate(messages[:human]):
        if isinstance(message, ToolMessage) and message.tool_call_id == earlier["id"]:
            extra = message.artifact if isinstance(message.artifact, dict) else {}
            aside = extra.get("aside") if message.content == f"Error: {NOT_CONFIRMED}" else None
            after = [m for m in messages[index:] if isinstance(m, HumanMessage)]
            # the very next message after a pause; after a request (handed on as a message of
            # its own, with no refusal in it), the one after it
            if aside == "pause" and len(after) == 1:
                return str(messages[human].text)
            if aside == "request" and len(after) == 2 and not refuses(str(after[0].text)):
                return str(messages[human].text)
            return None
    return None


def emails_in(text: str) -> list[str]:
    """The e-mail addresses a message holds (what the input guard will mask)."""
    return [text[e.begin : e.end] for e in find_pii(text) if e.type == "EMAIL"]


def served(state: Mapping[str, Any]) -> bool:
    """Whether customer service may serve this turn's caller: staff, or a signed-in shopper
    (held to their own account by the lookups). Anyone else, a state that names no caller
    included, is not served."""
    role = state.get(CALLER)
    return role == "staff" or (role == "shopper" and state.get(SHOPPER) is not None)


def known_customer(state: Mapping[str, Any]) -> str | None:
    """The authenticated customer: a signed-in shopper is their own, from the verified token
    (no e-mail or name + zip to ask for); for staff, whoever their lookup found."""
    if state.get(CALLER) == "shopper" and state.get(SHOPPER) is not None:
        return str(state[SHOPPER])
    customer = state.get(CUSTOMER)
    return str(customer) if customer is not None else None


def _reply(
    call: ToolCall, content: str, note: str | None = None, aside: str | None = None
) -> ToolMessage:
    """A tool answer; ``note``, if any, is for the shopper, and ``aside`` says how a change
    was set aside rather than refused (``ASIDE``); both ride in the message's artifact, which
    no model reads."""
    status = "error" if content.startswith("Error") else "success"
    extra = {k: v for k, v in (("note", note), ("aside", aside)) if v}
    return ToolMessage(
        content,
        tool_call_id=call["id"] or "",
        name=call["name"],
        status=status,
        artifact=extra or None,
    )


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
        if not served(state):
            return [SystemMessage(f"Customer service: {SIGN_IN_FIRST}. {SIGN_IN}")]
        customer = known_customer(state)
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

    @staticmethod
    def identified(
        content: str, customer: str | None, shopper: str | None
    ) -> tuple[str, str | None]:
        """A lookup's answer under the policy, and who the customer is after it."""
        someone_else = not content.startswith("Error") and content != shopper
        if shopper is not None and (someone_else or content == f"Error: {USER_NOT_FOUND}"):
            # Someone else, or nobody: one answer, so that no address can be probed.
            return f"Error: {NOT_SIGNED_IN}", customer
        if content.startswith("Error"):
            return content, customer
        if customer is not None and content != customer:
            return (
                "Error: this conversation already serves another authenticated customer; "
                "one customer per conversation",
                customer,
            )
        return content, content

    def write(
        self, call: ToolCall, args: dict[str, Any], key: str, said: str | None = None
    ) -> tuple[ToolMessage, str | None, bool]:
        """A write tool call, made once the shopper says yes: the tool answer, the shopper's
        reply when it was a new request to hand on, and whether the shopper answered a question.
        ``said``: the shopper's message that asked again for a change they set aside
        (``set_aside_reply``); a clear yes there makes it without asking a second time.
        """
        if self.store.applied_change(key) is not None:  # confirmed before: replayed or racing
            return self.commit(call, args, key), None, False
        try:
            change = plan(self.store, call["name"], args)
        except ValidationError as err:
            return _reply(call, _invalid(err)), None, False
        except ToolInputError as err:
            if self.store.applied_change(key) is not None:  # a racing yes made it meanwhile
                return self.commit(call, args, key), None, False
            return _reply(call, f"Error: {err}"), None, False
        if said is not None and read_answer(said, change.summary) == "yes":
            return self.commit(call, args, key), None, False
        pending = {"id": call["id"], "name": call["name"], "args": call["args"]}
        reading, answer = confirm(pending, change.summary, order_items(self.store, args))
        confirmation_answered(reading)
        if reading == "yes":
            return self.commit(call, args, key), None, True
        declined = f"Error: {NOT_CONFIRMED}"
        if reading == "request":
            return _reply(call, declined, NOT_CHANGED, ASIDE["request"]), answer, True
        if reading == "unclear":
            return _reply(call, declined, NOT_CHANGED_UNCLEAR), None, True
        paused = ASIDE["pause"] if not refuses(answer) else None  # "hmm, hold on, not yet"
        return _reply(call, declined, aside=paused), None, True

    def commit(self, call: ToolCall, args: dict[str, Any], key: str) -> ToolMessage:
        """Make a confirmed change once per ``key`` (``tools.orders.changes.commit``)."""
        try:
            with tool_timer(call["name"]):  # the write tool, run once confirmed
                done = commit(self.store, call["name"], args, key)
        except ValidationError as err:
            return _reply(call, _invalid(err))
        except ToolInputError as err:
            return _reply(call, f"Error: {err}")
        if done.applied.now:
            return _reply(call, done.output())
        record = {**json.loads(done.output()), "already_made": True}
        return _reply(call, json.dumps(record, separators=(",", ":")), ALREADY_MADE)

    def node(self, others: Mapping[str, BaseTool]) -> Node:
        """The graph node: runs the last model message's tool calls under the policy."""

        async def service(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
            message = state["messages"][-1]
            customer = known_customer(state)
            shopper: str | None = state.get(SHOPPER)
            thread_id = str(config.get("configurable", {}).get("thread_id", ""))
            replies: list[BaseMessage] = []
            # A reply that was a new request, not an answer: it follows every tool answer.
            new_request: list[BaseMessage] = []
            update: dict[str, Any] = {}
            asked = False
            unserved = not served(state)
            turned_away = False  # a customer-service call refused to an unserved caller
            for call in message.tool_calls:
                name, args = call["name"], dict(call["args"])
                if name not in self.tools:
                    other = others.get(name)
                    content = f"Error: unknown tool {name!r}"
                    replies.append(await other.ainvoke(call) if other else _reply(call, content))
                    continue
                if unserved and name not in OPEN_TOOLS:
                    replies.append(_reply(call, f"Error: {SIGN_IN_FIRST}"))
                    turned_away = True
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
                    said = set_aside_reply(state["messages"], call)
                    reply, request, answered = self.write(
                        call, args, confirmation_key(thread_id, call), said
                    )
                    replies.append(reply)
                    if request is not None:
                        new_request.append(HumanMessage(request))
                    if answered:  # a resumed turn: the guards' findings were of the question's
                        update |= {"flags": [], "shown": []}
                    continue
                content = await _run(self.tools[name], args)
                if name in IDENTIFY:
                    content, customer = self.identified(content, customer, shopper)
                replies.append(_reply(call, content))
            if turned_away:  # one plain answer, whatever the model would make of the refusal
                return {"messages": [*replies, AIMessage(SIGN_IN)], CUSTOMER: None}
            return {**update, "messages": [*replies, *new_request], CUSTOMER: customer}

        return service
