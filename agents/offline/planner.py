"""``OfflinePlanner``: a chat model that shops with intent + slot NLU and templated answers.

It is a real ``BaseChatModel``: bind tools to it and it emits genuine tool calls for the
bound tools it knows (``search_products``, ``get_product``, ``check_inventory``), reads
their results back from the conversation, and writes its answers only from those results.
No network, no model weights; a reply takes about a millisecond.

Tool-call conventions (what an evaluation can expect):

- ``search_products``: ``query`` always (the product words, lower-case, the product kind in its
  catalog spelling, e.g. "hanging heart t-light holder"; "" for filter-only requests); every
  other argument only when the shopper set it: ``category`` (the catalog's category, from the
  head noun), ``attributes`` ({catalog name: catalog value}), ``min_price`` / ``max_price``
  (floats; "around X" is X ± 20 %), ``in_stock_only: true``, ``sort`` (never "relevance"),
  ``offset`` (show more), ``limit`` (6, only for "similar" searches).
- Refinements repeat the previous search's arguments and change only what was asked.
- ``get_product`` / ``check_inventory``: ``{"product_id": <id as the catalog spells it>}``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import ToolCall, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

from agents.offline.dialogue import Store
from agents.offline.gifts import warm as warm_gifts
from agents.offline.routing import warm_readers
from agents.offline.several_requests import plan_turn
from agents.offline.step import Step
from agents.offline.store_policy import StorePolicy, store_policy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

# Lines with their line break, so the streamed chunks add up to the exact text: a listing
# arrives product by product, and each chunk costs a callback round through the graph.
_PIECES = re.compile(r"[^\n]*\n|[^\n]+")


def _tool_name(tool: dict[str, Any] | type | Callable[..., Any] | BaseTool) -> str:
    if isinstance(tool, BaseTool):
        return tool.name
    if isinstance(tool, dict) and isinstance(tool.get("name"), str):
        return str(tool["name"])
    return str(convert_to_openai_tool(tool)["function"]["name"])


class OfflinePlanner(BaseChatModel):
    """The default chat model: understands shopping requests and calls the bound tools."""

    vocabulary: CatalogVocabulary = Field(default_factory=CatalogVocabulary)
    # The store's policy text, for store questions ("" when the store has none).
    policy: StorePolicy = Field(default_factory=StorePolicy)
    # Names of the bound tools; the planner never calls a tool that is not among them.
    tool_names: frozenset[str] = frozenset()
    # Tool-calling messages per shopper turn: the first search plus up to three relaxations.
    max_tool_rounds: int = Field(default=4, ge=1)

    @classmethod
    def for_store(cls, products: Iterable[Product], dataset: str) -> OfflinePlanner:
        """The planner of one store: its catalog's words and its policy text, if it has one."""
        planner = cls(
            vocabulary=CatalogVocabulary.from_products(products),
            policy=StorePolicy(store_policy(dataset)),
        )
        # The encoder, the example, policy and category vectors and the language model load
        # now (about two seconds of CPU at start-up), so no shopper's turn waits for them.
        planner.warm()
        return planner

    def warm(self) -> None:
        """Load what reading a message may need, once per process."""
        warm_readers()
        warm_gifts(self.vocabulary)
        self.policy.answer("warm-up")

    @property
    def _llm_type(self) -> str:
        return "offline-planner"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"tools": sorted(self.tool_names), "max_tool_rounds": self.max_tool_rounds}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> OfflinePlanner:
        """A copy of the planner that may call ``tools`` (``tool_choice`` is not needed)."""
        names = frozenset(_tool_name(t) for t in tools)
        return self.model_copy(update={"tool_names": names})

    # ------------------------------------------------------------------------- replying

    def _step(self, messages: list[BaseMessage]) -> Step:
        store = Store(self.vocabulary, self.policy, self.tool_names, self.max_tool_rounds)
        return plan_turn(messages, store)

    @staticmethod
    def _calls(step: Step) -> list[ToolCall]:
        return [
            tool_call(name=c.name, args=c.args, id=f"call_{uuid.uuid4().hex}") for c in step.calls
        ]

    def _message(self, step: Step) -> AIMessage:
        if step.calls:
            return AIMessage(content="", tool_calls=self._calls(step))
        return AIMessage(content=step.text)

    def _chunks(self, step: Step) -> Iterator[ChatGenerationChunk]:
        if step.calls:
            # One chunk carries every call whole, so aggregation needs no argument merging.
            chunks = [
                tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
                for i, c in enumerate(self._calls(step))
            ]
            message = AIMessageChunk(content="", tool_call_chunks=chunks, chunk_position="last")
            yield ChatGenerationChunk(message=message)
            return
        pieces = _PIECES.findall(step.text) or [""]
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            message = AIMessageChunk(content=piece, chunk_position="last" if last else None)
            yield ChatGenerationChunk(message=message)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._message(self._step(messages)))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Planning is pure computation that finishes in about a millisecond: no executor.
        return self._generate(messages, stop=stop, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        yield from self._chunks(self._step(messages))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._chunks(self._step(messages)):
            yield chunk
