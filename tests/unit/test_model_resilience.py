"""The circuit breaker on a fake clock, how Bedrock failures are read, and the retry decisions."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import RunnableConfig, RunnableLambda
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout

from agents.breaker import BreakerRegistry, CircuitBreaker
from agents.resilience import MODEL_TURN, ModelCall, ModelTurn, Progress, RetryPolicy, classify
from infra.errors import UpstreamError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _breaker(clock: Clock, failures: int = 3) -> CircuitBreaker:
    return CircuitBreaker("model-x", failures, window_s=10.0, cooldown_s=5.0, clock=clock)


def test_the_breaker_opens_after_enough_failures_within_the_window() -> None:
    clock = Clock()
    breaker = _breaker(clock)
    breaker.record_failure()
    clock.now += 11  # the first failure leaves the window
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed" and breaker.allow()

    breaker.record_failure()

    assert breaker.state == "open"
    assert not breaker.allow()


def test_after_the_cooldown_one_probe_decides() -> None:
    clock = Clock()
    breaker = _breaker(clock, failures=1)
    breaker.record_failure()
    clock.now += 4.9
    assert not breaker.allow()

    clock.now += 0.2
    assert breaker.allow(), "the probe"
    assert breaker.state == "half_open"
    assert not breaker.allow(), "one probe at a time"
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow(), "a failed probe opens it for another cool-down"

    clock.now += 5.1
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.allow() and breaker.allow()


def test_a_probe_that_never_reports_frees_its_slot_after_a_cooldown() -> None:
    clock = Clock()
    breaker = _breaker(clock, failures=1)
    breaker.record_failure()
    clock.now += 5.1
    assert breaker.allow()  # the probe's caller is cancelled and never reports
    clock.now += 4.9
    assert not breaker.allow()
    clock.now += 0.2
    assert breaker.allow()


def test_the_registry_keeps_one_breaker_per_model_and_endpoint() -> None:
    registry = BreakerRegistry()
    first = registry.get("model-x", "http://a", 1, 10.0, 5.0)
    assert registry.get("model-x", "http://a", 9, 99.0, 99.0) is first
    other = registry.get("model-x", "http://b", 1, 10.0, 5.0)
    assert other is not first
    other.record_failure()
    assert registry.state("model-x") == "open", "the most open of the model's breakers"
    assert registry.state("model-never-called") == "closed"


def _client_error(code: str, status: int) -> UpstreamError:
    response: Any = {
        "Error": {"Code": code, "Message": "m"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    error = UpstreamError("Bedrock failed")
    error.__cause__ = ClientError(response, "Converse")
    return error


def _caused_by(cause: BaseException) -> UpstreamError:
    error = UpstreamError("Bedrock failed")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "reason", "retryable", "counts"),
    [
        (_client_error("ThrottlingException", 429), "throttled", True, True),
        (_client_error("ServiceUnavailableException", 503), "error", True, True),
        (_client_error("InternalServerException", 500), "error", True, True),
        (_client_error("ValidationException", 400), "error", False, False),
        (_client_error("AccessDeniedException", 403), "error", False, True),
        (_client_error("ModelTimeoutException", 408), "timeout", True, True),
        (_caused_by(ReadTimeoutError(endpoint_url="http://x")), "timeout", True, True),
        (_caused_by(Urllib3ReadTimeout(None, "/", "read timed out")), "timeout", True, True),
        (_caused_by(TimeoutError()), "timeout", False, True),
        (_caused_by(EndpointConnectionError(endpoint_url="http://x")), "error", True, True),
    ],
)
def test_failures_are_read_by_their_cause(
    error: UpstreamError, reason: str, retryable: bool, counts: bool
) -> None:
    failure = classify(error)
    assert (failure.reason, failure.retryable, failure.counts) == (reason, retryable, counts)


def test_full_jitter_stays_under_the_capped_step() -> None:
    policy = RetryPolicy(backoff_base_s=0.5, backoff_max_s=1.5)
    delays = [policy.backoff(retry) for retry in (1, 2, 3, 4) for _ in range(200)]
    assert all(0 <= d <= 1.5 for d in delays)
    assert max(policy.backoff(1) for _ in range(200)) <= 0.5
    assert len({round(d, 6) for d in delays}) > 100, "jittered, not fixed"


def _answer() -> ChatResult:
    return ChatResult(generations=[ChatGeneration(message=AIMessage("from the fallback"))])


async def test_retries_stop_at_the_attempts_and_the_fallback_answers() -> None:
    policy = RetryPolicy(max_attempts=3, retry_budget=10, backoff_base_s=0.0, budget_s=30)
    breaker = BreakerRegistry().get("model-x", "http://a", 10, 60.0, 30.0)
    attempts: list[float] = []

    async def attempt(deadline: float, progress: Progress) -> ChatResult:
        attempts.append(deadline)
        raise _client_error("ThrottlingException", 429)

    async def fallback() -> ChatResult:
        return _answer()

    async def in_turn(_: object) -> ChatResult:
        return await ModelCall("model-x", policy, breaker, "fallback-y").run(attempt, fallback)

    turn = ModelTurn()
    config: RunnableConfig = {"configurable": {MODEL_TURN: turn}}
    result = await RunnableLambda(in_turn).ainvoke(None, config)

    assert result.generations[0].message.text == "from the fallback"
    assert len(attempts) == 3
    assert turn.fallback_reason == "throttled" and turn.retries == 2


async def test_no_retry_once_a_token_went_out_and_none_without_a_fallback() -> None:
    policy = RetryPolicy(max_attempts=3, backoff_base_s=0.0)
    breaker = BreakerRegistry().get("model-x", "http://a", 10, 60.0, 30.0)
    call = ModelCall("model-x", policy, breaker, None)
    attempts = 0

    async def attempt(deadline: float, progress: Progress) -> ChatResult:
        nonlocal attempts
        attempts += 1
        progress.emitted = True
        raise _caused_by(EndpointConnectionError(endpoint_url="http://x"))

    with pytest.raises(UpstreamError, match="Bedrock failed"):
        await call.run(attempt, None)
    assert attempts == 1
