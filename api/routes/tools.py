"""Every tool over REST: schemas, and a call with validated arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Response
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from api.access import authorize_tool
from api.deps import PrincipalDep, RuntimeDep, auth_http_error, rest_limit
from api.echo import quoted
from infra.errors import AuthError, NotFoundError, ToolInputError, UpstreamError

# Who may call which tool is decided per tool by ``api.access.authorize_tool``.
router = APIRouter(prefix="/v1/tools", tags=["tools"], dependencies=[Depends(rest_limit)])


# Pydantic error types of a value over its bound (a string, list or number too big).
_OVER_BOUND = frozenset({"string_too_long", "too_long", "less_than_equal", "less_than"})


def _problems(errors: Sequence[ErrorDetails]) -> list[dict[str, Any]]:
    """Pydantic's errors as ``loc``, ``msg`` and ``type``: never the input."""
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]


def _check_bounds(model: type[BaseModel], arguments: dict[str, Any]) -> None:
    """422 for an argument over its bound (an order id of a megabyte …), before the access rule
    reads the arguments: a rule that looks an id up, or quotes it, only sees bounded ones. Other
    problems (a field left out, which the rule may fill in from the token) wait for the tool."""
    try:
        model.model_validate(arguments)
    except ValidationError as err:
        errors = err.errors(include_url=False, include_input=False)
        over = [e for e in errors if e["type"] in _OVER_BOUND]
        if over:
            raise HTTPException(422, _problems(over)) from err


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
        raise HTTPException(
            404, f"unknown tool {quoted(name)}; known tools: {', '.join(runtime.specs)}"
        )
    _check_bounds(spec.input_model, arguments)
    try:
        arguments = await authorize_tool(name, principal, arguments, runtime.services.store)
    except AuthError as err:
        raise auth_http_error(err, bad_credential=False) from err
    try:
        output = await spec.run(arguments)
    except ValidationError as err:
        errors = err.errors(include_url=False, include_input=False)
        raise HTTPException(422, _problems(errors)) from err
    except NotFoundError as err:
        raise HTTPException(404, str(err)) from err
    except ToolInputError as err:
        raise HTTPException(422, str(err)) from err
    except UpstreamError as err:  # a backend (OpenSearch, AWS …) failed: say which, not how
        raise HTTPException(502, str(err)) from err
    # Serialised once, by the output model itself (no second pass through FastAPI's encoder).
    return Response(output.model_dump_json(exclude_none=True), media_type="application/json")

