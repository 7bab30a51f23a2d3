"""The API documentation pages, served with every file they need: no CDN, no network.

- ``GET /docs``: Swagger UI (version 5, which reads OpenAPI 3.1) over ``/openapi.json``, on a
  page of ours (``docs_page``) rather than FastAPI's, so that it declares its language and
  loads our two files below;
- ``GET /docs/static/…``: Swagger UI's script, style sheet and icon, the files that the
  ``fastapi-offline`` wheel carries (pinned in ``requirements.lock``);
- ``GET /docs/static/shopagent/…``: ours (``api/static/docs``): ``docs.css`` replaces the
  colours of Swagger UI's style sheet that fall short of WCAG AA contrast, and
  ``docs-plugins.js`` is a Swagger UI plugin that draws each operation's path without a link
  inside the button that opens it (a link inside a button is unreachable by keyboard);
- ``GET /docs/asyncapi.json``: the chat socket's frames, an AsyncAPI 3.0 document
  (``api/static/asyncapi.json``).

The page runs one inline script (Swagger UI's start-up), which the page's Content-Security-
Policy allows by its hash (``api.security_headers``); everything else comes from this origin.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_swagger_ui_oauth2_redirect_html,
    swagger_ui_default_parameters,
)
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

DOCS = "/docs"
STATIC = f"{DOCS}/static"
ASYNCAPI = f"{DOCS}/asyncapi.json"
OURS = f"{STATIC}/shopagent"
SWAGGER_FILES = Path(fastapi_offline.__file__).parent / "static"
OUR_FILES = Path(__file__).parent / "static" / "docs"


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI document of ``WS /v1/chat``."""
    text = files("api").joinpath("static/asyncapi.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def docs_page(title: str, openapi_url: str, redirect: str, parameters: dict[str, Any]) -> str:
    """The ``/docs`` page: fixed text (no request data), with one inline start-up script."""
    config = json.dumps({"url": openapi_url, **parameters}).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{STATIC}/swagger-ui.css">
<link rel="stylesheet" href="{OURS}/docs.css">
<link rel="icon" href="{STATIC}/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{STATIC}/swagger-ui-bundle.js"></script>
<script src="{OURS}/docs-plugins.js"></script>
<script>
SwaggerUIBundle(Object.assign({config}, {{
  oauth2RedirectUrl: window.location.origin + {json.dumps(redirect)},
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  plugins: window.ShopagentDocsPlugins,
}}));
</script>
</body>
</html>
"""


def install_docs(app: FastAPI) -> None:
    """Add the pages above to ``app`` (whose ``openapi_url`` the page reads)."""
    openapi_url = app.openapi_url or "/openapi.json"
    redirect = f"{DOCS}/oauth2-redirect"
    # Ours first: the wheel's mount below would otherwise answer for the whole prefix.
    app.mount(OURS, StaticFiles(directory=OUR_FILES), name="docs-ours")
    app.mount(STATIC, StaticFiles(directory=SWAGGER_FILES), name="docs-static")
    # Swagger UI would send the document to validator.swagger.io for its badge: not offline.
    parameters = {
        **swagger_ui_default_parameters,
        **(app.swagger_ui_parameters or {}),
        "validatorUrl": None,
    }
    page = docs_page(f"{app.title} API", openapi_url, redirect, parameters)

    @app.get(DOCS, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get(redirect, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    document = asyncapi_document()

    @app.get(ASYNCAPI, include_in_schema=False)
    async def asyncapi() -> JSONResponse:
        return JSONResponse(document)
