"""Personal data typed into the chat is masked before it reaches anything that is kept."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from infra.settings import Settings

pytestmark = pytest.mark.e2e

CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"]
EMAILS = ["jane.doe+shop@example.co.uk", "m.rossi@example.it"]
PHONES = ["+44 20 7946 0958", "07700 900123", "(555) 123-4567"]
TURNS = [
    f"hi, I'm jane, card {CARDS[0]}, email {EMAILS[0]}, phone {PHONES[0]}: red lanterns please",
    f"cheaper ones? you can reach me on {PHONES[1]} or {EMAILS[1]}",
    f"pay with {CARDS[1]} or {CARDS[2]} and call {PHONES[2]} - is the first one in stock?",
]


def _forms(secret: str) -> set[str]:
    """The secret as typed, and its bare digits for numbers."""
    forms = {secret}
    digits = re.sub(r"\D", "", secret)
    if len(digits) >= 10:
        forms.add(digits)
    return forms


@pytest.fixture
def debug_log(settings: Settings) -> Iterator[Path]:
    """Every log record of the test, at DEBUG level, written to a file in the data directory."""
    path = settings.data_dir / "debug.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(level)
    handler.close()


def _converse(client: TestClient) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    with client.websocket_connect("/v1/chat") as ws:
        frames.append(ws.receive_json())
        for text in TURNS:
            ws.send_json({"type": "message", "text": text})
            while (frame := ws.receive_json())["type"] != "done":
                frames.append(frame)
    return frames


def test_no_planted_personal_data_survives_on_disk(settings: Settings, debug_log: Path) -> None:
    # The app is closed when the block ends: stores flushed, every file final.
    with TestClient(create_app(settings)) as client:
        frames = _converse(client)
        logging.getLogger("shopagent.test").warning("shopper said: %s", TURNS[0])
    messages = [f for f in frames if f["type"] == "message"]
    assert len(messages) == len(TURNS)
    assert all("pii_masked" in m["flags"] for m in messages)

    files = [p for p in settings.data_dir.rglob("*") if p.is_file()]
    assert any(p.name.startswith("checkpoints") for p in files)
    assert debug_log.stat().st_size > 0 and "[CARD]" in debug_log.read_text()
    leaks = []
    for path in files:
        data = path.read_bytes()
        for secret in [*CARDS, *EMAILS, *PHONES]:
            leaks += [f"{path.name}: {form}" for form in _forms(secret) if form.encode() in data]
    assert leaks == []
    # The frames sent back to the shopper carry none of it either.
    text = str(frames)
    assert not [s for s in [*CARDS, *EMAILS, *PHONES] if any(f in text for f in _forms(s))]
