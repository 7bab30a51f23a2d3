"""The API documentation pages, served with every file they need: no CDN, no network.

- ``GET /docs``: Swagger UI (version 5, which reads OpenAPI 3.1) over ``/openapi.json``;
- ``GET /docs/static/…``: Swagger UI's script, style sheet and icon, the files that the
  ``fastapi-offline`` wheel carries (pinned in ``requirements.lock``);
- ``GET /docs/asyncapi.json``: the chat socket's frames, an AsyncAPI 3.0 document
  (``api/static/asyncapi.json``).

The page runs one inline script (Swagger UI's start-up), which the page's Content-Security-
Policy allows by its hash (``api.security_headers``); everything else comes from this origin.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

DOCS = "/docs"
STATIC = f"{DOCS}/static"
ASYNCAPI = f"{DOCS}/asyncapi.json"
SWAGGER_FILES = Path(fastapi_offline.__file__).parent / "static"


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI document of ``WS /v1/chat``."""
    text = files("api").joinpath("static/asyncapi.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def install_docs(app: FastAPI) -> None:
    """Add the pages above to ``app`` (whose ``openapi_url`` the page reads)."""
    openapi_url = app.openapi_url or "/openapi.json"
    redirect = f"{DOCS}/oauth2-redirect"
    app.mount(STATIC, StaticFiles(directory=SWAGGER_FILES), name="docs-static")
    # Swagger UI would send the document to validator.swagger.io for its badge: not offline.
    parameters = {**(app.swagger_ui_parameters or {}), "validatorUrl": None}

    @app.get(DOCS, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon.png",
            oauth2_redirect_url=redirect,
            swagger_ui_parameters=parameters,
        )

    @app.get(redirect, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    document = asyncapi_document()

    @app.get(ASYNCAPI, include_in_schema=False)
    async def asyncapi() -> JSONResponse:
        return JSONResponse(document)
