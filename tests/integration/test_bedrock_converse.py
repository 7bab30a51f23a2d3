"""ChatBedrockConverse against a localhost endpoint that speaks Bedrock Runtime's wire format."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from functools import reduce
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, EventStreamError
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from agents.models import chat_model
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


def _settings(url: str, timeout_s: float = 5.0) -> Settings:
    return Settings(bedrock_endpoint_url=url, model=MODEL, bedrock_timeout_s=timeout_s)


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
def test_stream_aggregates_to_the_invoke_result(
    model: BaseChatModel, endpoint: BedrockEndpoint
) -> None:
    with_tools = model.bind_tools([search_products])
    conversation = _first_turn()

    chunks = [
        chunk for chunk in with_tools.stream(conversation) if isinstance(chunk, AIMessageChunk)
    ]
    streamed = _aggregate(chunks)
    invoked = with_tools.invoke(conversation)

    text_chunks = [chunk for chunk in chunks if chunk.text]
    call_chunks = [part for chunk in chunks for part in chunk.tool_call_chunks]
    assert len(text_chunks) > 1, "the text should arrive in several pieces"
    assert len(call_chunks) > 1, "the tool input should arrive in several pieces"
    assert call_chunks[0]["name"] == "search_products"
    assert (
        streamed.text == invoked.text == "Let me search the catalog for running shoes under $100."
    )
    assert streamed.tool_calls == invoked.tool_calls
    assert streamed.usage_metadata is not None
    assert streamed.usage_metadata["total_tokens"] == 509
    assert [request.operation for request in endpoint.requests] == ["converse-stream", "converse"]


@pytest.mark.integration
def test_stream_plain_text(model: BaseChatModel) -> None:
    chunks = [chunk for chunk in model.stream([HumanMessage("hello")]) if chunk.text]

    assert len(chunks) > 1
    assert "".join(chunk.text for chunk in chunks).endswith("What are you looking for today?")


@pytest.mark.integration
async def test_async_tool_turn(model: BaseChatModel) -> None:
    with_tools = model.bind_tools([search_products])

    reply = await with_tools.ainvoke(_first_turn())
    chunks = [chunk async for chunk in with_tools.astream(_first_turn())]

    assert isinstance(reply, AIMessage)
    assert [call["name"] for call in reply.tool_calls] == ["search_products"]
    assert _aggregate([c for c in chunks if isinstance(c, AIMessageChunk)]).tool_calls == (
        reply.tool_calls
    )


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
    # retries={"max_attempts": 2} means two retries after the first call.
    assert len(endpoint.requests) == 3


@pytest.mark.integration
def test_error_in_the_middle_of_a_stream(model: BaseChatModel) -> None:
    received: list[str] = []
    with pytest.raises(UpstreamError, match="modelStreamErrorException") as raised:
        for chunk in model.stream([HumanMessage("a flaky answer please")]):
            received.append(chunk.text)

    assert isinstance(raised.value.__cause__, EventStreamError)
    assert "".join(received).startswith("This answer"), "events before the break still arrive"


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.integration
def test_dead_endpoint_fails_fast(aws_env: None, closed_port_url: str) -> None:
    model = chat_model(MODEL, _settings(closed_port_url, timeout_s=1.0))
    try:
        started = time.monotonic()
        with pytest.raises(UpstreamError, match="unreachable") as raised:
            model.invoke([HumanMessage("hello")])
        with pytest.raises(UpstreamError, match="unreachable"):
            list(model.stream([HumanMessage("hello")]))
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
