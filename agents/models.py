"""Chat-model selection by id, and the translation of Bedrock failures into ``UpstreamError``.

Accepted ids (``Settings.model``):

- ``offline``: the offline planner model, built by the caller and handed in as a factory;
- ``bedrock_converse:<Bedrock model id>``: ``ChatBedrockConverse`` on an injected
  ``bedrock-runtime`` client (``infra.clients.bedrock_runtime_client``), with retries, a time
  budget, a circuit breaker and, in a chat turn, the fallback ``Settings.model_fallback``
  (``ResilientBedrockConverse``; see ``agents.resilience``);
- anything else: ``langchain.chat_models.init_chat_model(<id>)``, e.g. ``openai:gpt-4o``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
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
from langchain_core.callbacks import (
    AsyncCallbackManager,
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.exceptions import ContextOverflowError
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.utils.utils import LC_ID_PREFIX
from pydantic import Field
from urllib3.exceptions import HTTPError as Urllib3HTTPError

from agents.breaker import BreakerRegistry
from agents.resilience import (
    BREAKERS,
    BlockingStream,
    ModelCall,
    Progress,
    RetryPolicy,
    run_blocking,
    run_sync,
)
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
    breakers: BreakerRegistry = BREAKERS,
) -> BaseChatModel:
    """The chat model that ``model_id`` names; ``ConfigError`` if it names none. A Bedrock
    model's breaker lives in ``breakers`` (the process's by default)."""
    if model_id == OFFLINE:
        if offline_factory is None:
            raise ConfigError(
                "model 'offline' is the offline planner, which needs the product catalog: "
                "pass offline_factory (built from the store) to chat_model()"
            )
        return offline_factory()
    if model_id.startswith(BEDROCK_CONVERSE_PREFIX):
        fallback = _fallback(model_id, settings, offline_factory, breakers)
        return _bedrock_converse(
            model_id.removeprefix(BEDROCK_CONVERSE_PREFIX), settings, breakers, fallback
        )
    try:
        return init_chat_model(model_id)
    except (ImportError, ValueError) as err:
        raise ConfigError(
            f"cannot build chat model {model_id!r}; accepted ids: {ACCEPTED_FORMS}.\n"
            f"init_chat_model said: {err}"
        ) from err


def model_readiness(settings: Settings, breakers: BreakerRegistry = BREAKERS) -> dict[str, Any]:
    """The chat model's state for ``/readyz``. A Bedrock model reports its circuit breaker in
    this process; while the breaker is not closed the model is not ``ok`` and it is
    ``degraded`` when its fallback answers instead (the offline planner always can; a Bedrock
    fallback unless its own breaker is open), else down."""
    status: dict[str, Any] = {"backend": settings.model, "ok": True}
    if not settings.model.startswith(BEDROCK_CONVERSE_PREFIX):
        return status
    breaker = breakers.state(settings.model.removeprefix(BEDROCK_CONVERSE_PREFIX))
    fallback = settings.model_fallback.strip() or None
    fallback = None if fallback == settings.model else fallback  # as _fallback reads it
    status.update(breaker=breaker, fallback=fallback)
    if breaker == "closed":
        return status
    serves = fallback == OFFLINE or (
        fallback is not None
        and fallback.startswith(BEDROCK_CONVERSE_PREFIX)
        and breakers.state(fallback.removeprefix(BEDROCK_CONVERSE_PREFIX)) != "open"
    )
    status.update(ok=False, degraded=serves)
    return status


def _fallback(
    model_id: str,
    settings: Settings,
    offline_factory: Callable[[], BaseChatModel] | None,
    breakers: BreakerRegistry,
) -> tuple[str, BaseChatModel] | None:
    """The name and model of ``Settings.model_fallback``, which answers a chat turn that the
    model ``model_id`` fails; ``None`` for none."""
    name = settings.model_fallback.strip()
    if not name or name == model_id:
        return None
    if name == OFFLINE:
        # The content and explanation writers build their model without the catalog; they
        # fall back on their own (templates, an error) and never use this one.
        return None if offline_factory is None else (OFFLINE, offline_factory())
    if name.startswith(BEDROCK_CONVERSE_PREFIX):
        bedrock_id = name.removeprefix(BEDROCK_CONVERSE_PREFIX)
        return bedrock_id, _bedrock_converse(bedrock_id, settings, breakers, None)
    raise ConfigError(
        f"model_fallback {name!r} is not a fallback: use '{OFFLINE}', "
        f"'{BEDROCK_CONVERSE_PREFIX}<Bedrock model id>', or '' for none"
    )


def _bedrock_converse(
    bedrock_model_id: str,
    settings: Settings,
    breakers: BreakerRegistry,
    fallback: tuple[str, BaseChatModel] | None,
) -> BaseChatModel:
    """``ResilientBedrockConverse`` on the injected runtime client."""
    if not bedrock_model_id:
        raise ConfigError(f"'{BEDROCK_CONVERSE_PREFIX}' needs a Bedrock model id after the colon")
    try:
        return ResilientBedrockConverse(
            model_id=bedrock_model_id,  # the field behind the "model" alias
            client=bedrock_runtime_client(settings),
            region_name=settings.aws_region,
            temperature=0,
            # Answers come through invoke, which streams inside a chat turn (see the class).
            disable_streaming=True,
            policy=RetryPolicy.from_settings(settings),
            breakers=breakers,
            fallback_name=fallback[0] if fallback else "",
            fallback=fallback[1] if fallback else None,
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


class ResilientBedrockConverse(UpstreamGuardedBedrockConverse):
    """``UpstreamGuardedBedrockConverse`` under ``agents.resilience``: each call is retried,
    timed and guarded by its model id's circuit breaker; in a chat turn the fallback answers
    when the model fails. Only the chat agent's calls fall back: they are the ones made with
    tools bound (``bind_tools`` binds the same tools to the fallback). A plain call, such as the
    explanation or content writer's (also when a tool runs it inside a chat turn), gets the
    ``UpstreamError`` and falls back in its own way (templates, an error).

    Every call is answered by ``_agenerate`` (``disable_streaming``: ``stream()`` defers to
    ``invoke()``). In a chat turn it reads ConverseStream and hands each chunk to the callbacks
    as it arrives, which is how tokens reach the socket (LangGraph's ``messages`` stream mode);
    outside one it calls Converse. Either way the message a call returns is decided at its end:
    the model's whole answer or the fallback's, never the start of a broken stream joined to
    the fallback's answer.
    """

    policy: RetryPolicy = Field(default_factory=RetryPolicy, exclude=True)
    breakers: BreakerRegistry = Field(default=BREAKERS, exclude=True)
    # The model that answers a chat turn this one fails, and its name in logs and metrics.
    fallback: BaseChatModel | None = Field(default=None, exclude=True)
    fallback_name: str = ""
    # The fallback with the tools this model was bound to (``bind_tools``): what a failed call
    # with tools falls back to.
    bound_fallback: Runnable[LanguageModelInput, BaseMessage] | None = Field(
        default=None, exclude=True
    )

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Bind ``tools`` to this model and to its fallback."""
        model = self
        if self.fallback is not None:
            model = self.model_copy(update={"bound_fallback": self.fallback.bind_tools(tools)})
        return ChatBedrockConverse.bind_tools(model, tools, tool_choice=tool_choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """The async path run to its end (no tokens reach synchronous callbacks)."""
        return run_sync(lambda: self._agenerate(messages, stop=stop, **kwargs))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Converse (ConverseStream in a chat turn) under the retry policy and the breaker."""
        call = ModelCall(
            self.model_id,
            self.policy,
            self.policy.breaker(self.breakers, self.model_id, self.client.meta.endpoint_url),
            self.fallback_name if self.bound_fallback is not None else None,
        )

        async def attempt(deadline: float, progress: Progress) -> ChatResult:
            if call.in_turn:
                return await self._stream_attempt(
                    messages, stop, kwargs, deadline, progress, run_manager
                )
            converse = partial(
                UpstreamGuardedBedrockConverse._generate, self, messages, stop, None, **kwargs
            )
            return await run_blocking(converse, deadline, f"Bedrock Converse ({self.model_id})")

        async def fallback() -> ChatResult:
            model = self.bound_fallback
            if model is None:
                raise ConfigError(f"{self.model_id} has no fallback bound to tools")
            # A run of its own under this one: its tokens reach the callbacks (and the socket)
            # as it makes them.
            config: RunnableConfig = {"callbacks": _child_callbacks(run_manager)}
            message = await model.ainvoke(messages, config)
            return ChatResult(generations=[ChatGeneration(message=message)])

        return await call.run(attempt, fallback if self.bound_fallback is not None else None)

    async def _stream_attempt(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        deadline: float,
        progress: Progress,
        run_manager: AsyncCallbackManagerForLLMRun | None,
    ) -> ChatResult:
        """One ConverseStream attempt, each chunk handed to the callbacks as it arrives."""
        chunks = UpstreamGuardedBedrockConverse._stream(self, messages, stop, None, **kwargs)
        stream = BlockingStream(chunks, deadline, f"Bedrock ConverseStream ({self.model_id})")
        message_id = f"{LC_ID_PREFIX}-{run_manager.run_id}" if run_manager else None
        received: list[ChatGenerationChunk] = []
        while (chunk := await stream.next()) is not None:
            received.append(chunk)
            calls = (
                chunk.message.tool_call_chunks if isinstance(chunk.message, AIMessageChunk) else []
            )
            if run_manager is None or not (chunk.text or calls):
                continue
            if chunk.message.id is None:
                chunk.message.id = message_id
            progress.emitted = True
            await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        return generate_from_stream(iter(received))


def _child_callbacks(run_manager: AsyncCallbackManagerForLLMRun | None) -> AsyncCallbackManager:
    """Callbacks for a run nested under the model run ``run_manager`` (none without one)."""
    if run_manager is None:
        return AsyncCallbackManager(handlers=[])
    manager = AsyncCallbackManager(handlers=[], parent_run_id=run_manager.run_id)
    manager.set_handlers(run_manager.inheritable_handlers)
    manager.add_tags(run_manager.inheritable_tags)
    manager.add_metadata(run_manager.inheritable_metadata)
    return manager
