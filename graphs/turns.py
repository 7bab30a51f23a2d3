"""Running one chat turn through a compiled chat graph, as a stream of frames.

The WebSocket, the terminal chat and the evaluation harness all run turns through here.
Frames are the WebSocket contract's server frames: ``token``, ``tool_call``, ``tool_result``
and ``message``.

A turn that stops at a confirmation question (an ``interrupt`` of the customer-service policy,
``graphs.orders``) ends with a ``message`` frame holding the question; the conversation's next
message, on this socket or after a reconnect, is the answer that resumes it. What that policy
tells the shopper itself (nothing was changed; a change was already made), carried on its tool
answers, comes first in the ``message`` frame.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Interrupt, StreamMode

from agents.guards import check_output
from agents.prompts import NOT_CONFIRMED
from agents.resilience import MODEL_TURN, ModelTurn
from graphs.chat import tool_products
from graphs.confirm import read_answer
from graphs.orders import CALLER, SHOPPER, outcome_note
from infra.identity import Role

Frame = dict[str, Any]
# The key under which the ``updates`` stream reports an interrupt (langgraph keeps its own
# constant private).
INTERRUPT = "__interrupt__"


@dataclass
class TurnResult:
    """Everything one turn did: tool calls with their outputs, the answer and its products."""

    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    answer: str = ""
    products: list[dict[str, Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    latency_ms: float = 0.0


def parse_output(content: Any) -> Any:
    """A tool's output as JSON when it is JSON text (tools answer JSON), as it came otherwise."""
    if isinstance(content, str):
        try:
            return json.loads(content)
        except json.JSONDecodeError:
            return content
    return content


@dataclass
class ChatSession:
    """One conversation as one client holds it (a socket, the terminal): its thread, who is
    talking (``caller_role``, from the verified principal: ``anonymous``, ``staff``, or
    ``shopper`` with their store user id as ``shopper_id``), and the confirmation question its
    last turn here stopped at, if any. Each turn writes the caller into the graph state, where
    the customer-service policy reads it (``graphs.orders``: anonymous callers are not served).

    Every turn reads the saved state to learn whether a question is waiting: another client
    of the same conversation (a second socket) may have asked or answered one since. When the
    question this client showed was answered elsewhere, a reply to it is told what became of
    the change (``graphs.orders.outcome_note``) instead of being taken for a new message.
    """

    graph: CompiledStateGraph[Any, Any, Any, Any]
    thread_id: str
    caller_role: Role
    shopper_id: str | None = None
    # The tool call id of the confirmation question the last turn here ended with.
    asked: str | None = None

    def __post_init__(self) -> None:
        if (self.caller_role == "shopper") != (self.shopper_id is not None):
            raise ValueError("a shopper_id is given for, and only for, the caller_role 'shopper'")

    @classmethod
    def operator(
        cls,
        graph: CompiledStateGraph[Any, Any, Any, Any],
        thread_id: str,
        shopper_id: str | None = None,
    ) -> ChatSession:
        """A conversation run in-process by the local operator (the terminal chat, the
        evaluation harness): as the shopper ``shopper_id`` when one is named, else as staff.
        Whoever runs it already holds the data directory, so this grants nothing new."""
        return cls(graph, thread_id, "staff" if shopper_id is None else "shopper", shopper_id)

    async def stream(self, text: str) -> AsyncIterator[Frame]:
        """Run one shopper message and yield its frames, the ``message`` frame last."""
        config: RunnableConfig = {"configurable": {"thread_id": self.thread_id}}
        saved = await self.graph.aget_state(config)
        waiting = tuple(saved.interrupts)
        shown, self.asked = self.asked, None
        notes: list[str] = []  # what the customer-service policy tells the shopper itself
        if shown is not None and not waiting:
            note = outcome_note(saved.values.get("messages", []), shown)
            if note is not None and read_answer(text) != "request":
                yield {"type": "message", "text": note, "products": [], "flags": []}
                return
            notes += [note] if note else []
        start: Command[Any] | dict[str, Any]
        if waiting:
            start = Command(resume=text)
        else:
            start = {
                "messages": [HumanMessage(text)],
                SHOPPER: self.shopper_id,
                CALLER: self.caller_role,
            }
        question = waiting[0].value if waiting else None
        if isinstance(question, dict) and isinstance(question.get("call"), dict):
            yield {"type": "tool_call", **question["call"]}  # the call asked about, answered now
        # The conversation is saved once, when the turn ends (or at an interrupt), not after
        # every step: a turn cut short is simply asked again, and it halves the turn's latency.
        # The state after the last step and any interrupt come with the stream: no reading back.
        values: dict[str, Any] = {}
        interrupts: tuple[Interrupt, ...] = ()
        modes: list[StreamMode] = ["messages", "updates", "values"]
        turn = ModelTurn()  # the model calls' time budget and fallback (agents.resilience)
        config["configurable"][MODEL_TURN] = turn
        # Its nodes, model and tool calls make their spans themselves (graphs.spans).
        stream = self.graph.astream(start, config, stream_mode=modes, durability="exit")
        async for mode, payload in cast(AsyncIterator[tuple[str, Any]], stream):
            if mode == "values":
                values = payload
                continue
            if mode == "messages":
                chunk, meta = payload
                if (
                    meta.get("langgraph_node") == "agent"
                    and isinstance(chunk, AIMessageChunk)
                    and not chunk.tool_call_chunks
                    and chunk.text
                ):
                    yield {"type": "token", "text": chunk.text}
                continue
            for node, update in payload.items():
                if not update:
                    continue
                if node == INTERRUPT:
                    interrupts = tuple(update)
                elif node == "agent":
                    for msg in update.get("messages", []):
                        if isinstance(msg, AIMessage):
                            for call in msg.tool_calls:
                                yield {
                                    "type": "tool_call",
                                    "id": call["id"],
                                    "name": call["name"],
                                    "args": call["args"],
                                }
                elif node in ("tools", "service"):
                    for msg in update.get("messages", []):
                        if isinstance(msg, ToolMessage):
                            if node == "service" and isinstance(msg.artifact, dict):
                                notes += [str(n) for n in [msg.artifact.get("note")] if n]
                            yield {
                                "type": "tool_result",
                                "id": msg.tool_call_id,
                                "name": msg.name,
                                "output": parse_output(msg.content),
                                "is_error": msg.status == "error"
                                or str(msg.content).startswith("Error:"),
                            }
        messages = values.get("messages", [])
        answer = messages[-1].text if messages and isinstance(messages[-1], AIMessage) else ""
        if interrupts:  # the turn stopped at a question to the shopper
            question = interrupts[0].value
            answer = str(question.get("question") if isinstance(question, dict) else question)
        answer = "\n\n".join([*notes, answer]) if notes else answer
        if interrupts and isinstance(question, dict) and isinstance(question.get("call"), dict):
            self.asked = str(question["call"].get("id"))
        flags = values.get("flags", [])
        if turn.fallback_reason is not None:  # the fallback model answered, not the configured one
            flags = [*flags, "model_fallback"]
        yield {
            "type": "message",
            "text": answer,
            "products": values.get("shown", []),
            "flags": flags,
            "confirm": bool(interrupts),  # the answer is a yes / no question about a change
        }

    async def history(self) -> Frame:
        """The conversation so far as a ``history`` frame, for a client that opens it again
        (a reconnect, a reload): see ``replay``. Only the state this graph saved is read; the
        server sends it to the session's own principal only."""
        config: RunnableConfig = {"configurable": {"thread_id": self.thread_id}}
        saved = await self.graph.aget_state(config)
        entries = replay(saved.values.get("messages", []) if saved.values else [])
        question = saved.interrupts[0].value if saved.interrupts else None
        if isinstance(question, dict):  # the turn stopped at a question that waits for an answer
            call = question.get("call") or {}
            asked = [{"name": call.get("name"), "args": call.get("args"), "status": "asked"}]
            entries.append(_entry("assistant", str(question.get("question")), asked, True))
        return {"type": "history", "messages": entries}


def _entry(
    role: str,
    text: str,
    tools: list[dict[str, Any]] | None = None,
    confirm: bool = False,
    products: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "role": role,
        "text": text,
        "tools": tools or [],
        "products": products or [],
        "confirm": confirm,
    }


def replay(messages: list[Any]) -> list[dict[str, Any]]:
    """The saved messages of a conversation as the shopper saw them: each shopper message (as
    the input guard stored it, PII masked) and each answer, with the tools the answer used
    (name, arguments, ``done`` / ``failed`` / ``declined``) and the products it showed (the
    output guard's reading of the answer against the tools' outputs, as when it was sent)."""
    entries: list[dict[str, Any]] = []
    turn: list[Any] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            entries.append(_entry("user", message.text))
            turn = []
            continue
        turn.append(message)
        if isinstance(message, AIMessage) and not message.tool_calls:
            shown = check_output(message.text, tool_products(turn)).shown
            entries.append(_entry("assistant", message.text, _tools_of(turn), products=shown))
            turn = []
    return entries


def _tools_of(turn: list[Any]) -> list[dict[str, Any]]:
    results = {m.tool_call_id: m for m in turn if isinstance(m, ToolMessage)}
    used: list[dict[str, Any]] = []
    for message in turn:
        for call in message.tool_calls if isinstance(message, AIMessage) else []:
            result = results.get(call["id"] or "")
            content = str(result.content) if result is not None else ""
            status = "done"
            if content == f"Error: {NOT_CONFIRMED}":
                status = "declined"
            elif result is None or result.status == "error" or content.startswith("Error:"):
                status = "failed"
            used.append({"name": call["name"], "args": call["args"], "status": status})
    return used


async def stream_turn(
    graph: CompiledStateGraph[Any, Any, Any, Any],
    thread_id: str,
    text: str,
    shopper_id: str | None = None,
) -> AsyncIterator[Frame]:
    """One turn of a conversation no client holds open (its saved state says where it is),
    run by the local operator (``ChatSession.operator``: the shopper named, else staff)."""
    async for frame in ChatSession.operator(graph, thread_id, shopper_id).stream(text):
        yield frame


async def run_turn(
    graph: CompiledStateGraph[Any, Any, Any, Any],
    thread_id: str,
    text: str,
    shopper_id: str | None = None,
) -> TurnResult:
    """Run one turn to completion and collect what it did (as ``stream_turn`` runs it)."""
    started = time.perf_counter()
    result = TurnResult()
    pending: dict[str, dict[str, Any]] = {}
    async for frame in stream_turn(graph, thread_id, text, shopper_id):
        if frame["type"] == "tool_call":
            call = {"id": frame["id"], "name": frame["name"], "args": frame["args"], "output": None}
            pending[frame["id"]] = call
            result.tool_calls.append(call)
        elif frame["type"] == "tool_result" and frame["id"] in pending:
            pending[frame["id"]]["output"] = frame["output"]
        elif frame["type"] == "message":
            result.answer = frame["text"]
            result.products = frame["products"]
            result.flags = frame["flags"]
    result.latency_ms = (time.perf_counter() - started) * 1000
    return result
