"""Every tool over REST: schemas, and a call with validated arguments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Response
from pydantic import ValidationError

from api.access import authorize_tool
from api.deps import PrincipalDep, RuntimeDep, auth_http_error, rest_limit
from infra.errors import AuthError, NotFoundError, ToolInputError, UpstreamError

# Who may call which tool is decided per tool by ``api.access.authorize_tool``.
router = APIRouter(prefix="/v1/tools", tags=["tools"], dependencies=[Depends(rest_limit)])


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
    principal: PrincipalDep,
) -> Response:
    """Run tool ``name`` with the JSON body as its arguments, if the caller's role may (401 /
    403 otherwise; a shopper's ``user_id`` comes from the token); 429 past the caller's rate."""
    spec = runtime.specs.get(name)
    if spec is None:
        raise HTTPException(404, f"unknown tool {name!r}; known tools: {', '.join(runtime.specs)}")
    try:
        arguments = await authorize_tool(name, principal, arguments, runtime.services.store)
    except AuthError as err:
        raise auth_http_error(err, bad_credential=False) from err
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

