"""Every tool over REST: schemas, and a call with validated arguments."""

from __future__ import annotations

import hashlib
import math
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request, Response
from pydantic import ValidationError

from api.deps import RuntimeDep
from infra.errors import NotFoundError, ToolInputError, UpstreamError
from infra.ratelimit import Limit

router = APIRouter(prefix="/v1/tools", tags=["tools"])


@router.get("")
async def list_tools(runtime: RuntimeDep) -> list[dict[str, Any]]:
    """Each tool's name, description and input and output JSON schemas."""
    return [
        {
            "name": spec.name,
            "description": spec.description,
            "input_schema": spec.input_model.model_json_schema(),
            "output_schema": spec.output_model.model_json_schema(),
        }
        for spec in runtime.specs.values()
    ]


@router.post("/{name}")
async def call_tool(
    name: str,
    runtime: RuntimeDep,
    arguments: Annotated[dict[str, Any], Body()],
    request: Request,
) -> Response:
    """Run tool ``name`` with the JSON body as its arguments (429 past the caller's rate)."""
    await _limit(runtime, request)
    spec = runtime.specs.get(name)
    if spec is None:
        raise HTTPException(404, f"unknown tool {name!r}; known tools: {', '.join(runtime.specs)}")
    try:
        output = await spec.run(arguments)
    except ValidationError as err:
        raise HTTPException(
            422,
            [
                {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                for e in err.errors(include_url=False, include_input=False)
            ],
        ) from err
    except NotFoundError as err:
        raise HTTPException(404, str(err)) from err
    except ToolInputError as err:
        raise HTTPException(422, str(err)) from err
    except UpstreamError as err:  # a backend (OpenSearch, AWS …) failed: say which, not how
        raise HTTPException(502, str(err)) from err
    # Serialised once, by the output model itself (no second pass through FastAPI's encoder).
    return Response(output.model_dump_json(exclude_none=True), media_type="application/json")


async def _limit(runtime: RuntimeDep, request: Request) -> None:
    """One token from the caller's bucket: its ``X-API-Key`` (hashed), else its address."""
    settings = runtime.settings
    api_key = request.headers.get("x-api-key")
    caller = (
        hashlib.sha256(api_key.encode()).hexdigest()[:24]
        if api_key
        else (request.client.host if request.client else "unknown")
    )
    limit = Limit(settings.rate_limit_key_per_s, settings.rate_limit_key_burst)
    decision = await runtime.limiter.take(f"key:{caller}", limit)
    if not decision.allowed:
        wait = max(1, math.ceil(decision.retry_after_s))
        raise HTTPException(
            429, f"rate limit reached; retry in {wait} s", headers={"Retry-After": str(wait)}
        )
