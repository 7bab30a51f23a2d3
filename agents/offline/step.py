"""The one contract every skill of the planner answers in: the model's next message.

A skill returns a ``Step`` (text, or tool calls) when the message is its to answer, else
``None`` and the next skill in ``skills.SKILLS`` reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents.offline.context import Conversation, ToolRecord


@dataclass(frozen=True)
class ToolCallPlan:
    """One tool call to make: the tool's name and its arguments."""

    name: str
    args: dict[str, Any]


@dataclass
class Step:
    """The model's next message: text, or tool calls."""

    text: str = ""
    calls: list[ToolCallPlan] = field(default_factory=list)


def say(text: str) -> Step:
    return Step(text=text)


def call(name: str, args: dict[str, Any]) -> Step:
    return Step(calls=[ToolCallPlan(name, args)])


def answered(conv: Conversation, tool: str) -> list[ToolRecord]:
    """This turn's calls of ``tool`` that came back, oldest first."""
    return [r for rnd in conv.rounds for r in rnd if r.name == tool and r.answered]


def call_then_answer(
    conv: Conversation, tool: str, args: dict[str, Any], answer: Callable[[ToolRecord], str]
) -> Step:
    """Call ``tool`` once this turn; once it came back, the answer written from its result."""
    done = answered(conv, tool)
    return say(answer(done[-1])) if done else call(tool, args)
