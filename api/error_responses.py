"""How errors become responses: always JSON ``{"detail": ...}``, always renderable.

FastAPI's own handlers echo the rejected input back inside a 422 and render with
``json.dumps(..., allow_nan=False)`` to UTF-8: an input of ``NaN`` or a lone surrogate made the
error response itself fail (a 500), and a megabyte field came back whole. Here a validation
error lists where and what (``loc``, ``msg``, ``type``), never the input, and every error body
is encoded as ASCII JSON, which can carry any string. Errors of the one error tree that reach
the app unhandled map to their status: ``NotFoundError`` 404, ``ToolInputError`` 422,
``UpstreamError`` 502.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from infra.errors import NotFoundError, ToolInputError, UpstreamError


class Problem(BaseModel):
    """One thing wrong with the input: where, what, and its kind."""

    loc: list[str | int] = Field(description="where: body, query, path or header, then the field")
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error answer: a sentence naming the problem, or the problems of the input."""

    detail: str | list[Problem] | list[dict[str, Any]] = Field(
        description="what went wrong; a list of problems for input that failed validation "
        "(for POST /v1/events: each rejected event with its index and reasons)"
    )


# Each error status the API answers: what it means, and an example body.
ERROR_EXAMPLES: dict[int, tuple[str, dict[str, Any]]] = {
    400: (
        "Bad request: a parameter the server cannot use",
        {"detail": "cursor was not issued by this server; pass a next_cursor unchanged"},
    ),
    401: (
        "No credential, or a bad one (WWW-Authenticate says which)",
        {"detail": "this needs a signed-in caller (staff); send Authorization: Bearer <token>"},
    ),
    403: (
        "The caller's role may not do this",
        {"detail": "staff only; you are signed in as shopper"},
    ),
    404: ("Not found", {"detail": "no product has id 'NOPE999'"}),
    408: (
        "The body did not arrive in time",
        {"detail": "the request body did not arrive within 10 s"},
    ),
    409: (
        "Conflict with the current state",
        {
            "detail": "cursor belongs to an earlier forecast run; a newer run replaced its "
            "alerts: start again without a cursor"
        },
    ),
    413: ("The body is too large", {"detail": "the body is over the 1048576-byte limit"}),
    415: (
        "The body is not JSON",
        {"detail": "the body must be sent as application/json (Content-Type was 'text/plain')"},
    ),
    422: (
        "The input failed validation",
        {
            "detail": [
                {
                    "loc": ["body", "quantity"],
                    "msg": "Input should be greater than 0",
                    "type": "greater_than",
                }
            ]
        },
    ),
    429: (
        "Over the caller's rate limit (Retry-After says when to retry)",
        {"detail": "rate limit reached for rest requests; retry in 1 s"},
    ),
    502: (
        "A backend failed (named, not how)",
        {"detail": "the search backend (OpenSearch) did not answer"},
    ),
    503: (
        "Not available now: starting, a backend down, or the token issuer unreachable",
        {"detail": "the assistant is starting"},
    ),
}


class ErrorJSON(JSONResponse):
    """A JSON error body that renders whatever it holds (ASCII escapes, no NaN)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(_finite(content), ensure_ascii=True, default=str).encode("ascii")


def install_error_responses(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(NotFoundError, _status_of(404))
    app.add_exception_handler(ToolInputError, _status_of(422))
    app.add_exception_handler(UpstreamError, _status_of(502))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    detail = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    return ErrorJSON({"detail": detail}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return ErrorJSON({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def _status_of(status: int) -> Any:
    async def handler(request: Request, exc: Exception) -> Response:
        return ErrorJSON({"detail": str(exc)}, status_code=status)

    return handler


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float written as a string."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
