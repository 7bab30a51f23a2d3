"""Chat-model selection by id, with no network (the unit conftest blocks sockets)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from botocore.stub import Stubber
from langchain_aws import ChatBedrockConverse
from langchain_core.exceptions import ContextOverflowError
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import HumanMessage

from agents.models import UpstreamGuardedBedrockConverse, chat_model, upstream_errors
from infra.errors import ConfigError, UpstreamError
from infra.settings import Settings

BEDROCK_MODEL_ID = "anthropic.claude-3-5-sonnet-20240620-v1:0"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials, so building a boto3 client never asks the instance metadata service."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    for name in ("AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings() -> Settings:
    return Settings(
        aws_region="us-east-2",
        bedrock_endpoint_url="http://bedrock.invalid:4010",
        bedrock_timeout_s=7.0,
    )


def test_offline_uses_the_factory(settings: Settings) -> None:
    planner = FakeListChatModel(responses=["hi"])

    assert chat_model("offline", settings, offline_factory=lambda: planner) is planner


def test_offline_without_a_factory_is_a_config_error(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="catalog"):
        chat_model("offline", settings)


def test_bedrock_id_builds_converse_on_the_injected_client(settings: Settings) -> None:
    model = chat_model(f"bedrock_converse:{BEDROCK_MODEL_ID}", settings)

    assert isinstance(model, ChatBedrockConverse)
    assert model.model_id == BEDROCK_MODEL_ID
    assert model.provider == "anthropic"
    assert model.temperature == 0
    # Answers come through invoke, which streams inside a chat turn (agents.models).
    assert model.disable_streaming is True
    client = model.client
    assert client.meta.service_model.service_name == "bedrock-runtime"
    assert client.meta.region_name == "us-east-2"
    assert client.meta.endpoint_url == "http://bedrock.invalid:4010"
    assert client.meta.config.read_timeout == 7.0
    assert client.meta.config.connect_timeout == 2.0  # bedrock_connect_timeout_s
    # One attempt per call: agents.resilience is the only retry loop.
    assert client.meta.config.retries == {"total_max_attempts": 1, "mode": "standard"}
    client.close()


def test_bedrock_id_without_a_model_is_a_config_error(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="needs a Bedrock model id"):
        chat_model("bedrock_converse:", settings)


def test_unknown_provider_is_a_config_error(settings: Settings) -> None:
    with pytest.raises(ConfigError, match=r"'nonsense-provider:foo'; accepted ids: 'offline'"):
        chat_model("nonsense-provider:foo", settings)


@pytest.mark.skipif(
    importlib.util.find_spec("langchain_openai") is not None, reason="langchain-openai is installed"
)
def test_missing_integration_package_is_a_config_error(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="langchain-openai"):
        chat_model("openai:gpt-4o", settings)


def test_bedrock_errors_reach_the_caller_as_upstream_errors(settings: Settings) -> None:
    once = settings.model_copy(update={"model_max_attempts": 1})  # one stubbed answer
    model = chat_model(f"bedrock_converse:{BEDROCK_MODEL_ID}", once)
    assert isinstance(model, UpstreamGuardedBedrockConverse)
    with Stubber(model.client) as stub:
        stub.add_client_error(
            "converse", "ThrottlingException", "Too many requests", http_status_code=429
        )
        with pytest.raises(UpstreamError, match=r"ThrottlingException, HTTP 429") as raised:
            model.invoke([HumanMessage("hello")])
    assert isinstance(raised.value.__cause__, ClientError)
    model.client.close()


def test_upstream_errors_translation() -> None:
    with pytest.raises(UpstreamError, match="unreachable") as raised, upstream_errors("Bedrock"):
        raise EndpointConnectionError(endpoint_url="http://bedrock.invalid")
    assert isinstance(raised.value.__cause__, EndpointConnectionError)

    with pytest.raises(ConfigError, match="credentials"), upstream_errors("Bedrock"):
        raise NoCredentialsError()

    # Overflow is left for the caller to trim the conversation; bugs stay bugs.
    with pytest.raises(ContextOverflowError), upstream_errors("Bedrock"):
        raise ContextOverflowError("too long")
    with pytest.raises(KeyError), upstream_errors("Bedrock"):
        raise KeyError("bug")
