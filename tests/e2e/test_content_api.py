"""Merchandiser flows over REST, the WebSocket and the command line, and ``/v1/analyze``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.e2e
Headers = dict[str, str]


def test_analyze_over_rest(client: TestClient, shopper_headers: Callable[[str], Headers]) -> None:
    client.headers.update(shopper_headers("12347"))  # analysis is for signed-in callers
    text = "Lovely cake stand, but mail me at jo@example.com if it breaks."
    found = client.post("/v1/analyze", json={"text": text})
    assert found.status_code == 200
    body = found.json()
    assert body["language"]["code"] == "en" and body["sentiment"]["label"] == "POSITIVE"
    assert body["masked_text"].endswith("mail me at [EMAIL] if it breaks.")
    assert "entities" not in body  # the local backend has none: named in notes instead
    empty = client.post("/v1/analyze", json={"text": "   "})
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    klingon = client.post("/v1/analyze", json={"text": "hi", "language": "tlh"})
    assert "supported: en (English)" in klingon.json()["detail"]
    assert client.post("/v1/tools/analyze_text", json={"text": "great"}).status_code == 200


def test_one_product_over_rest(client: TestClient, staff_headers: Headers) -> None:
    client.headers.update(staff_headers)
    made = client.post(
        "/v1/content", json={"product_id": "22423", "tone": "playful", "language": "German"}
    )
    assert made.status_code == 200, made.text
    body = made.json()
    assert (body["language"], body["version"], body["report"]["problems"]) == ("de", 1, [])
    assert "Regency Cakestand 3 Tier" in body["content"]["description"]
    again = client.post("/v1/content", json={"product_id": "22423", "language": "de"})
    assert again.json()["version"] == 2
    stored = client.get("/v1/content/22423", params={"language": "de", "version": 1})
    assert stored.json()["content"] == body["content"]
    versions = client.get("/v1/content/22423/versions", params={"language": "de"}).json()
    assert versions["versions"] == [1, 2]


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"product_id": "NOPE"}, 404, "no product has id 'NOPE'"),
        ({"product_id": "22423", "language": "jp"}, 422, "supported: en (English)"),
        ({"category": "no such kind"}, 404, "no product is in category"),
        ({"product_id": "22423", "category": "mug"}, 422, "exactly one of"),
        ({"product_id": "22423", "tone": "angry"}, 422, "neutral"),
    ],
)
def test_bad_content_requests(
    client: TestClient, payload: dict[str, Any], status: int, message: str, staff_headers: Headers
) -> None:
    response = client.post("/v1/content", json=payload, headers=staff_headers)
    assert response.status_code == status
    assert message in response.text


def test_a_category_is_a_batch_job_with_progress(
    client: TestClient, staff_headers: Headers
) -> None:
    client.headers.update(staff_headers)
    started = client.post("/v1/content", json={"category": "Cake Stand", "limit": 5})
    assert started.status_code == 202
    job = started.json()
    assert job["total"] == 5 and job["status_url"] == f"/v1/content/jobs/{job['job_id']}"
    url, deadline = job["status_url"], time.monotonic() + 180  # busy machines too
    while job["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
        job = client.get(url).json()
    assert job["status"] == "done" and job["done"] == 5 and job["progress"] == 1.0
    assert len(job["results"]) == 5 and job["passed"] == 5 and job["errors"] == []
    assert client.get("/v1/content/jobs/unknown").status_code == 404


def test_a_merchandiser_prompt_over_the_socket(client: TestClient) -> None:
    with client.websocket_connect("/v1/chat") as ws:
        ws.receive_json()
        ws.send_json({"type": "message", "text": "write a playful description for 22423 in German"})
        frames = []
        while (frame := ws.receive_json())["type"] != "done":
            frames.append(frame)
    calls = [f for f in frames if f["type"] == "tool_call"]
    assert [c["name"] for c in calls] == ["write_product_content"]
    answer = next(f for f in frames if f["type"] == "message")["text"]
    assert "Here is the de copy for product 22423" in answer and "Preis: 12,75 £" in answer


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("shopagent")), "content", *args],
        env={**os.environ, "SHOPAGENT_DATA_DIR": str(data_dir), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_command_line(online_retail_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(online_retail_dir, data_dir)
    written = _cli(data_dir, "write", "22423", "--tone", "elegant", "--language", "fr")
    assert written.returncode == 0, written.stderr
    assert "Regency Cakestand 3 Tier" in written.stdout and "(v1, fr, elegant)" in written.stdout
    shown = _cli(data_dir, "show", "22423", "--language", "fr", "--json")
    assert shown.returncode == 0 and '"version": 1' in shown.stdout
    batch = _cli(data_dir, "category", "cake stand", "--limit", "3")
    assert batch.returncode == 0, batch.stderr
    assert "wrote 3 products of 'cake stand'" in batch.stderr
    missing = _cli(data_dir, "write", "NOPE")
    assert missing.returncode == 2 and "no product has id 'NOPE'" in missing.stderr
