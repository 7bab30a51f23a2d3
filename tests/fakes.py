"""Scripted stand-ins for chat models, and a bare tool loop for tests of the planner itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import Field


class ScriptedChatModel(BaseChatModel):
    """Replies with the given messages in order and records every conversation it was shown."""

    replies: list[AIMessage]
    seen: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.seen.append(list(messages))
        if not self.replies:
            raise AssertionError("the scripted model ran out of replies")
        return ChatResult(generations=[ChatGeneration(message=self.replies.pop(0))])


async def planner_turn(
    planner: Runnable[Any, BaseMessage],
    tools: Mapping[str, BaseTool],
    messages: list[BaseMessage],
    text: str,
    max_rounds: int,
) -> list[BaseMessage]:
    """One shopper turn without a graph: the model and its tools in a loop, appended to
    ``messages``; returns what the turn added (tool calls, tool results, the answer)."""
    start = len(messages)
    messages.append(HumanMessage(text))
    for _ in range(max_rounds):
        reply = await planner.ainvoke(messages)
        assert isinstance(reply, AIMessage)
        messages.append(reply)
        if not reply.tool_calls:
            return messages[start + 1 :]
        for call in reply.tool_calls:
            result = await tools[call["name"]].ainvoke(call)
            assert isinstance(result, ToolMessage)
            messages.append(result)
    raise AssertionError("the planner never stopped calling tools")
