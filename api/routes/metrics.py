"""``GET /metrics``: every metric of ``infra.metrics`` in the Prometheus text format.

An operator's endpoint: it answers a staff token or the scrape token (``metrics_token``, what a
Prometheus job sends as its ``authorization`` credentials); see ``api.access``. With
``serve --workers N`` any worker answers with the merged view of all of them.
"""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request, Response

from api.access import authorize_metrics
from api.deps import RuntimeDep
from infra.metrics import exposition

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "The metrics, Prometheus text"},
        401: {"description": "No token, or one that proves nothing"},
        403: {"description": "A token that is not staff's (nor the scrape token)"},
    },
)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """The service's metrics (staff or the scrape token only)."""
    settings = runtime.settings
    await authorize_metrics(request, settings, runtime.identity)
    # Merging the workers' files reads the disk: off the event loop.
    body, content_type = await to_thread.run_sync(
        exposition, settings.metrics_multiproc_dir, request.headers.get("accept")
    )
    return Response(body, media_type=content_type)
