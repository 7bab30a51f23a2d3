"""Retries, a time budget, a circuit breaker and a fallback around a remote chat model's calls.

One **chat turn** (``graphs.turns`` puts a ``ModelTurn`` in the graph's config under
``MODEL_TURN``) has ``model_turn_budget_s`` for all its model calls. A call outside a turn (the
content writer, the explanation writer) gets the same budget for itself and no fallback: those
callers have their own (templates, an error the API reports).

Per call::

    breaker open? ──yes──► fallback ("breaker_open")
        │ no
    attempt (connect / read timeouts on the client; the primary's share of the turn budget
        │     bounds every wait for the next chunk)
    failed ─► retry? only when the failure is transient (throttled, 5xx, connection, stream
        │     broken before any token), attempts and the turn's retry budget are left, and a
        │     full-jitter backoff plus what the failed attempt cost still fits the budget
        │ no
    fallback (its reason: throttled | timeout | error) or, with none, the UpstreamError

botocore makes one attempt per call (``infra.clients.bedrock_runtime_client``): this is the
only retry loop, so retries can be counted per turn and never outlast its budget. Once a turn
has fallen back, its later calls go to the fallback directly. The breakers are per model id,
endpoint and process (``agents.breaker``).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError
from langchain_core.outputs import ChatResult
from langchain_core.runnables.config import ensure_config
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from agents.breaker import BreakerRegistry, CircuitBreaker
from agents.pricing import estimated_cost_usd
from infra import metrics
from infra.errors import UpstreamError
from infra.settings import Settings

log = logging.getLogger(__name__)

# The key of the turn's ``ModelTurn`` in a graph run's ``configurable``.
MODEL_TURN = "shopagent_model_turn"

FailureReason = Literal["throttled", "timeout", "error"]
FallbackReason = Literal["throttled", "timeout", "error", "breaker_open"]

# The breakers of this process, one per model id and endpoint.
BREAKERS = BreakerRegistry()

# Blocking Bedrock calls run here. A call whose caller stopped waiting (deadline, cancelled
# turn) keeps its thread until the client's read timeout ends it.
_THREADS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="chat-model")
_THROTTLE_CODES = frozenset(
    {"throttlingexception", "toomanyrequestsexception", "servicequotaexceededexception"}
)
_T = TypeVar("_T")


@dataclass
class ModelTurn:
    """One chat turn's model calls: when the turn began, the retries it spent, and why it
    switched to the fallback (``None`` while the primary model serves it)."""

    started: float = field(default_factory=time.monotonic)
    retries: int = 0
    fallback_reason: FallbackReason | None = None


def current_turn() -> ModelTurn | None:
    """The ``ModelTurn`` of the graph run this call belongs to, if any."""
    turn = ensure_config().get("configurable", {}).get(MODEL_TURN)
    return turn if isinstance(turn, ModelTurn) else None


@dataclass(frozen=True)
class RetryPolicy:
    """The ``model_*`` settings, as the resilient model reads them."""

    budget_s: float = 30.0
    fallback_reserve_s: float = 5.0
    max_attempts: int = 3
    retry_budget: int = 3
    backoff_base_s: float = 0.25
    backoff_max_s: float = 4.0
    breaker_failures: int = 5
    breaker_window_s: float = 60.0
    breaker_cooldown_s: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The policy the settings describe."""
        return cls(
            budget_s=settings.model_turn_budget_s,
            fallback_reserve_s=settings.model_fallback_reserve_s,
            max_attempts=settings.model_max_attempts,
            retry_budget=settings.model_retry_budget,
            backoff_base_s=settings.model_backoff_base_s,
            backoff_max_s=settings.model_backoff_max_s,
            breaker_failures=settings.model_breaker_failures,
            breaker_window_s=settings.model_breaker_window_s,
            breaker_cooldown_s=settings.model_breaker_cooldown_s,
        )

    def backoff(self, retry: int) -> float:
        """Full jitter: anywhere between 0 and the capped exponential step of this retry."""
        return random.uniform(0, min(self.backoff_max_s, self.backoff_base_s * 2 ** (retry - 1)))

    def breaker(self, registry: BreakerRegistry, model_id: str, endpoint: str) -> CircuitBreaker:
        """The breaker in ``registry`` of ``model_id`` at ``endpoint``."""
        return registry.get(
            model_id,
            endpoint,
            self.breaker_failures,
            self.breaker_window_s,
            self.breaker_cooldown_s,
        )


@dataclass(frozen=True)
class Failure:
    """A failed attempt: why (as the metrics name it), whether another attempt may help, and
    whether it tells against the model (a request the model refuses as invalid does not)."""

    reason: FailureReason
    retryable: bool
    counts: bool
    error: UpstreamError


def classify(err: UpstreamError) -> Failure:
    """Read an ``UpstreamError`` from the Bedrock client by the exception behind it."""
    cause = err.__cause__
    # urllib3's own timeout is what a stream that stops mid-way raises.
    if isinstance(cause, (ReadTimeoutError, ConnectTimeoutError, Urllib3Timeout, TimeoutError)):
        # Our own deadline (a TimeoutError) leaves no time to try the same model again.
        return Failure("timeout", not isinstance(cause, TimeoutError), True, err)
    if isinstance(cause, ClientError):
        # Also an exception event in the middle of a ConverseStream (EventStreamError).
        code = str(cause.response.get("Error", {}).get("Code", "")).lower()
        status = int(cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if status == 429 or code in _THROTTLE_CODES:
            return Failure("throttled", True, True, err)
        if code == "validationexception":
            return Failure("error", False, False, err)
        if code == "modeltimeoutexception" or status == 408:
            return Failure("timeout", True, True, err)
        client_side = 400 <= status < 500
        return Failure("error", not client_side, True, err)
    # Connection refused or reset, a stream cut off: transient as far as we can tell.
    return Failure("error", True, True, err)


class Progress:
    """What an attempt has shown so far: once a token has gone out, it is not tried again."""

    def __init__(self) -> None:
        self.emitted = False


Attempt = Callable[[float, Progress], Awaitable[ChatResult]]
Fallback = Callable[[], Awaitable[ChatResult]]


class ModelCall:
    """One call of a remote chat model under the policy, the breaker and the turn's budget."""

    def __init__(
        self,
        model_id: str,
        policy: RetryPolicy,
        breaker: CircuitBreaker,
        fallback_name: str | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        turn = current_turn()
        self.model_id = model_id
        self.policy = policy
        self.breaker = breaker
        self.in_turn = turn is not None
        self.turn = turn if turn is not None else ModelTurn(started=clock())
        # Only a chat turn falls back; other callers handle the error themselves.
        self.fallback_name = fallback_name if self.in_turn else None
        self._clock = clock

    @property
    def deadline(self) -> float:
        """When the turn's budget ends."""
        return self.turn.started + self.policy.budget_s

    @property
    def primary_deadline(self) -> float:
        """When the primary model's share ends (the fallback keeps the rest)."""
        reserve = self.policy.fallback_reserve_s if self.fallback_name else 0.0
        return self.deadline - reserve

    async def run(self, attempt: Attempt, fallback: Fallback | None) -> ChatResult:
        """The primary model's answer, retried as the policy allows, else the fallback's."""
        use_fallback = fallback if self.fallback_name else None
        if use_fallback is not None and self.turn.fallback_reason is not None:
            return await self._fallback(use_fallback)
        reason: FallbackReason
        tries = 0
        while True:
            if not self.breaker.allow():
                metrics.model_called(self.model_id, "refused")
                reason = "breaker_open"
                error = UpstreamError(
                    f"{self.model_id} is failing: its circuit breaker is open for up to "
                    f"{self.policy.breaker_cooldown_s:g} s"
                )
                break
            tries += 1
            progress = Progress()
            started = self._clock()
            try:
                result = await attempt(self.primary_deadline, progress)
            except UpstreamError as err:
                failure = classify(err)
            else:
                self.breaker.record_success()
                self._answered(result)
                return result
            if failure.counts:
                self.breaker.record_failure()
            metrics.model_called(self.model_id, failure.reason)
            reason, error = failure.reason, failure.error
            delay = self._retry_delay(failure, tries, self._clock() - started, progress)
            if delay is None:
                break
            log.info("retrying %s in %.2f s after %s", self.model_id, delay, failure.reason)
            await asyncio.sleep(delay)
        if use_fallback is None:
            raise error
        self.turn.fallback_reason = reason
        metrics.model_fell_back(self.model_id, self.fallback_name or "", reason)
        log.warning(
            "%s failed (%s); %s answers this turn", self.model_id, reason, self.fallback_name
        )
        return await self._fallback(use_fallback)

    def _answered(self, result: ChatResult) -> None:
        usage = getattr(result.generations[0].message, "usage_metadata", None) or {}
        tokens_in, tokens_out = (
            int(usage.get("input_tokens", 0)),
            int(usage.get("output_tokens", 0)),
        )
        cost = estimated_cost_usd(self.model_id, tokens_in, tokens_out)
        metrics.model_called(self.model_id, "ok", tokens_in, tokens_out, cost)

    def _retry_delay(
        self, failure: Failure, tries: int, cost: float, progress: Progress
    ) -> float | None:
        """How long to wait before the next attempt, or ``None`` for no further attempt."""
        if progress.emitted or not failure.retryable:
            return None
        if tries >= self.policy.max_attempts or self.turn.retries >= self.policy.retry_budget:
            return None
        delay = self.policy.backoff(tries)
        # The next attempt may cost what this one did: it must fit the primary's share.
        if self._clock() + delay + cost >= self.primary_deadline:
            return None
        self.turn.retries += 1
        return delay

    async def _fallback(self, fallback: Fallback) -> ChatResult:
        remaining = self.deadline - self._clock()
        try:
            return await asyncio.wait_for(fallback(), timeout=max(remaining, 0.0))
        except TimeoutError as err:
            raise UpstreamError(
                f"the fallback model {self.fallback_name} did not answer within the turn budget"
            ) from err


async def run_blocking(call: Callable[[], _T], deadline: float, what: str) -> _T:
    """``call()`` in a worker thread; ``UpstreamError`` (from ``TimeoutError``) when it has not
    returned by ``deadline`` (time.monotonic), the thread then left to its client timeouts."""
    context = contextvars.copy_context()
    future: Future[_T] = _THREADS.submit(context.run, call)
    try:
        return await asyncio.wait_for(
            asyncio.wrap_future(future), timeout=max(deadline - time.monotonic(), 0.0)
        )
    except TimeoutError as err:
        raise UpstreamError(f"{what}: no answer within the turn budget") from err


class BlockingStream(Generic[_T]):
    """Steps through a blocking iterator in worker threads, each step bounded by ``deadline``.

    A step given up (deadline, cancellation) closes the iterator in its thread once the step
    returns, so the HTTP stream behind it is released."""

    def __init__(self, chunks: Iterator[_T], deadline: float, what: str) -> None:
        self._chunks = chunks
        self._deadline = deadline
        self._what = what

    def _step(self) -> _T | None:
        return next(self._chunks, None)

    async def next(self) -> _T | None:
        """The next item, or ``None`` at the end."""
        context = contextvars.copy_context()
        future: Future[_T | None] = _THREADS.submit(context.run, self._step)
        try:
            return await asyncio.wait_for(
                asyncio.wrap_future(future), timeout=max(self._deadline - time.monotonic(), 0.0)
            )
        except BaseException as err:
            future.add_done_callback(lambda _: _close(self._chunks))
            if isinstance(err, TimeoutError):
                raise UpstreamError(f"{self._what}: no answer within the turn budget") from err
            raise


def run_sync(make: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run the coroutine ``make()`` to its end from synchronous code: on a private event loop,
    in a thread of its own when this thread already runs one."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-model-sync") as pool:
        return pool.submit(context.run, lambda: asyncio.run(make())).result()


def _close(chunks: Iterator[Any]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001 - the call was given up; only its resources matter
            log.debug("closing an abandoned model stream failed", exc_info=True)
