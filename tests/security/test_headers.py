"""Finding 13 (headers, docs): every answer carries the security headers; pages a CSP that
allows only their own inline blocks (by hash); ``/docs`` and ``/openapi.json`` switch off."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from infra.settings import Settings

pytestmark = pytest.mark.e2e


def policy(response: httpx.Response) -> dict[str, list[str]]:
    """The response's CSP as directive → sources."""
    directives = (d.split() for d in response.headers["content-security-policy"].split(";"))
    return {d[0]: d[1:] for d in directives if d}


def digest(block: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"


def assert_common_headers(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert policy(response)["frame-ancestors"] == ["'none'"]


def test_every_kind_of_answer_carries_the_headers(client: TestClient) -> None:
    answers = [
        client.get("/healthz"),  # JSON 200
        client.get("/"),  # the chat page
        client.get("/docs"),
        client.get("/openapi.json"),
        client.get("/no/such/page"),  # 404
        client.post("/v1/analyze", content=b"[" * 100 + b"]" * 100),  # refused at the edge
        client.post("/v1/analyze", content=b"x" * (2**21)),  # over the body limit
        client.post("/v1/tools/get_user_details", json={"user_id": "12347"}),  # no credential
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 404, 422, 413, 401]
    for answer in answers:
        assert_common_headers(answer)
    for answer in (answers[0], answers[4], answers[5]):
        assert policy(answer)["default-src"] == ["'none'"]


def test_the_chat_page_runs_only_its_own_inline_blocks(client: TestClient) -> None:
    page = client.get("/")
    # The page is fixed text (no request data is written into it): the hashes the policy is
    # built from are the file's.
    assert page.text == files("api").joinpath("static/chat.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    styles = re.findall(r"<style>(.*?)</style>", page.text, re.DOTALL)
    assert scripts and styles
    csp = policy(page)
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'", *map(digest, scripts)]
    assert csp["style-src"] == ["'self'", *map(digest, styles)]
    assert csp["connect-src"] == ["'self'"]  # its socket and tickets: this origin only
    assert csp["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert "https:" not in page.headers["content-security-policy"]  # nothing from elsewhere
    # An edited script no longer matches: the policy pins these exact blocks.
    assert digest(scripts[0] + "alert(1)") not in csp["script-src"]


def test_the_docs_page_loads_its_assets_from_this_origin_only(client: TestClient) -> None:
    docs = client.get("/docs")
    (inline,) = re.findall(r"<script>(.*?)</script>", docs.text, re.DOTALL)
    csp = policy(docs)
    assert csp["script-src"] == ["'self'", digest(inline)]
    assert "https:" not in docs.headers["content-security-policy"]  # no CDN
    for asset in re.findall(r'(?:src|href)="([^"]+)"', docs.text):
        assert asset.startswith("/docs/static/"), asset
        assert client.get(asset).status_code == 200, asset


def test_docs_and_schema_switch_off(settings: Settings) -> None:
    closed = settings.model_copy(update={"docs_enabled": False})
    with TestClient(create_app(closed)) as client:
        for path in ("/docs", "/openapi.json", "/redoc", "/docs/oauth2-redirect"):
            gone = client.get(path)
            assert gone.status_code == 404, path
            assert_common_headers(gone)
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/").status_code == 200  # the chat page is not documentation
