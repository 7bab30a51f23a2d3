"""Circuit breakers for chat models, one per model id and endpoint.

A breaker is **closed** while its model answers. After ``failures`` failures within
``window_s`` seconds it **opens**: calls are refused at once (the caller answers with its
fallback instead of waiting for a timeout). ``cooldown_s`` after opening it lets one call
through as a **probe** (``half_open``): a success closes it, a failure opens it again for
another cool-down. A probe that never reports (its caller was cancelled) frees its slot after
another cool-down, so a breaker cannot stay half-open for ever.

State lives in this process (``agents.resilience.BREAKERS``, shared by every chat model the
process builds): each server worker keeps its own breakers and learns of an outage from its own
calls. Every change of state is set on the ``shopagent_model_breaker_state`` gauge.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Literal

from infra import metrics

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """One model id's breaker; thread-safe (sync calls run in worker threads)."""

    def __init__(
        self,
        model_id: str,
        failures: int,
        window_s: float,
        cooldown_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failures < 1 or window_s <= 0 or cooldown_s <= 0:
            raise ValueError("a breaker needs failures >= 1 and a positive window and cool-down")
        self.model_id = model_id
        self.failures = failures
        self.window_s = window_s
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failed_at: deque[float] = deque()
        self._state: BreakerState = "closed"
        self._opened_at = 0.0
        self._probe_at: float | None = None  # when the probe in flight was let through
        metrics.model_breaker(model_id, "closed")

    @property
    def state(self) -> BreakerState:
        """The state as of the last call or report (an open breaker past its cool-down reads
        ``open`` until a call asks to go through)."""
        return self._state

    def allow(self) -> bool:
        """Whether a call may go to the model now; a ``True`` while half-open is the probe."""
        with self._lock:
            now = self._clock()
            if self._state == "closed":
                return True
            if self._state == "open":
                if now - self._opened_at < self.cooldown_s:
                    return False
                self._set("half_open")
            if self._probe_at is not None and now - self._probe_at < self.cooldown_s:
                return False  # one probe at a time
            self._probe_at = now
            return True

    def record_success(self) -> None:
        """The model answered: a probe's success closes the breaker."""
        with self._lock:
            if self._state != "closed":
                self._failed_at.clear()
                self._probe_at = None
                self._set("closed")

    def record_failure(self) -> None:
        """The model failed: count it, and open when the window holds enough failures."""
        with self._lock:
            now = self._clock()
            if self._state != "closed":
                self._open(now)
                return
            self._failed_at.append(now)
            while self._failed_at and now - self._failed_at[0] > self.window_s:
                self._failed_at.popleft()
            if len(self._failed_at) >= self.failures:
                self._open(now)

    def _open(self, now: float) -> None:
        self._failed_at.clear()
        self._opened_at = now
        self._probe_at = None
        self._set("open")

    def _set(self, state: BreakerState) -> None:
        if state != self._state:
            self._state = state
            metrics.model_breaker(self.model_id, state)


class BreakerRegistry:
    """The breakers of one process, by model id and endpoint URL (the same model behind
    another endpoint fails on its own); the first caller's thresholds make a breaker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._breakers: dict[tuple[str, str], CircuitBreaker] = {}

    def get(
        self, model_id: str, endpoint: str, failures: int, window_s: float, cooldown_s: float
    ) -> CircuitBreaker:
        """The breaker of ``model_id`` at ``endpoint``, made with these thresholds if it does
        not exist yet."""
        with self._lock:
            breaker = self._breakers.get((model_id, endpoint))
            if breaker is None:
                breaker = CircuitBreaker(model_id, failures, window_s, cooldown_s)
                self._breakers[(model_id, endpoint)] = breaker
            return breaker

    def state(self, model_id: str) -> BreakerState:
        """The most open state of ``model_id``'s breakers (at any endpoint); ``closed`` for a
        model no call has used yet."""
        with self._lock:
            states = {b.state for (model, _), b in self._breakers.items() if model == model_id}
        return next((s for s in ("open", "half_open") if s in states), "closed")
