"""The behaviour-event schema: what each type needs, UTC times, and rejections with reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from infra.events.schema import EVENT_TYPES, BehaviourEvent, decode, encode, validate_batch

TS = "2011-06-01T10:00:00+02:00"


def test_every_type_is_accepted_with_the_fields_it_needs() -> None:
    examples = {
        "search": {"query": "red lantern", "items": ["22138"]},
        "view": {"product_id": "22138"},
        "add_to_cart": {"product_id": "22138", "quantity": 2},
        "purchase": {"product_id": "22138", "quantity": 2, "price": 4.95, "order_id": "581587"},
        "cancel": {"product_id": "22138", "quantity": 1, "price": 4.95},
        "recommendation_shown": {"items": ["22138", "85123A"]},
        "recommendation_clicked": {"product_id": "85123A"},
        "chat_turn": {},
    }
    assert set(examples) == set(EVENT_TYPES)
    for kind, fields in examples.items():
        event = BehaviourEvent.model_validate(
            {"event_id": f"e-{kind}", "type": kind, "ts": TS, "session_id": "s1", **fields}
        )
        assert event.type == kind
        assert decode(encode(event)) == event


def test_times_are_kept_in_utc_and_must_carry_a_zone() -> None:
    event = BehaviourEvent(event_id="e1", type="view", ts=TS, product_id="p")  # type: ignore[arg-type]
    assert event.ts == datetime(2011, 6, 1, 8, 0, tzinfo=UTC)
    assert event.ts.utcoffset() == timedelta(0)
    with pytest.raises(ValidationError, match="timezone"):
        BehaviourEvent(event_id="e1", type="view", ts=datetime(2011, 6, 1), product_id="p")
    east = datetime(2011, 6, 1, 3, tzinfo=timezone(timedelta(hours=5)))
    assert BehaviourEvent(event_id="e", type="view", ts=east, product_id="p").ts.hour == 22


def test_partition_key_is_the_user_then_the_session_then_the_event() -> None:
    base = {"event_id": "e1", "type": "chat_turn", "ts": TS}
    assert (
        BehaviourEvent.model_validate({**base, "user_id": "u", "session_id": "s"}).partition_key
        == "u"
    )
    assert BehaviourEvent.model_validate({**base, "session_id": "s"}).partition_key == "s"
    assert BehaviourEvent.model_validate(base).partition_key == "e1"


def test_a_batch_keeps_the_valid_events_and_names_what_is_wrong_with_the_others() -> None:
    raw = [
        {"event_id": "ok-1", "type": "view", "ts": TS, "product_id": "p1"},
        {"event_id": "no-price", "type": "purchase", "ts": TS, "product_id": "p1", "quantity": 1},
        {"event_id": "bad-type", "type": "teleport", "ts": TS},
        {"event_id": "neg", "type": "add_to_cart", "ts": TS, "product_id": "p", "quantity": -3},
        {"event_id": "extra", "type": "view", "ts": TS, "product_id": "p", "colour": "red"},
        {"type": "view", "ts": "yesterday", "product_id": "p"},
        "not an object",
        {"event_id": "naive", "type": "view", "ts": "2011-06-01T10:00:00", "product_id": "p"},
        {"event_id": "bad id!", "type": "view", "ts": TS, "product_id": "p"},
    ]
    events, rejected = validate_batch(raw)
    assert [e.event_id for e in events] == ["ok-1"]
    by_index = {r.index: r for r in rejected}
    assert sorted(by_index) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert by_index[1].event_id == "no-price"
    assert by_index[1].reasons == ["a purchase event needs price"]
    assert any(r.startswith("type:") for r in by_index[2].reasons)
    assert any(r.startswith("quantity:") for r in by_index[3].reasons)
    assert any("colour" in r for r in by_index[4].reasons)
    assert {"event_id: Field required"} <= set(by_index[5].reasons)
    assert any(r.startswith("ts:") for r in by_index[5].reasons)
    assert by_index[6].event_id is None and by_index[6].reasons
    assert any("timezone" in r for r in by_index[7].reasons)
    assert any(r.startswith("event_id:") for r in by_index[8].reasons)


def test_decode_refuses_what_is_not_an_event() -> None:
    for data in (b"", b"{", b"[]", b'{"event_id": "x"}', b"\xff\xfe"):
        with pytest.raises(ValueError):
            decode(data)
