"""Chat-model selection by id, and the translation of Bedrock failures into ``UpstreamError``.

Accepted ids (``Settings.model``):

- ``offline``: the offline planner model, built by the caller and handed in as a factory;
- ``bedrock_converse:<Bedrock model id>``: ``ChatBedrockConverse`` on an injected
  ``bedrock-runtime`` client (``infra.clients.bedrock_runtime_client``);
- anything else: ``langchain.chat_models.init_chat_model(<id>)``, e.g. ``openai:gpt-4o``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)
from langchain.chat_models import init_chat_model
from langchain_aws import ChatBedrockConverse
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.exceptions import ContextOverflowError
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from urllib3.exceptions import HTTPError as Urllib3HTTPError

from infra.clients import bedrock_runtime_client
from infra.errors import ConfigError, UpstreamError
from infra.settings import Settings

OFFLINE = "offline"
BEDROCK_CONVERSE_PREFIX = "bedrock_converse:"
ACCEPTED_FORMS = (
    f"'{OFFLINE}', '{BEDROCK_CONVERSE_PREFIX}<Bedrock model id>', "
    "or an init_chat_model id such as 'openai:gpt-4o' (its integration package installed)"
)


def chat_model(
    model_id: str,
    settings: Settings,
    offline_factory: Callable[[], BaseChatModel] | None = None,
) -> BaseChatModel:
    """The chat model that ``model_id`` names; ``ConfigError`` if it names none."""
    if model_id == OFFLINE:
        if offline_factory is None:
            raise ConfigError(
                "model 'offline' is the offline planner, which needs the product catalog: "
                "pass offline_factory (built from the store) to chat_model()"
            )
        return offline_factory()
    if model_id.startswith(BEDROCK_CONVERSE_PREFIX):
        return _bedrock_converse(model_id.removeprefix(BEDROCK_CONVERSE_PREFIX), settings)
    try:
        return init_chat_model(model_id)
    except (ImportError, ValueError) as err:
        raise ConfigError(
            f"cannot build chat model {model_id!r}; accepted ids: {ACCEPTED_FORMS}.\n"
            f"init_chat_model said: {err}"
        ) from err


def _bedrock_converse(bedrock_model_id: str, settings: Settings) -> BaseChatModel:
    """``ChatBedrockConverse`` on the injected runtime client, failures as ``UpstreamError``."""
    if not bedrock_model_id:
        raise ConfigError(f"'{BEDROCK_CONVERSE_PREFIX}' needs a Bedrock model id after the colon")
    try:
        return UpstreamGuardedBedrockConverse(
            model_id=bedrock_model_id,  # the field behind the "model" alias
            client=bedrock_runtime_client(settings),
            region_name=settings.aws_region,
            temperature=0,
        )
    except ValueError as err:  # pydantic validation: e.g. an ARN without a provider
        raise ConfigError(
            f"cannot build chat model {BEDROCK_CONVERSE_PREFIX}{bedrock_model_id}: {err}"
        ) from err


@contextmanager
def upstream_errors(what: str) -> Iterator[None]:
    """Re-raise AWS / transport failures inside the block as ``UpstreamError`` (from err)."""
    try:
        yield
    except ContextOverflowError:
        # Not an outage: the caller (e.g. a summarization middleware) trims and retries.
        raise
    except (NoCredentialsError, PartialCredentialsError, NoRegionError) as err:
        raise ConfigError(f"{what}: AWS credentials or region not configured: {err}") from err
    except ClientError as err:
        # The endpoint answered with an error (HTTP 4xx/5xx, or an exception event mid-stream).
        error = err.response.get("Error", {})
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = error.get("Code", "Unknown")
        message = error.get("Message", str(err))
        where = f", HTTP {status}" if status else ""
        raise UpstreamError(f"{what} failed ({code}{where}): {message}") from err
    except (BotoCoreError, Urllib3HTTPError, ConnectionError) as err:
        # Unreachable, timed out, or the connection broke while a stream was being read.
        raise UpstreamError(f"{what} unreachable or timed out: {err}") from err


class UpstreamGuardedBedrockConverse(ChatBedrockConverse):
    """``ChatBedrockConverse`` whose every call path raises ``UpstreamError`` on AWS failures."""

    # invoke/batch/ainvoke and tool-bound or structured-output variants all end in one of
    # these two methods (async ones run them in an executor), so guarding them is enough.

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Converse, with failures translated."""
        with upstream_errors(f"Bedrock Converse ({self.model_id})"):
            return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """ConverseStream, with failures (also mid-stream) translated."""
        with upstream_errors(f"Bedrock ConverseStream ({self.model_id})"):
            yield from super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs)
