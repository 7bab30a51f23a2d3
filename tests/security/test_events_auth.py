"""Finding 7 replayed: a forged 1,000,000-unit purchase posted to ``/v1/events`` as a
cross-site form would (``text/plain``, no credential) — and with every other wrong credential
or content type. Each is refused, and the event log, the shopper's profile and the store are
unchanged; the same purchase sent by staff as JSON does arrive (so the checks can see one)."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from infra.settings import Settings
from tests.auth import bearer
from tests.orders_helpers import store_digest

pytestmark = pytest.mark.e2e

FORGED = {
    "event_id": "forged-1",
    "type": "purchase",
    "ts": "2011-06-01T10:00:00Z",
    "user_id": "12347",
    "product_id": "22423",
    "quantity": 1_000_000,
    "price": 0.01,
    "order_id": "forged-order",
}


def _state(client: TestClient, settings: Settings, user_id: str) -> tuple[Any, ...]:
    """What a forged purchase would change: the log, the counts, the profile, the store."""
    pipeline = client.app.state.runtime.events  # type: ignore[attr-defined]
    log = hashlib.sha256()
    for segment in sorted((settings.events_dir / "log").glob("*")):
        log.update(segment.read_bytes())
    profile = pipeline.profiles.profile(user_id)
    return (
        log.hexdigest(),
        pipeline.stats.accepted,
        None if profile is None else (profile.purchases, profile.units),
        store_digest(settings.store_path),
    )


def test_a_cross_site_form_cannot_forge_a_purchase(client: TestClient, settings: Settings) -> None:
    body = json.dumps({"events": [FORGED]})
    before = _state(client, settings, "12347")
    # What an HTML form on another site can send without a preflight: no credential.
    form = client.post(
        "/v1/events",
        content=body,
        headers={"Content-Type": "text/plain", "Origin": "https://evil.example"},
    )
    assert form.status_code == 401 and "staff" in form.json()["detail"]
    assert form.headers["www-authenticate"].startswith("Bearer")
    # Even with a staff token, only JSON is read.
    staff = bearer(settings, "feeder", "staff")
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ]:
        response = client.post(
            "/v1/events", content=body, headers={**staff, "Content-Type": content_type}
        )
        assert response.status_code == 415, content_type
        assert "application/json" in response.json()["detail"]
    # A shopper may not feed events either (their own or anyone's).
    shopper = bearer(settings, "12347", "shopper")
    assert client.post("/v1/events", json={"events": [FORGED]}, headers=shopper).status_code == 403
    assert client.get("/v1/events/stats", headers=shopper).status_code == 403
    time.sleep(0.5)  # give the in-server processor a chance to (wrongly) apply anything
    assert _state(client, settings, "12347") == before


def test_staff_json_events_are_accepted(client: TestClient, settings: Settings) -> None:
    staff = bearer(settings, "feeder", "staff")
    real = {**FORGED, "event_id": "real-1", "user_id": "12348", "quantity": 3}
    before = _state(client, settings, "12348")
    response = client.post(
        "/v1/events",
        content=json.dumps({"events": [real]}),
        headers={**staff, "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200 and response.json()["accepted"] == 1
    deadline = time.monotonic() + 60  # a wait for the processor, not a measure of it
    while _state(client, settings, "12348")[2] == before[2]:
        assert time.monotonic() < deadline, "the purchase never reached the profile"
        time.sleep(0.05)
    after = _state(client, settings, "12348")
    assert after[0] != before[0] and after[1] == before[1] + 1
    assert client.get("/v1/events/stats", headers=staff).json()["published"]["accepted"] == 1
