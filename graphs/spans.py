"""Spans for what a graph run does: one per node and one per chat-model call (tool calls get
theirs from ``infra.tracing.traced_tool``, which every ``ToolSpec`` tool goes through).

The spans are made by wrapping what runs, not by a LangChain callback handler: a handler in a
run's config is called for every run LangChain starts inside it (each node, each model call,
each streamed token), which cost a chat turn about 0.5 ms of CPU before it made any span. A
wrapped node or model asks one question first: is tracing on and the current span (the
turn's) recorded? When not (tracing off, a turn the sampler left out), it calls what it wraps
and nothing else. When so, its span is current while it runs, so the spans of what it calls
(model calls, tool calls, the tasks LangGraph starts for them) are its children.

Attributes are names, outcomes and counts only: the node and its step, the model id and token
counts (``gen_ai.*``, as the OpenTelemetry GenAI conventions name them), never the messages,
the tool arguments or their output.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.errors import GraphBubbleUp
from langgraph.graph import StateGraph
from opentelemetry.trace import Span, Tracer

from infra import tracing

OUTCOME = tracing.OUTCOME


@contextmanager
def _span(active: Tracer, name: str, attributes: dict[str, Any]) -> Iterator[Span]:
    """A current span for the block, ended with its outcome: ``ok``, ``interrupted`` (a
    confirmation question stops the run on purpose: not a failure) or ``error``."""
    with active.start_as_current_span(
        name, attributes=attributes, record_exception=False, set_status_on_exception=False
    ) as current:
        try:
            yield current
        except GraphBubbleUp:
            current.set_attribute(OUTCOME, "interrupted")
            raise
        except BaseException as err:
            current.set_attribute(OUTCOME, "error")
            tracing.failed(current, err)
            raise
        current.set_attribute(OUTCOME, "ok")


class NodeSpan(Runnable[Any, Any]):
    """A graph node with a span per run: ``node <name>``, with its step."""

    def __init__(self, node: str, inner: Runnable[Any, Any]) -> None:
        self.name = node
        self.inner = inner
        self._span_name = f"node {node}"

    def _attributes(self, config: RunnableConfig | None) -> dict[str, Any]:
        attributes: dict[str, Any] = {"langgraph.node": self.name}
        step = ((config or {}).get("metadata") or {}).get("langgraph_step")
        if isinstance(step, int):
            attributes["langgraph.step"] = step
        return attributes

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        active = tracing.recording()
        if active is None:
            return self.inner.invoke(input, config, **kwargs)
        with _span(active, self._span_name, self._attributes(config)):
            return self.inner.invoke(input, config, **kwargs)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        active = tracing.recording()
        if active is None:
            return await self.inner.ainvoke(input, config, **kwargs)
        with _span(active, self._span_name, self._attributes(config)):
            return await self.inner.ainvoke(input, config, **kwargs)


def traced_nodes(graph: StateGraph[Any, Any, Any, Any]) -> StateGraph[Any, Any, Any, Any]:
    """``graph`` (not yet compiled) with every node wrapped in a ``NodeSpan``."""
    for name, spec in graph.nodes.items():
        if isinstance(spec.runnable, Runnable) and not isinstance(spec.runnable, NodeSpan):
            spec.runnable = NodeSpan(name, spec.runnable)
    return graph


def model_name(model: BaseChatModel) -> tuple[str, str | None]:
    """The id of the model ``model`` calls and its provider, as LangChain's tracing names them
    (no message content)."""
    params = model._get_ls_params()
    name = params.get("ls_model_name")
    provider = params.get("ls_provider")
    return (
        name if isinstance(name, str) and name else model._llm_type or "unknown",
        provider if isinstance(provider, str) else None,
    )


class ModelSpans(Runnable[LanguageModelInput, BaseMessage]):
    """A chat model (tools bound) with a span per call: ``chat <model id>``, with the tokens
    the answer used and how many tool calls it made."""

    def __init__(self, inner: Runnable[LanguageModelInput, BaseMessage], model: BaseChatModel):
        self.inner = inner
        name, provider = model_name(model)
        self._span_name = f"chat {name}"
        self._attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": name,
        }
        if provider is not None:
            self._attributes["gen_ai.provider.name"] = provider

    def invoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> BaseMessage:
        active = tracing.recording()
        if active is None:
            return self.inner.invoke(input, config, **kwargs)
        with _span(active, self._span_name, self._attributes) as current:
            reply = self.inner.invoke(input, config, **kwargs)
            answered(current, reply)
            return reply

    async def ainvoke(
        self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> BaseMessage:
        active = tracing.recording()
        if active is None:
            return await self.inner.ainvoke(input, config, **kwargs)
        with _span(active, self._span_name, self._attributes) as current:
            reply = await self.inner.ainvoke(input, config, **kwargs)
            answered(current, reply)
            return reply


def answered(current: Span, reply: BaseMessage) -> None:
    """Record on a model call's span the tokens and tool calls of its answer."""
    if not isinstance(reply, AIMessage):
        return
    counts = reply.usage_metadata
    if counts:
        current.set_attribute("gen_ai.usage.input_tokens", counts["input_tokens"])
        current.set_attribute("gen_ai.usage.output_tokens", counts["output_tokens"])
    current.set_attribute("shopagent.tool_calls", len(reply.tool_calls))
