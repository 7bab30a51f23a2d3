"""Findings 10 (REST), 11 and 12 replayed: bad input gets a 4xx that names the problem.

Each attack is sent as the issue reported it (100k-deep JSON, lone surrogates, ``NaN``, a
300-character id, ``..`` as a product id, a surrogate keyword that used to leave an empty
version file, a 2 MiB body, a 1 MB address line). Each must be refused with a 4xx and a JSON
``detail`` naming the problem, the service must go on serving, and the store and the content
folder must be byte-for-byte what they were.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from infra.errors import ToolInputError
from infra.settings import Settings
from tests.auth import bearer
from tests.orders_helpers import store_digest
from tools.content.local_store import LocalContentStore

pytestmark = pytest.mark.e2e

JSON = {"content-type": "application/json"}
DEEP = b"[" * 100_000 + b"]" * 100_000
SOFIA = "sofia_rossi_8776"  # tau-retail


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        test_client.headers.update(bearer(settings, "staff:tester", "staff"))
        yield test_client


def snapshot(settings: Settings) -> tuple[str, dict[str, str]]:
    """The store's rows and every file under the content folder, by digest."""
    content = settings.content_dir
    files = (
        {
            str(path.relative_to(content)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(content.rglob("*"))
            if path.is_file()
        }
        if content.exists()
        else {}
    )
    return store_digest(settings.store_path), files


def refused(response: httpx.Response, status: int, *words: str) -> str:
    """Assert a ``status`` answer whose JSON ``detail`` holds every one of ``words``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = str(response.json()["detail"])
    for word in words:
        assert word in detail, (word, detail)
    return detail


def still_serving(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    found = client.post("/v1/tools/get_product", json={"product_id": "22423"})
    assert found.status_code == 200 and found.json()["id"] == "22423"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/events", b'{"events": ' + DEEP + b"}"),
        ("/v1/analyze", b'{"text": ' + DEEP + b"}"),
        ("/v1/tools/search_products", b'{"query": ' + DEEP + b"}"),
        ("/v1/content", b'{"product_id": "22423", "keywords": ' + DEEP + b"}"),
        ("/v1/inventory/receipts", DEEP),
    ],
)
def test_deep_nesting_is_refused(
    client: TestClient, settings: Settings, path: str, body: bytes
) -> None:
    before = snapshot(settings)
    refused(client.post(path, content=body, headers=JSON), 422, "levels deep", "at most 32")
    # Sent as text/plain, /v1/events is not even parsed.
    assert client.post(path, content=body, headers={"content-type": "text/plain"}).status_code in (
        415,
        422,
    )
    still_serving(client)
    assert snapshot(settings) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/analyze", b'{"text": "lovely cake stand \\udfff"}'),
        ("/v1/tools/find_user_id_by_email", b'{"email": "\\ud800@example.com"}'),
        ("/v1/tools/search_products", b'{"query": "mug", "attributes": {"\\udc00": "red"}}'),
        ("/v1/events", b'{"events": [{"type": "view", "product_id": "\\ud83d"}]}'),
    ],
)
def test_lone_surrogates_are_refused(
    client: TestClient, settings: Settings, path: str, body: bytes
) -> None:
    before = snapshot(settings)
    refused(client.post(path, content=body, headers=JSON), 422, "lone surrogate")
    still_serving(client)
    assert snapshot(settings) == before


def test_a_surrogate_pair_is_text_not_an_attack(client: TestClient) -> None:
    """An escaped pair (an emoji) is valid Unicode and goes through."""
    answer = client.post("/v1/analyze", content=b'{"text": "lovely \\ud83c\\udf82"}', headers=JSON)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("literal", "named"), [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "Infinity"),
                           ("1e999", "too large")]
)  # fmt: skip
def test_non_finite_numbers_are_refused(
    client: TestClient, settings: Settings, literal: str, named: str
) -> None:
    before = snapshot(settings)
    body = f'{{"product_id": "22423", "quantity": {literal}}}'.encode()
    refused(client.post("/v1/inventory/receipts", content=body, headers=JSON), 422, named)
    price = f'{{"query": "mug", "max_price": {literal}}}'.encode()
    refused(client.post("/v1/tools/search_products", content=price, headers=JSON), 422, named)
    still_serving(client)
    assert snapshot(settings) == before


def test_oversized_ids_are_refused(client: TestClient, settings: Settings) -> None:
    before = snapshot(settings)
    long_id = "a" * 300
    refused(client.get(f"/v1/content/{long_id}"), 422, "1 to 64 characters", "300")
    refused(client.get(f"/v1/content/{long_id}/versions"), 422, "1 to 64 characters")
    refused(client.post("/v1/tools/get_product", json={"product_id": long_id}), 422, "64")
    receipt = {"product_id": long_id, "quantity": 1}
    refused(client.post("/v1/inventory/receipts", json=receipt), 422, "64")
    refused(client.post("/v1/content", json={"product_id": long_id}), 422, "64")
    still_serving(client)
    assert snapshot(settings) == before


def test_content_ids_cannot_leave_the_content_folder(
    client: TestClient, settings: Settings
) -> None:
    # A version file one level above the content folder: what `..` used to read.
    outside = settings.data_dir / "en"
    outside.mkdir()
    (outside / "v000001.json").write_text('{"planted": true}', encoding="utf-8")
    before = snapshot(settings)
    for product_id in ("%2e%2e", "%2E%2E", "%2e"):
        refused(client.get(f"/v1/content/{product_id}"), 422, "'.' or '..'")
        refused(client.get(f"/v1/content/{product_id}/versions"), 422, "'.' or '..'")
    for product_id in ("..", "a/../..", "..\\..", "bad\x00id"):
        made = client.post("/v1/content", json={"product_id": product_id})
        assert made.status_code in (404, 422), made.text  # not a product, or not an id
    still_serving(client)
    assert snapshot(settings) == before


def test_a_failed_content_write_leaves_nothing_behind(
    client: TestClient, settings: Settings
) -> None:
    before = snapshot(settings)
    bad = b'{"product_id": "22423", "keywords": ["\\udfff"]}'
    refused(client.post("/v1/content", content=bad, headers=JSON), 422, "lone surrogate")
    assert snapshot(settings) == before
    # The product has no broken version: reading it is a plain "none yet", and a good write works.
    refused(client.get("/v1/content/22423"), 404, "no any version")
    made = client.post("/v1/content", json={"product_id": "22423", "keywords": ["cake stand"]})
    assert made.status_code == 200 and made.json()["version"] == 1, made.text
    assert client.get("/v1/content/22423").json()["version"] == 1


def test_the_content_store_writes_a_version_whole_or_not_at_all(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind the API too (the chat's content requests): a write that fails, whether in
    serialising (a lone surrogate) or on disk, leaves no version file and no temporary file."""
    with TestClient(create_app(settings)) as client:
        client.headers.update(bearer(settings, "staff:tester", "staff"))
        good = client.post("/v1/content", json={"product_id": "22423"}).json()
    store = LocalContentStore(tmp_path / "content")
    from tools.content.models import ContentResult

    result = ContentResult.model_validate(good)
    content = result.content.model_copy(update={"keywords": ["cake", "\udfff"]})
    poisoned = result.model_copy(update={"content": content})
    with pytest.raises(ValueError):
        store.save(poisoned)
    assert not list((tmp_path / "content").rglob("*.*"))

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        store.save(result)
    folder = tmp_path / "content" / "22423" / "en"
    assert list(folder.iterdir()) == [] and store.versions("22423", "en") == []
    assert store.get("22423", "en") is None
    monkeypatch.undo()
    assert store.save(result).version == 1
    assert [p.name for p in folder.iterdir()] == ["v000001.json"]


@pytest.mark.parametrize("product_id", ["", ".", "..", "a/b", "a\\b", "x" * 65, "é" * 64])
def test_the_content_store_refuses_ids_that_are_not_one_folder(
    tmp_path: Path, product_id: str
) -> None:
    store = LocalContentStore(tmp_path)
    with pytest.raises(ToolInputError):
        store.versions(product_id, "en")
    assert list(tmp_path.iterdir()) == []


def test_the_body_limit_holds_for_declared_and_chunked_bodies(
    client: TestClient, settings: Settings
) -> None:
    before = snapshot(settings)
    limit = settings.max_body_bytes
    big = b'{"text": "' + b"a" * (2 * limit) + b'"}'
    refused(client.post("/v1/analyze", content=big, headers=JSON), 413, f"{limit}-byte limit")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"text": "'
        for _ in range(50):
            yield b"a" * 65536
        yield b'"}'

    refused(client.post("/v1/analyze", content=chunks(), headers=JSON), 413, "limit")
    refused(client.post("/v1/tools/think", content=chunks(), headers=JSON), 413, "limit")
    still_serving(client)
    assert snapshot(settings) == before


def test_a_megabyte_address_line_is_refused_before_it_is_stored(tau_settings: Settings) -> None:
    address = {
        "user_id": SOFIA,
        "address1": "1" * 1_000_000,
        "address2": "",
        "city": "Rome",
        "state": "RM",
        "country": "Italy",
        "zip": "00100",
    }
    with TestClient(create_app(tau_settings)) as client:
        client.headers.update(bearer(tau_settings, "staff:tester", "staff"))
        before = store_digest(tau_settings.store_path)
        answer = client.post("/v1/tools/modify_user_address", json=address)
        assert answer.status_code == 422, answer.text[:300]
        (problem,) = answer.json()["detail"]
        assert problem["loc"][-1] == "address1" and "200 characters" in problem["msg"]
        assert len(answer.content) < 1000  # the megabyte is not echoed back
        for field in ("city", "zip", "address2"):
            long = {**address, "address1": "1 Via Roma", field: "x" * 5000}
            refused(client.post("/v1/tools/modify_user_address", json=long), 422, field)
        details = client.post("/v1/tools/get_user_details", json={"user_id": SOFIA})
        assert details.status_code == 200
        assert store_digest(tau_settings.store_path) == before


def test_a_version_damaged_before_the_fix_is_named_not_a_crash(
    client: TestClient, settings: Settings
) -> None:
    """An empty version file, as the non-atomic write used to leave, is reported by name."""
    folder = settings.content_dir / "22423" / "en"
    folder.mkdir(parents=True)
    (folder / "v000001.json").write_bytes(b"")
    refused(client.get("/v1/content/22423"), 502, "version 1", "damaged", "v000001.json")
    assert str(settings.data_dir) not in client.get("/v1/content/22423").text
    still_serving(client)


@pytest.mark.parametrize("written", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_written_as_strings_are_refused(
    client: TestClient, written: str
) -> None:
    """Pydantic reads "Infinity" in a string as a float: price bounds refuse it by name."""
    for field in ("min_price", "max_price"):
        answer = client.post("/v1/tools/search_products", json={"query": "mug", field: written})
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"] == [field]
    still_serving(client)
