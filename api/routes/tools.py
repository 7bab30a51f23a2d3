"""Every tool over REST: schemas, and a call with validated arguments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException
from pydantic import ValidationError

from api.deps import RuntimeDep
from infra.errors import NotFoundError, ToolInputError

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
    name: str, runtime: RuntimeDep, arguments: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Run tool ``name`` with the JSON body as its arguments."""
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
    result: dict[str, Any] = output.model_dump(mode="json", exclude_none=True)
    return result
