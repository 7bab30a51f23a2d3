"""The stream processor: read a shard from its checkpoint, apply each event once, move on.

Each consumer (profiles, the lake …) runs its own ``Processor`` with its own checkpoints and
batch size, over the same stream. A batch is applied and only then checkpointed, so a crash
replays at most the batch in hand; handlers are idempotent by event id, so a replayed batch
changes nothing twice. Records that are not events, and events a handler cannot apply, go to
the dead-letter store and the shard moves on. A dependency that is down (``UpstreamError``)
stops the batch, which is tried again after a pause, and nothing is checkpointed meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from infra import tracing
from infra.errors import UpstreamError
from infra.events.checkpoints import Checkpoints
from infra.events.dead_letters import DeadLetters
from infra.events.schema import BehaviourEvent, decode, reasons
from infra.events.stream import Record, StreamReader
from infra.metrics import dead_lettered, event_lag

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    """Events to apply: from ``shard``, starting at record ``first_sequence``."""

    shard: str
    first_sequence: str
    events: list[BehaviourEvent]


Handler = Callable[[Batch], None]
"""Applies a batch, idempotently by event id.

Raise ``UpstreamError`` when a dependency is down (the batch is retried later); any other
exception marks a poison event, which the applier finds by halving the batch.
"""


@dataclass
class ApplyStats:
    records: int = 0
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    batches: int = 0
    last_batch_at: float = 0.0
    # CPU seconds of the applying thread spent decoding records and in the handler, so a slow
    # consumer shows which of the two to look at.
    decode_cpu_s: float = 0.0
    handler_cpu_s: float = 0.0


@dataclass
class BatchApplier:
    """Decodes records, drops repeats within the batch, applies, and dead-letters poison."""

    consumer: str
    handler: Handler
    dead_letters: DeadLetters
    stats: ApplyStats = field(default_factory=ApplyStats)

    def apply(self, shard: str, records: Sequence[Record]) -> None:
        started = time.thread_time()
        pairs: list[tuple[Record, BehaviourEvent]] = []
        seen: set[str] = set()
        for record in records:
            try:
                event = decode(record.data)
            except ValidationError as err:
                self._dead(record, f"not a valid event: {'; '.join(reasons(err))}")
                continue
            if event.event_id in seen:
                self.stats.duplicates += 1
                continue
            seen.add(event.event_id)
            pairs.append((record, event))
        decoded = time.thread_time()
        # The span continues the trace of the turn that published the first event (infra.tracing).
        parents = [event.traceparent for _, event in pairs]
        attributes = {"shopagent.consumer": self.consumer, "messaging.batch.size": len(pairs)}
        with tracing.continued_span(f"events {self.consumer}", parents, attributes):
            self._handle(shard, pairs)
        if pairs:  # the batch's last event: how far behind the stream this consumer runs
            event_lag(self.consumer, pairs[-1][1].ts.timestamp())
        self.stats.decode_cpu_s += decoded - started
        self.stats.handler_cpu_s += time.thread_time() - decoded
        self.stats.records += len(records)
        self.stats.batches += 1
        self.stats.last_batch_at = time.time()

    def _handle(self, shard: str, pairs: list[tuple[Record, BehaviourEvent]]) -> None:
        if not pairs:
            return
        try:
            self.handler(Batch(shard, pairs[0][0].sequence, [event for _, event in pairs]))
        except UpstreamError:
            raise
        except Exception as err:  # noqa: BLE001 - any other failure marks a poison event
            if len(pairs) == 1:
                self._dead(pairs[0][0], f"{self.consumer} could not apply it: {err!r}")
                return
            middle = len(pairs) // 2
            self._handle(shard, pairs[:middle])
            self._handle(shard, pairs[middle:])
            return
        self.stats.applied += len(pairs)

    def _dead(self, record: Record, reason: str) -> None:
        log.warning("dead letter %s/%s: %s", record.shard, record.sequence, reason)
        self.dead_letters.put(self.consumer, record, reason)
        self.stats.dead_lettered += 1
        dead_lettered(self.consumer)


class Processor:
    """One consumer of the stream: ``step`` processes a batch per shard; ``run`` loops."""

    def __init__(
        self,
        applier: BatchApplier,
        reader: StreamReader,
        checkpoints: Checkpoints,
        *,
        batch_size: int = 1000,
        max_wait_s: float = 0.0,
        poll_s: float = 0.05,
        retry_s: float = 1.0,
        shards_every_s: float = 30.0,
    ) -> None:
        self.applier = applier
        self.reader = reader
        self.checkpoints = checkpoints
        self.batch_size = batch_size
        self.max_wait_s = max_wait_s
        self.poll_s = poll_s
        self.retry_s = retry_s
        self.shards_every_s = shards_every_s
        self._positions: dict[str, str | None] = {}
        self._shards: list[str] = []
        self._shards_at = -float("inf")
        self._stop = threading.Event()
        self._draining = False

    @property
    def consumer(self) -> str:
        return self.applier.consumer

    @property
    def stats(self) -> ApplyStats:
        return self.applier.stats

    def position(self, shard: str) -> str | None:
        """The last checkpointed sequence of ``shard``."""
        if shard not in self._positions:
            self._positions[shard] = self.checkpoints.get(shard)
        return self._positions[shard]

    def step(self) -> int:
        """Process one batch from every shard this worker holds; returns records processed."""
        if time.monotonic() - self._shards_at > self.shards_every_s:
            self._shards, self._shards_at = self.reader.shards(), time.monotonic()
        done = 0
        for shard in self._shards:
            if not self.checkpoints.acquire(shard):
                self._positions.pop(shard, None)
                continue
            records = self._collect(shard, self.position(shard))
            if not records:
                continue
            self.applier.apply(shard, records)
            try:
                self.checkpoints.put(shard, records[-1].sequence)
            except UpstreamError:
                self._positions.pop(shard, None)
                raise
            self._positions[shard] = records[-1].sequence
            done += len(records)
        return done

    def _collect(self, shard: str, after: str | None) -> list[Record]:
        """A batch: what the shard has, or, with ``max_wait_s``, up to a full batch or time."""
        records = self.reader.read(shard, after, self.batch_size)
        if not records or self.max_wait_s <= 0:
            return records
        deadline = time.monotonic() + self.max_wait_s
        while len(records) < self.batch_size and not self._stop.is_set():
            more = self.reader.read(shard, records[-1].sequence, self.batch_size - len(records))
            records.extend(more)
            if more:
                continue
            if self._draining or time.monotonic() >= deadline:
                break
            self._stop.wait(self.poll_s)
        return records

    def run(self, until_idle: bool = False, max_failures: int | None = None) -> None:
        """Process until ``stop`` (or, with ``until_idle``, until the stream has nothing new).

        A failing dependency is retried every ``retry_s``; after ``max_failures`` failures in a
        row the last ``UpstreamError`` is raised (None: retry for as long as it takes).
        """
        self._draining = until_idle
        failures = 0
        while not self._stop.is_set():
            try:
                done = self.step()
            except UpstreamError as err:
                failures += 1
                if max_failures is not None and failures >= max_failures:
                    raise
                log.warning("%s: %s; retrying in %.1f s", self.consumer, err, self.retry_s)
                self._stop.wait(self.retry_s)
                continue
            failures = 0
            if not done:
                if until_idle:
                    return
                self._stop.wait(self.poll_s)

    def stop(self) -> None:
        self._stop.set()
