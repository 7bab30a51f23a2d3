"""``POST /v1/events``: clients send behaviour events in batches; ``GET /v1/events/stats``.

The body is ``{"events": [...]}``. Each event is checked against the schema on its own: the
valid ones are appended to the stream, the others come back with their index and reasons
(and are counted). A batch over the size limits gets 413. Sending the same event id again is
harmless: it is reported as a duplicate and applied once.

Staff only (events feed profiles, recommendations and the demand table), limited per principal
(``rate_limit_events_*``), and JSON only: any other content type is 415, so a cross-site HTML
form (which can send ``text/plain`` without a preflight) cannot post a forged event.
"""

from __future__ import annotations

import json
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from api.access import STAFF_ONLY
from api.deps import PrincipalDep, RuntimeDep, rate_key, rest_limit, take_token
from infra.errors import UpstreamError
from infra.events.schema import BehaviourEvent, Rejection, validate_batch
from infra.ratelimit import Limit

router = APIRouter(prefix="/v1/events", tags=["events"], dependencies=[STAFF_ONLY])
# The body is read by hand (each event is checked on its own), so its shape is declared here.
_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["events"],
                "properties": {
                    "events": {"type": "array", "items": BehaviourEvent.model_json_schema()}
                },
            }
        }
    },
}


class EventsAccepted(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[Rejection]


@router.post("", response_model=EventsAccepted, openapi_extra={"requestBody": _BODY})
async def post_events(
    request: Request, runtime: RuntimeDep, principal: PrincipalDep
) -> EventsAccepted:
    """Append a batch of behaviour events to the event stream."""
    settings = runtime.settings
    _require_json(request)
    limit_per = Limit(settings.rate_limit_events_per_s, settings.rate_limit_events_burst)
    await take_token(runtime, f"events:{rate_key(principal, request, settings)}", limit_per)
    limit = settings.events_max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body is over the {limit}-byte limit; send smaller batches")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(
                413, f"the body is over the {limit}-byte limit; send smaller batches"
            )
    raw = _events_of(bytes(body))
    if len(raw) > settings.events_max_batch:
        raise HTTPException(
            413,
            f"{len(raw)} events in one batch; send at most {settings.events_max_batch} at a time",
        )
    events, rejected = validate_batch(raw)
    pipeline = runtime.events
    pipeline.count_rejected(len(rejected))
    if rejected and not events:
        raise HTTPException(422, [r.model_dump(exclude_none=True) for r in rejected])
    try:
        accepted, duplicates = await to_thread.run_sync(pipeline.publish, events)
    except UpstreamError as err:
        raise HTTPException(503, f"the event stream is not taking events now: {err}") from err
    return EventsAccepted(accepted=accepted, duplicates=duplicates, rejected=rejected)


@router.get("/stats", dependencies=[Depends(rest_limit)])
async def event_stats(runtime: RuntimeDep) -> dict[str, Any]:
    """Events accepted, repeated and rejected here, and what each processor has done."""
    pipeline = runtime.events
    return {
        "producer": pipeline.producer.name,
        "published": vars(pipeline.stats),
        "processors": {p.consumer: vars(p.stats) for p in pipeline.processors},
        "dead_letters": await to_thread.run_sync(pipeline.dead_letters.count),
    }


def _require_json(request: Request) -> None:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        shown = media_type or "none"
        raise HTTPException(
            415, f"the body must be sent as application/json (Content-Type was {shown!a})"
        )


def _events_of(body: bytes) -> list[Any]:
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise HTTPException(422, f"the body is not valid JSON: {err}") from err
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        raise HTTPException(422, 'the body must be a JSON object {"events": [...]}')
    return events
