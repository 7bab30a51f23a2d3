"""The OpenAPI document, completed: examples, the error statuses, and every tool.

FastAPI writes the document from the routes. Added here:

- **Examples** on every request and response body: real answers of the app on the demo stores
  (``api/openapi_examples.json``; ``tests/unit/test_openapi_docs.py`` checks that each still
  validates against its schema).
- **Error statuses** each operation can answer, with the one error body
  (``api.error_responses.ErrorBody``). They follow from what a route depends on: the runtime
  (503 while starting), the caller's token (401; 503 when an issuer's keys cannot be fetched),
  the access table (401 / 403), the rate limit (429), a body (408 / 413 from the body guard,
  422) or parameters (422); and from what the route itself raises (``ROUTE_ERRORS``).
- **Every tool** on ``POST /v1/tools/{name}``: ``name`` lists the tools, the body is one of
  their argument schemas, and each tool has a named example of its arguments and its output.
  The tools are the runtime's (``assembly.tool_specs``), so they are written in once the app's
  lifespan has opened it; before that the document is not kept.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from api.access import SIGNED_IN_ONLY, STAFF_ONLY
from api.deps import _principal, _runtime, rest_limit
from api.error_responses import ERROR_EXAMPLES, ErrorBody
from tools.spec import ToolSpec

TOOLS_PATH = "/v1/tools/{name}"
# What a route raises itself, beyond what its dependencies bring.
ROUTE_ERRORS: dict[str, set[int]] = {
    "GET /readyz": {503},
    "POST /v1/tools/{name}": {403, 404, 422, 502},
    "POST /v1/chat/tickets": {403, 429},
    "GET /metrics": {401, 403, 503},
    "POST /v1/events": {413, 415, 422, 429, 503},
    "POST /v1/analyze": {502},
    "POST /v1/content": {404, 502},
    "GET /v1/content/jobs/{job_id}": {404},
    "GET /v1/content/{product_id}": {404},
    "GET /v1/inventory/reorders": {400, 409},
    "POST /v1/inventory/receipts": {404},
}
_DEPENDENCY_ERRORS: dict[Callable[..., Any], set[int]] = {
    _runtime: {503},
    _principal: {401, 503},
    rest_limit: {429},
}
_ACCESS_ERRORS = {401, 403}


def examples() -> dict[str, Any]:
    """The recorded examples: ``operations`` by "METHOD /path", ``tools`` by name."""
    text = files("api").joinpath("openapi_examples.json").read_text(encoding="utf-8")
    recorded: dict[str, Any] = json.loads(text)
    return recorded


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the completed document."""
    plain = app.openapi

    def completed() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = plain()
        runtime = getattr(app.state, "runtime", None)
        complete(document, app, runtime.specs if runtime is not None else None)
        if runtime is None:
            app.openapi_schema = None  # written again once the tools are known
        return document

    app.openapi = completed  # type: ignore[method-assign]


def complete(
    document: dict[str, Any], app: FastAPI, specs: dict[str, ToolSpec[Any, Any]] | None
) -> None:
    """Add the examples, error statuses and tools to ``document`` (in place)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schemas["ErrorBody"].pop("$defs", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)  # 422 answers an ErrorBody too (api.error_responses)
    recorded = examples()["operations"]
    for label, route, operation in _operations(document, app):
        _add_examples(operation, recorded.get(label))
        _declare_errors(operation, _errors(route) | ROUTE_ERRORS.get(label, set()))
    if specs is not None:
        _document_tools(document, specs, examples()["tools"])


def _operations(
    document: dict[str, Any], app: FastAPI
) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """Each operation of ``document`` with its label and its route (as included, with the
    dependencies of the routers it was included through)."""
    routes = {
        (method, context.path_format): context
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.include_in_schema
        for method in context.methods or ()
    }
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            route = routes.get((method.upper(), path))
            if route is not None:
                yield f"{method.upper()} {path}", route, operation


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _errors(route: Any) -> set[int]:
    """The error statuses that ``route``'s dependencies, body and parameters can bring."""
    found: set[int] = set()
    access = {STAFF_ONLY.dependency, SIGNED_IN_ONLY.dependency}
    for call in _calls(route.dependant):
        found |= _DEPENDENCY_ERRORS.get(call, set())
        if call in access:
            found |= _ACCESS_ERRORS
    dependant = route.dependant
    if dependant.body_params:
        found |= {408, 413, 422}
    if dependant.path_params or dependant.query_params or dependant.header_params:
        found.add(422)
    return found


def _add_examples(operation: dict[str, Any], recorded: dict[str, Any] | None) -> None:
    if recorded is None:
        return
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None and "request" in recorded:
        named = {"one": {"summary": "one request", "value": recorded["request"]}}
        batch = recorded.get("batch")
        if batch is not None:
            named["batch"] = {"summary": "a batch job", "value": batch["request"]}
        body["examples"] = named
    status = str(recorded["status"])
    answers = operation.setdefault("responses", {})
    answer = answers.setdefault(status, {"description": "Successful Response"})
    media_type = recorded.get("media_type", "application/json")
    media = answer.setdefault("content", {}).setdefault(media_type, {"schema": {}})
    media["example"] = recorded["response"]
    batch = recorded.get("batch")
    if batch is not None:
        accepted = answers.setdefault(
            str(batch["status"]), {"description": "A batch job started; poll its status_url"}
        )
        accepted["content"] = {"application/json": {"example": batch["response"]}}


def _declare_errors(operation: dict[str, Any], statuses: set[int]) -> None:
    answers = operation.setdefault("responses", {})
    for status in sorted(statuses):
        text, example = ERROR_EXAMPLES[status]
        answers[str(status)] = {
            "description": text,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/ErrorBody"},
                    "example": example,
                }
            },
        }


def _document_tools(
    document: dict[str, Any], specs: dict[str, ToolSpec[Any, Any]], recorded: dict[str, Any]
) -> None:
    """Name, arguments and output of every tool on ``POST /v1/tools/{name}``."""
    operation = document["paths"][TOOLS_PATH]["post"]
    schemas = document["components"]["schemas"]
    inputs: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    for spec in specs.values():
        inputs.append(
            _component(schemas, f"{spec.name}__arguments", spec.input_model, "validation")
        )
        # The output is sent without its null fields (``exclude_none``): they may be missing.
        outputs.append(
            _component(
                schemas, f"{spec.name}__output", spec.output_model, "serialization", nulls=False
            )
        )
    for parameter in operation.get("parameters", []):
        if parameter["name"] == "name":
            parameter["schema"] = {"type": "string", "enum": list(specs), "title": "Name"}
            parameter["description"] = "the tool (see GET /v1/tools)"
    body = operation["requestBody"]["content"]["application/json"]
    body["schema"] = {"anyOf": inputs, "title": "Arguments"}
    body["examples"] = {
        name: {"summary": name, "description": specs[name].description, "value": seen["arguments"]}
        for name, seen in recorded.items()
        if name in specs
    }
    answer = operation["responses"]["200"]["content"]["application/json"]
    answer["schema"] = {"anyOf": outputs, "title": "Output"}
    answer.pop("example", None)
    answer["examples"] = {
        name: {"summary": name, "value": seen["output"]}
        for name, seen in recorded.items()
        if name in specs
    }
    operation["description"] = (
        operation.get("description", "")
        + "\n\nEach tool's arguments and output are among the schemas below "
        + "(`<tool>__arguments`, `<tool>__output`); pick a tool's example to try it."
    )


def _component(
    schemas: dict[str, Any], name: str, model: Any, mode: str, nulls: bool = True
) -> dict[str, Any]:
    """``model``'s schema as component ``name`` (its own definitions under prefixed names);
    without ``nulls``, a field that may be null is not required (it is left out instead)."""
    prefix = f"{name}__"
    schema = copy.deepcopy(model.model_json_schema(mode=mode))
    text = json.dumps(schema).replace('"#/$defs/', f'"#/components/schemas/{prefix}')
    schema = json.loads(text)
    for definition, value in [*schema.pop("$defs", {}).items(), ("", schema)]:
        if not nulls:
            _nullable_not_required(value)
        schemas[prefix + definition if definition else name] = value
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable_not_required(schema: dict[str, Any]) -> None:
    properties = schema.get("properties", {})
    nullable = {
        field
        for field, value in properties.items()
        if value.get("type") == "null"
        or any(option.get("type") == "null" for option in value.get("anyOf", []))
    }
    if "required" in schema:
        schema["required"] = [field for field in schema["required"] if field not in nullable]
