"""Liveness and readiness: public (no credential) and not rate-limited, for load-balancer probes."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Each backend by name, and whether it answers."""
    settings = runtime.settings
    backends: dict[str, dict[str, Any]] = {}
    try:
        info = runtime.services.store.info()
        backends["store"] = {
            "backend": settings.store_backend,
            "ok": info is not None,
            "dataset": info.dataset if info else None,
            "products": info.products if info else 0,
        }
    except Exception as err:  # noqa: BLE001 - readiness reports any failure, never raises
        backends["store"] = {"backend": settings.store_backend, "ok": False, "error": str(err)}
    backends["search"] = {"backend": runtime.services.search.name, "ok": True}
    backends["checkpointer"] = {"backend": settings.checkpointer_backend, "ok": True}
    backends["model"] = {"backend": settings.model, "ok": True}
    recommender = runtime.services.recommendations.recommender
    backends["recommender"] = {"backend": recommender.name, "ok": await recommender.ping()}
    backends["cache"] = await runtime.services.cache.health()
    forecaster = runtime.services.forecaster
    backends["forecaster"] = {
        "backend": forecaster.name,
        "ok": await to_thread.run_sync(forecaster.ping),
    }
    # A cache that fell back to the process still answers: degraded, but still in service.
    ready = all(b["ok"] for name, b in backends.items() if name != "cache")
    degraded = not all(b["ok"] for b in backends.values())
    return JSONResponse(
        {"status": "degraded" if degraded else "ready", "backends": backends},
        status_code=200 if ready else 503,
    )
