"""Liveness and readiness: public (no credential) and not rate-limited, for load-balancer probes.

``GET /readyz`` says whether the service is ready, and the build's version (the installed
package's). Each backend is ``ok``, or ``degraded`` (down, but the service still answers: the
in-process cache for Redis, the fallback model while the chat model's circuit breaker is open,
an event stream that is behind), or down. Status: ``ready`` (200) when all are ok,
``degraded`` (200) when none is down, ``unavailable`` (503) when one is.

Anyone gets the status and the version: all a load balancer needs. Each backend by name, kind
and state (and the store's dataset and product count) is for staff or the metrics scrape
token, the callers ``GET /metrics`` admits; a missing or bad credential is not refused here (a
probe must never get a 401), it just gets the short answer.

It stays cheap: one light probe per backend (a count, an empty read, a one-result search, a
ping), all run together, each given ``PROBE_TIMEOUT_S``; the model is not called (its breaker
says how its recent calls went, in this worker). Even the detailed answer names backends and
states only: no URL, host, credential or error text (what failed is logged).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import anyio
from anyio import to_thread
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from agents.models import model_readiness
from api.access import authorize_metrics
from api.deps import RuntimeDep
from assembly.runtime import Runtime
from tools.search.base import SearchQuery

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0
Probe = Callable[[Runtime], Awaitable[dict[str, Any]]]


def _build_version() -> str:
    try:
        return version("shopagent")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


BUILD_VERSION = _build_version()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Ready or not, and the build's version; each backend by name and state for staff."""
    backends: dict[str, dict[str, Any]] = {}

    async def run(name: str, probe: Probe) -> None:
        backends[name] = await _bounded(name, probe, runtime)

    async with anyio.create_task_group() as group:
        for name, probe in PROBES.items():
            group.start_soon(run, name, probe)
    backends["model"] = model_readiness(runtime.settings)
    down = [name for name, b in backends.items() if not b["ok"] and not b.get("degraded")]
    status = "ready" if all(b["ok"] for b in backends.values()) else "degraded"
    if down:
        status = "unavailable"
    body: dict[str, Any] = {"status": status, "version": BUILD_VERSION}
    if await _detail_allowed(request, runtime):
        body["backends"] = dict(sorted(backends.items()))
    return JSONResponse(body, status_code=503 if down else 200)


async def _detail_allowed(request: Request, runtime: Runtime) -> bool:
    """Whether the caller may see each backend: staff, or the metrics scrape token."""
    if request.headers.get("authorization") is None:
        return False
    try:
        await authorize_metrics(request, runtime.settings, runtime.identity)
    except HTTPException:
        return False
    return True


async def _bounded(name: str, probe: Probe, runtime: Runtime) -> dict[str, Any]:
    """``probe``'s answer, or not ok when it fails or takes over ``PROBE_TIMEOUT_S``."""
    try:
        with anyio.fail_after(PROBE_TIMEOUT_S):
            return await probe(runtime)
    except Exception as err:  # noqa: BLE001 - readiness reports any failure, never raises
        log.warning("readiness: %s does not answer: %s", name, err)
        return {"backend": _backend_name(name, runtime), "ok": False}


def _backend_name(name: str, runtime: Runtime) -> str:
    settings = runtime.settings
    names = {
        "store": settings.store_backend,
        "checkpointer": settings.checkpointer_backend,
        "search": settings.search_backend,
        "cache": settings.cache_backend,
        "events": settings.events_backend,
        "recommender": settings.recommender_backend,
        "forecaster": settings.forecaster_backend,
    }
    return names[name]


async def _store(runtime: Runtime) -> dict[str, Any]:
    info = await to_thread.run_sync(runtime.services.store.info, abandon_on_cancel=True)
    return {
        "backend": runtime.settings.store_backend,
        "ok": info is not None,
        "dataset": info.dataset if info else None,
        "products": info.products if info else 0,
    }


async def _checkpointer(runtime: Runtime) -> dict[str, Any]:
    saver = runtime.graph.checkpointer
    if saver is None or isinstance(saver, bool):
        return {"backend": runtime.settings.checkpointer_backend, "ok": False}
    # A read of a conversation that does not exist: one indexed query.
    await saver.aget_tuple({"configurable": {"thread_id": "readyz-probe", "checkpoint_ns": ""}})
    return {"backend": runtime.settings.checkpointer_backend, "ok": True}


async def _search(runtime: Runtime) -> dict[str, Any]:
    search = runtime.services.search
    # The backend behind the result cache (a cached answer would hide an outage).
    backend = getattr(search, "inner", search)
    await backend.search(SearchQuery(limit=1))
    return {"backend": search.name, "ok": True}


async def _cache(runtime: Runtime) -> dict[str, Any]:
    health = await runtime.services.cache.health()
    health.pop("error", None)  # exception text may name hosts; it is in the cache's log
    return health


async def _events(runtime: Runtime) -> dict[str, Any]:
    producer = runtime.events.producer
    # A producer with a send buffer (Kinesis) is behind when the buffer is full: chats and the
    # catalog still answer (a turn's events are dropped, POST /v1/events fails), so degraded.
    buffered, limit = getattr(producer, "buffered", 0), getattr(producer, "max_buffered", None)
    if limit is not None and buffered >= limit:
        return {"backend": producer.name, "ok": False, "degraded": True}
    return {"backend": producer.name, "ok": True}


async def _recommender(runtime: Runtime) -> dict[str, Any]:
    recommender = runtime.services.recommendations.recommender
    return {"backend": recommender.name, "ok": await recommender.ping()}


async def _forecaster(runtime: Runtime) -> dict[str, Any]:
    forecaster = runtime.services.forecaster
    ok = await to_thread.run_sync(forecaster.ping, abandon_on_cancel=True)
    return {"backend": forecaster.name, "ok": ok}


PROBES: dict[str, Probe] = {
    "store": _store,
    "checkpointer": _checkpointer,
    "search": _search,
    "cache": _cache,
    "events": _events,
    "recommender": _recommender,
    "forecaster": _forecaster,
}
