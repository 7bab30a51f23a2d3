"""Every spelling of personal data the detector must catch, and look-alikes it must leave."""

from __future__ import annotations

import base64
import logging
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

from api.chat_events import turn_events
from assembly.events import open_pipeline
from infra.conversations import AesGcmCipher, checkpoint_key, key_file, open_checkpointer
from infra.errors import ConfigError
from infra.events.log import SHARD, LocalLog
from infra.events.schema import BehaviourEvent
from infra.settings import Settings
from tools.analyze.log_filter import install_pii_log_masking
from tools.analyze.pii import find_pii, mask_pii, normalise

NBSP, THIN, NNBSP, ZWSP, NB_HYPHEN = "\u00a0", "\u2009", "\u202f", "\u200b", "\u2011"


def full_width(text: str) -> str:
    """``text`` with its ASCII digits written as full-width digits (U+FF10-FF19)."""
    return "".join(chr(ord(c) - ord("0") + 0xFF10) if c.isdigit() else c for c in text)


def found(text: str) -> list[tuple[str, str]]:
    """(type, original text) of every entity found."""
    return [(e.type, text[e.begin : e.end]) for e in find_pii(text)]


CARD = "4539 1488 0343 6467"  # passes Luhn
CARD_SPELLINGS = [
    "4539148803436467",
    "4539.1488.0343.6467",
    "4539-1488-0343-6467",
    "4539 1488 0343 6467",
    "4539  1488  0343  6467",
    NBSP.join(["4539", "1488", "0343", "6467"]),
    THIN.join(["4539", "1488", "0343", "6467"]),
    NNBSP.join(["4539", "1488", "0343", "6467"]),
    NB_HYPHEN.join(["4539", "1488", "0343", "6467"]),
    ZWSP.join(["4539", "1488", "0343", "6467"]),
    full_width("4539 1488 0343 6467"),
    full_width("4539148803436467"),
    "4 5 3 9 1 4 8 8 0 3 4 3 6 4 6 7",
    "3782 822463 10005",  # Amex layout
    "378282246310005",
    "4539/1488/0343/6467",  # slashes (red-team finding 3)
    "4539 / 1488 / 0343 / 6467",
    full_width("4539/1488/0343/6467"),
    "3782/822463/10005",
    # Red-team round 2 (finding A): any one punctuation mark between groups, pairs, threes.
    "6011_5432_7788_1127",
    "5376-1234 9876/5432",
    "53 76 12 34 98 76 54 32",
    "4539*1488*0343*6467",
    "4539:1488:0343:6467",
    "4539 _ 1488 _ 0343 _ 6467",
    NBSP.join(["53", "76", "12", "34", "98", "76", "54", "32"]),
    "453 914 880 343 646 7",
    "37 82 82 24 63 10 00 5",
]


@pytest.mark.parametrize("card", CARD_SPELLINGS)
def test_card_numbers_are_found_however_spelled(card: str) -> None:
    text = f"my card is {card}, thanks"
    assert found(text) == [("CARD", card)]
    assert mask_pii(text) == "my card is [CARD], thanks"


def test_a_masked_copy_keeps_everything_else_as_written() -> None:
    text = f"Ｈｉ{NBSP}— card {full_width(CARD)} for the ｌａｎｔｅｒｎ £12.50"
    assert mask_pii(text) == f"Ｈｉ{NBSP}— card [CARD] for the ｌａｎｔｅｒｎ £12.50"


def test_offsets_map_back_to_the_original_text() -> None:
    norm = normalise(f"a{ZWSP}b{NBSP}４")
    assert norm.text == "ab 4"
    assert norm.span(0, 4) == (0, 5)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("cvv 123", "123"),
        ("CVV2: 987", "987"),
        ("CVC: 123", "123"),
        ("the security code is 1234", "1234"),
        ("card verification value 456", "456"),
        (f"cvc{NBSP}{full_width('321')}", full_width("321")),
    ],
)
def test_cvv_after_its_cue_word(text: str, value: str) -> None:
    assert found(text) == [("CVV", value)]
    assert mask_pii(text).endswith("[CVV]")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("exp 12/29", "12/29"),
        ("exp 12/2029", "12/2029"),
        ("expires 01/30", "01/30"),
        ("expiry date: 7/31", "7/31"),
        ("valid thru 12-29", "12-29"),
        ("Exp. 03/2031", "03/2031"),
    ],
)
def test_expiry_after_a_cue(text: str, value: str) -> None:
    assert found(text) == [("EXPIRY", value)]


def test_a_slashed_date_keeps_its_behaviour_next_to_slashed_pii() -> None:
    text = "on 12/05/2024 I paid with 4539/1488/0343/6467, exp 12/29, ssn 078/05/1120"
    assert found(text) == [
        ("CARD", "4539/1488/0343/6467"),
        ("EXPIRY", "12/29"),
        ("SSN", "078/05/1120"),
    ]
    assert mask_pii(text) == "on 12/05/2024 I paid with [CARD], exp [EXPIRY], ssn [SSN]"


def test_expiry_right_after_a_card_and_the_cvv_after_it() -> None:
    text = f"{CARD} 12/29 cvv 123"
    assert found(text) == [("CARD", CARD), ("EXPIRY", "12/29"), ("CVV", "123")]
    assert mask_pii(text) == "[CARD] [EXPIRY] cvv [CVV]"
    assert mask_pii("4539.1488.0343.6467, 12/2029") == "[CARD], [EXPIRY]"
    # A slashed card followed by a slashed expiry: the card stops where its layout ends.
    assert mask_pii("4539/1488/0343/6467 12/29") == "[CARD] [EXPIRY]"


@pytest.mark.parametrize(
    "text",
    [
        "123-45-6789",
        "123 45 6789",
        "123.45.6789",
        "123/45/6789",
        "078/05/1120",  # the red-team spelling (finding 3)
        "219-09/9999",  # mixed separators (round 2, finding A)
        "123/45-6789",
        "536_22_4710",
        "078 05-1120",
        "SSN: 123456789",
        "social security number 123456789",
        full_width("123-45-6789"),
    ],
)
def test_social_security_numbers(text: str) -> None:
    assert [kind for kind, _ in found(text)] == ["SSN"]
    assert "6789" not in mask_pii(text) and full_width("6789") not in mask_pii(text)


@pytest.mark.parametrize("text", ["AB 12 34 56 C", "ab123456c", "QQ 12 34 56 A", "JG103779B"])
def test_uk_national_insurance_numbers(text: str) -> None:
    assert found(f"my NI is {text}.") == [("NI_NUMBER", text)]


@pytest.mark.parametrize(
    "phone",
    [
        "+44 (0)7700 900462",
        "0044 7700 900463",
        "+1 (415) 555-0132",
        "+44 20 7946 0958",
        "07700 900123",
        "(555) 123-4567",
        "+49 30 1234567",
        f"+44{NBSP}7700{NBSP}900461",
        full_width("+44 7700 900464"),
        "+33.1.23.45.67.89",
    ],
)
def test_phone_numbers_in_international_and_national_forms(phone: str) -> None:
    assert found(f"call me on {phone} after six") == [("PHONE", phone)]


@pytest.mark.parametrize(
    "text",
    [
        "is 22423 in stock?",
        "product 85123A please",
        "order #W2378156 and #W2611340",
        "items 9672174103 and 3877188862",
        "3 of 22423 at 12.75 and 2 of 84879 at 1.65",
        "compare 22423 22424 85123 84879",  # a list of product ids is not a card
        "a set of 12 for 1234567890123 reasons",  # 13 digits failing Luhn
        "4539 1488 0343 6468",  # a card layout failing Luhn
        "delivered on 12/29 between 9 and 5",  # a date with no cue is not an expiry
        "expected 12/29",
        "the code is 123",  # three digits with no card cue
        "size 10-12, 2026-12-07",
        "555-123",
        "123-45-678",
        "000-12-3456 and 666-12-3456 and 912-34-5678",  # never-issued SSN areas
        "AB 12 34 56 E",  # NI suffix is A-D
        "£1,234.56 for 100 units",
        # Slashes also join dates, fractions and id lists: none of these is a card or an SSN.
        "ordered on 12/05/2024, delivered 2024/12/07",
        "between 01/02/03 and 1/2/2025",
        "items 1234/5678/9012 and 22423/22424",
        "4539/1488/0343/6468",  # a slashed card layout failing Luhn
        "078/05/112",  # one digit short of an SSN
        "666/12/3456 and 912/34/5678",  # never-issued SSN areas, slashed
        "half 1/2 cup, 3/4 full",
        # Any punctuation joins groups now: lists, amounts, phones and times stay themselves.
        "compare 22423, 22424, 85123, 84879",  # product ids in groups of five
        "items 22423_22424_85123_84879 and 85123A",
        "a total of 1,234,567,890,123,456 units",  # thousands commas
        "prices 12.75 13.50 9.99 4.25 2.10 1.65",
        "logged 2026-12-07 13:08:30.123 and 2026-12-08 09:15:02.456",
        "01 23 45 67 89 01 23 45 67 89",  # two French phones in pairs
        "ref 04539148803436467",  # passes Luhn, but a card never starts with 0
        "order #W2378156_#W2611340",
        # "at" and "dot" in ordinary sentences are not a spelled-out e-mail address.
        "I looked at the dot com bubble",
        "meet me at example.com tomorrow",
        "sofia at home, dot the i's",
    ],
)
def test_look_alikes_are_left_alone(text: str) -> None:
    assert found(text) == []
    assert mask_pii(text) == text


@pytest.mark.parametrize(
    "email",
    [
        "sofia [at] example.com",
        "sofia(at)example(dot)com",
        "sofia.rossi2645 at example dot com",
        "sofia { AT } example [dot] co [dot] uk",
        "s.rossi <at> example.com",
        "sofia_r at example dot org",
    ],
)
def test_e_mail_addresses_spelled_out(email: str) -> None:
    assert found(f"write to {email} please") == [("EMAIL", email)]


def test_the_red_team_query_is_masked_whole() -> None:
    query = "mug 5376-1234 9876/5432 219-09/9999 53 76 12 34 98 76 54 32"
    assert mask_pii(query) == "mug [CARD] [SSN] [CARD]"


def test_search_queries_are_masked_before_they_become_events() -> None:
    frames = [
        {"type": "tool_call", "id": "c1", "name": "search_products", "args": {"query": ""}},
        {"type": "tool_result", "id": "c1", "name": "search_products", "output": {}},
    ]
    frames[0]["args"] = {"query": f"lanterns exp 12/29 {full_width(CARD)} cvv 123"}
    (event,) = turn_events("s1", frames)
    assert event.type == "search"
    assert event.query == "lanterns exp [EXPIRY] [CARD] cvv [CVV]"


def test_every_published_query_is_masked_before_the_log_keeps_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    raw = f"gift for 287-65-4321, card {CARD} exp 12/29, call +44 (0)7700 900462"
    event = BehaviourEvent(
        event_id="e1", type="search", ts=datetime.now(UTC), user_id="u1", query=raw
    )
    with open_pipeline(settings, process=False) as pipeline:
        assert pipeline.publish([event]) == (1, 0)
    (record,) = LocalLog(settings.events_dir / "log").read(SHARD, None, 10)
    assert b"gift for [SSN], card [CARD] exp [EXPIRY], call [PHONE]" in record.data
    stored = b"".join(p.read_bytes() for p in settings.events_dir.rglob("*") if p.is_file())
    for secret in ("287-65-4321", CARD, "12/29", "900462"):
        assert secret.encode() not in stored


def test_a_logged_traceback_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    install_pii_log_masking()
    log = logging.getLogger("test.pii_formats")
    try:
        raise ValueError("bad card 4539.1488.0343.6467 exp 12/29, ssn 123-45-6789")
    except ValueError:
        log.exception("payment failed for %s", "+44 (0)7700 900462")
    (record,) = caplog.records
    text = caplog.text + (record.exc_text or "")
    assert "[CARD]" in text and "[EXPIRY]" in text and "[SSN]" in text and "[PHONE]" in text
    for raw in ("4539.1488.0343.6467", "4539148803436467", "12/29", "6789", "900462"):
        assert raw not in text


# ---- checkpoints at rest -------------------------------------------------------------------


def test_checkpoint_key_file_is_made_outside_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    key = checkpoint_key(settings)
    path = key_file(settings)
    assert len(key) == 32
    assert path == (tmp_path / "data.checkpoint-key").resolve()
    assert path.stat().st_mode & 0o777 == 0o600
    assert checkpoint_key(settings) == key  # read back, not made again


def test_a_key_file_inside_the_data_directory_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, checkpoint_key_file=tmp_path / "keys" / "k")
    with pytest.raises(ConfigError, match="inside the data directory"):
        checkpoint_key(settings)


def test_a_malformed_key_is_refused(tmp_path: Path) -> None:
    short = base64.b64encode(b"x" * 16).decode()
    with pytest.raises(ConfigError, match="32 bytes"):
        checkpoint_key(Settings(data_dir=tmp_path, checkpoint_key=short))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="not base64"):
        checkpoint_key(Settings(data_dir=tmp_path, checkpoint_key="not base64!"))  # type: ignore[arg-type]


def test_a_blob_sealed_with_another_key_does_not_open() -> None:
    sealed = EncryptedSerializer(AesGcmCipher(b"k" * 32)).dumps_typed({"email": "a@b.co"})
    assert b"a@b.co" not in sealed[1]
    with pytest.raises(ConfigError, match="does not open"):
        EncryptedSerializer(AesGcmCipher(b"j" * 32)).loads_typed(sealed)


async def test_saved_conversations_hold_no_readable_tool_results(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.data_dir.mkdir()
    details = '{"email": "noah.brown7922@example.com", "address": {"zip": "80279"}}'
    messages = [
        HumanMessage("I'm Noah Brown, zip 80279", id="h1"),
        AIMessage(
            "",
            id="a1",
            tool_calls=[
                {
                    "name": "find_user_id_by_name_zip",
                    "args": {"first_name": "Noah", "last_name": "Brown", "zip": "80279"},
                    "id": "c1",
                }
            ],
        ),
        ToolMessage(details, tool_call_id="c1", id="t1"),
    ]
    config = {"configurable": {"thread_id": "t", "checkpoint_ns": "", "checkpoint_id": "1"}}
    async with open_checkpointer(settings) as saver:
        await saver.setup()
        checkpoint = {
            "v": 4,
            "id": "1",
            "ts": "2026-12-07T00:00:00+00:00",
            "channel_values": {"messages": messages},
            "channel_versions": {"messages": 1},
            "versions_seen": {},
            "updated_channels": ["messages"],
        }
        saved = await saver.aput(config, checkpoint, {"source": "loop", "step": 1}, {})  # type: ignore[arg-type]
        await saver.aput_writes(saved, [("messages", messages)], "task-1")
        back = await saver.aget_tuple(saved)
    assert back is not None and back.checkpoint["channel_values"]["messages"] == messages
    raw = settings.checkpoint_path.read_bytes()
    wal = settings.checkpoint_path.with_name("checkpoints.sqlite-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    for secret in (b"noah.brown7922", b"80279", b"Brown", b"find_user_id_by_name_zip"):
        assert secret not in raw
    with sqlite3.connect(settings.checkpoint_path) as db:
        types = {row[0] for row in db.execute("SELECT type FROM checkpoints")}
        types |= {row[0] for row in db.execute("SELECT type FROM writes")}
    assert types and all(t.endswith("+aesgcm") for t in types)


@pytest.mark.parametrize(
    "text",
    [
        "+44" + "1" * 40 + "a",  # digits a backtracking phone pattern could split 2**40 ways
        "0044" + "  1" * 40 + "x",
        "1." * 20_000 + "@",  # an e-mail local part tried from every character
        "1" * 20_000 + " at b dot c",  # a spelled-out local part split every way
        "1_" * 20_000,  # one punctuation mark between single digits, 20 000 times
        "a1 at " * 5_000,
    ],
)
def test_adversarial_text_is_scanned_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    find_pii(text)
    assert time.perf_counter() - started < 1.0  # seconds; exponential would never finish
