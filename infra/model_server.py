"""A model server that follows SageMaker's container contract, for any model.

SageMaker sends ``GET /ping`` (healthy when 200) and ``POST /invocations`` (the request body in,
the prediction out) to port 8080. ``model_server_app(invoke)`` wraps a function from request
bytes to response bytes; a body the function rejects with ``ValueError`` (pydantic's
``ValidationError`` is one) gets a 400 naming the problem.

The same handler answers ``POST /endpoints/{name}/invocations``, the path that
``sagemaker-runtime.invoke_endpoint`` calls, so the production client can be pointed at a
local server (``endpoint_url``) and exercised over its real wire format.
"""

from __future__ import annotations

from collections.abc import Callable

from anyio import to_thread
from fastapi import FastAPI, Request, Response

SAGEMAKER_PORT = 8080
JSON = "application/json"

Invoke = Callable[[bytes], bytes]


def model_server_app(invoke: Invoke, name: str = "model") -> FastAPI:
    """A FastAPI app answering ``/ping`` and ``/invocations`` with ``invoke``."""
    app = FastAPI(title=f"{name} model server", docs_url=None, redoc_url=None)

    @app.get("/ping")
    async def ping() -> Response:
        return Response(status_code=200)

    @app.post("/invocations")
    @app.post("/endpoints/{endpoint}/invocations")
    async def invocations(request: Request) -> Response:
        body = await request.body()
        try:
            # Predictions are CPU work: keep the event loop free for /ping.
            result = await to_thread.run_sync(invoke, body)
        except ValueError as err:
            return Response(str(err), status_code=400, media_type="text/plain")
        return Response(result, media_type=JSON)

    return app
