"""Issue 13, finding 4: personal data typed into the chat, or read by a customer-service tool,
is nowhere on disk afterwards.

Every format of the finding is sent through the real app's socket on both demo stores: card
numbers dotted, with non-breaking, thin or double spaces, in full-width digits; CVVs after their
cue; expiry dates after a card or a cue; an SSN; a card and an SSN written with slashes
(``4916/3385/…``, ``078/05/1120``); a UK national insurance number; phones in
international forms; e-mail addresses. On tau-retail a signed-in customer also authenticates by
e-mail and by name + zip, the agent reads their details (e-mail, address, payment methods) and
the conversation is resumed on a new socket. The event processors run (profiles, the lake),
every log record at DEBUG goes to a file, and a traceback quoting a dotted card number is
logged. Then every file under the data directory is read as raw bytes and searched for each
planted value in each of its spellings (as typed, digits only, dotted, spaced, dashed): no hit.
What the store already held before the conversation (the customer's own record) may stay
there, as often as it was, and nowhere else.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.testclient import WebSocketTestSession

from api.main import create_app
from infra.logs import JsonFormatter
from infra.settings import Settings
from tests.auth import bearer
from tools.analyze.pii import luhn_ok

pytestmark = pytest.mark.e2e

NBSP, THIN = "\u00a0", "\u2009"


def full_width(text: str) -> str:
    """``text`` with its ASCII digits as full-width digits."""
    return "".join(chr(ord(c) - ord("0") + 0xFF10) if c.isdigit() else c for c in text)


def card(prefix: str) -> str:
    """``prefix`` completed with its Luhn check digit."""
    return next(prefix + d for d in "0123456789" if luhn_ok(prefix + d))


def groups(digits: str, sep: str) -> str:
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


@dataclass(frozen=True)
class Planted:
    """A value sent through the chat, and every spelling of it to look for on disk."""

    name: str
    forms: tuple[str, ...]


def number(name: str, typed: str, *more: str) -> Planted:
    """A number: as typed, its digits only, and grouped the usual ways."""
    digits = re.sub(r"\D", "", typed.translate({0xFF10 + i: str(i) for i in range(10)}))
    forms = {typed, digits, *more}
    if len(digits) == 16:
        forms |= {groups(digits, s) for s in (" ", ".", "-", "/", "  ")}
    return Planted(name, tuple(sorted(forms)))


CARDS = [card(p) for p in ("453914880343646", "401288888888188", "520082828282821")]
CARDS.append(card("601100099013942"))
AMEX = card("37144963539843")
DOTTED = groups(CARDS[0], ".")
NBSP_CARD = groups(CARDS[1], NBSP)
DOUBLE = groups(CARDS[2], "  ")
FULL = full_width(groups(CARDS[3], " "))
THIN_AMEX = THIN.join([AMEX[:4], AMEX[4:10], AMEX[10:]])  # the Amex layout, 4-6-5
SLASHED = groups(card("491633850608283"), "/")  # red-team finding 3: slashes between groups
SLASHED_SSN = "078/05/1120"

PLANTED = [
    number("dotted card", DOTTED),
    number("card with non-breaking spaces", NBSP_CARD),
    number("card with double spaces", DOUBLE),
    number("full-width card", FULL),
    number("Amex with thin spaces", THIN_AMEX, f"{AMEX[:4]} {AMEX[4:10]} {AMEX[10:]}"),
    Planted("cvv", ("cvv 847", "cvv847", "cvv: 847")),
    Planted("cvc", ("CVC: 952", "CVC 952", "CVC952", "cvc: 952")),
    Planted("security code", ("security code 7316", "security code: 7316")),
    Planted("expiry after a card", ("12/29",)),
    Planted("expiry after a cue", ("11/2030", "exp 11/2030")),
    Planted("expiry in a search", ("09/31", "exp 09/31")),
    number("SSN", "287-65-4321", "287 65 4321", "287.65.4321"),
    number("slashed card", SLASHED),
    number("slashed SSN", SLASHED_SSN, "078-05-1120", "078 05 1120"),
    Planted("NI number", ("JG 10 37 79 B", "JG103779B", "jg103779b")),
    number("UK mobile with (0)", "+44 (0)7700 900462", "07700900462", "7700900462", "7700 900462"),
    number("UK mobile with 00", "0044 7700 900463", "447700900463", "7700900463", "7700 900463"),
    number("US phone", "+1 (415) 555-0132", "4155550132", "415-555-0132", "415 555 0132"),
    Planted("e-mail", ("jane.doe+shop@example.co.uk",)),
]

TURNS = [
    f"red lanterns please, my card is {DOTTED} 12/29 cvv 847",
    f"cheaper ones? use card {NBSP_CARD} CVC: 952, exp 11/2030",
    f"pay with {DOUBLE} security code 7316 and my ssn is 287-65-4321",
    f"or card {FULL}, or the amex {THIN_AMEX}; NI number JG 10 37 79 B",
    "call me on +44 (0)7700 900462 or 0044 7700 900463 or +1 (415) 555-0132, "
    "or mail jane.doe+shop@example.co.uk",
    "lanterns exp 09/31",
    f"candles {DOTTED}",
    f"do you have red mugs? pay with card {SLASHED}, the other number is {SLASHED_SSN}",
]

# tau-retail customers: what their own records hold, to be found nowhere new.
NOAH = ("noah_brown_6181", "noah.brown7922@example.com", "986 Sunset Drive", "80279")
EMMA = ("emma_smith_8564", "emma.smith3991@example.com", "243 Hillcrest Drive", "10192")
JAMES = ("james_lee_9638", "43138")
NEW_ADDRESS = "77 Quillfeather Lane"  # asked about, declined: only ever in sealed state
STORED = [
    Planted("James's new address", (NEW_ADDRESS,)),
    Planted("James's name and zip", ("James Lee", "James", JAMES[1])),
    Planted("Noah's e-mail", (NOAH[1],)),
    Planted("Noah's address", (NOAH[2],)),
    Planted("Noah's name", ("Noah Brown", "Noah", "Brown")),
    Planted("Noah's zip", (NOAH[3],)),
    Planted("Emma's e-mail", (EMMA[1],)),
    Planted("Emma's address", (EMMA[2],)),
    Planted("Emma's name", ("Emma Smith", "Emma", "Smith")),
    Planted("Emma's zip", (EMMA[3],)),
]


def _store_settings(source: Path, tmp_path: Path, dataset: str) -> Settings:
    data_dir = tmp_path / "data"
    shutil.copytree(source, data_dir)
    # Off so that one test can send its turns back to back; the limits have their own tests.
    return Settings(
        data_dir=data_dir,
        dataset=dataset,  # type: ignore[arg-type]
        rate_limit_chat_per_s=0,
    )


@pytest.fixture
def retail_settings(online_retail_dir: Path, tmp_path: Path) -> Settings:
    return _store_settings(online_retail_dir, tmp_path, "online-retail")


@pytest.fixture
def tau_settings(tau_retail_dir: Path, tmp_path: Path) -> Settings:
    return _store_settings(tau_retail_dir, tmp_path, "tau-retail")


@pytest.fixture
def log_capture(tmp_path: Path) -> Iterator[Path]:
    """Every log record at DEBUG, as the app's handlers would write it, in a file; and as the
    server writes it, JSON lines (``infra.logs``), in ``json_log_of(file)``."""
    path = tmp_path / "captured.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    as_json = logging.FileHandler(json_log_of(path), encoding="utf-8")
    as_json.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.addHandler(as_json)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.removeHandler(as_json)
    root.setLevel(level)
    handler.close()
    as_json.close()


def json_log_of(path: Path) -> Path:
    return path.with_suffix(".jsonl")


def turn(ws: WebSocketTestSession, text: str) -> list[dict[str, Any]]:
    ws.send_json({"type": "message", "text": text})
    frames: list[dict[str, Any]] = []
    while (frame := ws.receive_json())["type"] != "done":
        assert frame["type"] != "error", frame
        frames.append(frame)
    return frames


def of(frames: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == kind]


def log_a_traceback() -> None:
    """What a failing turn logs: an exception that quotes the shopper's input."""
    try:
        raise ValueError(f"cannot parse payment {DOTTED} exp 12/29 for +44 (0)7700 900462")
    except ValueError:
        logging.getLogger("api.routes.chat").exception("chat turn failed in session %s", "s")


def snapshot(data_dir: Path) -> dict[str, bytes]:
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    return {str(p.relative_to(data_dir)): p.read_bytes() for p in files}


def leaks(before: dict[str, bytes], after: dict[str, bytes], planted: list[Planted]) -> list[str]:
    """``file: value (spelling)`` for each spelling a file holds more often than it did."""
    found = []
    for name, data in after.items():
        old = before.get(name, b"")
        for value in planted:
            for form in value.forms:
                raw = form.encode()
                if data.count(raw) > old.count(raw):
                    found.append(f"{name}: {value.name} ({form!r})")
    return found


def wait_for(check: Any, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "the event processors did not catch up"
        time.sleep(0.1)


def assert_processed(client: TestClient, user_id: str, kind: str) -> None:
    """The profile processor has applied this shopper's chat events, a ``kind`` among them."""
    profiles = client.app.state.runtime.events.profiles  # type: ignore[attr-defined]
    wait_for(lambda: any(r.type == kind for r in profiles.recent(user_id)))


def assert_no_raw_values(
    settings: Settings, before: dict[str, bytes], log_file: Path, planted: list[Planted]
) -> None:
    after = snapshot(settings.data_dir)
    assert any(name.startswith("checkpoints.sqlite") for name in after)
    assert any(name.startswith("events") for name in after)
    assert any(name.startswith("lake") for name in after), "the lake was not written"
    logged = log_file.read_text(encoding="utf-8")
    assert "[CARD]" in logged and "Traceback" in logged  # the traceback was logged, masked
    after["<log capture>"] = log_file.read_bytes()
    # The JSON lines: as written, and each value decoded (an escape must not hide a value).
    records = [json.loads(line) for line in json_log_of(log_file).read_text("utf-8").splitlines()]
    assert {"timestamp", "level", "logger", "message"} <= records[0].keys()
    assert any("[CARD]" in r.get("exception", "") for r in records)
    assert any(r["logger"] == "shopagent.turns" and r.get("turn_id") for r in records)
    after["<JSON log>"] = json_log_of(log_file).read_bytes()
    after["<JSON log, decoded>"] = "\n".join(str(v) for r in records for v in r.values()).encode()
    assert leaks(before, after, planted) == []


def test_planted_pii_leaves_no_trace_on_the_online_retail_store(
    retail_settings: Settings, log_capture: Path
) -> None:
    settings = retail_settings
    before = snapshot(settings.data_dir)
    frames: list[dict[str, Any]] = []
    with TestClient(create_app(settings)) as client:
        headers = bearer(settings, "12347", "shopper")
        with client.websocket_connect("/v1/chat", headers=headers) as ws:
            assert ws.receive_json()["type"] == "session"
            for text in TURNS:
                frames += turn(ws, text)
        log_a_traceback()
        assert_processed(client, "12347", "search")  # the searches reached the profile
    messages = of(frames, "message")
    assert len(messages) == len(TURNS)
    assert all("pii_masked" in m["flags"] for m in messages)
    assert of(frames, "tool_call"), "the turns ran no tools: nothing reached events"
    # What the model saw and asked for was masked too.
    shown = str(frames)
    assert [p.name for p in PLANTED if any(f in shown for f in p.forms)] == []
    assert_no_raw_values(settings, before, log_capture, PLANTED)


def test_planted_pii_and_customer_records_leave_no_trace_on_the_tau_retail_store(
    tau_settings: Settings, log_capture: Path
) -> None:
    settings = tau_settings
    before = snapshot(settings.data_dir)
    with TestClient(create_app(settings)) as client:
        noah = bearer(settings, NOAH[0], "shopper")
        with client.websocket_connect("/v1/chat", headers=noah) as ws:
            session = ws.receive_json()["session_id"]
            frames = turn(ws, f"Hi, what's the status of order #W7678072? My email is {NOAH[1]}")
            calls = {f["name"]: f["args"] for f in of(frames, "tool_call")}
            assert calls["find_user_id_by_email"] == {"email": "[EMAIL]"}
            assert [r["output"] for r in of(frames, "tool_result")][0] == NOAH[0]
            frames = turn(ws, f"I'm Noah Brown, zip code {NOAH[3]}. Where are my orders?")
            calls = {f["name"]: f["args"] for f in of(frames, "tool_call")}
            assert calls["find_user_id_by_name_zip"]["zip"] == NOAH[3]
            assert "#W7678072" in of(frames, "message")[0]["text"]
            planted_turns = [f for text in TURNS for f in turn(ws, text)]
        # A new socket resumes the conversation: the sealed checkpoint opens again and the
        # customer is still the one authenticated.
        with client.websocket_connect(f"/v1/chat?session={session}", headers=noah) as ws:
            assert ws.receive_json()["session_id"] == session
            frames = turn(ws, "What's the status of #W7678072?")
            assert "Order #W7678072 is delivered" in of(frames, "message")[0]["text"]
            assert not [r for r in of(frames, "tool_result") if r["is_error"]]
        emma = bearer(settings, EMMA[0], "shopper")
        with client.websocket_connect("/v1/chat", headers=emma) as ws:
            ws.receive_json()
            frames = turn(ws, f"I'm Emma Smith, zip code {EMMA[3]}. Where are my orders?")
            assert "#W2417020" in of(frames, "message")[0]["text"]
            details = [r for r in of(frames, "tool_result") if r["name"] == "get_user_details"]
            assert details[0]["output"]["email"] == EMMA[1]  # read by the agent, then sealed
            assert details[0]["output"]["address"]["address1"] == EMMA[2]
        # A write asked about (an interrupt holding the new address) and declined with a card
        # number in the reply: the question, the call and the raw reply are sealed state.
        james = bearer(settings, JAMES[0], "shopper")
        with client.websocket_connect("/v1/chat", headers=james) as ws:
            ws.receive_json()
            turn(ws, f"I moved. I'm James Lee, zip {JAMES[1]}")
            frames = turn(ws, f"my new address is {NEW_ADDRESS}, Portland, OR 97201")
            (call,) = [f for f in of(frames, "tool_call") if f["name"] == "modify_user_address"]
            assert call["args"]["address1"] == NEW_ADDRESS
            assert "Shall I go ahead?" in of(frames, "message")[0]["text"]
            frames = turn(ws, f"no, wait: charge {DOTTED} exp 11/2030 instead")
            assert [r["is_error"] for r in of(frames, "tool_result")][:1] == [True]
            planted_turns += frames
        # What the model saw and asked for was masked too.
        shown = str(planted_turns)
        assert [p.name for p in PLANTED if any(f in shown for f in p.forms)] == []
        log_a_traceback()
        assert_processed(client, NOAH[0], "chat_turn")
    assert_no_raw_values(settings, before, log_capture, [*PLANTED, *STORED])


def test_a_conversation_does_not_open_under_another_key(retail_settings: Settings) -> None:
    settings = retail_settings
    headers = bearer(settings, "12347", "shopper")
    with (
        TestClient(create_app(settings)) as client,
        client.websocket_connect("/v1/chat", headers=headers) as ws,
    ):
        session = ws.receive_json()["session_id"]
        assert of(turn(ws, "red lanterns"), "message")
    other_key = base64.b64encode(b"k" * 32).decode()
    rekeyed = settings.model_copy(update={"checkpoint_key": SecretStr(other_key)})
    with (
        TestClient(create_app(rekeyed)) as client,
        client.websocket_connect(f"/v1/chat?session={session}", headers=headers) as ws,
    ):
        assert ws.receive_json()["session_id"] == session
        ws.send_json({"type": "message", "text": "cheaper ones?"})
        error = ws.receive_json()
        assert error["type"] == "error" and "checkpoint key" in error["message"]
