"""Spans for what a graph run does: one per node, per chat-model call and per tool call.

A LangChain callback handler, handed to a graph run in its config (``graph_callbacks``) while
tracing is on and a span is current (a chat turn's). Callbacks arrive with run ids and their
parents' run ids, not with an OpenTelemetry context, so each span is parented explicitly: on
the span of the nearest traced ancestor run, else on the context the handler was made in.

Attributes are names, outcomes and counts only: the node, the tool (``gen_ai.tool.name``), the
model id and token counts (``gen_ai.*``, as the OpenTelemetry GenAI conventions name them),
never the messages, the tool arguments or their output.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langgraph.errors import GraphBubbleUp
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, Tracer

from infra import tracing

OUTCOME = "shopagent.outcome"


def graph_callbacks() -> list[BaseCallbackHandler]:
    """A ``GraphSpans`` for a graph run started now, when tracing is on inside a recorded span."""
    active = tracing.tracer()
    # Nothing for a turn the sampler left out (OTEL_TRACES_SAMPLER): it costs no callbacks.
    if active is None or not trace.get_current_span().is_recording():
        return []
    return [GraphSpans(active, tracing.context_now())]


def model_id(metadata: dict[str, Any] | None, params: dict[str, Any] | None) -> str:
    """The model a chat-model run calls, as LangChain reports it (no message content)."""
    metadata, params = metadata or {}, params or {}
    for value in (
        metadata.get("ls_model_name"),
        params.get("model_id"),
        params.get("model"),
        params.get("_type"),
    ):
        if isinstance(value, str) and value:
            return value
    return "unknown"


def tool_outcome(output: Any) -> str:
    """``error`` for a tool answer that reports a problem to the model, else ``ok``."""
    if isinstance(output, ToolMessage):
        if output.status == "error":
            return "error"
        output = output.content
    return "error" if isinstance(output, str) and output.startswith("Error:") else "ok"


def usage(response: LLMResult) -> tuple[int, int] | None:
    """Input and output tokens of a chat-model answer, when the model reported them."""
    for generations in response.generations:
        for generation in generations:
            if isinstance(generation, ChatGeneration) and isinstance(generation.message, AIMessage):
                counts = generation.message.usage_metadata
                if counts:
                    return counts["input_tokens"], counts["output_tokens"]
    return None


def tool_calls(response: LLMResult) -> int:
    return sum(
        len(g.message.tool_calls)
        for gs in response.generations
        for g in gs
        if isinstance(g, ChatGeneration) and isinstance(g.message, AIMessage)
    )


class GraphSpans(BaseCallbackHandler):
    """Opens and ends the spans of one graph run's nodes, model calls and tool calls."""

    # Called where the run is, not in an executor: cheaper, and the order stays the run's.
    run_inline = True
    ignore_retriever = True
    ignore_custom_event = True

    def __init__(self, tracer: Tracer, parent: Context) -> None:
        self._tracer = tracer
        self._root = parent
        self._spans: dict[UUID, Span] = {}
        self._parents: dict[UUID, UUID | None] = {}

    def _parent(self, parent_run_id: UUID | None) -> Context:
        run = parent_run_id
        while run is not None:
            span = self._spans.get(run)
            if span is not None:
                return trace.set_span_in_context(span, self._root)
            run = self._parents.get(run)
        return self._root

    def _start(
        self, run_id: UUID, parent_run_id: UUID | None, name: str, attributes: dict[str, Any]
    ) -> None:
        self._parents[run_id] = parent_run_id
        self._spans[run_id] = self._tracer.start_span(
            name, context=self._parent(parent_run_id), attributes=attributes
        )

    def _end(self, run_id: UUID, outcome: str, error: BaseException | None = None) -> Span | None:
        self._parents.pop(run_id, None)
        span = self._spans.pop(run_id, None)
        if span is None:
            return None
        span.set_attribute(OUTCOME, outcome)
        if error is not None:
            tracing.failed(span, error)
        span.end()
        return span

    # -- nodes ---------------------------------------------------------------------------------

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        node = (metadata or {}).get("langgraph_node")
        name = kwargs.get("name")
        is_node = node is not None and name == node
        if is_node and any(tag.startswith("graph:step:") for tag in tags or ()):
            attributes: dict[str, Any] = {"langgraph.node": str(node)}
            step = (metadata or {}).get("langgraph_step")
            if isinstance(step, int):
                attributes["langgraph.step"] = step
            self._start(run_id, parent_run_id, f"node {node}", attributes)
        else:
            self._parents[run_id] = parent_run_id

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, "ok")

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        # An interrupt (a confirmation question) stops the run on purpose: not a failure.
        if isinstance(error, GraphBubbleUp):
            self._end(run_id, "interrupted")
        else:
            self._end(run_id, "error", error)

    # -- model calls ---------------------------------------------------------------------------

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        model = model_id(metadata, kwargs.get("invocation_params"))
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": model,
        }
        provider = (metadata or {}).get("ls_provider")
        if isinstance(provider, str):
            attributes["gen_ai.provider.name"] = provider
        self._start(run_id, parent_run_id, f"chat {model}", attributes)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        span = self._spans.get(run_id)
        if span is not None:
            counts = usage(response)
            if counts is not None:
                span.set_attribute("gen_ai.usage.input_tokens", counts[0])
                span.set_attribute("gen_ai.usage.output_tokens", counts[1])
            span.set_attribute("shopagent.tool_calls", tool_calls(response))
        self._end(run_id, "ok")

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, "error", error)

    # -- tool calls ----------------------------------------------------------------------------

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        tool = str(kwargs.get("name") or serialized.get("name") or "unknown")
        attributes = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool}
        self._start(run_id, parent_run_id, f"execute_tool {tool}", attributes)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, tool_outcome(output))

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, "error", error)
