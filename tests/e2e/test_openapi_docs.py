"""The served OpenAPI document: an example on every request and response body, each valid
against its schema; every error status the app answers declared, with the one error body;
every tool documented on ``POST /v1/tools/{name}``; and ``POST /v1/content``'s example
accepted by the route itself."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from api.main import create_app
from infra.settings import Settings
from tests.auth import bearer

pytestmark = pytest.mark.e2e
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
# A value for each path parameter when the probes call an operation.
PATH_VALUES = {"name": "get_product", "product_id": "22423", "job_id": "no-such-job"}


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def examples_of(media: dict[str, Any]) -> list[Any]:
    named = [e["value"] for e in media.get("examples", {}).values()]
    return named + ([media["example"]] if "example" in media else [])


def check(document: dict[str, Any], value: Any, schema: dict[str, Any], where: str) -> None:
    """``value`` is valid against ``schema``, whose references point into ``document``."""
    validator = Draft202012Validator({**schema, "components": document["components"]})
    problems = [
        f"{'/'.join(map(str, e.path))}: {e.message[:200]}" for e in validator.iter_errors(value)
    ]
    assert problems == [], f"{where}: {problems[:3]}"


@pytest.fixture(scope="module")
def client(
    online_retail_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """One app for the module (opening a runtime is the slow part)."""
    data_dir = tmp_path_factory.mktemp("openapi") / "data"
    shutil.copytree(online_retail_dir, data_dir)
    with TestClient(create_app(Settings(data_dir=data_dir))) as client:
        yield client


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    served: dict[str, Any] = client.get("/openapi.json").json()
    return served


@pytest.fixture(scope="module")
def staff_headers(client: TestClient) -> dict[str, str]:
    return bearer(client.app.state.runtime.settings, "staff:docs", "staff")  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def shopper_headers(client: TestClient) -> Callable[[str], dict[str, str]]:
    settings = client.app.state.runtime.settings  # type: ignore[attr-defined]
    return lambda user_id: bearer(settings, user_id, "shopper")


def test_every_body_has_examples_that_fit_its_schema(document: dict[str, Any]) -> None:
    checked = 0
    for method, path, operation in operations(document):
        where = f"{method} {path}"
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            assert examples_of(body), f"{where}: the request body has no example"
            for example in examples_of(body):
                check(document, example, body["schema"], f"{where} request")
                checked += 1
        successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        assert successes, where
        for status, answer in successes.items():
            media = answer.get("content", {})
            shown = [e for m in media.values() for e in examples_of(m)]
            assert shown, f"{where} {status}: no example"
            for example in examples_of(media.get("application/json", {})):
                check(document, example, media["application/json"].get("schema", {}), where)
                checked += 1
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        # Only the liveness probe takes nothing and needs nothing: it cannot answer an error.
        assert errors or where == "GET /healthz", f"{where}: no error status declared"
        for status, answer in errors.items():
            media = answer["content"]["application/json"]
            assert media["schema"] == ERROR_BODY, f"{where} {status}"
            check(document, media["example"], ERROR_BODY, f"{where} {status}")
    assert checked > 30


def test_every_status_the_app_answers_is_declared(
    client: TestClient,
    document: dict[str, Any],
    staff_headers: dict[str, str],
    shopper_headers: Callable[[str], dict[str, str]],
) -> None:
    """Probe each operation anonymously, with a bad token, as a shopper, and as staff with a
    body that is not valid: whatever it answers must be in its declared responses."""
    callers = [{}, {"Authorization": "Bearer not-a-token"}, shopper_headers("12347"), staff_headers]
    answered = 0
    for method, path, operation in operations(document):
        url = path.format(**PATH_VALUES)
        declared = set(operation["responses"])
        for headers in callers:
            bodies: list[dict[str, Any]] = [{}]
            if "requestBody" in operation:
                bodies = [
                    {"content": b"{not json", "headers": {"content-type": "application/json"}},
                    {"json": {"unexpected": ["x" * 100]}},
                ]
            for body in bodies:
                sent = {**body, "headers": {**headers, **body.get("headers", {})}}
                status = client.request(method, url, **sent).status_code
                assert str(status) in declared, f"{method} {path} answered {status}: {declared}"
                answered += 1
    assert answered > 40


def test_each_tool_is_documented_with_its_own_example(
    client: TestClient, document: dict[str, Any]
) -> None:
    operation = document["paths"]["/v1/tools/{name}"]["post"]
    tools = [tool["name"] for tool in client.get("/v1/tools").json()]
    (name,) = [p for p in operation["parameters"] if p["name"] == "name"]
    assert name["schema"]["enum"] == tools and len(tools) >= 20
    body = operation["requestBody"]["content"]["application/json"]
    answer = operation["responses"]["200"]["content"]["application/json"]
    assert set(body["examples"]) == set(answer["examples"]) == set(tools)
    for tool in tools:
        arguments = {"$ref": f"#/components/schemas/{tool}__arguments"}
        output = {"$ref": f"#/components/schemas/{tool}__output"}
        check(document, body["examples"][tool]["value"], arguments, f"{tool} arguments")
        check(document, answer["examples"][tool]["value"], output, f"{tool} output")
        assert body["examples"][tool]["description"]  # the tool's own description


def test_the_content_examples_are_accepted_by_the_route(
    client: TestClient, document: dict[str, Any], staff_headers: dict[str, str]
) -> None:
    operation = document["paths"]["/v1/content"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    one = client.post("/v1/content", json=examples["one"]["value"], headers=staff_headers)
    assert one.status_code == 200, one.text
    batch = client.post("/v1/content", json=examples["batch"]["value"], headers=staff_headers)
    assert batch.status_code == 202, batch.text
