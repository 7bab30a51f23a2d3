"""The behaviour-event schema, version 1, and its wire encoding (one JSON object per event).

Every event names what happened (``type``), when (``ts``, always stored in UTC), to whom
(``user_id`` and/or ``session_id``) and to what (``product_id``, ``quantity``, ``price``).
Which of those a type needs is checked here, so a bad event is rejected at the door with a
reason instead of surfacing later as a poison record.

Ids must look like ids. The free text (``query``) is masked by whoever publishes it, but an id
is kept as it is, in the log, the profiles and the lake, so an id field (``event_id``,
``user_id``, ``session_id``, ``product_id``, ``order_id``, ``items``) that holds an e-mail
address (``a@b.co``, ``sofia [at] example.com``, ``sofia.rossi at example dot com``), a number
laid out like a card (13-19 digits passing the Luhn check, whatever separates them) or a US
social security number (``078-05-1120``, ``536_22_4710``, ``219-09/9999``) is refused with a
reason naming the field and the kind, never the value. infra imports nothing of ours (the PII
detector lives in ``tools.analyze``), so these are the id shapes it rules out, not the
detector: valid events are the same as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

SCHEMA_VERSION: Literal[1] = 1

EventType = Literal[
    "search",
    "view",
    "add_to_cart",
    "purchase",
    "cancel",
    "recommendation_shown",
    "recommendation_clicked",
    "chat_turn",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)

_ID = r"^[A-Za-z0-9._:@/-]+$"
# The fields each type needs beyond the common ones.
_NEEDS: dict[str, tuple[str, ...]] = {
    "search": ("query",),
    "view": ("product_id",),
    "add_to_cart": ("product_id", "quantity"),
    "purchase": ("product_id", "quantity", "price"),
    "cancel": ("product_id", "quantity", "price"),
    "recommendation_shown": ("items",),
    "recommendation_clicked": ("product_id",),
    "chat_turn": (),
}


# An e-mail address: an "@" between two names, "[at]" or "(at)" in brackets, or a bare "at"
# whose domain has a dot, spelled or not ("sofia.rossi at example dot com").
_BRACKETED = r"\s*[\[(<{]\s*{}\s*[\])>}]\s*"
_EMAIL = re.compile(
    r"[^\s@]@[^\s@]"
    rf"|{_BRACKETED.replace('{}', '(?i:at)')}"
    rf"|\w\s+(?i:at)\s+\w+(?:\.|\s+(?i:dot)\s+|{_BRACKETED.replace('{}', '(?i:dot)')})\w"
)
# A number on its own: digits with anything but letters between them (up to three characters:
# "6011_5432_7788_1127", "53 76 12 34 …", "5376-1234 9876/5432"), with no letter or digit
# right before or after (a digit run inside a hex id is not one).
_NUMBER = re.compile(r"(?<![A-Za-z0-9])[0-9](?:[^A-Za-z0-9]{0,3}[0-9])*(?![A-Za-z0-9])")
# Three groups of 3, 2 and 4 digits, whatever joins them ("536_22_4710", "219-09/9999").
_SSN = re.compile(
    r"(?<!\d)(?!000|666|9)\d{3}[^A-Za-z0-9]{1,3}(?!00)\d{2}[^A-Za-z0-9]{1,3}(?!0000)\d{4}(?!\d)"
)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def personal_data_in_id(value: str) -> str | None:
    """What kind of personal data ``value`` holds ("an e-mail address" …), or ``None``."""
    if _EMAIL.search(value):
        return "an e-mail address"
    for number in _NUMBER.finditer(value):
        digits = re.sub(r"\D", "", number.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            return "a card number"
        if _SSN.search(number.group()):
            return "a social security number"
    return None


def _plain_id(value: str | None) -> str | None:
    if value is not None and (kind := personal_data_in_id(value)) is not None:
        raise ValueError(f"an id must not hold personal data; this one holds {kind}")
    return value


class BehaviourEvent(BaseModel):
    """One shopper action, as it travels through the stream and lands in the lake."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = SCHEMA_VERSION
    event_id: str = Field(min_length=1, max_length=128, pattern=_ID)
    type: EventType
    ts: AwareDatetime
    user_id: str | None = Field(default=None, min_length=1, max_length=128)
    session_id: str | None = Field(default=None, min_length=1, max_length=128)
    product_id: str | None = Field(default=None, min_length=1, max_length=128)
    quantity: int | None = Field(default=None, ge=1, le=1_000_000)
    price: float | None = Field(default=None, ge=0, le=1_000_000)
    # The search text (search) or the shopper's message kind (chat_turn); never free PII.
    query: str | None = Field(default=None, max_length=512)
    # The order a purchase or cancellation belongs to (an invoice number in the demo data).
    order_id: str | None = Field(default=None, max_length=128)
    # The products shown (recommendation_shown, search results).
    items: list[str] | None = Field(default=None, max_length=100)
    # The W3C trace context of the turn or request that published it (infra.tracing), so the
    # processors continue that trace; ids only, and not kept in the lake.
    traceparent: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
    )

    @field_validator("ts")
    @classmethod
    def _utc(cls, ts: datetime) -> datetime:
        return ts.astimezone(UTC)

    @field_validator("event_id", "user_id", "session_id", "product_id", "order_id")
    @classmethod
    def _ids(cls, value: str | None) -> str | None:
        return _plain_id(value)

    @field_validator("items")
    @classmethod
    def _item_ids(cls, items: list[str] | None) -> list[str] | None:
        for item in items or ():
            _plain_id(item)
        return items

    @model_validator(mode="after")
    def _fields_for_type(self) -> BehaviourEvent:
        fields = self.__dict__
        missing = [name for name in _NEEDS[self.type] if not fields[name] and fields[name] != 0]
        if missing:
            raise ValueError(f"a {self.type} event needs {', '.join(missing)}")
        return self

    @property
    def partition_key(self) -> str:
        """What the stream partitions by: the user, else the session, else the event itself."""
        return self.user_id or self.session_id or self.event_id


class Rejection(BaseModel):
    """Why one event of a batch was refused."""

    index: int
    event_id: str | None = None
    reasons: list[str]


def encode(event: BehaviourEvent) -> bytes:
    """The wire form of one event: compact JSON without the fields that are unset."""
    return event.model_dump_json(exclude_none=True).encode()


def decode(data: bytes) -> BehaviourEvent:
    """One event from its wire form; raises ``ValueError`` (pydantic's) when it is not one."""
    return BehaviourEvent.model_validate_json(data)


def reasons(err: ValidationError) -> list[str]:
    """Pydantic's errors as short sentences that name the field."""
    out = []
    for e in err.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in e["loc"])
        message = str(e["msg"]).removeprefix("Value error, ")
        out.append(f"{where}: {message}" if where else message)
    return out


def validate_batch(raw: Iterable[Any]) -> tuple[list[BehaviourEvent], list[Rejection]]:
    """The valid events of a client batch, and a rejection with reasons for each other one."""
    events: list[BehaviourEvent] = []
    rejected: list[Rejection] = []
    for index, item in enumerate(raw):
        try:
            events.append(BehaviourEvent.model_validate(item))
        except ValidationError as err:
            event_id = item.get("event_id") if isinstance(item, dict) else None
            if isinstance(event_id, str) and personal_data_in_id(event_id) is not None:
                event_id = None  # the rejection names the event; it must not echo the data
            rejected.append(
                Rejection(
                    index=index,
                    event_id=event_id if isinstance(event_id, str) else None,
                    reasons=reasons(err),
                )
            )
    return events, rejected
