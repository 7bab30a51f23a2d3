"""What a stream is to its producers and its processor: two small Protocols and a record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from infra.events.schema import BehaviourEvent


@dataclass(frozen=True, slots=True)
class Record:
    """One record as read back from a shard; ``sequence`` orders records within the shard."""

    shard: str
    sequence: str
    data: bytes


class Producer(Protocol):
    """Appends events to the stream."""

    name: str

    def send(self, events: Sequence[BehaviourEvent]) -> None:
        """Hand events to the stream; may return before they are durable (see ``flush``).

        Blocks while the producer's buffer is full and raises ``UpstreamError`` when it stays
        full for too long: a slow stream pushes back on its callers instead of piling up.
        """

    def flush(self, timeout_s: float = 10.0) -> None:
        """Return once every event sent so far is durable; ``UpstreamError`` on timeout."""

    def close(self) -> None: ...


class StreamReader(Protocol):
    """Reads a stream shard by shard, from a position onwards."""

    def shards(self) -> list[str]:
        """The shards to read, oldest first."""

    def read(self, shard: str, after: str | None, limit: int) -> list[Record]:
        """Up to ``limit`` records of ``shard`` after sequence ``after`` (None: from the start)."""

    def close(self) -> None: ...
