"""Red-team finding 4 (and round 2, finding A) replayed: personal data through staff inputs.

``POST /v1/events`` (staff) kept ids holding an e-mail, a card number or an SSN in clear in the
event log, the profiles and the lake; ``modify_pending_order_address`` stored a card number, an
SSN and an e-mail typed into the address lines. Each is now refused with a 422 that names the
field (never echoing the value), and nothing is written: the event log, the counts and the
store are as before, and no byte of the planted values is on disk. Valid events and a real
address still go through, so the checks can see a write when there is one.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from infra.settings import Settings
from tests.auth import bearer
from tests.orders_helpers import store_digest

pytestmark = pytest.mark.e2e

EMAIL, CARD, DASHED_CARD, SSN = (
    "red.team.probe@example.org",
    "4539148803436467",
    "4539-1488-0343-6467",
    "078-05-1120",
)
# Red-team round 2 (finding A): spellings the first fix let through.
UNDERSCORE_CARD, MIXED_SSN, PAIRED_CARD, UNDERSCORE_SSN = (
    "6011_5432_7788_1127",
    "219-09/9999",
    "53 76 12 34 98 76 54 32",
    "536_22_4710",
)
MIXED_CARD = "5376-1234 9876/5432"
BRACKET_EMAIL, SPELLED_EMAIL, PARENS_EMAIL = (
    "sofia [at] example.com",
    "sofia.rossi2645 at example dot com",
    "sofia(at)example(dot)com",
)
PLANTED = [
    *(EMAIL, CARD, DASHED_CARD, SSN, "078051120", "4539 1488 0343 6467"),
    *(UNDERSCORE_CARD, MIXED_SSN, PAIRED_CARD, UNDERSCORE_SSN, MIXED_CARD),
    *(BRACKET_EMAIL, SPELLED_EMAIL, PARENS_EMAIL),
]

VIEW = {"type": "view", "ts": "2011-06-01T10:00:00Z", "user_id": "12347", "product_id": "22423"}
# The red team's events, and the other id fields with the same data.
POISONED = [
    ({"event_id": "rt-1", "user_id": EMAIL}, "user_id", "an e-mail address"),
    ({"event_id": "rt-2", "session_id": CARD}, "session_id", "a card number"),
    ({"event_id": "rt-3", "user_id": DASHED_CARD}, "user_id", "a card number"),
    ({"event_id": "rt-4", "order_id": SSN}, "order_id", "a social security number"),
    ({"event_id": "rt-5", "product_id": f"sku-{CARD}"}, "product_id", "a card number"),
    ({"event_id": EMAIL}, "event_id", "an e-mail address"),
    # Round 2: the red team's exact values.
    ({"event_id": "rt2-1", "session_id": UNDERSCORE_CARD}, "session_id", "a card number"),
    ({"event_id": "rt2-2", "session_id": UNDERSCORE_SSN}, "session_id", "a social security number"),
    ({"event_id": "rt2-3", "user_id": SPELLED_EMAIL}, "user_id", "an e-mail address"),
    ({"event_id": "rt2-4", "user_id": BRACKET_EMAIL}, "user_id", "an e-mail address"),
    ({"event_id": "rt2-5", "order_id": PARENS_EMAIL}, "order_id", "an e-mail address"),
    ({"event_id": "rt2-6", "session_id": PAIRED_CARD}, "session_id", "a card number"),
    ({"event_id": "rt2-7", "order_id": MIXED_SSN}, "order_id", "a social security number"),
    ({"event_id": "rt2-8", "product_id": f"sku_{MIXED_CARD}"}, "product_id", "a card number"),
]


def _log_digest(settings: Settings) -> str:
    digest = hashlib.sha256()
    for segment in sorted((settings.events_dir / "log").glob("*")):
        digest.update(segment.read_bytes())
    return digest.hexdigest()


def _planted_on_disk(data_dir: Path) -> list[str]:
    """Which planted values are anywhere under ``data_dir``, as raw bytes."""
    hits = []
    for path in data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{value} in {path.name}" for value in PLANTED if value.encode() in data]
    return hits


@pytest.fixture
def retail(online_retail_dir: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Settings]]:
    data_dir = tmp_path / "data"
    shutil.copytree(online_retail_dir, data_dir)
    settings = Settings(data_dir=data_dir)
    with TestClient(create_app(settings)) as client:
        yield client, settings


@pytest.mark.parametrize(("fields", "field", "kind"), POISONED)
def test_an_event_whose_id_holds_personal_data_is_refused(
    retail: tuple[TestClient, Settings], fields: dict[str, Any], field: str, kind: str
) -> None:
    client, settings = retail
    staff = bearer(settings, "feeder", "staff")
    pipeline = client.app.state.runtime.events  # type: ignore[attr-defined]
    before = (_log_digest(settings), pipeline.stats.accepted, store_digest(settings.store_path))
    response = client.post("/v1/events", json={"events": [{**VIEW, **fields}]}, headers=staff)
    assert response.status_code == 422
    (rejection,) = response.json()["detail"]
    assert rejection["reasons"] == [
        f"{field}: an id must not hold personal data; this one holds {kind}"
    ]
    assert not any(value in response.text for value in PLANTED)  # the reply does not echo it
    time.sleep(0.3)  # the in-server processor would have picked up a written event by now
    after = (_log_digest(settings), pipeline.stats.accepted, store_digest(settings.store_path))
    assert after == before
    assert _planted_on_disk(settings.data_dir) == []


def test_valid_events_still_pass_beside_a_refused_one(retail: tuple[TestClient, Settings]) -> None:
    client, settings = retail
    staff = bearer(settings, "feeder", "staff")
    valid = [
        {**VIEW, "event_id": "ok-1"},
        {**VIEW, "event_id": "ok-2", "user_id": "sofia_rossi_8776", "order_id": "#W5918442"},
        {**VIEW, "event_id": "ok-3", "session_id": "9f1c0e4b2a7d4c0f8e6b1a2c3d4e5f60"},
        {**VIEW, "event_id": "ok-4", "product_id": "85123A", "order_id": "C536379"},
    ]
    poisoned = {**VIEW, "event_id": "rt-6", "session_id": CARD}
    response = client.post("/v1/events", json={"events": [*valid, poisoned]}, headers=staff)
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == len(valid)
    assert [r["index"] for r in body["rejected"]] == [len(valid)]
    assert _planted_on_disk(settings.data_dir) == []


def test_a_search_query_keeps_no_spelling_of_personal_data(
    retail: tuple[TestClient, Settings],
) -> None:
    """The red team's query: the mixed-separator SSN and the paired card stayed raw."""
    client, settings = retail
    staff = bearer(settings, "feeder", "staff")
    query = f"mug {MIXED_CARD} {MIXED_SSN} {PAIRED_CARD} {BRACKET_EMAIL}"
    event = {
        "event_id": "rt2-q",
        "type": "search",
        "ts": "2011-06-01T10:00:00Z",
        "session_id": "s-rt2",
        "query": query,
    }
    response = client.post("/v1/events", json={"events": [event]}, headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1
    log = b"".join(p.read_bytes() for p in sorted((settings.events_dir / "log").glob("*")))
    assert b"mug [CARD] [SSN] [CARD] [EMAIL]" in log
    assert _planted_on_disk(settings.data_dir) == []


@pytest.fixture
def tau(tau_retail_dir: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Settings]]:
    data_dir = tmp_path / "data"
    shutil.copytree(tau_retail_dir, data_dir)
    settings = Settings(data_dir=data_dir)
    with TestClient(create_app(settings)) as client:
        yield client, settings


ADDRESS = {
    "address1": "1 Harbour Way",
    "address2": "Apt 2",
    "city": "Miami",
    "state": "FL",
    "country": "USA",
    "zip": "33101",
}


@pytest.mark.parametrize(
    ("tool", "target"),
    [
        ("modify_pending_order_address", {"order_id": "#W5500815"}),
        ("modify_user_address", {"user_id": "sofia_rossi_8776"}),
    ],
)
def test_staff_address_writes_refuse_payment_and_identity_data(
    tau: tuple[TestClient, Settings], tool: str, target: dict[str, str]
) -> None:
    client, settings = tau
    staff = bearer(settings, "agent", "staff")
    before = store_digest(settings.store_path)
    attacks = [
        # The red team's call: an e-mail and a card in line 1, an SSN in line 2.
        ({"address1": f"{EMAIL} {CARD}", "address2": SSN}, {"address1", "address2"}),
        ({"address2": "cvv 847"}, {"address2"}),
        ({"city": "Miami 4539 1488 0343 6467"}, {"city"}),
        ({"zip": "078/05/1120"}, {"zip"}),
        # Round 2: the red team's exact calls, then the other spellings it named.
        ({"address1": UNDERSCORE_CARD, "address2": MIXED_SSN}, {"address1", "address2"}),
        ({"address1": PAIRED_CARD}, {"address1"}),
        ({"address1": BRACKET_EMAIL}, {"address1"}),
        ({"address2": PARENS_EMAIL}, {"address2"}),
        ({"address2": SPELLED_EMAIL}, {"address2"}),
        ({"address1": f"1 Harbour Way {MIXED_CARD}"}, {"address1"}),
        ({"zip": UNDERSCORE_SSN}, {"zip"}),
    ]
    for overrides, fields in attacks:
        args = {**ADDRESS, **overrides, **target}
        response = client.post(f"/v1/tools/{tool}", json=args, headers=staff)
        assert response.status_code == 422, overrides
        problems = response.json()["detail"]
        assert {problem["loc"][-1] for problem in problems} == fields
        assert all("an address must not hold" in problem["msg"] for problem in problems)
        assert not any(value in response.text for value in PLANTED)
    assert store_digest(settings.store_path) == before
    assert _planted_on_disk(settings.data_dir) == []
    # A real address is still written (the refusals above were not a broken tool).
    real = client.post(f"/v1/tools/{tool}", json={**ADDRESS, **target}, headers=staff)
    assert real.status_code == 200, real.text
    assert store_digest(settings.store_path) != before
    assert json.dumps(ADDRESS["address1"]).strip('"') in real.text
