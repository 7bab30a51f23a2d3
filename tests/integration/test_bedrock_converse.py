"""ChatBedrockConverse against a localhost endpoint that speaks Bedrock Runtime's wire format.

Outside a chat turn a call is one Converse request; in a turn (a ``ModelTurn`` in the run's
config, as ``graphs.turns`` sets it) it is a ConverseStream whose pieces reach the callbacks as
they arrive. The resilience cases (throttling, stalls, drops, the breaker) are in
``test_bedrock_resilience``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from functools import reduce
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, EventStreamError
from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from agents.breaker import BreakerRegistry
from agents.models import chat_model
from agents.resilience import MODEL_TURN, ModelTurn
from infra.errors import ConfigError, UpstreamError
from infra.settings import Settings
from tests.integration.bedrock_endpoint import BedrockEndpoint

MODEL = "bedrock_converse:anthropic.claude-3-5-sonnet-20240620-v1:0"
BEDROCK_MODEL_ID = "anthropic.claude-3-5-sonnet-20240620-v1:0"
SHOES = "I need running shoes under 100 dollars"
TRAIL_RUNNER = "Trail Runner 2 (P-1042), $89.99, in stock, trail running shoe"


class SearchProductsInput(BaseModel):
    """Arguments of the test's search tool."""

    query: str = Field(description="What the shopper is looking for.")
    max_price: float | None = Field(default=None, description="Highest price, in dollars.")


def _search_products(query: str, max_price: float | None = None) -> str:
    return TRAIL_RUNNER


search_products = StructuredTool.from_function(
    func=_search_products,
    name="search_products",
    description="Search the product catalog by free text, optionally under a maximum price.",
    args_schema=SearchProductsInput,
)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials, and nothing from the host's AWS configuration."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    for name in ("AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def endpoint() -> Iterator[BedrockEndpoint]:
    with BedrockEndpoint.from_fixture() as running:
        yield running


def _settings(url: str, timeout_s: float = 5.0, **options: Any) -> Settings:
    return Settings(bedrock_endpoint_url=url, model=MODEL, bedrock_timeout_s=timeout_s, **options)


def _close(model: BaseChatModel) -> None:
    """Close the boto3 client's connection pool so no socket is left to the collector."""
    client: Any = getattr(model, "client", None)
    if client is not None:
        client.close()


@pytest.fixture
def model(aws_env: None, endpoint: BedrockEndpoint) -> Iterator[BaseChatModel]:
    built = chat_model(MODEL, _settings(endpoint.url))
    yield built
    _close(built)


def _first_turn() -> list[BaseMessage]:
    return [SystemMessage("You are a shopping assistant."), HumanMessage(SHOES)]


def _aggregate(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    return reduce(lambda left, right: left + right, chunks)


class Pieces(AsyncCallbackHandler):
    """Collects what a model run hands to the callbacks as it streams."""

    def __init__(self) -> None:
        self.chunks: list[AIMessageChunk] = []

    async def on_llm_new_token(
        self,
        token: str,
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(chunk, ChatGenerationChunk) and isinstance(chunk.message, AIMessageChunk):
            self.chunks.append(chunk.message)


async def _in_turn(
    model: Runnable[LanguageModelInput, Any], messages: list[BaseMessage], pieces: Pieces
) -> AIMessage:
    """Call ``model`` inside a runnable whose config holds a chat turn, as a graph node does."""

    async def call(conversation: list[BaseMessage]) -> Any:
        return await model.ainvoke(conversation)

    config: RunnableConfig = {"configurable": {MODEL_TURN: ModelTurn()}, "callbacks": [pieces]}
    reply = await RunnableLambda(call).ainvoke(messages, config)
    assert isinstance(reply, AIMessage)
    return reply


@pytest.mark.integration
def test_plain_text_turn(model: BaseChatModel, endpoint: BedrockEndpoint) -> None:
    reply = model.invoke([SystemMessage("You are a shopping assistant."), HumanMessage("hello")])

    assert isinstance(reply, AIMessage)
    assert reply.text.startswith("Hello! I can help you find products")
    assert reply.tool_calls == []
    assert reply.response_metadata["stopReason"] == "end_turn"
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["input_tokens"] == 25
    assert reply.usage_metadata["total_tokens"] == 49

    [sent] = endpoint.requests
    assert (sent.operation, sent.model_id) == ("converse", BEDROCK_MODEL_ID)
    assert sent.body["system"] == [{"text": "You are a shopping assistant."}]
    assert sent.body["messages"] == [{"role": "user", "content": [{"text": "hello"}]}]
    assert sent.body["inferenceConfig"]["temperature"] == 0
    assert "toolConfig" not in sent.body
    assert sent.headers["authorization"].startswith("AWS4-HMAC-SHA256")


@pytest.mark.integration
def test_tool_use_round_trip(model: BaseChatModel, endpoint: BedrockEndpoint) -> None:
    with_tools = model.bind_tools([search_products])
    conversation = _first_turn()

    call_turn = with_tools.invoke(conversation)
    assert isinstance(call_turn, AIMessage)
    assert call_turn.response_metadata["stopReason"] == "tool_use"
    [call] = call_turn.tool_calls
    assert call["name"] == "search_products"
    assert call["args"] == {"query": "running shoes", "max_price": 100.0}
    assert call["id"] == "tooluse_Qm3vX8rTQd2n6bH1yJcA4w"

    tool_message = search_products.invoke(call)
    assert isinstance(tool_message, ToolMessage)
    final = with_tools.invoke([*conversation, call_turn, tool_message])
    assert isinstance(final, AIMessage)
    assert final.tool_calls == []
    assert "Trail Runner 2 for $89.99" in final.text

    first, second = (request.body for request in endpoint.requests)
    [spec] = [tool["toolSpec"] for tool in first["toolConfig"]["tools"]]
    assert spec["name"] == "search_products"
    assert spec["description"].startswith("Search the product catalog")
    schema = spec["inputSchema"]["json"]
    assert schema["required"] == ["query"]
    assert schema["properties"]["query"]["type"] == "string"
    # langchain flattens the optional ``float | None`` to a plain number that may be left out.
    assert schema["properties"]["max_price"]["type"] == "number"
    assert schema["properties"]["max_price"]["description"] == "Highest price, in dollars."

    assistant, tool_turn = second["messages"][-2:]
    assert assistant["role"] == "assistant"
    assert {
        "toolUse": {"toolUseId": call["id"], "name": "search_products", "input": call["args"]}
    } in (assistant["content"])
    assert tool_turn["role"] == "user"
    [result] = [block["toolResult"] for block in tool_turn["content"] if "toolResult" in block]
    assert result["toolUseId"] == call["id"]
    assert result["content"] == [{"text": TRAIL_RUNNER}]
    assert "toolConfig" in second


@pytest.mark.integration
async def test_a_turn_streams_what_converse_answers_at_once(
    model: BaseChatModel, endpoint: BedrockEndpoint
) -> None:
    with_tools = model.bind_tools([search_products])
    conversation = _first_turn()
    pieces = Pieces()

    streamed = await _in_turn(with_tools, conversation, pieces)
    invoked = with_tools.invoke(conversation)

    text_chunks = [chunk for chunk in pieces.chunks if chunk.text]
    call_chunks = [part for chunk in pieces.chunks for part in chunk.tool_call_chunks]
    assert len(text_chunks) > 1, "the text should arrive in several pieces"
    assert len(call_chunks) > 1, "the tool input should arrive in several pieces"
    assert call_chunks[0]["name"] == "search_products"
    assert _aggregate(pieces.chunks).tool_calls == streamed.tool_calls
    assert (
        streamed.text == invoked.text == "Let me search the catalog for running shoes under $100."
    )
    assert isinstance(invoked, AIMessage)
    assert streamed.tool_calls == invoked.tool_calls
    assert streamed.usage_metadata is not None
    assert streamed.usage_metadata["total_tokens"] == 509
    assert [request.operation for request in endpoint.requests] == ["converse-stream", "converse"]


@pytest.mark.integration
async def test_tokens_reach_the_callbacks_in_pieces(model: BaseChatModel) -> None:
    pieces = Pieces()

    reply = await _in_turn(model, [HumanMessage("hello")], pieces)

    assert len(pieces.chunks) > 1
    assert "".join(chunk.text for chunk in pieces.chunks) == reply.text
    assert reply.text.endswith("What are you looking for today?")
    # Outside a turn stream() is the Converse answer in one piece (streaming is disabled).
    [whole] = list(model.stream([HumanMessage("hello")]))
    assert whole.text == reply.text


@pytest.mark.integration
async def test_async_tool_turn(model: BaseChatModel) -> None:
    with_tools = model.bind_tools([search_products])

    reply = await with_tools.ainvoke(_first_turn())
    [chunk] = [chunk async for chunk in with_tools.astream(_first_turn())]

    assert isinstance(reply, AIMessage)
    assert [call["name"] for call in reply.tool_calls] == ["search_products"]
    assert isinstance(chunk, AIMessage) and chunk.tool_calls == reply.tool_calls


@pytest.mark.integration
def test_validation_error_surfaces_as_upstream_error(
    model: BaseChatModel, endpoint: BedrockEndpoint
) -> None:
    with pytest.raises(UpstreamError, match=r"ValidationException, HTTP 400.*no recorded exchange"):
        model.invoke([HumanMessage("a question nobody recorded")])

    with pytest.raises(UpstreamError, match="ValidationException") as raised:
        list(model.stream([HumanMessage("a question nobody recorded")]))
    assert isinstance(raised.value.__cause__, ClientError)
    assert len(endpoint.requests) == 2, "a 400 is not retried"


@pytest.mark.integration
def test_server_error_is_retried_then_surfaces(
    model: BaseChatModel, endpoint: BedrockEndpoint
) -> None:
    with pytest.raises(UpstreamError, match=r"InternalServerException, HTTP 500") as raised:
        model.invoke([HumanMessage("is there an outage?")])

    assert isinstance(raised.value.__cause__, ClientError)
    # model_max_attempts=3 (agents.resilience; botocore itself makes one attempt per call).
    assert len(endpoint.requests) == 3


@pytest.mark.integration
def test_an_open_breaker_refuses_at_once(aws_env: None, endpoint: BedrockEndpoint) -> None:
    settings = _settings(endpoint.url, model_max_attempts=1, model_breaker_failures=2)
    model = chat_model(MODEL, settings, breakers=BreakerRegistry())
    try:
        for _ in range(2):
            with pytest.raises(UpstreamError, match="InternalServerException"):
                model.invoke([HumanMessage("is there an outage?")])
        with pytest.raises(UpstreamError, match="circuit breaker is open"):
            model.invoke([HumanMessage("is there an outage?")])
    finally:
        _close(model)

    assert len(endpoint.requests) == 2, "the open breaker sent nothing"


@pytest.mark.integration
async def test_error_in_the_middle_of_a_stream(
    model: BaseChatModel, endpoint: BedrockEndpoint
) -> None:
    pieces = Pieces()
    with pytest.raises(UpstreamError, match="modelStreamErrorException") as raised:
        await _in_turn(model, [HumanMessage("a flaky answer please")], pieces)

    assert isinstance(raised.value.__cause__, EventStreamError)
    received = "".join(chunk.text for chunk in pieces.chunks)
    assert received.startswith("This answer"), "events before the break still arrive"
    assert len(endpoint.requests) == 1, "text went out: the stream is not tried again"


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.integration
async def test_dead_endpoint_fails_fast(aws_env: None, closed_port_url: str) -> None:
    model = chat_model(MODEL, _settings(closed_port_url, timeout_s=1.0, model_max_attempts=2))
    try:
        started = time.monotonic()
        with pytest.raises(UpstreamError, match="unreachable") as raised:
            model.invoke([HumanMessage("hello")])
        with pytest.raises(UpstreamError, match="unreachable"):
            await _in_turn(model, [HumanMessage("hello")], Pieces())
        elapsed = time.monotonic() - started
    finally:
        _close(model)

    assert isinstance(raised.value.__cause__, EndpointConnectionError)
    assert elapsed < 10, f"two calls against a closed port took {elapsed:.1f}s"


@pytest.mark.integration
def test_unknown_provider_is_a_config_error(aws_env: None, endpoint: BedrockEndpoint) -> None:
    with pytest.raises(ConfigError, match="nonsense-provider:foo") as raised:
        chat_model("nonsense-provider:foo", _settings(endpoint.url))

    assert "bedrock_converse:<Bedrock model id>" in str(raised.value)
    assert endpoint.requests == []
